package status

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
)

// replicaSetStatus: InProgress until spec.replicas pods are fully labelled,
// available and ready and no extra pods remain.
//
// ReplicaFailure=True (e.g. pods rejected by quota) is InProgress, not
// Failed, as in cli-utils: the controller keeps retrying and the condition
// clears once the cause (quota, admission) is fixed.
func replicaSetStatus(o *object) (*Result, error) {
	if _, ok := conditionWith(o.conditions, "ReplicaFailure", corev1.ConditionTrue); ok {
		return inProgress("ReplicaFailure", "Replica Failure condition. Check Pods"), nil
	}
	r := reader{obj: o.obj}
	spec := r.int(1, "spec", "replicas")
	replicas := r.int(0, "status", "replicas")
	ready := r.int(0, "status", "readyReplicas")
	avail := r.int(0, "status", "availableReplicas")
	labelled := r.int(0, "status", "fullyLabeledReplicas")
	if r.err != nil {
		return nil, r.err
	}

	switch {
	case spec > labelled:
		return inProgress("LessLabelled", fmt.Sprintf("Labelled: %d/%d", labelled, spec)), nil
	case spec > avail:
		return inProgress(reasonLessAvailable, fmt.Sprintf("Available: %d/%d", avail, spec)), nil
	case spec > ready:
		return inProgress(reasonLessReady, fmt.Sprintf("Ready: %d/%d", ready, spec)), nil
	case replicas > spec:
		return inProgress(reasonExtraPods, fmt.Sprintf("Pending termination: %d", replicas-spec)), nil
	}
	return current(fmt.Sprintf("ReplicaSet is available. Replicas: %d", replicas)), nil
}
