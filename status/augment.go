package status

import (
	"fmt"
	"time"

	unstructured "k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Augment computes the status of u and writes the Result's conditions
// (Reconciling or Stalled, True) into u's status.conditions, as kstatus
// Augment does: an existing condition of the same type is updated in place
// (lastTransitionTime only when its status changes), otherwise one is
// appended. Current and Terminating results write nothing. Compute reads
// these conditions, so Compute on an augmented object keeps reporting
// InProgress or Failed: augment a copy if you will compute again.
func Augment(u *unstructured.Unstructured) error {
	return augment(u, time.Now())
}

func augment(u *unstructured.Unstructured, now time.Time) error {
	res, err := Compute(u)
	if err != nil {
		return err
	}
	if len(res.Conditions) == 0 {
		return nil
	}
	if u.Object == nil {
		u.Object = map[string]any{}
	}
	st, found, err := mapAt(u.Object, "", "status")
	if err != nil {
		return err
	}
	if !found {
		st = map[string]any{}
		u.Object["status"] = st
	}
	items, _, err := sliceAt(st, "status", "conditions")
	if err != nil {
		return err
	}

	ts := now.UTC().Format(time.RFC3339)
	for _, want := range res.Conditions {
		present := false
		for i, item := range items {
			if item == nil {
				continue
			}
			path := fmt.Sprintf("status.conditions[%d]", i)
			m, ok := item.(map[string]any)
			if !ok {
				return wrongType(path, item, "object")
			}
			typ, _, err := stringAt(m, path, "type")
			if err != nil {
				return err
			}
			if typ != string(want.Type) {
				continue
			}
			old, _, err := stringAt(m, path, "status")
			if err != nil {
				return err
			}
			if old != string(want.Status) {
				m["lastTransitionTime"] = ts
			}
			m["status"] = string(want.Status)
			m["lastUpdateTime"] = ts
			m["reason"] = want.Reason
			m["message"] = want.Message
			present = true
		}
		if !present {
			items = append(items, map[string]any{
				"type":               string(want.Type),
				"status":             string(want.Status),
				"reason":             want.Reason,
				"message":            want.Message,
				"lastTransitionTime": ts,
				"lastUpdateTime":     ts,
			})
		}
	}
	st["conditions"] = items
	return nil
}
