package status_test

import (
	"fmt"
	"testing"
)

// replicaSet is an apps/v1 ReplicaSet with the given spec and status.
func replicaSet(spec string, replicas, labelled, available, ready int, conds string) string {
	stat := fmt.Sprintf(`{"observedGeneration":1,"replicas":%d,"fullyLabeledReplicas":%d,"availableReplicas":%d,"readyReplicas":%d,"conditions":[%s]}`,
		replicas, labelled, available, ready, conds)
	return object("apps/v1", "ReplicaSet", spec, stat)
}

func TestReplicaSet(t *testing.T) {
	t.Parallel()
	const spec = `{"replicas":3}`
	runComputeCases(t, []computeCase{
		{
			name: "all replicas available",
			obj:  replicaSet(spec, 3, 3, 3, 3, ""),
			want: current("ReplicaSet is available. Replicas: 3"),
		},
		{
			name: "ReplicaFailure True is InProgress as in cli-utils",
			obj:  replicaSet(spec, 3, 3, 3, 3, `{"type":"ReplicaFailure","status":"True","reason":"FailedCreate"}`),
			want: inProgress("ReplicaFailure", "Replica Failure condition. Check Pods"),
		},
		{
			name: "ReplicaFailure False is ignored",
			obj:  replicaSet(spec, 3, 3, 3, 3, `{"type":"ReplicaFailure","status":"False"}`),
			want: current("ReplicaSet is available. Replicas: 3"),
		},
		{
			name: "spec.replicas defaults to 1",
			obj:  replicaSet(`{}`, 1, 1, 1, 1, ""),
			want: current("ReplicaSet is available. Replicas: 1"),
		},
		{
			name: "too few fully labelled",
			obj:  replicaSet(spec, 3, 2, 3, 3, ""),
			want: inProgress("LessLabelled", "Labelled: 2/3"),
		},
		{
			name: "too few available",
			obj:  replicaSet(spec, 3, 3, 1, 3, ""),
			want: inProgress("LessAvailable", "Available: 1/3"),
		},
		{
			name: "too few ready",
			obj:  replicaSet(spec, 3, 3, 3, 2, ""),
			want: inProgress("LessReady", "Ready: 2/3"),
		},
		{
			name: "extra pods pending termination",
			obj:  replicaSet(spec, 4, 3, 3, 3, ""),
			want: inProgress("ExtraPods", "Pending termination: 1"),
		},
		{
			name: "extensions group uses the same rule",
			obj:  object("extensions/v1beta1", "ReplicaSet", `{"replicas":1}`, `{}`),
			want: inProgress("LessLabelled", "Labelled: 0/1"),
		},
		{
			name:        "fullyLabeledReplicas of the wrong type",
			obj:         object("apps/v1", "ReplicaSet", `{}`, `{"fullyLabeledReplicas":[1]}`),
			wantErrPath: "status.fullyLabeledReplicas",
		},
	})
}
