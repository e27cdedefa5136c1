package status_test

import "testing"

func TestPersistentVolumeClaim(t *testing.T) {
	t.Parallel()
	runComputeCases(t, []computeCase{
		{
			name: "Bound",
			obj:  object("v1", "PersistentVolumeClaim", `{}`, `{"phase":"Bound"}`),
			want: current("PVC is Bound"),
		},
		{
			name: "Pending",
			obj:  object("v1", "PersistentVolumeClaim", `{}`, `{"phase":"Pending"}`),
			want: inProgress("NotBound", "PVC is not Bound. phase: Pending"),
		},
		{
			name: "no phase yet",
			obj:  object("v1", "PersistentVolumeClaim", `{}`, ``),
			want: inProgress("NotBound", "PVC is not Bound. phase: unknown"),
		},
		{
			name:        "phase of the wrong type",
			obj:         object("v1", "PersistentVolumeClaim", `{}`, `{"phase":false}`),
			wantErrPath: "status.phase",
		},
	})
}
