package status_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kwait-dev/kwait/status"
)

// packCase is one row of a rule pack table: obj (JSON) judged by the pack.
type packCase struct {
	name string
	obj  string
	want *status.Result
}

// bucketGK is a sample Crossplane managed resource kind, judged by
// CrossplaneManagedRule.
var bucketGK = schema.GroupKind{Group: "s3.aws.upbound.io", Kind: "Bucket"}

// packComputer judges with the rule pack and CrossplaneManagedRule for
// bucketGK.
func packComputer(t *testing.T) *status.Computer {
	t.Helper()
	funcs := status.Builtin()
	fn, err := status.NewCELFunc(status.CrossplaneManagedRule())
	if err != nil {
		t.Fatal(err)
	}
	funcs[bucketGK] = fn
	return status.NewComputer(funcs)
}

// packTables returns the test cases of every rule, by GroupKind.
func packTables() map[schema.GroupKind][]packCase {
	tables := map[schema.GroupKind][]packCase{}
	add := func(gk schema.GroupKind, cases []packCase) { tables[gk] = append(tables[gk], cases...) }
	for _, f := range []func(func(schema.GroupKind, []packCase)){
		rolloutCases,
		applicationCases,
		workflowCases,
		tektonCases,
		gatewayCases,
		routesCases,
		clusterServiceVersionCases,
		veleroCases,
		cloudNativePGCases,
		certificateCases,
		crossplaneCases,
	} {
		f(add)
	}
	return tables
}

func TestBuiltin(t *testing.T) {
	t.Parallel()
	c := packComputer(t)
	for gk, cases := range packTables() {
		t.Run(gk.String(), func(t *testing.T) {
			t.Parallel()
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					u := fromJSON(t, tc.obj)
					if got := u.GroupVersionKind().GroupKind(); got != gk {
						t.Fatalf("test object is a %s, want %s", got, gk)
					}
					got, err := c.Compute(u)
					checkResult(t, got, err, tc.want, "", nil)
				})
			}
		})
	}
}

func rolloutCases(add func(schema.GroupKind, []packCase)) {
	rollout := func(generation int, stat string) string {
		return custom("argoproj.io/v1alpha1", "Rollout", generation, `{"replicas":3,"strategy":{"canary":{"steps":[{"setWeight":20},{"pause":{}}]}}}`, stat)
	}
	add(schema.GroupKind{Group: "argoproj.io", Kind: "Rollout"}, []packCase{
		{
			name: "just created",
			obj:  rollout(1, ``),
			want: inProgress("CELNotCurrent", "Rollout is not current yet"),
		},
		{
			name: "progressing",
			obj:  rollout(2, `{"observedGeneration":"2","phase":"Progressing","message":"more replicas need to be updated","replicas":3,"updatedReplicas":1}`),
			want: inProgress("CELNotCurrent", "Progressing: more replicas need to be updated"),
		},
		{
			name: "paused at a canary step",
			obj:  rollout(2, `{"observedGeneration":"2","phase":"Paused","message":"CanaryPauseStep","pauseConditions":[{"reason":"CanaryPauseStep","startTime":"2026-03-01T10:00:00Z"}]}`),
			want: inProgress("CELNotCurrent", "Paused: CanaryPauseStep"),
		},
		{
			name: "healthy",
			obj:  rollout(2, `{"observedGeneration":"2","phase":"Healthy","replicas":3,"updatedReplicas":3,"readyReplicas":3,"availableReplicas":3}`),
			want: current("Healthy"),
		},
		{
			name: "healthy for an older spec",
			obj:  rollout(3, `{"observedGeneration":"2","phase":"Healthy"}`),
			want: inProgress("CELInProgress", "Rollout generation 3 is not observed yet (observed 2)"),
		},
		{
			name: "numeric observedGeneration behind",
			obj:  rollout(3, `{"observedGeneration":2,"phase":"Healthy"}`),
			want: inProgress("LatestGenerationNotObserved", "Rollout generation is 3, but latest observed generation is 2"),
		},
		{
			name: "degraded",
			obj:  rollout(2, `{"observedGeneration":"2","phase":"Degraded","message":"ProgressDeadlineExceeded: ReplicaSet \"web-7f9c\" has timed out progressing."}`),
			want: failed("CELFailed", `Degraded: ProgressDeadlineExceeded: ReplicaSet "web-7f9c" has timed out progressing.`),
		},
	})
}

