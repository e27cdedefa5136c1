package wait_test

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta/testrestmapper"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/kwait-dev/kwait/wait"
)

// mapper maps the built-in kinds; real programs use the RESTMapper of their
// client (client.RESTMapper()) or one from discovery.
var mapper = testrestmapper.TestOnlyStaticRESTMapper(clientgoscheme.Scheme)

func ExampleResolver_WaitForStatus() {
	// Any controller-runtime client works; one that can watch (as the fake
	// client and client.NewWithWatch can) gets informers instead of polling.
	c := fake.NewClientBuilder().WithRESTMapper(mapper).WithObjects(
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "settings", Namespace: "default"}},
	).Build()
	resolver := wait.NewResolver(c, mapper, 2*time.Second)
	defer resolver.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ids := []wait.ResourceIdentifier{
		{Name: "settings", Namespace: "default", GroupKind: schema.GroupKind{Kind: "ConfigMap"}},
		{Name: "not-yet", GroupKind: schema.GroupKind{Kind: "Secret"}},
	}
	for event := range resolver.WaitForStatus(ctx, ids) {
		if event.Type != wait.ResourceUpdate {
			fmt.Println(event.Type, event.AggregateStatus)
			continue
		}
		// Resources are observed concurrently; print in a stable form.
		_ = event.EventResource
	}
	// Output:
	// Completed Current
}

func ExampleResolver_FetchAndResolve() {
	c := fake.NewClientBuilder().WithRESTMapper(mapper).WithObjects(
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "settings", Namespace: "default"}},
	).Build()
	resolver := wait.NewResolver(c, mapper, 0)
	defer resolver.Close()

	results := resolver.FetchAndResolve(context.Background(), []wait.ResourceIdentifier{
		{Name: "settings", Namespace: "default", GroupKind: schema.GroupKind{Kind: "ConfigMap"}},
		{Name: "missing", Namespace: "default", GroupKind: schema.GroupKind{Kind: "ConfigMap"}},
		{Name: "web", Namespace: "default", GroupKind: schema.GroupKind{Group: "example.com", Kind: "Unknown"}},
	})
	for _, r := range results {
		fmt.Printf("%s: %s %q error=%t\n", r.ResourceIdentifier.Name, r.Result.Status, r.Result.Message, r.Error != nil)
	}
	// Output:
	// settings: Current "Resource is always ready" error=false
	// missing: Current "Resource does not exist" error=false
	// web: Unknown "Error reading resource: resolve Unknown.example.com \"web\": unknown kind: no matches for kind \"Unknown\" in group \"example.com\"" error=true
}

func ExampleResolver_WaitForStatusOfObjects() {
	c := fake.NewClientBuilder().WithRESTMapper(mapper).Build()
	resolver := wait.NewResolver(c, mapper, 0)
	defer resolver.Close()

	// A nil object gets an error of its own; the others are waited for.
	ctx, cancel := context.WithCancel(context.Background())
	events := resolver.WaitForStatusOfObjects(ctx, []wait.KubernetesObject{nil})
	first := <-events
	fmt.Println(first.EventResource.Status, first.EventResource.Error)
	cancel()
	for event := range events {
		fmt.Println(event.Type, event.AggregateStatus)
	}
	// Output:
	// Unknown resolve  "": nil object
	// Aborted InProgress
}
