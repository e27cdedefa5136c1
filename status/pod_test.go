package status_test

import (
	"testing"

	"github.com/kwait-dev/kwait/status"
)

func pod(stat string) string { return object("v1", "Pod", `{}`, stat) }

func TestPod(t *testing.T) {
	t.Parallel()
	runComputeCases(t, []computeCase{
		{
			name: "Succeeded",
			obj:  pod(`{"phase":"Succeeded"}`),
			want: current("Pod has completed successfully"),
		},
		{
			name: "Failed",
			obj:  pod(`{"phase":"Failed"}`),
			want: failed("PodFailed", "Pod has completed, but not successfully"),
		},
		{
			name: "Running and Ready",
			obj:  pod(`{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}`),
			want: current("Pod is Ready"),
		},
		{
			name: "Running not Ready",
			obj: pod(`{"phase":"Running","conditions":[{"type":"Ready","status":"False"}],
				"containerStatuses":[{"name":"app","state":{"running":{}}}]}`),
			want: inProgress("PodRunningNotReady", "Pod is running but is not Ready"),
		},
		{
			name: "Running with a container waiting for another reason",
			obj:  pod(`{"phase":"Running","containerStatuses":[{"name":"app","state":{"waiting":{"reason":"ContainerCreating"}}}]}`),
			want: inProgress("PodRunningNotReady", "Pod is running but is not Ready"),
		},
		{
			name: "Running with a crash-looping container",
			obj:  pod(`{"phase":"Running","containerStatuses":[{"name":"app","state":{"waiting":{"reason":"CrashLoopBackOff"}}}]}`),
			want: failed("ContainerCrashLooping", "Containers in CrashLoop state: app"),
		},
		{
			name: "Running with two crash-looping containers",
			obj: pod(`{"phase":"Running","containerStatuses":[
				{"name":"a","state":{"waiting":{"reason":"CrashLoopBackOff"}}},
				{"name":"ok","state":{"running":{}}},
				{"name":"b","state":{"waiting":{"reason":"CrashLoopBackOff"}}}]}`),
			want: failed("ContainerCrashLooping", "Containers in CrashLoop state: a,b"),
		},
		{
			name: "Pending with a crash-looping init container",
			obj:  pod(`{"phase":"Pending","initContainerStatuses":[null,{"name":"init","state":{"waiting":{"reason":"CrashLoopBackOff"}}}]}`),
			want: failed("ContainerCrashLooping", "Containers in CrashLoop state: init"),
		},
		{
			name: "Pending and unschedulable",
			obj:  pod(`{"phase":"Pending","conditions":[{"type":"PodScheduled","status":"False","reason":"Unschedulable","message":"0/3 nodes are available"}]}`),
			want: inProgress("PodUnschedulable", "Pod could not be scheduled"),
		},
		{
			name: "Pending and not scheduled for another reason",
			obj:  pod(`{"phase":"Pending","conditions":[{"type":"PodScheduled","status":"False","reason":"SchedulingGated"}]}`),
			want: inProgress("PodPending", "Pod is in the Pending phase"),
		},
		{
			name: "Pending",
			obj:  pod(`{"phase":"Pending"}`),
			want: inProgress("PodPending", "Pod is in the Pending phase"),
		},
		{
			name: "no phase yet",
			obj:  pod(``),
			want: inProgress("PodNotObserved", "Pod phase not available"),
		},
		{
			name: "phase Unknown",
			obj:  pod(`{"phase":"Unknown"}`),
			want: &status.Result{Status: status.UnknownStatus, Message: "Pod phase is Unknown"},
		},
		{
			name:        "unexpected phase",
			obj:         pod(`{"phase":"Exploded"}`),
			wantErrPath: "status.phase",
			wantErr:     status.ErrUnexpectedValue,
		},
		{
			name:        "phase of the wrong type",
			obj:         pod(`{"phase":1}`),
			wantErrPath: "status.phase",
			wantErr:     status.ErrWrongType,
		},
		{
			name:        "containerStatuses not a list",
			obj:         pod(`{"phase":"Running","containerStatuses":{"name":"app"}}`),
			wantErrPath: "status.containerStatuses",
		},
		{
			name:        "containerStatuses entry not an object",
			obj:         pod(`{"phase":"Pending","containerStatuses":["app"]}`),
			wantErrPath: "status.containerStatuses[0]",
		},
		{
			name:        "waiting state not an object",
			obj:         pod(`{"phase":"Running","containerStatuses":[{"name":"app","state":{"waiting":"CrashLoopBackOff"}}]}`),
			wantErrPath: "status.containerStatuses[0].state.waiting",
		},
		{
			name:        "crash-looping container name of the wrong type",
			obj:         pod(`{"phase":"Running","containerStatuses":[{"name":1,"state":{"waiting":{"reason":"CrashLoopBackOff"}}}]}`),
			wantErrPath: "status.containerStatuses[0].name",
		},
	})
}