func applicationCases(add func(schema.GroupKind, []packCase)) {
	const source = `{"repoURL":"https://git.example.com/shop.git","path":"deploy/prod","targetRevision":"v1.4.0"}`
	app := func(spec, stat string) string {
		return custom("argoproj.io/v1alpha1", "Application", 5, spec, stat)
	}
	spec := `{"project":"default","source":` + source + `,"destination":{"server":"https://kubernetes.default.svc","namespace":"shop"}}`
	add(schema.GroupKind{Group: "argoproj.io", Kind: "Application"}, []packCase{
		{
			name: "just created",
			obj:  app(spec, ``),
			want: inProgress("CELNotCurrent", "health unknown, sync unknown"),
		},
		{
			name: "healthy and synced",
			obj: app(spec, `{"health":{"status":"Healthy"},"sync":{"status":"Synced","revision":"a1b2c3","comparedTo":{"source":`+source+`,"destination":{"server":"https://kubernetes.default.svc","namespace":"shop"}}},
				"operationState":{"phase":"Succeeded","message":"successfully synced (all tasks run)"}}`),
			want: current("health Healthy, sync Synced: successfully synced (all tasks run)"),
		},
		{
			name: "several sources, healthy and synced",
			obj: app(`{"sources":[`+source+`,{"repoURL":"https://charts.example.com","chart":"redis","targetRevision":"19.0.1"}]}`,
				`{"health":{"status":"Healthy"},"sync":{"status":"Synced","comparedTo":{"sources":[`+source+`,{"repoURL":"https://charts.example.com","chart":"redis","targetRevision":"19.0.1"}]}}}`),
			want: current("health Healthy, sync Synced"),
		},
		{
			name: "sync operation running",
			obj: app(spec, `{"health":{"status":"Healthy"},"sync":{"status":"Synced","comparedTo":{"source":`+source+`}},
				"operationState":{"phase":"Running","message":"waiting for healthy state of apps/Deployment/cart"}}`),
			want: inProgress("CELInProgress", "health Healthy, sync Synced: waiting for healthy state of apps/Deployment/cart"),
		},
		{
			name: "spec changed, not compared yet",
			obj:  app(spec, `{"health":{"status":"Healthy"},"sync":{"status":"Synced","comparedTo":{"source":{"repoURL":"https://git.example.com/shop.git","path":"deploy/prod","targetRevision":"v1.3.9"}}}}`),
			want: inProgress("CELInProgress", "health Healthy, sync Synced"),
		},
		{
			name: "progressing",
			obj:  app(spec, `{"health":{"status":"Progressing"},"sync":{"status":"Synced","comparedTo":{"source":`+source+`}}}`),
			want: inProgress("CELNotCurrent", "health Progressing, sync Synced"),
		},
		{
			name: "out of sync",
			obj:  app(spec, `{"health":{"status":"Healthy"},"sync":{"status":"OutOfSync","comparedTo":{"source":`+source+`}}}`),
			want: inProgress("CELNotCurrent", "health Healthy, sync OutOfSync"),
		},
		{
			name: "degraded",
			obj:  app(spec, `{"health":{"status":"Degraded"},"sync":{"status":"Synced","comparedTo":{"source":`+source+`}}}`),
			want: failed("CELFailed", "health Degraded, sync Synced"),
		},
		{
			name: "sync failed",
			obj: app(spec, `{"health":{"status":"Missing"},"sync":{"status":"OutOfSync","comparedTo":{"source":`+source+`}},
				"operationState":{"phase":"Failed","message":"one or more objects failed to apply, reason: Deployment.apps \"cart\" is invalid"}}`),
			want: failed("CELFailed", `health Missing, sync OutOfSync: one or more objects failed to apply, reason: Deployment.apps "cart" is invalid`),
		},
	})
}

func workflowCases(add func(schema.GroupKind, []packCase)) {
	wf := func(stat string) string {
		return custom("argoproj.io/v1alpha1", "Workflow", 1, `{"entrypoint":"main","templates":[{"name":"main","container":{"image":"alpine:3"}}]}`, stat)
	}
	add(schema.GroupKind{Group: "argoproj.io", Kind: "Workflow"}, []packCase{
		{name: "just created", obj: wf(``), want: inProgress("CELNotCurrent", "Workflow is not current yet")},
		{name: "pending", obj: wf(`{"phase":"Pending","startedAt":"2026-03-01T10:00:00Z"}`), want: inProgress("CELNotCurrent", "Pending")},
		{name: "running", obj: wf(`{"phase":"Running","progress":"1/3","startedAt":"2026-03-01T10:00:00Z"}`), want: inProgress("CELNotCurrent", "Running")},
		{name: "succeeded", obj: wf(`{"phase":"Succeeded","progress":"3/3","finishedAt":"2026-03-01T10:05:00Z"}`), want: current("Succeeded")},
		{name: "failed", obj: wf(`{"phase":"Failed","message":"child 'main-1234' failed","progress":"0/1"}`), want: failed("CELFailed", "Failed: child 'main-1234' failed")},
		{name: "error", obj: wf(`{"phase":"Error","message":"pod deleted"}`), want: failed("CELFailed", "Error: pod deleted")},
	})
}

