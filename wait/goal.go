package wait

import (
	"fmt"
	"reflect"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/util/jsonpath"

	"github.com/kwait-dev/kwait/engine"
	"github.com/kwait-dev/kwait/status"
)

// Goal is what a wait waits for each of its resources to reach, at least
// once during the wait. The zero Goal is Current.
type Goal struct {
	g engine.Goal
}

// String names the goal as reports say it: "did not become <goal>".
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
	name := fmt.Sprintf("condition %s=%s", conditionType, want)
	return Goal{engine.GoalPredicate(name, func(u *unstructured.Unstructured) (bool, error) {
		conds, found, err := unstructured.NestedSlice(u.Object, "status", "conditions")
		if err != nil || !found {
			return false, nil //nolint:nilerr // malformed conditions: not met, and status says why
		}
		for _, c := range conds {
			m, ok := c.(map[string]any)
			if !ok || m["type"] != conditionType {
				continue
			}
			if og, ok := asInt(m["observedGeneration"]); ok && og < u.GetGeneration() {
				return false, nil
			}
			s, _ := m["status"].(string)
			return strings.EqualFold(s, string(want)), nil
		}
		return false, nil
	})}
}

func asInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case float64:
		return int64(n), true
	case int:
		return int64(n), true
	}
	return 0, false
}

// JSONPath is met when the JSONPath expression expr (kubectl's syntax, as
// in '{.status.phase}'; the braces may be left out) selects exactly one
// value and that value, printed, equals want; with want "", when it
// selects one value that is not empty. This is kubectl wait
// --for=jsonpath. An expression that selects several values leaves the
// resource unmet with an error.
func JSONPath(expr, want string) (Goal, error) {
	src := expr
	if !strings.HasPrefix(strings.TrimSpace(src), "{") {
		src = "{" + src + "}"
	}
	j := jsonpath.New("goal").AllowMissingKeys(true)
	if err := j.Parse(src); err != nil {
		return Goal{}, fmt.Errorf("wait: JSONPath %q: %w", expr, err)
	}
	name := "jsonpath " + src
	if want != "" {
		name += "=" + want
	}
	return Goal{engine.GoalPredicate(name, func(u *unstructured.Unstructured) (bool, error) {
		results, err := j.FindResults(u.Object)
		if err != nil {
			return false, err
		}
		var values []string
		for _, rs := range results {
			for _, r := range rs {
				for r.Kind() == reflect.Interface || r.Kind() == reflect.Pointer {
					r = r.Elem()
				}
				switch r.Kind() {
				case reflect.Invalid:
					values = append(values, "")
				case reflect.Map, reflect.Slice, reflect.Struct:
					return false, fmt.Errorf("JSONPath %s selects an object or a list, want a value", src)
				default:
					values = append(values, fmt.Sprint(r.Interface()))
				}
			}
		}
		switch {
		case len(values) == 0:
			return false, nil
		case len(values) > 1:
			return false, fmt.Errorf("JSONPath %s selects %d values, want one", src, len(values))
		case want == "":
			return values[0] != "", nil
		}
		return values[0] == want, nil
	})}, nil
}

// CEL is met when the CEL expression expr is true for the object. It is
// compiled now, in the environment of status.NewCELFunc: the object's
// top-level fields as variables (status, metadata, spec, …; self is the
// whole object), optional types, and a cost limit. An evaluation error
// leaves the resource unmet, with the error on its update.
func CEL(expr string) (Goal, error) {
	e, err := status.NewCELExpr(expr)
	if err != nil {
		return Goal{}, fmt.Errorf("wait: %w", err)
	}
	return Goal{engine.GoalPredicate("cel "+expr, e.Eval)}, nil
}
