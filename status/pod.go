package status

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// podStatus maps the Pod phase:
//   - Succeeded: Current;
//   - Failed: Failed (cli-utils says Current; a failed Pod never recovers);
//   - Running: Current when Ready=True, else Failed if a container is in
//     CrashLoopBackOff, else InProgress;
//   - Pending: Failed if a container is in CrashLoopBackOff, InProgress
//     otherwise, including unschedulable Pods (cli-utils turns those Failed
//     after 15s of wall-clock time; this package reads no clock, and an
//     autoscaler may still make room);
//   - no phase yet: InProgress; Unknown (node lost): Unknown;
//   - anything else: a *FieldError wrapping ErrUnexpectedValue.
func podStatus(o *object) (*Result, error) {
	phase, _, err := nestedString(o.obj, "status", "phase")
	if err != nil {
		return nil, err
	}
	switch corev1.PodPhase(phase) {
	case corev1.PodSucceeded:
		return current("Pod has completed successfully"), nil
	case corev1.PodFailed:
		return failed("PodFailed", "Pod has completed, but not successfully"), nil
	case corev1.PodRunning:
		if _, ok := conditionWith(o.conditions, "Ready", corev1.ConditionTrue); ok {
			return current("Pod is Ready"), nil
		}
		if res, err := checkCrashLoop(o.obj); res != nil || err != nil {
			return res, err
		}
		return inProgress("PodRunningNotReady", "Pod is running but is not Ready"), nil
	case corev1.PodPending:
		if res, err := checkCrashLoop(o.obj); res != nil || err != nil {
			return res, err
		}
		if c, ok := conditionWith(o.conditions, "PodScheduled", corev1.ConditionFalse); ok && c.Reason == corev1.PodReasonUnschedulable {
			return inProgress("PodUnschedulable", "Pod could not be scheduled"), nil
		}
		return inProgress("PodPending", "Pod is in the Pending phase"), nil
	case "":
		return inProgress("PodNotObserved", "Pod phase not available"), nil
	case corev1.PodUnknown:
		return &Result{Status: UnknownStatus, Message: "Pod phase is Unknown"}, nil
	}
	return nil, &FieldError{Path: "status.phase", Err: fmt.Errorf("%w %q", ErrUnexpectedValue, phase)}
}

// checkCrashLoop returns Failed when an init or app container is waiting in
// CrashLoopBackOff.
func checkCrashLoop(obj map[string]any) (*Result, error) {
	var names []string
	for _, list := range [...]string{"initContainerStatuses", "containerStatuses"} {
		items, _, err := sliceAt(obj, "", "status", list)
		if err != nil {
			return nil, err
		}
		for i, item := range items {
			if item == nil {
				continue
			}
			path := fmt.Sprintf("status.%s[%d]", list, i)
			cs, ok := item.(map[string]any)
			if !ok {
				return nil, wrongType(path, item, "object")
			}
			reason, _, err := stringAt(cs, path, "state", "waiting", "reason")
			if err != nil {
				return nil, err
			}
			if reason != "CrashLoopBackOff" {
				continue
			}
			name, _, err := stringAt(cs, path, "name")
			if err != nil {
				return nil, err
			}
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return nil, nil
	}
	return failed("ContainerCrashLooping", "Containers in CrashLoop state: "+strings.Join(names, ",")), nil
}