func tektonCases(add func(schema.GroupKind, []packCase)) {
	run := func(kind, cond string) string {
		stat := ``
		if cond != "" {
			stat = `{"startTime":"2026-03-01T10:00:00Z","conditions":[` + cond + `]}`
		}
		return custom("tekton.dev/v1", kind, 1, `{"pipelineRef":{"name":"build"}}`, stat)
	}
	add(schema.GroupKind{Group: "tekton.dev", Kind: "PipelineRun"}, []packCase{
		{name: "just created", obj: run("PipelineRun", ""), want: inProgress("CELNotCurrent", "PipelineRun is not current yet")},
		{
			name: "running",
			obj:  run("PipelineRun", `{"type":"Succeeded","status":"Unknown","reason":"Running","message":"Tasks Completed: 1 (Failed: 0, Cancelled 0), Incomplete: 2, Skipped: 0"}`),
			want: inProgress("CELNotCurrent", "Succeeded=Unknown Running: Tasks Completed: 1 (Failed: 0, Cancelled 0), Incomplete: 2, Skipped: 0"),
		},
		{
			name: "pending",
			obj:  run("PipelineRun", `{"type":"Succeeded","status":"Unknown","reason":"PipelineRunPending","message":"PipelineRun \"build-x\" is pending"}`),
			want: inProgress("CELNotCurrent", `Succeeded=Unknown PipelineRunPending: PipelineRun "build-x" is pending`),
		},
		{
			name: "succeeded",
			obj:  run("PipelineRun", `{"type":"Succeeded","status":"True","reason":"Succeeded","message":"Tasks Completed: 3 (Failed: 0, Cancelled 0), Skipped: 0"}`),
			want: current("PipelineRun is current"),
		},
		{
			name: "failed",
			obj:  run("PipelineRun", `{"type":"Succeeded","status":"False","reason":"Failed","message":"Tasks Completed: 2 (Failed: 1, Cancelled 0), Skipped: 1"}`),
			want: failed("CELFailed", "Succeeded=False Failed: Tasks Completed: 2 (Failed: 1, Cancelled 0), Skipped: 1"),
		},
		{
			name: "timed out",
			obj:  run("PipelineRun", `{"type":"Succeeded","status":"False","reason":"PipelineRunTimeout","message":"PipelineRun \"build-x\" failed to finish within \"1h0m0s\""}`),
			want: failed("CELFailed", `Succeeded=False PipelineRunTimeout: PipelineRun "build-x" failed to finish within "1h0m0s"`),
		},
		{
			name: "cancelled",
			obj:  run("PipelineRun", `{"type":"Succeeded","status":"False","reason":"Cancelled","message":"PipelineRun \"build-x\" was cancelled"}`),
			want: failed("CELFailed", `Succeeded=False Cancelled: PipelineRun "build-x" was cancelled`),
		},
	})
	add(schema.GroupKind{Group: "tekton.dev", Kind: "TaskRun"}, []packCase{
		{name: "just created", obj: run("TaskRun", ""), want: inProgress("CELNotCurrent", "TaskRun is not current yet")},
		{
			name: "pending pod",
			obj:  run("TaskRun", `{"type":"Succeeded","status":"Unknown","reason":"Pending","message":"pod status \"PodScheduled\":\"False\"; message: \"0/3 nodes are available\""}`),
			want: inProgress("CELNotCurrent", `Succeeded=Unknown Pending: pod status "PodScheduled":"False"; message: "0/3 nodes are available"`),
		},
		{
			name: "succeeded",
			obj:  run("TaskRun", `{"type":"Succeeded","status":"True","reason":"Succeeded","message":"All Steps have completed executing"}`),
			want: current("TaskRun is current"),
		},
		{
			name: "timed out",
			obj:  run("TaskRun", `{"type":"Succeeded","status":"False","reason":"TaskRunTimeout","message":"TaskRun \"lint\" failed to finish within \"10m0s\""}`),
			want: failed("CELFailed", `Succeeded=False TaskRunTimeout: TaskRun "lint" failed to finish within "10m0s"`),
		},
	})
}

func gatewayCases(add func(schema.GroupKind, []packCase)) {
	gw := func(generation int, conds string) string {
		return custom("gateway.networking.k8s.io/v1", "Gateway", generation,
			`{"gatewayClassName":"eg","listeners":[{"name":"http","protocol":"HTTP","port":80}]}`,
			`{"conditions":[`+conds+`]}`)
	}
	const (
		// The status the CRD defaults a new Gateway to.
		pendingAccepted   = `{"type":"Accepted","status":"Unknown","reason":"Pending","message":"Waiting for controller","lastTransitionTime":"1970-01-01T00:00:00Z"}`
		pendingProgrammed = `{"type":"Programmed","status":"Unknown","reason":"Pending","message":"Waiting for controller","lastTransitionTime":"1970-01-01T00:00:00Z"}`
		accepted2         = `{"type":"Accepted","status":"True","reason":"Accepted","message":"The Gateway has been scheduled","observedGeneration":2}`
		programmed2       = `{"type":"Programmed","status":"True","reason":"Programmed","message":"Address assigned to the Gateway","observedGeneration":2}`
	)
	add(schema.GroupKind{Group: "gateway.networking.k8s.io", Kind: "Gateway"}, []packCase{
		{
			name: "defaulted status",
			obj:  gw(1, pendingAccepted+","+pendingProgrammed),
			want: inProgress("CELNotCurrent", "Accepted=Unknown Pending: Waiting for controller; Programmed=Unknown Pending: Waiting for controller"),
		},
		{
			name: "accepted, no address yet",
			obj:  gw(2, accepted2+`,{"type":"Programmed","status":"False","reason":"AddressNotAssigned","message":"No addresses have been assigned to the Gateway","observedGeneration":2}`),
			want: inProgress("CELNotCurrent", "Programmed=False AddressNotAssigned: No addresses have been assigned to the Gateway"),
		},
		{
			name: "accepted and programmed",
			obj:  gw(2, accepted2+","+programmed2),
			want: current("Gateway is current"),
		},
		{
			name: "programmed for an older generation",
			obj:  gw(3, accepted2+","+programmed2),
			want: inProgress("CELNotCurrent", "Gateway is not current yet"),
		},
		{
			name: "invalid parameters",
			obj:  gw(2, `{"type":"Accepted","status":"False","reason":"InvalidParameters","message":"parametersRef EnvoyProxy \"proxy\" not found","observedGeneration":2},`+pendingProgrammed),
			want: failed("CELFailed", `Accepted=False InvalidParameters: parametersRef EnvoyProxy "proxy" not found; Programmed=Unknown Pending: Waiting for controller`),
		},
		{
			name: "invalid",
			obj:  gw(2, accepted2+`,{"type":"Programmed","status":"False","reason":"Invalid","message":"listener http: port 80 conflicts","observedGeneration":2}`),
			want: failed("CELFailed", "Programmed=False Invalid: listener http: port 80 conflicts"),
		},
		{
			name: "invalid for an older generation",
			obj:  gw(3, accepted2+`,{"type":"Programmed","status":"False","reason":"Invalid","message":"listener http: port 80 conflicts","observedGeneration":2}`),
			want: inProgress("CELNotCurrent", "Programmed=False Invalid: listener http: port 80 conflicts"),
		},
	})
}

