package status

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
)

// parseConditions reads status.conditions. Null entries are skipped; an entry
// that is not an object, or whose type, status, reason or message is not a
// string, is a *FieldError.
func parseConditions(obj map[string]any) ([]Condition, error) {
	items, _, err := sliceAt(obj, "", "status", "conditions")
	if err != nil || len(items) == 0 {
		return nil, err
	}
	conds := make([]Condition, 0, len(items))
	for i, item := range items {
		if item == nil {
			continue
		}
		path := fmt.Sprintf("status.conditions[%d]", i)
		m, ok := item.(map[string]any)
		if !ok {
			return nil, wrongType(path, item, "object")
		}
		var c Condition
		var fields [4]string
		for j, key := range [...]string{"type", "status", "reason", "message"} {
			if fields[j], _, err = stringAt(m, path, key); err != nil {
				return nil, err
			}
		}
		c.Type, c.Status, c.Reason, c.Message = ConditionType(fields[0]), corev1.ConditionStatus(fields[1]), fields[2], fields[3]
		conds = append(conds, c)
	}
	return conds, nil
}

// conditionWith returns the first condition of type t with status s.
func conditionWith(conds []Condition, t ConditionType, s corev1.ConditionStatus) (Condition, bool) {
	for _, c := range conds {
		if c.Type == t && c.Status == s {
			return c, true
		}
	}
	return Condition{}, false
}

// checkStandardConditions decides from the kstatus conditions alone: the
// first of Reconciling=True (InProgress) and Stalled=True (Failed) in list
// order wins, as in cli-utils. nil means neither is set.
func checkStandardConditions(conds []Condition) *Result {
	for _, c := range conds {
		if c.Status != corev1.ConditionTrue {
			continue
		}
		switch c.Type {
		case ConditionReconciling:
			return inProgress(c.Reason, c.Message)
		case ConditionStalled:
			return failed(c.Reason, c.Message)
		}
	}
	return nil
}

// checkReadyCondition decides from a Ready condition, for kinds without a
// rule: True is Current; False and Unknown are InProgress with the
// condition's reason and message. nil means no Ready condition decided.
func checkReadyCondition(conds []Condition) *Result {
	for _, c := range conds {
		if c.Type != "Ready" {
			continue
		}
		switch c.Status {
		case corev1.ConditionTrue:
			return current("Resource is Ready")
		case corev1.ConditionFalse, corev1.ConditionUnknown:
			return inProgress(c.Reason, c.Message)
		}
	}
	return nil
}
