package engine

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/utils/clock"

	"github.com/kwait-dev/kwait/informers"
	"github.com/kwait-dev/kwait/status"
)

var (
	cmGVK     = schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}
	cmGVR     = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}
	widgetGVK = schema.GroupVersionKind{Group: "test.kwait.dev", Version: "v1", Kind: "Widget"}
	widgetGVR = schema.GroupVersionResource{Group: "test.kwait.dev", Version: "v1", Resource: "widgets"}
	nsGVK     = schema.GroupVersionKind{Version: "v1", Kind: "Namespace"}
	nsGVR     = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}
)

func testMapper() meta.RESTMapper {
	m := meta.NewDefaultRESTMapper(nil)
	m.Add(cmGVK, meta.RESTScopeNamespace)
	m.Add(widgetGVK, meta.RESTScopeNamespace)
	m.Add(nsGVK, meta.RESTScopeRoot)
	return m
}

func fakeDynamic(objs ...runtime.Object) *dynamicfake.FakeDynamicClient {
	return dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), map[schema.GroupVersionResource]string{
		cmGVR:           "ConfigMapList",
		widgetGVR:       "WidgetList",
		nsGVR:           "NamespaceList",
		crdResource.GVR: "CustomResourceDefinitionList",
	}, objs...)
}

// widget returns a Widget whose Ready condition is ready ("True"/"False")
// with message msg; ready "" means no status at all.
func widget(ns, name, ready, msg string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(widgetGVK)
	u.SetNamespace(ns)
	u.SetName(name)
	u.SetResourceVersion(strconv.FormatInt(rv.Add(1), 10))
	if ready != "" {
		_ = unstructured.SetNestedSlice(u.Object, []any{map[string]any{
			"type": "Ready", "status": ready, "reason": "Test", "message": msg,
		}}, "status", "conditions")
	}
	return u
}

func configMap(ns, name string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(cmGVK)
	u.SetNamespace(ns)
	u.SetName(name)
	return u
}

// watchingClient signals each established watch: the fake tracker, unlike an
// API server, cannot resume a watch from a resourceVersion, so tests that
// write after the first event wait for the watch first. It also records
// every read and, as an API server does, honours field selectors, which
// the fake client ignores.
type watchingClient struct {
	informers.WatchClient
	watches chan struct{}

	mu   sync.Mutex
	reqs []request
}

var _ informers.WatchClient = (*watchingClient)(nil)

// request is one read a watchingClient served.
type request struct {
	Verb          string // "list", "watch" or "get"
	Resource      string
	Namespace     string
	FieldSelector string // of a list or watch
	Name          string // of a get
}

func newWatchingClient(dc *dynamicfake.FakeDynamicClient) *watchingClient {
	return &watchingClient{WatchClient: informers.NewDynamicClient(dc), watches: make(chan struct{}, 100)}
}

func (c *watchingClient) record(r request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reqs = append(c.reqs, r)
}

// requests returns the reads served so far whose verb is one of verbs.
func (c *watchingClient) requests(verbs ...string) []request {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []request
	for _, r := range c.reqs {
		if slices.Contains(verbs, r.Verb) {
			out = append(out, r)
		}
	}
	return out
}

// matches reports whether u is selected by the field selector sel.
func matches(sel fields.Selector, u metav1.Object) bool {
	return sel.Matches(fields.Set{"metadata.name": u.GetName(), "metadata.namespace": u.GetNamespace()})
}

func (c *watchingClient) List(ctx context.Context, res informers.Resource, ns string, opts metav1.ListOptions) (*unstructured.UnstructuredList, error) {
	c.record(request{Verb: "list", Resource: res.GVR.Resource, Namespace: ns, FieldSelector: opts.FieldSelector})
	sel, err := fields.ParseSelector(opts.FieldSelector)
	if err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	l, err := c.WatchClient.List(ctx, res, ns, opts)
	if err != nil {
		return nil, err
	}
	l.Items = slices.DeleteFunc(l.Items, func(u unstructured.Unstructured) bool { return !matches(sel, &u) })
	return l, nil
}

