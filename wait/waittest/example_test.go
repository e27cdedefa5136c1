package waittest_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kwait-dev/kwait/wait"
	"github.com/kwait-dev/kwait/wait/waittest"
)

// A test makes one Waiter on its envtest (or any) cluster; its cleanup
// closes it. Current returns once every object is Current, or fails the
// test with one line per object that is not.
func ExampleNew() {
	testApp := func(t *testing.T, cfg *rest.Config, c client.Client) {
		w := waittest.New(t, cfg, waittest.WithTimeout(time.Minute))

		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "settings"}}
		deploy := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "api"}}
		// ... fill in deploy's spec ...
		for _, o := range []client.Object{cm, deploy} {
			if err := c.Create(context.Background(), o); err != nil {
				t.Fatal(err)
			}
		}
		w.Current(cm, deploy)
		// On a timeout the test fails with:
		//   waittest: 1 of 2 resources not Current (timed out after 1m0s):
		//     Deployment.apps default/api: InProgress: Replicas: 0/1
	}
	_ = testApp
}

// Current waits on typed and unstructured objects alike; For waits on any
// goal of package wait, Deleted until the objects are gone.
func ExampleWaiter_Current() {
	testRollout := func(t *testing.T, w *waittest.Waiter, deploy *appsv1.Deployment, db client.Object) {
		w.Current(deploy, db)
		w.For(wait.Condition("Available", metav1.ConditionTrue), deploy)
	}
	_ = testRollout
}

// Await returns the failure instead of failing the test, for use inside a
// helper or an Eventually of the caller's own.
func ExampleWaiter_Await() {
	helper := func(ctx context.Context, w *waittest.Waiter, objs ...client.Object) error {
		if err := w.Await(ctx, wait.Deleted(), objs...); err != nil {
			return fmt.Errorf("cleaning up: %w", err)
		}
		return nil
	}
	_ = helper
}

// BeCurrent judges one object the test holds, typed or unstructured, by
// its kstatus status; its failure names the object and says why, instead
// of dumping it.
func ExampleBeCurrent() {
	g := NewGomega(func(message string, _ ...int) { fmt.Println(message) })

	replicas := int32(3)
	deploy := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "api", Generation: 2},
		Spec:       appsv1.DeploymentSpec{Replicas: &replicas},
		Status:     appsv1.DeploymentStatus{ObservedGeneration: 2, Replicas: 3, UpdatedReplicas: 1, ReadyReplicas: 1, AvailableReplicas: 1},
	}
	g.Expect(deploy).To(waittest.BeCurrent())
	// Output:
	// expected Deployment.apps default/api to be Current, but it is InProgress: Updated: 1/3
}