func routesCases(add func(schema.GroupKind, []packCase)) {
	route := func(kind string, generation int, stat string) string {
		return custom("gateway.networking.k8s.io/v1", kind, generation,
			`{"parentRefs":[{"name":"public"}],"rules":[{"backendRefs":[{"name":"api","port":8080}]}]}`, stat)
	}
	parent := func(name, conds string) string {
		return `{"parentRef":{"group":"gateway.networking.k8s.io","kind":"Gateway","name":"` + name + `"},"controllerName":"gateway.envoyproxy.io/gatewayclass-controller","conditions":[` + conds + `]}`
	}
	const (
		accepted = `{"type":"Accepted","status":"True","reason":"Accepted","message":"Route is accepted","observedGeneration":4}`
		resolved = `{"type":"ResolvedRefs","status":"True","reason":"ResolvedRefs","message":"Resolved all the Object references for the Route","observedGeneration":4}`
	)
	add(schema.GroupKind{Group: "gateway.networking.k8s.io", Kind: "HTTPRoute"}, []packCase{
		{
			name: "just created",
			obj:  route("HTTPRoute", 4, ``),
			want: inProgress("CELNotCurrent", "no parent Gateway has accepted the route yet"),
		},
		{
			name: "no parents yet",
			obj:  route("HTTPRoute", 4, `{"parents":[]}`),
			want: inProgress("CELNotCurrent", "no parent Gateway has accepted the route yet"),
		},
		{
			name: "accepted and resolved",
			obj:  route("HTTPRoute", 4, `{"parents":[`+parent("public", accepted+","+resolved)+`]}`),
			want: current("HTTPRoute is current"),
		},
		{
			name: "one parent of two has a missing backend",
			obj: route("HTTPRoute", 4, `{"parents":[`+parent("public", accepted+","+resolved)+`,`+
				parent("internal", accepted+`,{"type":"ResolvedRefs","status":"False","reason":"BackendNotFound","message":"Service default/api not found","observedGeneration":4}`)+`]}`),
			want: inProgress("CELNotCurrent", "internal: ResolvedRefs=False BackendNotFound: Service default/api not found"),
		},
		{
			name: "accepted for an older generation",
			obj:  route("HTTPRoute", 5, `{"parents":[`+parent("public", accepted+","+resolved)+`]}`),
			want: inProgress("CELNotCurrent", "HTTPRoute is not current yet"),
		},
		{
			name: "not allowed by the listeners",
			obj: route("HTTPRoute", 4, `{"parents":[`+parent("public",
				`{"type":"Accepted","status":"False","reason":"NotAllowedByListeners","message":"No listeners included by this parent ref allowed this attachment.","observedGeneration":4},`+resolved)+`]}`),
			want: failed("CELFailed", "public: Accepted=False NotAllowedByListeners: No listeners included by this parent ref allowed this attachment."),
		},
		{
			name: "backend in another namespace without a grant",
			obj: route("HTTPRoute", 4, `{"parents":[`+parent("public",
				accepted+`,{"type":"ResolvedRefs","status":"False","reason":"RefNotPermitted","message":"Backend ref to Service other/api not permitted by any ReferenceGrant","observedGeneration":4}`)+`]}`),
			want: failed("CELFailed", "public: ResolvedRefs=False RefNotPermitted: Backend ref to Service other/api not permitted by any ReferenceGrant"),
		},
	})
	add(schema.GroupKind{Group: "gateway.networking.k8s.io", Kind: "GRPCRoute"}, []packCase{
		{name: "just created", obj: route("GRPCRoute", 4, ``), want: inProgress("CELNotCurrent", "no parent Gateway has accepted the route yet")},
		{name: "accepted and resolved", obj: route("GRPCRoute", 4, `{"parents":[`+parent("public", accepted+","+resolved)+`]}`), want: current("GRPCRoute is current")},
		{
			name: "unsupported protocol",
			obj: route("GRPCRoute", 4, `{"parents":[`+parent("public",
				accepted+`,{"type":"ResolvedRefs","status":"False","reason":"UnsupportedProtocol","message":"appProtocol kubernetes.io/ws is not supported","observedGeneration":4}`)+`]}`),
			want: failed("CELFailed", "public: ResolvedRefs=False UnsupportedProtocol: appProtocol kubernetes.io/ws is not supported"),
		},
	})
}

