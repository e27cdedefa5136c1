package status

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
)

// pvcStatus: Current once the claim is Bound, InProgress before.
func pvcStatus(o *object) (*Result, error) {
	phase, found, err := nestedString(o.obj, "status", "phase")
	if err != nil {
		return nil, err
	}
	if !found {
		phase = "unknown"
	}
	if corev1.PersistentVolumeClaimPhase(phase) != corev1.ClaimBound {
		return inProgress("NotBound", fmt.Sprintf("PVC is not Bound. phase: %s", phase)), nil
	}
	return current("PVC is Bound"), nil
}
