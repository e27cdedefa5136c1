package status_test

import (
	"fmt"

	unstructured "k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kwait-dev/kwait/status"
)

func ExampleCompute() {
	deploy := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apps/v1",
		"kind":       "Deployment",
		"metadata":   map[string]any{"name": "web", "namespace": "default", "generation": int64(2)},
		"spec":       map[string]any{"replicas": int64(3)},
		"status": map[string]any{
			"observedGeneration": int64(2),
			"replicas":           int64(3),
			"updatedReplicas":    int64(3),
			"readyReplicas":      int64(2),
			"availableReplicas":  int64(3),
		},
	}}
	res, err := status.Compute(deploy)
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(res.Status, "-", res.Message)
	for _, c := range res.Conditions {
		fmt.Println(c.Type, c.Status, c.Reason)
	}
	// Output:
	// InProgress - Ready: 2/3
	// Reconciling True LessReady
}

func ExampleNewComputer() {
	// Widgets report readiness in status.phase.
	widgets := schema.GroupKind{Group: "example.com", Kind: "Widget"}
	c := status.NewComputer(map[schema.GroupKind]status.Func{
		widgets: func(u *unstructured.Unstructured) (*status.Result, error) {
			phase, _, err := unstructured.NestedString(u.Object, "status", "phase")
			if err != nil {
				return nil, err
			}
			if phase != "Running" {
				return &status.Result{Status: status.InProgressStatus, Message: "phase " + phase}, nil
			}
			return &status.Result{Status: status.CurrentStatus, Message: "running"}, nil
		},
	})
	widget := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "example.com/v1",
		"kind":       "Widget",
		"status":     map[string]any{"phase": "Starting"},
	}}
	res, err := c.Compute(widget)
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(res.Status, "-", res.Message)
	// Output: InProgress - phase Starting
}

func ExampleAggregate() {
	agg := status.Aggregate{Total: 3}
	fmt.Println(agg.Status()) // nothing observed yet

	agg.Observed = 3
	agg.EverCurrent = 2
	fmt.Println(agg.Status())

	agg.EverCurrent = 3
	fmt.Println(agg.Status())
	// Output:
	// Unknown
	// InProgress
	// Current
}

func ExampleAggregateStatus() {
	fmt.Println(status.AggregateStatus([]status.Status{status.CurrentStatus, status.InProgressStatus}, status.CurrentStatus))
	fmt.Println(status.AggregateStatus([]status.Status{status.CurrentStatus, status.FailedStatus}, status.CurrentStatus))
	// Output:
	// InProgress
	// Failed
}

func ExampleAugment() {
	pod := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1",
		"kind":       "Pod",
		"status":     map[string]any{"phase": "Pending"},
	}}
	if err := status.Augment(pod); err != nil {
		fmt.Println("error:", err)
		return
	}
	conds, _, _ := unstructured.NestedSlice(pod.Object, "status", "conditions")
	c := conds[0].(map[string]any)
	fmt.Println(c["type"], c["status"], c["reason"])
	// Output: Reconciling True PodPending
}
