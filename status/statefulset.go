package status

import "fmt"

// statefulSetStatus: the StatefulSet controller sets no conditions, so status
// comes from the replica counts and revisions. OnDelete StatefulSets are
// user-managed and Current once the generic observedGeneration check passes.
// With a rollingUpdate partition only the replicas at or above the partition
// must be updated.
func statefulSetStatus(o *object) (*Result, error) {
	strategy, _, err := nestedString(o.obj, "spec", "updateStrategy", "type")
	if err != nil {
		return nil, err
	}
	if strategy == "OnDelete" {
		return current("StatefulSet is using the ondelete update strategy"), nil
	}

	r := reader{obj: o.obj}
	spec := r.int(1, "spec", "replicas")
	partition := r.int(-1, "spec", "updateStrategy", "rollingUpdate", "partition")
	replicas := r.int(0, "status", "replicas")
	ready := r.int(0, "status", "readyReplicas")
	currentReplicas := r.int(0, "status", "currentReplicas")
	updated := r.int(0, "status", "updatedReplicas")
	currentRevision := r.string("", "status", "currentRevision")
	updateRevision := r.string("", "status", "updateRevision")
	if r.err != nil {
		return nil, r.err
	}

	switch {
	case spec > replicas:
		return inProgress(reasonLessReplicas, fmt.Sprintf("Replicas: %d/%d", replicas, spec)), nil
	case spec > ready:
		return inProgress(reasonLessReady, fmt.Sprintf("Ready: %d/%d", ready, spec)), nil
	case replicas > spec:
		return inProgress(reasonExtraPods, fmt.Sprintf("Pending termination: %d", replicas-spec)), nil
	case partition != -1:
		if want := spec - partition; updated < want {
			return inProgress("PartitionRollout", fmt.Sprintf("updated: %d/%d", updated, want)), nil
		}
		return current(fmt.Sprintf("Partition rollout complete. updated: %d", updated)), nil
	case spec > currentReplicas:
		return inProgress(reasonLessCurrent, fmt.Sprintf("current: %d/%d", currentReplicas, spec)), nil
	case currentRevision != updateRevision:
		return inProgress("RevisionMismatch", "Waiting for updated revision to match current"), nil
	}
	return current(fmt.Sprintf("All replicas scheduled as expected. Replicas: %d", replicas)), nil
}
