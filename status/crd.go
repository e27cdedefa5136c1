package status

import corev1 "k8s.io/api/core/v1"

// crdStatus: NamesAccepted=False, or Established=False for any reason but
// Installing, is Failed; Established=True is Current; anything else is
// InProgress. NamesAccepted is checked first whatever the list order
// (cli-utils takes the first matching condition in list order).
func crdStatus(o *object) (*Result, error) {
	if c, ok := conditionWith(o.conditions, "NamesAccepted", corev1.ConditionFalse); ok {
		return failed(c.Reason, c.Message), nil
	}
	for _, c := range o.conditions {
		if c.Type != "Established" {
			continue
		}
		switch {
		case c.Status == corev1.ConditionTrue:
			return current("CRD is established"), nil
		case c.Status == corev1.ConditionFalse && c.Reason != "Installing":
			return failed(c.Reason, c.Message), nil
		}
	}
	return inProgress("Installing", "Install in progress"), nil
}
