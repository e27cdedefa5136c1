package informers_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	clienttesting "k8s.io/client-go/testing"
	"k8s.io/utils/clock"

	"github.com/kwait-dev/kwait/informers"
)

var widgets = informers.Resource{
	GVR:        schema.GroupVersionResource{Group: "example.com", Version: "v1", Resource: "widgets"},
	GVK:        schema.GroupVersionKind{Group: "example.com", Version: "v1", Kind: "Widget"},
	Namespaced: true,
}

// fakeCluster holds objs; a real program passes a dynamic client for its
// cluster to informers.NewDynamicClient.
func fakeCluster(objs ...runtime.Object) *dynamicfake.FakeDynamicClient {
	return dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{widgets.GVR: "WidgetList"}, objs...)
}

// options sets every field: the manager applies no defaults.
func options() informers.Options {
	return informers.Options{
		Linger:          10 * time.Second,
		PollInterval:    2 * time.Second,
		ListThreshold:   10,
		ReadConcurrency: 8,
		Clock:           clock.RealClock{},
		// The zero Logger discards logs.
	}
}

func widget(namespace, name string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(widgets.GVK)
	u.SetNamespace(namespace)
	u.SetName(name)
	return u
}

// describe is one line about o.
func describe(o informers.Observation) string {
	switch {
	case o.Err != nil:
		return fmt.Sprintf("%s: error %v", o.Key, o.Err)
	case o.Object == nil:
		return fmt.Sprintf("%s: does not exist", o.Key)
	}
	return fmt.Sprintf("%s: exists", o.Key)
}

// next returns what ch carries next, or gives up after a while.
func next[T any](ch <-chan T) (T, bool) {
	select {
	case v := <-ch:
		return v, true
	case <-time.After(30 * time.Second):
		var zero T
		return zero, false
	}
}

func ExampleManager() {
	m, err := informers.New(informers.NewDynamicClient(fakeCluster(widget("shop", "orders"))), options())
	if err != nil {
		panic(err)
	}
	// Stop ends every source, held or not, and waits for its goroutines.
	defer m.Stop()

	// One informer for the widgets of namespace shop, started by this
	// Acquire and shared with every later one of the same scope.
	lease, err := m.Acquire(widgets, informers.Scope{Namespace: "shop"}, informers.Watch, informers.AcquireOptions{})
	if err != nil {
		panic(err)
	}
	fmt.Println("fresh:", lease.Fresh)

	// Handlers run on the source's goroutine: they must neither block nor
	// do I/O, so they hand what they get to buffered channels.
	observations := make(chan informers.Observation, 16)
	health := make(chan informers.Health, 16)
	cancel := lease.Subscribe(
		[]informers.Key{{Namespace: "shop", Name: "orders"}, {Namespace: "shop", Name: "missing"}},
		func(o informers.Observation) { observations <- o },
		// Called once per change of the source's condition, not per key;
		// a source that is Healthy from the start never calls it.
		func(h informers.Health) { health <- h },
	)
	// Each key's state arrives once the informer has synced, in no set
	// order.
	var lines []string
	for range 2 {
		o, ok := next(observations)
		if !ok {
			fmt.Println("no observation")
			return
		}
		lines = append(lines, describe(o))
	}
	slices.Sort(lines)
	fmt.Println(strings.Join(lines, "\n"))
	fmt.Println("health reports:", len(health))

	cancel()
	lease.Release()
	// The source nobody holds lingers, for the next Acquire.
	fmt.Println("running after Release:", m.Running())
	m.Stop()
	fmt.Println("running after Stop:", m.Running())
	// Output:
	// fresh: true
	// shop/missing: does not exist
	// shop/orders: exists
	// health reports: 0
	// running after Release: 1
	// running after Stop: 0
}

func ExampleManager_Read() {
	objs := []runtime.Object{widget("shop", "orders")}
	var many []informers.Key
	for i := range 10 {
		name := fmt.Sprintf("w%d", i)
		objs = append(objs, widget("fleet", name))
		many = append(many, informers.Key{Namespace: "fleet", Name: name})
	}
	dc := fakeCluster(objs...)
	m, err := informers.New(informers.NewDynamicClient(dc), options())
	if err != nil {
		panic(err)
	}
	defer m.Stop()
	ctx := context.Background()

	// Fewer than ListThreshold keys of a namespace: a GET each. One
	// observation per key, in order; NotFound is an absence, not an error.
	for _, o := range m.Read(ctx, widgets, []informers.Key{{Namespace: "shop", Name: "orders"}, {Namespace: "shop", Name: "missing"}}) {
		fmt.Println(describe(o))
	}
	fmt.Println("requests:", verbs(dc))

	// ListThreshold keys or more: one LIST of their namespace.
	dc.ClearActions()
	found := 0
	for _, o := range m.Read(ctx, widgets, many) {
		if o.Object != nil {
			found++
		}
	}
	fmt.Println("found", found, "of", len(many), "with requests:", verbs(dc))
	// Output:
	// shop/orders: exists
	// shop/missing: does not exist
	// requests: [get get]
	// found 10 of 10 with requests: [list]
}

func ExampleLease_Discard() {
	dc := fakeCluster(widget("shop", "orders"))
	// The API server refuses the first LIST, as RBAC does before a Role is
	// granted.
	var lists atomic.Int32
	dc.PrependReactor("list", "widgets", func(clienttesting.Action) (bool, runtime.Object, error) {
		if lists.Add(1) == 1 {
			return true, nil, apierrors.NewForbidden(widgets.GVR.GroupResource(), "", fmt.Errorf("no Role yet"))
		}
		return false, nil, nil
	})
	m, err := informers.New(informers.NewDynamicClient(dc), options())
	if err != nil {
		panic(err)
	}
	defer m.Stop()

	keys := []informers.Key{{Namespace: "shop", Name: "orders"}}
	subscribe := func() (*informers.Lease, <-chan informers.Observation, <-chan informers.Health, func()) {
		lease, err := m.Acquire(widgets, informers.Scope{Namespace: "shop"}, informers.Watch, informers.AcquireOptions{})
		if err != nil {
			panic(err)
		}
		observations := make(chan informers.Observation, 16)
		health := make(chan informers.Health, 16)
		cancel := lease.Subscribe(keys,
			func(o informers.Observation) { observations <- o },
			func(h informers.Health) { health <- h })
		return lease, observations, health, cancel
	}

	lease, _, health, cancel := subscribe()
	h, ok := next(health)
	fmt.Println(h.State, ok, apierrors.IsForbidden(h.Err))
	// A refused source makes no more requests, and the manager drops it:
	// no Acquire gets it again. Its holders discard their leases.
	cancel()
	lease.Discard()

	// The next Acquire starts a fresh source, which may now be allowed.
	lease, observations, _, cancel := subscribe()
	defer lease.Release()
	defer cancel()
	o, ok := next(observations)
	fmt.Println("fresh:", lease.Fresh, ok, describe(o))
	// Output:
	// Forbidden true true
	// fresh: true true shop/orders: exists
}

// verbs lists the verbs of the requests dc served.
func verbs(dc *dynamicfake.FakeDynamicClient) []string {
	var out []string
	for _, a := range dc.Actions() {
		out = append(out, a.GetVerb())
	}
	return out
}