func (c *watchingClient) Watch(ctx context.Context, res informers.Resource, ns string, opts metav1.ListOptions) (watch.Interface, error) {
	c.record(request{Verb: "watch", Resource: res.GVR.Resource, Namespace: ns, FieldSelector: opts.FieldSelector})
	sel, err := fields.ParseSelector(opts.FieldSelector)
	if err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	w, err := c.WatchClient.Watch(ctx, res, ns, opts)
	if err != nil {
		return nil, err
	}
	c.watches <- struct{}{}
	return watch.Filter(w, func(ev watch.Event) (watch.Event, bool) {
		u, ok := ev.Object.(metav1.Object)
		return ev, !ok || matches(sel, u)
	}), nil
}

func (c *watchingClient) Get(ctx context.Context, res informers.Resource, ns, name string) (*unstructured.Unstructured, error) {
	c.record(request{Verb: "get", Resource: res.GVR.Resource, Namespace: ns, Name: name})
	return c.WatchClient.Get(ctx, res, ns, name)
}

func (c *watchingClient) IsWatchListSemanticsUnSupported() bool { return true }

// testOptions are valid Options over c for tests: no linger, a 20ms poll.
func testOptions(c informers.Client) Options {
	return Options{
		Client:                c,
		Mapper:                testMapper(),
		PollInterval:          20 * time.Millisecond,
		FinalEventTimeout:     time.Minute,
		ClusterScopeThreshold: 20,
		ObjectScopeThreshold:  3,
		ListThreshold:         10,
		ReadConcurrency:       8,
		Clock:                 clock.RealClock{},
	}
}

func newTestEngine(t *testing.T, c informers.Client, mut ...func(*Options)) *Engine {
	t.Helper()
	opts := testOptions(c)
	for _, f := range mut {
		f(&opts)
	}
	e, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e
}

// collect reads every event of a wait; it fails the test if the channel is
// not closed within a generous bound.
func collect(t *testing.T, ch <-chan Event) []Event {
	t.Helper()
	var evs []Event
	timeout := time.After(30 * time.Second)
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				return evs
			}
			evs = append(evs, ev)
		case <-timeout:
			t.Fatalf("wait did not end; events so far: %+v", evs)
		}
	}
}

// recv returns the next event of a wait; it fails the test if none comes
// within a generous bound, so that a regression fails fast instead of
// running into go test's timeout.
func recv(t testing.TB, ch <-chan Event) Event {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if !ok {
			t.Fatal("the wait's channel closed early")
		}
		return ev
	case <-time.After(30 * time.Second):
		t.Fatal("no event within 30s")
	}
	return Event{}
}

func identity(ev Event) Event { return ev }

func id(gvk schema.GroupVersionKind, ns, name string) Identifier {
	return Identifier{GVK: gvk, Namespace: ns, Name: name}
}

// rv hands out increasing resourceVersions, as an API server does; the
// fake tracker keeps whatever it is given.
var rv atomic.Int64

func update(t *testing.T, dc *dynamicfake.FakeDynamicClient, gvr schema.GroupVersionResource, u *unstructured.Unstructured) {
	t.Helper()
	u.SetResourceVersion(strconv.FormatInt(rv.Add(1), 10))
	if _, err := dc.Resource(gvr).Namespace(u.GetNamespace()).Update(context.Background(), u, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// step is the comparable part of an Event.
type step struct {
	Type      EventType
	Aggregate string
	Index     int
	Status    string
	Message   string
	Err       bool
}

func steps(evs []Event) []step {
	out := make([]step, len(evs))
	for i, ev := range evs {
		out[i] = step{ev.Type, string(ev.Aggregate), ev.Index, string(ev.Status), ev.Message, ev.Err != nil}
	}
	return out
}

func aggregateOf(total int) status.Aggregate { return status.Aggregate{Total: total} }
