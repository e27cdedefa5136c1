package status_test

import (
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kwait-dev/kwait/status"
)

func TestRequireStatus(t *testing.T) {
	t.Parallel()
	strict := status.NewComputerWithOptions(map[schema.GroupKind]status.Func{widgetGK: phaseFunc}, status.ComputerOptions{RequireStatus: true})
	lenient := status.NewComputer(nil)
	waiting := func(kind string) *status.Result {
		return inProgress("StatusNotWritten", kind+" is waiting for its controller to write a status")
	}
	gadget := func(stat string) string { return custom("example.com/v1", "Gadget", 1, `{"size":1}`, stat) }
	for _, tc := range []struct {
		name     string
		computer *status.Computer
		obj      string
		want     *status.Result
	}{
		{name: "no status", computer: strict, obj: gadget(``), want: waiting("Gadget")},
		{name: "null status", computer: strict, obj: gadget(`null`), want: waiting("Gadget")},
		{name: "empty status", computer: strict, obj: gadget(`{}`), want: waiting("Gadget")},
		{name: "status without observedGeneration or conditions", computer: strict, obj: gadget(`{"phase":"Running"}`), want: waiting("Gadget")},
		{name: "empty and null conditions", computer: strict, obj: gadget(`{"conditions":[null]}`), want: waiting("Gadget")},
		{name: "null observedGeneration", computer: strict, obj: gadget(`{"observedGeneration":null}`), want: waiting("Gadget")},
		{name: "observedGeneration written", computer: strict, obj: gadget(`{"observedGeneration":1}`), want: current("Resource is current")},
		{name: "observedGeneration behind", computer: strict, obj: custom("example.com/v1", "Gadget", 2, ``, `{"observedGeneration":1}`),
			want: inProgress("LatestGenerationNotObserved", "Gadget generation is 2, but latest observed generation is 1")},
		{name: "a condition written", computer: strict, obj: gadget(`{"conditions":[{"type":"Synced","status":"True"}]}`), want: current("Resource is current")},
		{name: "Ready condition decides first", computer: strict, obj: gadget(`{"conditions":[{"type":"Ready","status":"True"}]}`), want: current("Resource is Ready")},
		{name: "without a kind", computer: strict, obj: `{"apiVersion":"example.com/v1"}`, want: waiting("Resource")},
		{name: "option off", computer: lenient, obj: gadget(``), want: current("Resource is current")},
		{name: "nil Computer", computer: nil, obj: gadget(``), want: current("Resource is current")},
		{name: "a registered Func decides", computer: strict, obj: custom("example.com/v1", "Widget", 1, ``, ``),
			want: &status.Result{Status: status.InProgressStatus, Message: "phase "}},
		{name: "built-in rule decides", computer: strict,
			obj:  `{"apiVersion":"v1","kind":"Service","metadata":{"name":"x"},"spec":{"type":"ClusterIP"}}`,
			want: current("Service is ready")},
		{name: "ConfigMap stays Current", computer: strict, obj: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},"data":{"a":"b"}}`,
			want: current("Resource is always ready")},
		{name: "built-in kind without a rule", computer: strict, obj: `{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"x"}}`,
			want: current("Resource is current")},
		{name: "built-in group", computer: strict, obj: `{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"x"},"rules":[]}`,
			want: current("Resource is current")},
		{name: "built-in group with a status", computer: strict, obj: `{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"x"},"status":{"loadBalancer":{}}}`,
			want: current("Resource is current")},
		{name: "CRD group under k8s.io", computer: strict, obj: custom("gateway.networking.k8s.io/v1", "GatewayClass", 1, `{"controllerName":"example.com/gw"}`, ``),
			want: waiting("GatewayClass")},
		{name: "Terminating first", computer: strict, obj: `{"apiVersion":"example.com/v1","kind":"Gadget","metadata":{"deletionTimestamp":"2026-01-01T00:00:00Z"}}`,
			want: &status.Result{Status: status.TerminatingStatus, Message: "Resource scheduled for deletion"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := tc.computer.Compute(fromJSON(t, tc.obj))
			checkResult(t, got, err, tc.want, "", nil)
		})
	}
}

// TestRequireStatusErrors: the option does not hide a malformed status.
func TestRequireStatusErrors(t *testing.T) {
	t.Parallel()
	c := status.NewComputerWithOptions(nil, status.ComputerOptions{RequireStatus: true})
	for _, tc := range []struct{ obj, wantPath string }{
		{obj: custom("example.com/v1", "Gadget", 1, ``, `"ready"`), wantPath: "status"},
		{obj: custom("example.com/v1", "Gadget", 1, ``, `{"conditions":{"Ready":true}}`), wantPath: "status.conditions"},
	} {
		got, err := c.Compute(fromJSON(t, tc.obj))
		checkResult(t, got, err, nil, tc.wantPath, nil)
	}
}