func clusterServiceVersionCases(add func(schema.GroupKind, []packCase)) {
	csv := func(stat string) string {
		return custom("operators.coreos.com/v1alpha1", "ClusterServiceVersion", 1, `{"displayName":"Example Operator","version":"2.1.0","install":{"strategy":"deployment"}}`, stat)
	}
	add(schema.GroupKind{Group: "operators.coreos.com", Kind: "ClusterServiceVersion"}, []packCase{
		{name: "just created", obj: csv(``), want: inProgress("CELNotCurrent", "ClusterServiceVersion is not current yet")},
		{
			name: "installing",
			obj:  csv(`{"phase":"Installing","reason":"InstallWaiting","message":"installing: waiting for deployment example-operator to become ready: deployment \"example-operator\" not available"}`),
			want: inProgress("CELNotCurrent", `Installing: InstallWaiting: installing: waiting for deployment example-operator to become ready: deployment "example-operator" not available`),
		},
		{
			name: "being replaced",
			obj:  csv(`{"phase":"Replacing","reason":"BeingReplaced","message":"being replaced by csv: example-operator.v2.2.0"}`),
			want: inProgress("CELNotCurrent", "Replacing: BeingReplaced: being replaced by csv: example-operator.v2.2.0"),
		},
		{
			name: "succeeded",
			obj:  csv(`{"phase":"Succeeded","reason":"InstallSucceeded","message":"install strategy completed with no errors"}`),
			want: current("Succeeded: InstallSucceeded: install strategy completed with no errors"),
		},
		{
			name: "failed",
			obj:  csv(`{"phase":"Failed","reason":"InstallCheckFailed","message":"install timeout"}`),
			want: failed("CELFailed", "Failed: InstallCheckFailed: install timeout"),
		},
	})
}

func veleroCases(add func(schema.GroupKind, []packCase)) {
	backup := func(stat string) string {
		return custom("velero.io/v1", "Backup", 1, `{"includedNamespaces":["shop"],"storageLocation":"default","ttl":"720h0m0s"}`, stat)
	}
	restore := func(stat string) string {
		return custom("velero.io/v1", "Restore", 1, `{"backupName":"shop-20260301","includedNamespaces":["shop"]}`, stat)
	}
	add(schema.GroupKind{Group: "velero.io", Kind: "Backup"}, []packCase{
		{name: "just created", obj: backup(``), want: inProgress("CELNotCurrent", "Backup is not current yet")},
		{name: "new", obj: backup(`{"phase":"New"}`), want: inProgress("CELNotCurrent", "New")},
		{name: "in progress", obj: backup(`{"phase":"InProgress","startTimestamp":"2026-03-01T02:00:00Z","progress":{"totalItems":120,"itemsBackedUp":40}}`), want: inProgress("CELNotCurrent", "InProgress")},
		{name: "waiting for plugins", obj: backup(`{"phase":"WaitingForPluginOperations","backupItemOperationsAttempted":2}`), want: inProgress("CELNotCurrent", "WaitingForPluginOperations")},
		{name: "completed", obj: backup(`{"phase":"Completed","completionTimestamp":"2026-03-01T02:03:00Z","progress":{"totalItems":120,"itemsBackedUp":120}}`), want: current("Completed")},
		{name: "partially failed", obj: backup(`{"phase":"PartiallyFailed","errors":2,"warnings":1}`), want: failed("CELFailed", "PartiallyFailed")},
		{
			name: "failed validation",
			obj:  backup(`{"phase":"FailedValidation","validationErrors":["an existing backup storage location was not specified","invalid included namespace"]}`),
			want: failed("CELFailed", "FailedValidation: an existing backup storage location was not specified; invalid included namespace"),
		},
		{
			name: "failed",
			obj:  backup(`{"phase":"Failed","failureReason":"error checking if backup already exists in object storage"}`),
			want: failed("CELFailed", "Failed: error checking if backup already exists in object storage"),
		},
	})
	add(schema.GroupKind{Group: "velero.io", Kind: "Restore"}, []packCase{
		{name: "just created", obj: restore(``), want: inProgress("CELNotCurrent", "Restore is not current yet")},
		{name: "in progress", obj: restore(`{"phase":"InProgress","progress":{"totalItems":80,"itemsRestored":10}}`), want: inProgress("CELNotCurrent", "InProgress")},
		{name: "completed", obj: restore(`{"phase":"Completed","warnings":3}`), want: current("Completed")},
		{name: "failed", obj: restore(`{"phase":"Failed","failureReason":"backup shop-20260301 not found"}`), want: failed("CELFailed", "Failed: backup shop-20260301 not found")},
	})
}

