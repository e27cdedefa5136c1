package status_test

import (
	"fmt"
	"testing"
)

// daemonSet is an apps/v1 DaemonSet with the given status counts.
func daemonSet(desired, scheduled, updated, available, ready int) string {
	stat := fmt.Sprintf(`{"observedGeneration":1,"desiredNumberScheduled":%d,"currentNumberScheduled":%d,"updatedNumberScheduled":%d,"numberAvailable":%d,"numberReady":%d}`,
		desired, scheduled, updated, available, ready)
	return object("apps/v1", "DaemonSet", `{}`, stat)
}

func TestDaemonSet(t *testing.T) {
	t.Parallel()
	runComputeCases(t, []computeCase{
		{
			name: "all scheduled, updated, available and ready",
			obj:  daemonSet(2, 2, 2, 2, 2),
			want: current("All replicas scheduled as expected. Replicas: 2"),
		},
		{
			name: "no nodes to run on",
			obj:  daemonSet(0, 0, 0, 0, 0),
			want: current("All replicas scheduled as expected. Replicas: 0"),
		},
		{
			name: "metadata.generation missing",
			obj:  `{"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"x"},"status":{"observedGeneration":1}}`,
			want: inProgress("NoGeneration", "DaemonSet metadata.generation not found"),
		},
		{
			name: "status.observedGeneration missing",
			obj:  object("apps/v1", "DaemonSet", `{}`, `{"desiredNumberScheduled":0}`),
			want: inProgress("NoObservedGeneration", "DaemonSet status.observedGeneration not found"),
		},
		{
			name: "desiredNumberScheduled missing",
			obj:  object("apps/v1", "DaemonSet", `{}`, `{"observedGeneration":1}`),
			want: inProgress("NoDesiredNumber", "Missing .status.desiredNumberScheduled"),
		},
		{
			name: "too few scheduled",
			obj:  daemonSet(3, 2, 3, 3, 3),
			want: inProgress("LessCurrent", "Current: 2/3"),
		},
		{
			name: "too few updated",
			obj:  daemonSet(3, 3, 1, 3, 3),
			want: inProgress("LessUpdated", "Updated: 1/3"),
		},
		{
			name: "too few available",
			obj:  daemonSet(3, 3, 3, 0, 3),
			want: inProgress("LessAvailable", "Available: 0/3"),
		},
		{
			name: "too few ready",
			obj:  daemonSet(3, 3, 3, 3, 2),
			want: inProgress("LessReady", "Ready: 2/3"),
		},
		{
			name: "extensions group uses the same rule",
			obj:  object("extensions/v1beta1", "DaemonSet", `{}`, `{}`),
			want: inProgress("NoObservedGeneration", "DaemonSet status.observedGeneration not found"),
		},
		{
			name:        "numberReady of the wrong type",
			obj:         object("apps/v1", "DaemonSet", `{}`, `{"observedGeneration":1,"desiredNumberScheduled":1,"numberReady":"1"}`),
			wantErrPath: "status.numberReady",
		},
	})
}
