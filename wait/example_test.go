package wait_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta/testrestmapper"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/ptr"
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

// The goal examples give the fake client a scheme of its own: a wait may
// make the fake register kinds in its scheme, which must not be client-go's
// global one.

func ExampleResolver_WaitFor() {
	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	// "held" was deleted, but a finalizer keeps it: it is Terminating.
	held := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{
		Name: "held", Namespace: "default",
		Finalizers:        []string{"example.com/cleanup"},
		DeletionTimestamp: ptr.To(metav1.Now()),
	}}
	c := fake.NewClientBuilder().WithScheme(scheme).WithRESTMapper(mapper).WithObjects(held).Build()
	resolver := wait.NewResolver(c, mapper, 0)
	defer resolver.Close()

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	ids := []wait.ResourceIdentifier{
		{Name: "held", Namespace: "default", GroupKind: schema.GroupKind{Kind: "ConfigMap"}},
		{Name: "gone", Namespace: "default", GroupKind: schema.GroupKind{Kind: "ConfigMap"}},
	}
	var updates []string
	for event := range resolver.WaitFor(ctx, ids, wait.Deleted()) {
		p := event.Progress
		switch event.Type {
		case wait.ResourceUpdate:
			// Each update keeps the kstatus status; Met says whether the
			// resource meets the goal now.
			r := event.EventResource
			updates = append(updates, fmt.Sprintf("%s: %s %q met=%t", r.ResourceIdentifier.Name, r.Status, r.Message, r.Met))
		case wait.Completed:
			fmt.Printf("Completed: %d of %d deleted\n", p.Met, p.Total)
		case wait.Aborted:
			// Resources are observed concurrently: print them sorted.
			slices.Sort(updates)
			for _, u := range updates {
				fmt.Println(u)
			}
			fmt.Printf("Aborted: %d of %d deleted (%v)\n", p.Met, p.Total, event.Cause)
		}
	}
	// Output:
	// gone: Current "Resource does not exist" met=true
	// held: Terminating "Resource scheduled for deletion" met=false
	// Aborted: 1 of 2 deleted (context deadline exceeded)
}

func ExampleDeleted() {
	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	c := fake.NewClientBuilder().WithScheme(scheme).WithRESTMapper(mapper).Build()
	resolver := wait.NewResolver(c, mapper, 0)
	defer resolver.Close()

	// Objects that are already gone meet Deleted at once.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := resolver.Await(ctx, []wait.ResourceIdentifier{
		{Name: "old-api", Namespace: "default", GroupKind: schema.GroupKind{Group: "apps", Kind: "Deployment"}},
		{Name: "old-settings", Namespace: "default", GroupKind: schema.GroupKind{Kind: "ConfigMap"}},
	}, wait.Deleted())
	fmt.Println("deleted:", err == nil)
	// Output:
	// deleted: true
}

func ExampleExists() {
	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	c := fake.NewClientBuilder().WithScheme(scheme).WithRESTMapper(mapper).WithObjects(
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "token", Namespace: "default"}},
	).Build()
	resolver := wait.NewResolver(c, mapper, 0)
	defer resolver.Close()

	// kubectl wait --for=create: an absent object does not meet Exists;
	// the wait completes when it has been created.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	token := &unstructured.Unstructured{}
	token.SetAPIVersion("v1")
	token.SetKind("Secret")
	token.SetNamespace("default")
	token.SetName("token")
	for event := range resolver.WaitForObjects(ctx, []wait.KubernetesObject{token}, wait.Exists()) {
		if r := event.EventResource; r != nil {
			fmt.Println(r.ResourceIdentifier.Name, r.Status, r.Met)
			continue
		}
		fmt.Println(event.Type, event.Progress.Met, "of", event.Progress.Total)
	}
	// Output:
	// token Current true
	// Completed 1 of 1
}

func ExampleCondition() {
	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	web := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Status: corev1.PodStatus{
			Phase:      corev1.PodRunning,
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}},
		},
	}
	c := fake.NewClientBuilder().WithScheme(scheme).WithRESTMapper(mapper).WithObjects(web).Build()
	resolver := wait.NewResolver(c, mapper, 0)
	defer resolver.Close()

	// kubectl wait --for=condition=Ready. A condition whose
	// observedGeneration is below metadata.generation does not count.
	goal := wait.Condition("Ready", metav1.ConditionTrue)
	fmt.Println(goal)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for event := range resolver.WaitFor(ctx, []wait.ResourceIdentifier{
		{Name: "web", Namespace: "default", GroupKind: schema.GroupKind{Kind: "Pod"}},
	}, goal) {
		if r := event.EventResource; r != nil {
			fmt.Println(r.ResourceIdentifier.Name, r.Status, r.Message, r.Met)
			continue
		}
		fmt.Println(event.Type)
	}
	// Output:
	// condition Ready=True
	// web Current Pod is Ready true
	// Completed
}