func cloudNativePGCases(add func(schema.GroupKind, []packCase)) {
	cluster := func(stat string) string {
		return custom("postgresql.cnpg.io/v1", "Cluster", 1, `{"instances":3,"storage":{"size":"10Gi"}}`, stat)
	}
	const ready = `"conditions":[{"type":"Ready","status":"True","reason":"ClusterIsReady","message":"Cluster is Ready"}]`
	add(schema.GroupKind{Group: "postgresql.cnpg.io", Kind: "Cluster"}, []packCase{
		{name: "just created", obj: cluster(``), want: inProgress("CELNotCurrent", "Cluster is not current yet")},
		{
			name: "setting up the primary",
			obj: cluster(`{"phase":"Setting up primary","phaseReason":"Creating primary instance pg-1","instances":1,"readyInstances":0,
				"conditions":[{"type":"Ready","status":"False","reason":"ClusterIsNotReady","message":"Cluster Is Not Ready"}]}`),
			want: inProgress("CELNotCurrent", "Setting up primary: Creating primary instance pg-1"),
		},
		{name: "healthy", obj: cluster(`{"phase":"Cluster in healthy state","instances":3,"readyInstances":3,` + ready + `}`), want: current("Cluster in healthy state")},
		{
			name: "healthy phase, not ready",
			obj:  cluster(`{"phase":"Cluster in healthy state","conditions":[{"type":"Ready","status":"False","reason":"ClusterIsNotReady","message":"Cluster Is Not Ready"}]}`),
			want: inProgress("CELNotCurrent", "Cluster in healthy state"),
		},
		{name: "waiting for the user", obj: cluster(`{"phase":"Waiting for user action","phaseReason":"User must issue a supervised switchover",` + ready + `}`), want: inProgress("CELNotCurrent", "Waiting for user action: User must issue a supervised switchover")},
		{
			name: "unrecoverable, older text",
			obj:  cluster(`{"phase":"Cluster is in an unrecoverable state, needs manual intervention","phaseReason":"Missing PVCs for instance pg-2"}`),
			want: failed("CELFailed", "Cluster is in an unrecoverable state, needs manual intervention: Missing PVCs for instance pg-2"),
		},
		{
			name: "unrecoverable, newer text",
			obj:  cluster(`{"phase":"Cluster is unrecoverable and needs manual intervention"}`),
			want: failed("CELFailed", "Cluster is unrecoverable and needs manual intervention"),
		},
		{
			name: "unknown plugin",
			obj:  cluster(`{"phase":"Cluster cannot proceed to reconciliation due to an unknown plugin being required","phaseReason":"barman-cloud.example.com"}`),
			want: failed("CELFailed", "Cluster cannot proceed to reconciliation due to an unknown plugin being required: barman-cloud.example.com"),
		},
		{
			name: "cannot create objects",
			obj:  cluster(`{"phase":"Unable to create required cluster objects","phaseReason":"secrets \"pg-app\" is forbidden"}`),
			want: failed("CELFailed", `Unable to create required cluster objects: secrets "pg-app" is forbidden`),
		},
	})
}

func certificateCases(add func(schema.GroupKind, []packCase)) {
	cert := func(generation int, conds string) string {
		stat := ``
		if conds != "" {
			stat = `{"conditions":[` + conds + `]}`
		}
		return custom("cert-manager.io/v1", "Certificate", generation, `{"secretName":"web-tls","dnsNames":["web.example.com"],"issuerRef":{"name":"letsencrypt","kind":"ClusterIssuer"}}`, stat)
	}
	const (
		notReady = `{"type":"Ready","status":"False","reason":"DoesNotExist","message":"Issuing certificate as Secret does not exist","observedGeneration":2}`
		issuing  = `{"type":"Issuing","status":"True","reason":"DoesNotExist","message":"Issuing certificate as Secret does not exist","observedGeneration":2}`
		ready    = `{"type":"Ready","status":"True","reason":"Ready","message":"Certificate is up to date and has not expired","observedGeneration":2}`
	)
	add(schema.GroupKind{Group: "cert-manager.io", Kind: "Certificate"}, []packCase{
		{name: "just created", obj: cert(2, ""), want: inProgress("CELNotCurrent", "Certificate is not current yet")},
		{name: "issuing", obj: cert(2, notReady+","+issuing), want: inProgress("CELNotCurrent", "Ready=False DoesNotExist: Issuing certificate as Secret does not exist")},
		{name: "ready", obj: cert(2, ready), want: current("Certificate is current")},
		{name: "ready for an older generation", obj: cert(3, ready), want: inProgress("CELNotCurrent", "Certificate is not current yet")},
		{
			name: "issuance failed",
			obj:  cert(2, notReady+`,{"type":"Issuing","status":"False","reason":"Failed","message":"The certificate request has failed to complete and will be retried: order is invalid","observedGeneration":2}`),
			want: failed("CELFailed", "Ready=False DoesNotExist: Issuing certificate as Secret does not exist; Issuing=False Failed: The certificate request has failed to complete and will be retried: order is invalid"),
		},
	})
}

