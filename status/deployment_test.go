package status_test

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/kwait-dev/kwait/status"
)

const (
	deployProgressed   = `{"type":"Progressing","status":"True","reason":"NewReplicaSetAvailable"}`
	deployAvailable    = `{"type":"Available","status":"True","reason":"MinimumReplicasAvailable"}`
	deployHealthyConds = deployProgressed + "," + deployAvailable
)

// deployment is an apps/v1 Deployment with the given spec and status counts.
func deployment(spec string, replicas, updated, ready, available int, conds string) string {
	stat := fmt.Sprintf(`{"observedGeneration":1,"replicas":%d,"updatedReplicas":%d,"readyReplicas":%d,"availableReplicas":%d,"conditions":[%s]}`,
		replicas, updated, ready, available, conds)
	return object("apps/v1", "Deployment", spec, stat)
}

func TestDeployment(t *testing.T) {
	t.Parallel()
	const spec = `{"replicas":3,"progressDeadlineSeconds":600}`
	runComputeCases(t, []computeCase{
		{
			name: "available",
			obj:  deployment(spec, 3, 3, 3, 3, deployHealthyConds),
			want: current("Deployment is available. Replicas: 3"),
		},
		{
			name: "progress deadline exceeded",
			obj: deployment(spec, 3, 3, 1, 1,
				`{"type":"Progressing","status":"False","reason":"ProgressDeadlineExceeded","message":"ReplicaSet \"x-1\" has timed out progressing."}`),
			want: &status.Result{
				Status:  status.FailedStatus,
				Message: "Progress deadline exceeded",
				Conditions: []status.Condition{{
					Type: status.ConditionStalled, Status: corev1.ConditionTrue,
					Reason: "ProgressDeadlineExceeded", Message: `ReplicaSet "x-1" has timed out progressing.`,
				}},
			},
		},
		{
			name: "spec.replicas defaults to 1",
			obj:  deployment(`{"progressDeadlineSeconds":600}`, 1, 1, 1, 1, deployHealthyConds),
			want: current("Deployment is available. Replicas: 1"),
		},
		{
			name: "scaled to zero",
			obj:  deployment(`{"replicas":0,"progressDeadlineSeconds":600}`, 0, 0, 0, 0, deployHealthyConds),
			want: current("Deployment is available. Replicas: 0"),
		},
		{
			name: "too few replicas",
			obj:  deployment(spec, 2, 2, 2, 2, deployHealthyConds),
			want: inProgress("LessReplicas", "Replicas: 2/3"),
		},
		{
			name: "too few updated",
			obj:  deployment(spec, 3, 2, 3, 3, deployHealthyConds),
			want: inProgress("LessUpdated", "Updated: 2/3"),
		},
		{
			name: "old pods pending termination",
			obj:  deployment(spec, 4, 3, 3, 3, deployHealthyConds),
			want: inProgress("ExtraPods", "Pending termination: 1"),
		},
		{
			name: "updated not all available",
			obj:  deployment(spec, 3, 3, 3, 2, deployHealthyConds),
			want: inProgress("LessAvailable", "Available: 2/3"),
		},
		{
			name: "too few ready",
			obj:  deployment(spec, 3, 3, 2, 3, deployHealthyConds),
			want: inProgress("LessReady", "Ready: 2/3"),
		},
		{
			name: "deadline set and no Progressing condition",
			obj:  deployment(spec, 3, 3, 3, 3, deployAvailable),
			want: inProgress("ReplicaSetNotAvailable", "ReplicaSet not Available"),
		},
		{
			name: "Progressing True but rollout not finished",
			obj: deployment(spec, 3, 3, 3, 3,
				`{"type":"Progressing","status":"True","reason":"ReplicaSetUpdated"},`+deployAvailable),
			want: inProgress("ReplicaSetNotAvailable", "ReplicaSet not Available"),
		},
		{
			name: "no deadline needs no Progressing condition",
			obj:  deployment(`{"replicas":3}`, 3, 3, 3, 3, deployAvailable),
			want: current("Deployment is available. Replicas: 3"),
		},
		{
			name: "MaxInt32 deadline needs no Progressing condition",
			obj:  deployment(`{"replicas":3,"progressDeadlineSeconds":2147483647}`, 3, 3, 3, 3, deployAvailable),
			want: current("Deployment is available. Replicas: 3"),
		},
		{
			name: "Available False",
			obj: deployment(spec, 3, 3, 3, 3,
				deployProgressed+`,{"type":"Available","status":"False","reason":"MinimumReplicasUnavailable"}`),
			want: inProgress("DeploymentNotAvailable", "Deployment not Available"),
		},
		{
			name: "Available condition missing",
			obj:  deployment(spec, 3, 3, 3, 3, deployProgressed),
			want: inProgress("DeploymentNotAvailable", "Deployment not Available"),
		},
		{
			name: "extensions group uses the same rule",
			obj: object("extensions/v1beta1", "Deployment", `{"replicas":2}`,
				`{"replicas":1,"updatedReplicas":1,"readyReplicas":1,"availableReplicas":1}`),
			want: inProgress("LessReplicas", "Replicas: 1/2"),
		},
		{
			name:        "spec.replicas of the wrong type",
			obj:         deployment(`{"replicas":"three"}`, 3, 3, 3, 3, deployHealthyConds),
			wantErrPath: "spec.replicas",
			wantErr:     status.ErrWrongType,
		},
		{
			name:        "status.replicas not whole",
			obj:         object("apps/v1", "Deployment", `{"replicas":3}`, `{"replicas":2.5}`),
			wantErrPath: "status.replicas",
		},
		{
			name:        "progressDeadlineSeconds of the wrong type",
			obj:         deployment(`{"progressDeadlineSeconds":true}`, 3, 3, 3, 3, deployHealthyConds),
			wantErrPath: "spec.progressDeadlineSeconds",
		},
	})
}
