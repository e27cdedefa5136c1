package engine

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	dynamicfake "k8s.io/client-go/dynamic/fake"

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
		cmGVR:     "ConfigMapList",
		widgetGVR: "WidgetList",
		nsGVR:     "NamespaceList",
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
// write after the first event wait for the watch first.
type watchingClient struct {
	informers.WatchClient
	watches chan struct{}
}

func newWatchingClient(dc *dynamicfake.FakeDynamicClient) *watchingClient {
	return &watchingClient{WatchClient: informers.NewDynamicClient(dc), watches: make(chan struct{}, 100)}
}

func (c *watchingClient) Watch(ctx context.Context, res informers.Resource, ns string, opts metav1.ListOptions) (watch.Interface, error) {
	w, err := c.WatchClient.Watch(ctx, res, ns, opts)
	if err == nil {
		c.watches <- struct{}{}
	}
	return w, err
}

func (c *watchingClient) IsWatchListSemanticsUnSupported() bool { return true }

func newTestEngine(t *testing.T, c informers.Client, mut ...func(*Options)) *Engine {
	t.Helper()
	linger := time.Duration(0)
	opts := Options{Client: c, Mapper: testMapper(), Linger: &linger, PollInterval: 20 * time.Millisecond}
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
