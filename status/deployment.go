package status

import (
	"fmt"
	"math"

	corev1 "k8s.io/api/core/v1"
)

// deploymentStatus: Failed once the progress deadline is exceeded; InProgress
// until the controller has enough replicas, all updated, no extra old ones,
// all updated ones available, enough ready, and reports the rollout finished
// (Progressing=True NewReplicaSetAvailable) and the Deployment Available.
func deploymentStatus(o *object) (*Result, error) {
	deadline, found, err := nestedInt(o.obj, "spec", "progressDeadlineSeconds")
	if err != nil {
		return nil, err
	}
	// Without a deadline (unset, or MaxInt32 which the controller treats as
	// unset) the controller does not maintain the Progressing condition.
	progressed := !found || deadline == math.MaxInt32
	available := false
	for _, c := range o.conditions {
		switch c.Type {
		case "Progressing":
			if c.Reason == "ProgressDeadlineExceeded" {
				res := failed(c.Reason, c.Message)
				res.Message = "Progress deadline exceeded"
				return res, nil
			}
			if c.Status == corev1.ConditionTrue && c.Reason == "NewReplicaSetAvailable" {
				progressed = true
			}
		case "Available":
			if c.Status == corev1.ConditionTrue {
				available = true
			}
		}
	}

	r := reader{obj: o.obj}
	spec := r.int(1, "spec", "replicas") // the controller's default
	replicas := r.int(0, "status", "replicas")
	updated := r.int(0, "status", "updatedReplicas")
	ready := r.int(0, "status", "readyReplicas")
	avail := r.int(0, "status", "availableReplicas")
	if r.err != nil {
		return nil, r.err
	}

	switch {
	case spec > replicas:
		return inProgress(reasonLessReplicas, fmt.Sprintf("Replicas: %d/%d", replicas, spec)), nil
	case spec > updated:
		return inProgress(reasonLessUpdated, fmt.Sprintf("Updated: %d/%d", updated, spec)), nil
	case replicas > spec:
		return inProgress(reasonExtraPods, fmt.Sprintf("Pending termination: %d", replicas-spec)), nil
	case updated > avail:
		return inProgress(reasonLessAvailable, fmt.Sprintf("Available: %d/%d", avail, updated)), nil
	case spec > ready:
		return inProgress(reasonLessReady, fmt.Sprintf("Ready: %d/%d", ready, spec)), nil
	case !progressed:
		return inProgress("ReplicaSetNotAvailable", "ReplicaSet not Available"), nil
	case !available:
		return inProgress("DeploymentNotAvailable", "Deployment not Available"), nil
	}
	return current(fmt.Sprintf("Deployment is available. Replicas: %d", replicas)), nil
}

// Reasons shared by the replica-counting rules.
const (
	reasonLessReplicas  = "LessReplicas"
	reasonLessUpdated   = "LessUpdated"
	reasonLessAvailable = "LessAvailable"
	reasonLessReady     = "LessReady"
	reasonLessCurrent   = "LessCurrent"
	reasonExtraPods     = "ExtraPods"
)
