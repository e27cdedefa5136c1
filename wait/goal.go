package wait

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kwait-dev/kwait/engine"
)

// Goal is what a wait waits for each of its resources to reach, at least
// once during the wait. The zero Goal is Current.
type Goal struct {
	g engine.Goal
}

// String names the goal as reports say it.
func (g Goal) String() string { return g.g.String() }

// Current is kstatus Current, what WaitForStatus waits for. An object that
// does not exist counts as Current.
func Current() Goal { return Goal{engine.GoalCurrent()} }

// Deleted is met once the object is gone: not found, or replaced by a new
// object of the same name (its UID changed since the wait first saw it).
// An object that is already gone meets it at once; one with a
// deletionTimestamp (held by a finalizer) is Terminating, not deleted.
func Deleted() Goal { return Goal{engine.GoalDeleted()} }

// Exists is met once the object exists (kubectl wait --for=create).
func Exists() Goal { return Goal{engine.GoalExists()} }

// Condition is met when status.conditions has a condition of
// conditionType whose status is want. A condition whose observedGeneration
// is below metadata.generation describes an older spec and does not count.
func Condition(conditionType string, want metav1.ConditionStatus) Goal {
	return Goal{engine.GoalCondition(conditionType, want)}
}

// JSONPath is met when the JSONPath expression expr (kubectl's syntax, as
// in '{.status.phase}'; the braces may be left out) selects exactly one
// value and that value, printed, equals want; with want "", when it
// selects one value that is not empty. This is kubectl wait
// --for=jsonpath. An expression that selects several values, or an object
// or a list, leaves the resource unmet with an error.
func JSONPath(expr, want string) (Goal, error) {
	g, err := engine.GoalJSONPath(expr, want)
	if err != nil {
		return Goal{}, fmt.Errorf("wait: %w", err)
	}
	return Goal{g}, nil
}

// CEL is met when the CEL expression expr is true for the object. It is
// compiled now, in the environment of status.NewCELFunc: the object's
// top-level fields as variables (status, metadata, spec, …; self is the
// whole object), optional types, and a cost limit. An evaluation error
// leaves the resource unmet, with the error on its update.
func CEL(expr string) (Goal, error) {
	g, err := engine.GoalCEL(expr)
	if err != nil {
		return Goal{}, fmt.Errorf("wait: %w", err)
	}
	return Goal{g}, nil
}
