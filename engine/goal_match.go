package engine

import (
	"fmt"
	"reflect"
	"strings"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/util/jsonpath"

	"github.com/kwait-dev/kwait/status"
)

// GoalCondition: status.conditions holds a condition of conditionType
// whose status is want, and whose observedGeneration, if set, is not
// below metadata.generation.
func GoalCondition(conditionType string, want metav1.ConditionStatus) Goal {
	name := fmt.Sprintf("condition %s=%s", conditionType, want)
	return GoalPredicate(name, func(u *unstructured.Unstructured) (bool, error) {
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
	})
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

// GoalJSONPath: the JSONPath expression expr (kubectl's syntax; the braces
// may be left out) selects exactly one value, and it prints as want; with
// want "", one value that is not empty (kubectl wait --for=jsonpath).
func GoalJSONPath(expr, want string) (Goal, error) {
	src := expr
	if !strings.HasPrefix(strings.TrimSpace(src), "{") {
		src = "{" + src + "}"
	}
	j := jsonpath.New("goal").AllowMissingKeys(true)
	if err := j.Parse(src); err != nil {
		return Goal{}, fmt.Errorf("JSONPath %q: %w", expr, err)
	}
	name := "jsonpath " + src
	if want != "" {
		name += "=" + want
	}
	// A parsed JSONPath keeps state while it runs: waits that share the
	// goal take turns.
	var mu sync.Mutex
	return GoalPredicate(name, func(u *unstructured.Unstructured) (bool, error) {
		mu.Lock()
		results, err := j.FindResults(u.Object)
		mu.Unlock()
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
	}), nil
}

// GoalCEL: the CEL expression expr, compiled now in the environment of
// status.NewCELExpr, is true for the object.
func GoalCEL(expr string) (Goal, error) {
	e, err := status.NewCELExpr(expr)
	if err != nil {
		return Goal{}, err
	}
	return GoalPredicate("cel "+expr, e.Eval), nil
}
