package status

import "fmt"

// daemonSetStatus: InProgress until the controller has observed the object
// (observedGeneration set), reported desiredNumberScheduled, and has that many
// pods scheduled, updated, available and ready.
func daemonSetStatus(o *object) (*Result, error) {
	if res, err := requireObservedGeneration(o); res != nil || err != nil {
		return res, err
	}
	r := reader{obj: o.obj}
	desired := r.int(-1, "status", "desiredNumberScheduled")
	scheduled := r.int(0, "status", "currentNumberScheduled")
	updated := r.int(0, "status", "updatedNumberScheduled")
	avail := r.int(0, "status", "numberAvailable")
	ready := r.int(0, "status", "numberReady")
	if r.err != nil {
		return nil, r.err
	}

	switch {
	case desired == -1:
		return inProgress("NoDesiredNumber", "Missing .status.desiredNumberScheduled"), nil
	case desired > scheduled:
		return inProgress(reasonLessCurrent, fmt.Sprintf("Current: %d/%d", scheduled, desired)), nil
	case desired > updated:
		return inProgress(reasonLessUpdated, fmt.Sprintf("Updated: %d/%d", updated, desired)), nil
	case desired > avail:
		return inProgress(reasonLessAvailable, fmt.Sprintf("Available: %d/%d", avail, desired)), nil
	case desired > ready:
		return inProgress(reasonLessReady, fmt.Sprintf("Ready: %d/%d", ready, desired)), nil
	}
	return current(fmt.Sprintf("All replicas scheduled as expected. Replicas: %d", desired)), nil
}