func crossplaneCases(add func(schema.GroupKind, []packCase)) {
	pkg := func(kind, conds string) string {
		stat := ``
		if conds != "" {
			stat = `{"currentRevision":"provider-aws-s3-8a3c1f","conditions":[` + conds + `]}`
		}
		return custom("pkg.crossplane.io/v1", kind, 1, `{"package":"xpkg.example.com/provider-aws-s3:v1.2.0"}`, stat)
	}
	const (
		installed     = `{"type":"Installed","status":"True","reason":"ActivePackageRevision"}`
		healthy       = `{"type":"Healthy","status":"True","reason":"HealthyPackageRevision"}`
		healthUnknown = `{"type":"Healthy","status":"Unknown","reason":"UnknownPackageRevisionHealth","message":"cannot resolve package dependencies"}`
	)
	add(schema.GroupKind{Group: "pkg.crossplane.io", Kind: "Provider"}, []packCase{
		{name: "just created", obj: pkg("Provider", ""), want: inProgress("CELNotCurrent", "Provider is not current yet")},
		{name: "installed, health unknown", obj: pkg("Provider", installed+","+healthUnknown), want: inProgress("CELNotCurrent", "Healthy=Unknown UnknownPackageRevisionHealth: cannot resolve package dependencies")},
		{name: "installed and healthy", obj: pkg("Provider", installed+","+healthy), want: current("Provider is current")},
	})
	add(schema.GroupKind{Group: "pkg.crossplane.io", Kind: "Configuration"}, []packCase{
		{name: "just created", obj: pkg("Configuration", ""), want: inProgress("CELNotCurrent", "Configuration is not current yet")},
		{name: "installed and healthy", obj: pkg("Configuration", installed+","+healthy), want: current("Configuration is current")},
	})
	add(schema.GroupKind{Group: "pkg.crossplane.io", Kind: "Function"}, []packCase{
		{
			name: "unhealthy",
			obj:  pkg("Function", installed+`,{"type":"Healthy","status":"False","reason":"UnhealthyPackageRevision","message":"Deployment has no available replicas"}`),
			want: inProgress("CELNotCurrent", "Healthy=False UnhealthyPackageRevision: Deployment has no available replicas"),
		},
		{name: "installed and healthy", obj: pkg("Function", installed+","+healthy), want: current("Function is current")},
	})

	xrd := func(spec, conds string) string {
		return custom("apiextensions.crossplane.io/v1", "CompositeResourceDefinition", 1, spec, `{"conditions":[`+conds+`]}`)
	}
	const (
		established = `{"type":"Established","status":"True","reason":"WatchingCompositeResource"}`
		offered     = `{"type":"Offered","status":"True","reason":"OfferedClaim"}`
		xrSpec      = `{"group":"platform.example.com","names":{"kind":"XDatabase","plural":"xdatabases"}}`
		claimSpec   = `{"group":"platform.example.com","names":{"kind":"XDatabase","plural":"xdatabases"},"claimNames":{"kind":"Database","plural":"databases"}}`
	)
	add(schema.GroupKind{Group: "apiextensions.crossplane.io", Kind: "CompositeResourceDefinition"}, []packCase{
		{name: "not established", obj: xrd(xrSpec, ``), want: inProgress("CELNotCurrent", "CompositeResourceDefinition is not current yet")},
		{name: "established", obj: xrd(xrSpec, established), want: current("CompositeResourceDefinition is current")},
		{name: "claim not offered yet", obj: xrd(claimSpec, established), want: inProgress("CELNotCurrent", "CompositeResourceDefinition is not current yet")},
		{name: "established and offered", obj: xrd(claimSpec, established+","+offered), want: current("CompositeResourceDefinition is current")},
	})

	bucket := func(conds string) string {
		stat := ``
		if conds != "" {
			stat = `{"atProvider":{"arn":"arn:aws:s3:::shop-assets"},"conditions":[` + conds + `]}`
		}
		return custom("s3.aws.upbound.io/v1beta1", "Bucket", 2, `{"forProvider":{"region":"eu-west-1"}}`, stat)
	}
	const synced = `{"type":"Synced","status":"True","reason":"ReconcileSuccess","observedGeneration":2}`
	add(bucketGK, []packCase{
		{name: "just created", obj: bucket(""), want: inProgress("CELNotCurrent", "Bucket is not current yet")},
		{name: "creating", obj: bucket(synced + `,{"type":"Ready","status":"False","reason":"Creating","observedGeneration":2}`), want: inProgress("CELNotCurrent", "Ready=False Creating")},
		{
			name: "reconcile error",
			obj:  bucket(`{"type":"Synced","status":"False","reason":"ReconcileError","message":"cannot get credentials: secret aws-creds not found","observedGeneration":2}`),
			want: inProgress("CELNotCurrent", "Synced=False ReconcileError: cannot get credentials: secret aws-creds not found"),
		},
		{
			name: "ready, then a reconcile error",
			obj:  bucket(`{"type":"Synced","status":"False","reason":"ReconcileError","message":"cannot update bucket: access denied","observedGeneration":2},{"type":"Ready","status":"True","reason":"Available","observedGeneration":2}`),
			want: inProgress("CELNotCurrent", "Synced=False ReconcileError: cannot update bucket: access denied"),
		},
		{name: "synced and ready", obj: bucket(synced + `,{"type":"Ready","status":"True","reason":"Available","observedGeneration":2}`), want: current("Bucket is current")},
		{name: "ready for an older generation", obj: bucket(synced + `,{"type":"Ready","status":"True","reason":"Available","observedGeneration":1}`), want: inProgress("CELNotCurrent", "Bucket is not current yet")},
	})
}

