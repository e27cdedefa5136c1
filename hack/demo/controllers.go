package main

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// step is one status write of the simulated controllers, at a time since
// the wait started.
type step struct {
	at    time.Duration
	write func(ctx context.Context, c client.Client) error
}

// script plays a database operator and the Deployment controller: envtest
// runs no controllers, so the demo writes the status they would write. The
// steps are staggered so that the stream is worth watching.
var script = []step{
	{500 * time.Millisecond, rollout("api", 0)},
	{900 * time.Millisecond, database("orders", false, "Provisioning", "provisioning storage")},
	{1300 * time.Millisecond, database("customers", false, "Provisioning", "provisioning storage")},
	{1800 * time.Millisecond, rollout("worker", 1)},
	{2300 * time.Millisecond, database("analytics", false, "Provisioning", "provisioning storage")},
	{2900 * time.Millisecond, rollout("api", 1)},
	{3400 * time.Millisecond, database("orders", false, "CreatingUsers", "creating users")},
	{4000 * time.Millisecond, rollout("worker", 2)},
	{4500 * time.Millisecond, database("customers", false, "CreatingUsers", "creating users")},
	{5100 * time.Millisecond, rollout("api", 2)},
	{5600 * time.Millisecond, database("orders", true, "Available", "accepting connections")},
	{6200 * time.Millisecond, database("analytics", false, "CreatingUsers", "creating users")},
	{6800 * time.Millisecond, rollout("worker", 3)},
	{7400 * time.Millisecond, database("customers", true, "Available", "accepting connections")},
	{8200 * time.Millisecond, database("analytics", true, "Available", "accepting connections")},
}

// playControllers runs script against the cluster until it ends or ctx
// does. Sleeping is fine here: it stands in for real controllers' work.
func playControllers(ctx context.Context, c client.Client, start time.Time) error {
	for _, s := range script {
		t := time.NewTimer(time.Until(start.Add(s.at)))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		if err := s.write(ctx, c); err != nil {
			return err
		}
	}
	return nil
}

func database(name string, ready bool, reason, message string) func(context.Context, client.Client) error {
	return func(ctx context.Context, c client.Client) error {
		return setDatabaseReady(ctx, c, name, ready, reason, message)
	}
}

// setDatabaseReady writes the Ready condition of Database name through the
// status subresource, as its operator would.
func setDatabaseReady(ctx context.Context, c client.Client, name string, ready bool, reason, message string) error {
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		u := &unstructured.Unstructured{}
		u.SetGroupVersionKind(databaseGVK)
		if err := c.Get(ctx, client.ObjectKey{Namespace: demoNamespace, Name: name}, u); err != nil {
			return err
		}
		st := metav1.ConditionFalse
		if ready {
			st = metav1.ConditionTrue
		}
		u.Object["status"] = map[string]any{
			"observedGeneration": u.GetGeneration(),
			"conditions": []any{map[string]any{
				"type":               "Ready",
				"status":             string(st),
				"reason":             reason,
				"message":            message,
				"observedGeneration": u.GetGeneration(),
				"lastTransitionTime": time.Now().UTC().Format(time.RFC3339),
			}},
		}
		return c.Status().Update(ctx, u)
	})
	if err != nil {
		return fmt.Errorf("write status of Database %s: %w", name, err)
	}
	return nil
}

// rollout writes the status the Deployment controller would write when
// ready of the Deployment's replicas are ready and available. Once all are,
// the rollout is complete: Available=True and Progressing=True with reason
// NewReplicaSetAvailable, which kstatus needs to call it Current.
func rollout(name string, ready int32) func(context.Context, client.Client) error {
	return func(ctx context.Context, c client.Client) error {
		err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
			d := &appsv1.Deployment{}
			if err := c.Get(ctx, client.ObjectKey{Namespace: demoNamespace, Name: name}, d); err != nil {
				return err
			}
			want := int32(1)
			if d.Spec.Replicas != nil {
				want = *d.Spec.Replicas
			}
			now := metav1.Now()
			rs := fmt.Sprintf("ReplicaSet %q", name+"-5d8f7c9b6")
			available := appsv1.DeploymentCondition{
				Type: appsv1.DeploymentAvailable, Status: corev1.ConditionFalse,
				Reason: "MinimumReplicasUnavailable", Message: "Deployment does not have minimum availability.",
				LastUpdateTime: now, LastTransitionTime: now,
			}
			progressing := appsv1.DeploymentCondition{
				Type: appsv1.DeploymentProgressing, Status: corev1.ConditionTrue,
				Reason: "ReplicaSetUpdated", Message: rs + " is progressing.",
				LastUpdateTime: now, LastTransitionTime: now,
			}
			if ready >= want {
				available.Status, available.Reason, available.Message = corev1.ConditionTrue, "MinimumReplicasAvailable", "Deployment has minimum availability."
				progressing.Reason, progressing.Message = "NewReplicaSetAvailable", rs+" has successfully progressed."
			}
			d.Status = appsv1.DeploymentStatus{
				ObservedGeneration:  d.Generation,
				Replicas:            want,
				UpdatedReplicas:     want,
				ReadyReplicas:       ready,
				AvailableReplicas:   ready,
				UnavailableReplicas: want - ready,
				Conditions:          []appsv1.DeploymentCondition{available, progressing},
			}
			return c.Status().Update(ctx, d)
		})
		if err != nil {
			return fmt.Errorf("write status of Deployment %s: %w", name, err)
		}
		return nil
	}
}
