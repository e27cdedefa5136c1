package engine

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	"github.com/kwait-dev/kwait/status"
)

// Goal is what a wait waits for each of its resources to reach at least
// once. The zero Goal is GoalCurrent.
type Goal struct {
	kind goalKind
	name string
	met  func(*unstructured.Unstructured) (bool, error)
}

type goalKind int

const (
	goalCurrent goalKind = iota
	goalDeleted
	goalExists
	goalPredicate
)

// GoalCurrent: the resource is Current, or does not exist (kstatus).
func GoalCurrent() Goal { return Goal{name: "Current"} }

// GoalDeleted: the resource does not exist, or was replaced by another
// object of its name (its UID changed since the wait first saw it).
func GoalDeleted() Goal { return Goal{kind: goalDeleted, name: "deleted"} }

// GoalExists: the resource exists.
func GoalExists() Goal { return Goal{kind: goalExists, name: "created"} }

// GoalPredicate: the resource exists and met reports true for it. name
// says what met checks, in reports. An error of met leaves the resource
// unmet, with the error on its update.
func GoalPredicate(name string, met func(*unstructured.Unstructured) (bool, error)) Goal {
	return Goal{kind: goalPredicate, name: name, met: met}
}

// String names the goal, as in "did not become <goal>".
func (g Goal) String() string {
	if g.name == "" {
		return "Current"
	}
	return g.name
}

// judge reports whether a resource meets g: st is its status, obj its
// state (nil when absent), firstUID the UID it had when the wait first saw
// it ("" if not seen yet).
func (g Goal) judge(st status.Status, obj *unstructured.Unstructured, firstUID types.UID) (bool, error) {
	switch g.kind {
	case goalDeleted:
		return obj == nil || (firstUID != "" && obj.GetUID() != firstUID), nil
	case goalExists:
		return obj != nil, nil
	case goalPredicate:
		if obj == nil {
			return false, nil
		}
		return g.met(obj)
	}
	return st == status.CurrentStatus, nil
}