// TestBuiltinCoverage checks that the tables test every rule of the pack
// for InProgress and Current, and for Failed when it has a Failed
// expression.
func TestBuiltinCoverage(t *testing.T) {
	t.Parallel()
	seen := map[schema.GroupKind]map[status.Status]bool{}
	for gk, cases := range packTables() {
		seen[gk] = map[status.Status]bool{}
		for _, tc := range cases {
			seen[gk][tc.want.Status] = true
		}
	}
	rules := status.BuiltinRules()
	rules[bucketGK] = status.CrossplaneManagedRule()
	for gk, rule := range rules {
		want := []status.Status{status.InProgressStatus, status.CurrentStatus}
		if rule.Failed != "" {
			want = append(want, status.FailedStatus)
		}
		for _, s := range want {
			if !seen[gk][s] {
				t.Errorf("no test case for %s reaching %s", gk, s)
			}
		}
	}
	for gk := range seen {
		if _, ok := rules[gk]; !ok {
			t.Errorf("test cases for %s, which has no rule", gk)
		}
	}
	if len(rules) < 11 {
		t.Errorf("the pack has %d kinds, want at least 10", len(rules)-1)
	}
}

func TestBuiltinCopies(t *testing.T) {
	t.Parallel()
	gk := schema.GroupKind{Group: "argoproj.io", Kind: "Rollout"}
	funcs := status.Builtin()
	delete(funcs, gk)
	if _, ok := status.Builtin()[gk]; !ok {
		t.Error("deleting from Builtin's map changed the pack")
	}
	rules := status.BuiltinRules()
	rules[gk] = status.CELRule{Current: "false"}
	if diff := cmp.Diff(status.BuiltinRules()[gk].Current, "false"); diff == "" {
		t.Error("changing BuiltinRules' map changed the pack")
	}
	if len(status.Builtin()) != len(status.BuiltinRules()) {
		t.Errorf("Builtin has %d kinds, BuiltinRules %d", len(status.Builtin()), len(status.BuiltinRules()))
	}
}

// TestBuiltinTerminating: a Computer reports a deleted object of a pack
// kind Terminating before the rule runs.
func TestBuiltinTerminating(t *testing.T) {
	t.Parallel()
	u := fromJSON(t, `{"apiVersion":"velero.io/v1","kind":"Backup","metadata":{"name":"b","deletionTimestamp":"2026-03-01T00:00:00Z"},"status":{"phase":"Completed"}}`)
	got, err := status.NewComputer(status.Builtin()).Compute(u)
	checkResult(t, got, err, &status.Result{Status: status.TerminatingStatus, Message: "Resource scheduled for deletion"}, "", nil)
}

// TestBuiltinMalformed: a pack rule on a status of unexpected shape is
// InProgress or an error the wait reports (a *FuncError wrapping a
// *CELError), never Current and never a panic.
func TestBuiltinMalformed(t *testing.T) {
	t.Parallel()
	c := packComputer(t)
	for _, doc := range []string{
		custom("argoproj.io/v1alpha1", "Workflow", 1, ``, `{"phase":["Succeeded"]}`),
		custom("argoproj.io/v1alpha1", "Rollout", 2, ``, `{"observedGeneration":"2","phase":{"Healthy":true}}`),
		custom("tekton.dev/v1", "TaskRun", 1, ``, `{"conditions":"Succeeded"}`),
		custom("tekton.dev/v1", "TaskRun", 1, ``, `{"conditions":[{"type":"Succeeded"}]}`),
		custom("gateway.networking.k8s.io/v1", "HTTPRoute", 1, ``, `{"parents":{"public":{}}}`),
		custom("gateway.networking.k8s.io/v1", "HTTPRoute", 1, ``, `{"parents":[{"conditions":[null]}]}`),
		custom("postgresql.cnpg.io/v1", "Cluster", 1, ``, `{"phase":42}`),
		custom("velero.io/v1", "Backup", 1, ``, `"Completed"`),
	} {
		got, err := c.Compute(fromJSON(t, doc))
		if err != nil {
			var fe *status.FuncError
			var ce *status.CELError
			if got != nil || !errors.As(err, &fe) || !errors.As(err, &ce) {
				t.Errorf("%s: got %v, %v; want a *FuncError wrapping a *CELError", doc, got, err)
			}
			continue
		}
		if got.Status != status.InProgressStatus {
			t.Errorf("%s: got %s (%s), want InProgress or an error", doc, got.Status, got.Message)
		}
	}
}