func ExampleJSONPath() {
	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	job := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "migrate", Namespace: "default"},
		Status:     corev1.PodStatus{Phase: corev1.PodSucceeded},
	}
	c := fake.NewClientBuilder().WithScheme(scheme).WithRESTMapper(mapper).WithObjects(job).Build()
	resolver := wait.NewResolver(c, mapper, 0)
	defer resolver.Close()

	// kubectl wait --for=jsonpath='{.status.phase}'=Succeeded; with want ""
	// the path must exist with a non-empty value.
	goal, err := wait.JSONPath("{.status.phase}", "Succeeded")
	if err != nil {
		fmt.Println(err) // the expression does not parse
		return
	}
	fmt.Println(goal)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = resolver.Await(ctx, []wait.ResourceIdentifier{
		{Name: "migrate", Namespace: "default", GroupKind: schema.GroupKind{Kind: "Pod"}},
	}, goal)
	fmt.Println("met:", err == nil)
	// Output:
	// jsonpath {.status.phase}=Succeeded
	// met: true
}

func ExampleCEL() {
	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	api := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "api", Namespace: "default", Generation: 1},
		Spec:       appsv1.DeploymentSpec{Replicas: ptr.To[int32](3)},
		Status:     appsv1.DeploymentStatus{ObservedGeneration: 1, Replicas: 3, ReadyReplicas: 2},
	}
	c := fake.NewClientBuilder().WithScheme(scheme).WithRESTMapper(mapper).WithObjects(api).Build()
	resolver := wait.NewResolver(c, mapper, 0)
	defer resolver.Close()

	// The expression sees the object's top-level fields (status, spec,
	// metadata, …) and is compiled now: a typo fails here, not in the wait.
	if _, err := wait.CEL("stauts.readyReplicas >= 2"); err != nil {
		fmt.Println("compile error")
	}
	goal, err := wait.CEL("status.?readyReplicas.orValue(0) >= 2")
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for event := range resolver.WaitFor(ctx, []wait.ResourceIdentifier{
		{Name: "api", Namespace: "default", GroupKind: schema.GroupKind{Group: "apps", Kind: "Deployment"}},
	}, goal) {
		// Two of three replicas are ready: kstatus says InProgress, the
		// goal is met.
		if r := event.EventResource; r != nil {
			fmt.Println(r.ResourceIdentifier.Name, r.Status, r.Met)
			continue
		}
		fmt.Println(event.Type)
	}
	// Output:
	// compile error
	// api InProgress true
	// Completed
}

func ExampleResolver_Await() {
	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	c := fake.NewClientBuilder().WithScheme(scheme).WithRESTMapper(mapper).WithObjects(
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "settings", Namespace: "shop"}},
		&corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: "worker", Namespace: "shop"},
			Status:     corev1.PodStatus{Phase: corev1.PodPending},
		},
		&appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: "api", Namespace: "shop", Generation: 2},
			Spec:       appsv1.DeploymentSpec{Replicas: ptr.To[int32](2)},
			Status:     appsv1.DeploymentStatus{ObservedGeneration: 1},
		},
	).Build()
	resolver := wait.NewResolver(c, mapper, 0)
	defer resolver.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	err := resolver.Await(ctx, []wait.ResourceIdentifier{
		{Name: "api", Namespace: "shop", GroupKind: schema.GroupKind{Group: "apps", Kind: "Deployment"}},
		{Name: "settings", Namespace: "shop", GroupKind: schema.GroupKind{Kind: "ConfigMap"}},
		{Name: "worker", Namespace: "shop", GroupKind: schema.GroupKind{Kind: "Pod"}},
	}, wait.Current())
	// One line per resource that is not Current, sorted; none for those
	// that are.
	fmt.Println(err)
	var notMet *wait.NotMetError
	if errors.As(err, &notMet) {
		fmt.Println(len(notMet.Unmet), "unmet; timed out:", errors.Is(err, context.DeadlineExceeded))
	}
	// Output:
	// 2 of 3 resources not Current (context deadline exceeded):
	//   Pod shop/worker: InProgress: Pod is in the Pending phase
	//   Deployment.apps shop/api: InProgress: Deployment generation is 2, but latest observed generation is 1
	// 2 unmet; timed out: true
}
