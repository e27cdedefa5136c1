package status_test

import (
	"errors"
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

func ExampleNewCELFunc() {
	// A Flux healthCheckExprs rule, pasted as it is.
	rule := status.CELRule{
		InProgress: "status.?phase.orValue('') == 'Provisioning'",
		Failed:     "status.?conditions.orValue([]).exists(c, c.type == 'Failed' && c.status == 'True')",
		Current:    "status.?conditions.orValue([]).exists(c, c.type == 'Ready' && c.status == 'True')",
		// Optional, a kwait extension: the message shown for the object.
		Message: "status.?message.orValue('')",
	}
	fn, err := status.NewCELFunc(rule)
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	c := status.NewComputer(map[schema.GroupKind]status.Func{
		{Group: "example.com", Kind: "Database"}: fn,
	})
	for _, st := range []map[string]any{
		nil, // the controller has not written a status yet
		{"phase": "Provisioning", "message": "creating volume"},
		{"conditions": []any{map[string]any{"type": "Ready", "status": "True"}}},
	} {
		db := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "example.com/v1",
			"kind":       "Database",
			"metadata":   map[string]any{"name": "orders", "generation": int64(1)},
		}}
		if st != nil {
			db.Object["status"] = st
		}
		res, err := c.Compute(db)
		if err != nil {
			fmt.Println("error:", err)
			continue
		}
		fmt.Println(res.Status, "-", res.Message)
	}
	// Output:
	// InProgress - Database is not current yet
	// InProgress - creating volume
	// Current - Database is current
}

func ExampleNewCELExpr() {
	// A boolean expression over one object, as a wait.CEL goal uses it.
	expr, err := status.NewCELExpr("status.?readyReplicas.orValue(0) >= spec.replicas")
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	deploy := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apps/v1",
		"kind":       "Deployment",
		"spec":       map[string]any{"replicas": int64(3)},
	}}
	ok, err := expr.Eval(deploy)
	fmt.Println(ok, err)

	deploy.Object["status"] = map[string]any{"readyReplicas": int64(3)}
	ok, err = expr.Eval(deploy)
	fmt.Println(ok, err)

	_, err = status.NewCELExpr("status.readyReplicas >= spec.replicas +")
	var ce *status.CELError
	fmt.Println(errors.As(err, &ce))
	// Output:
	// false <nil>
	// true <nil>
	// true
}

func ExampleBuiltin() {
	// The rule pack, opt-in: wait.Options{StatusFuncs: status.Builtin()}.
	c := status.NewComputer(status.Builtin())
	rollout := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "argoproj.io/v1alpha1",
		"kind":       "Rollout",
		"metadata":   map[string]any{"name": "web", "generation": int64(4)},
		"status": map[string]any{
			"observedGeneration": "4",
			"phase":              "Degraded",
			"message":            "RolloutAborted: Rollout aborted update to revision 4",
		},
	}}
	res, err := c.Compute(rollout)
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(res.Status, "-", res.Message)
	// Output: Failed - Degraded: RolloutAborted: Rollout aborted update to revision 4
}

func ExampleNewComputerWithOptions() {
	c := status.NewComputerWithOptions(nil, status.ComputerOptions{RequireStatus: true})
	widget := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "example.com/v1",
		"kind":       "Widget",
		"metadata":   map[string]any{"name": "w", "generation": int64(1)},
	}}
	res, _ := c.Compute(widget)
	fmt.Println(res.Status, "-", res.Message)

	widget.Object["status"] = map[string]any{"observedGeneration": int64(1)}
	res, _ = c.Compute(widget)
	fmt.Println(res.Status, "-", res.Message)
	// Output:
	// InProgress - Widget is waiting for its controller to write a status
	// Current - Resource is current
}
