package status_test

import (
	"testing"

	unstructured "k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kwait-dev/kwait/status"
)

// deploymentRule judges a Deployment in CEL much as the built-in rule does,
// to compare the cost of the two per object.
var deploymentRule = status.CELRule{
	Failed: `status.?conditions.orValue([]).exists(c, c.type == 'Progressing' && c.?reason.orValue('') == 'ProgressDeadlineExceeded')`,
	Current: `status.?updatedReplicas.orValue(0) == spec.?replicas.orValue(1) && status.?readyReplicas.orValue(0) == spec.?replicas.orValue(1) && ` +
		`status.?availableReplicas.orValue(0) == spec.?replicas.orValue(1) && status.?replicas.orValue(0) == spec.?replicas.orValue(1) && ` +
		`status.?conditions.orValue([]).exists(c, c.type == 'Available' && c.status == 'True')`,
}

// BenchmarkComputeCEL compares Compute per object with a built-in Go rule
// and with CEL rules: a CEL Deployment rule, the generic Ready check
// against the same check in CEL, and two rules of the pack.
func BenchmarkComputeCEL(b *testing.B) {
	deployFn, err := status.NewCELFunc(deploymentRule)
	if err != nil {
		b.Fatal(err)
	}
	readyFn, err := status.NewCELFunc(status.CELRule{
		Current: `status.?conditions.orValue([]).exists(c, c.type == 'Ready' && c.status == 'True')`,
	})
	if err != nil {
		b.Fatal(err)
	}
	deployGK := schema.GroupKind{Group: "apps", Kind: "Deployment"}
	celComputer := status.NewComputer(map[schema.GroupKind]status.Func{deployGK: deployFn, widgetGK: readyFn})
	packComputer := status.NewComputer(status.Builtin())

	deploy := fromJSON(b, deployment(`{"replicas":3,"progressDeadlineSeconds":600}`, 3, 3, 3, 3, deployHealthyConds))
	widget := fromJSON(b, custom("example.com/v1", "Widget", 2, `{}`,
		`{"observedGeneration":2,"conditions":[{"type":"Synced","status":"True"},{"type":"Ready","status":"True","reason":"Available"}]}`))
	route := fromJSON(b, custom("gateway.networking.k8s.io/v1", "HTTPRoute", 4, `{"parentRefs":[{"name":"public"}]}`,
		`{"parents":[{"parentRef":{"name":"public"},"controllerName":"example.com/gw","conditions":[
			{"type":"Accepted","status":"True","reason":"Accepted","observedGeneration":4},
			{"type":"ResolvedRefs","status":"True","reason":"ResolvedRefs","observedGeneration":4}]}]}`))
	rollout := fromJSON(b, custom("argoproj.io/v1alpha1", "Rollout", 2, `{"replicas":3}`,
		`{"observedGeneration":"2","phase":"Progressing","message":"more replicas need to be updated"}`))

	for _, bc := range []struct {
		name string
		c    *status.Computer
		obj  *unstructured.Unstructured
	}{
		{"builtin/Deployment", nil, deploy},
		{"cel/Deployment", celComputer, deploy},
		{"generic/Ready", nil, widget},
		{"cel/Ready", celComputer, widget},
		{"pack/HTTPRoute", packComputer, route},
		{"pack/Rollout", packComputer, rollout},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				res, err := bc.c.Compute(bc.obj)
				if err != nil || res == nil {
					b.Fatal(res, err)
				}
			}
		})
	}
}
