package status_test

import (
	"fmt"
	"testing"
)

// statefulSet is an apps/v1 StatefulSet with the given spec and status.
func statefulSet(spec string, replicas, ready, current, updated int, currentRev, updateRev string) string {
	stat := fmt.Sprintf(`{"observedGeneration":1,"replicas":%d,"readyReplicas":%d,"currentReplicas":%d,"updatedReplicas":%d,"currentRevision":%q,"updateRevision":%q}`,
		replicas, ready, current, updated, currentRev, updateRev)
	return object("apps/v1", "StatefulSet", spec, stat)
}

func TestStatefulSet(t *testing.T) {
	t.Parallel()
	const (
		spec          = `{"replicas":3,"updateStrategy":{"type":"RollingUpdate"}}`
		partitioned   = `{"replicas":3,"updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"partition":1}}}`
		partitionZero = `{"replicas":3,"updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"partition":0}}}`
	)
	runComputeCases(t, []computeCase{
		{
			name: "all replicas current",
			obj:  statefulSet(spec, 3, 3, 3, 3, "r1", "r1"),
			want: current("All replicas scheduled as expected. Replicas: 3"),
		},
		{
			name: "OnDelete is Current once observed",
			obj:  statefulSet(`{"replicas":3,"updateStrategy":{"type":"OnDelete"}}`, 1, 0, 0, 0, "r1", "r2"),
			want: current("StatefulSet is using the ondelete update strategy"),
		},
		{
			name: "OnDelete not yet observed",
			obj: object("apps/v1", "StatefulSet", `{"updateStrategy":{"type":"OnDelete"}}`,
				`{"observedGeneration":0}`),
			want: inProgress("LatestGenerationNotObserved", "StatefulSet generation is 1, but latest observed generation is 0"),
		},
		{
			name: "spec.replicas defaults to 1",
			obj:  statefulSet(`{}`, 1, 1, 1, 1, "r1", "r1"),
			want: current("All replicas scheduled as expected. Replicas: 1"),
		},
		{
			name: "too few replicas",
			obj:  statefulSet(spec, 2, 2, 2, 2, "r1", "r1"),
			want: inProgress("LessReplicas", "Replicas: 2/3"),
		},
		{
			name: "too few ready",
			obj:  statefulSet(spec, 3, 2, 3, 3, "r1", "r1"),
			want: inProgress("LessReady", "Ready: 2/3"),
		},
		{
			name: "extra pods pending termination",
			obj:  statefulSet(spec, 5, 3, 3, 3, "r1", "r1"),
			want: inProgress("ExtraPods", "Pending termination: 2"),
		},
		{
			name: "partition rollout in progress",
			obj:  statefulSet(partitioned, 3, 3, 2, 1, "r1", "r2"),
			want: inProgress("PartitionRollout", "updated: 1/2"),
		},
		{
			name: "partition rollout complete",
			obj:  statefulSet(partitioned, 3, 3, 1, 2, "r1", "r2"),
			want: current("Partition rollout complete. updated: 2"),
		},
		{
			name: "partition 0 (the API default) needs all updated, not equal revisions",
			obj:  statefulSet(partitionZero, 3, 3, 0, 3, "r1", "r2"),
			want: current("Partition rollout complete. updated: 3"),
		},
		{
			name: "too few current",
			obj:  statefulSet(spec, 3, 3, 2, 3, "r1", "r1"),
			want: inProgress("LessCurrent", "current: 2/3"),
		},
		{
			name: "revisions differ",
			obj:  statefulSet(spec, 3, 3, 3, 3, "r1", "r2"),
			want: inProgress("RevisionMismatch", "Waiting for updated revision to match current"),
		},
		{
			name:        "updateStrategy.type of the wrong type",
			obj:         statefulSet(`{"updateStrategy":{"type":5}}`, 1, 1, 1, 1, "r1", "r1"),
			wantErrPath: "spec.updateStrategy.type",
		},
		{
			name:        "updateStrategy not an object",
			obj:         statefulSet(`{"updateStrategy":"OnDelete"}`, 1, 1, 1, 1, "r1", "r1"),
			wantErrPath: "spec.updateStrategy",
		},
		{
			name:        "currentRevision of the wrong type",
			obj:         object("apps/v1", "StatefulSet", `{"replicas":1}`, `{"replicas":1,"readyReplicas":1,"currentReplicas":1,"currentRevision":7}`),
			wantErrPath: "status.currentRevision",
		},
	})
}
