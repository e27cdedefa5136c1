package informers

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
)

// failingClient fails every list and watch with err while err is set.
type failingClient struct {
	WatchClient
	mu    sync.Mutex
	err   error
	lists int
}

func (c *failingClient) setErr(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.err = err
}

func (c *failingClient) List(ctx context.Context, res Resource, ns string, opts metav1.ListOptions) (*unstructured.UnstructuredList, error) {
	c.mu.Lock()
	err := c.err
	c.lists++
	c.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return c.WatchClient.List(ctx, res, ns, opts)
}

func (c *failingClient) Watch(ctx context.Context, res Resource, ns string, opts metav1.ListOptions) (watch.Interface, error) {
	c.mu.Lock()
	err := c.err
	c.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return c.WatchClient.Watch(ctx, res, ns, opts)
}

func (c *failingClient) IsWatchListSemanticsUnSupported() bool { return true }

// healthRecorder keeps every health change.
type healthRecorder struct {
	ch chan Health
}

func newHealthRecorder() *healthRecorder { return &healthRecorder{ch: make(chan Health, 100)} }

func (r *healthRecorder) handle(h Health) { r.ch <- h }

func (r *healthRecorder) next(t *testing.T) Health {
	t.Helper()
	select {
	case h := <-r.ch:
		return h
	case <-time.After(30 * time.Second):
		t.Fatal("no health change")
	}
	return Health{}
}

// TestInformerHealthFailsThenRecovers: a failing list reaches each
// subscription once (not once per key), and the first call that succeeds
// again reports Healthy with no write to any object.
func TestInformerHealthFailsThenRecovers(t *testing.T) {
	t.Parallel()
	c := &failingClient{WatchClient: fakeClient(configMap("ns", "a", 1), configMap("ns", "b", 1)), err: apierrors.NewServiceUnavailable("etcd is down")}
	m, err := New(c, testOpts(func(o *Options) { o.Linger = 0 }))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Stop()
	lease, err := m.Acquire(cmRes, Scope{Namespace: "ns"}, Watch, AcquireOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer lease.Release()
	rec, health := newRecorder(), newHealthRecorder()
	defer lease.Subscribe([]Key{{Namespace: "ns", Name: "a"}, {Namespace: "ns", Name: "b"}}, rec.handle, health.handle)()
	if h := health.next(t); h.State != Failing || !apierrors.IsServiceUnavailable(h.Err) {
		t.Fatalf("first health %+v, want Failing with the 503", h)
	}
	c.setErr(nil)
	if h := health.next(t); h.State != Healthy || h.Err != nil {
		t.Fatalf("health after the outage %+v, want Healthy", h)
	}
	for range 2 {
		if o := rec.next(t); o.Object == nil || o.Err != nil {
			t.Errorf("observation %+v, want the object", o)
		}
	}
	select {
	case h := <-health.ch:
		t.Errorf("health changed again: %+v", h)
	default:
	}
}

// TestForbiddenInformerIsDropped: an informer refused while it runs tells
// its subscribers Forbidden and leaves the manager at once: the next
// Acquire of its scope starts a fresh one, which works once access is back.
func TestForbiddenInformerIsDropped(t *testing.T) {
	t.Parallel()
	c := &failingClient{WatchClient: fakeClient(configMap("ns", "a", 1))}
	m, err := New(c, testOpts(func(o *Options) { o.Linger = time.Hour }))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Stop()
	lease, err := m.Acquire(cmRes, Scope{Namespace: "ns"}, Watch, AcquireOptions{})
	if err != nil {
		t.Fatal(err)
	}
	inf := lease.src.(*informer)
	c.setErr(apierrors.NewForbidden(cmRes.GVR.GroupResource(), "", errors.New("revoked")))
	health := newHealthRecorder()
	defer lease.Subscribe([]Key{{Namespace: "ns", Name: "a"}}, func(Observation) {}, health.handle)()
	// Force the relist an API server's dropped connection would cause.
	inf.report(context.Background(), apierrors.NewForbidden(cmRes.GVR.GroupResource(), "", errors.New("revoked")))
	if h := health.next(t); h.State != Forbidden {
		t.Fatalf("health %+v, want Forbidden", h)
	}
	if n := m.Running(); n != 0 {
		t.Errorf("%d sources may still be acquired, want the refused one gone", n)
	}
	c.setErr(nil)
	again, err := m.Acquire(cmRes, Scope{Namespace: "ns", Name: "a"}, Watch, AcquireOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Release()
	if !again.Fresh {
		t.Error("a narrower Acquire was served by the refused informer")
	}
	lease.Discard()
}

// TestConsistentBaselineLists: a subscription of 10 or more keys of one
// namespace on a running informer reads its baseline with one LIST, and
// each key gets its own object from it.
func TestConsistentBaselineLists(t *testing.T) {
	t.Parallel()
	var objs []runtime.Object
	var keys []Key
	for i := range 10 {
		name := fmt.Sprintf("cm-%d", i)
		objs = append(objs, configMap("ns", name, 10+i))
		keys = append(keys, Key{Namespace: "ns", Name: name})
	}
	c := &countingClient{Client: fakeClient(objs...)}
	m, err := New(struct {
		*countingClient
		watchOnly
	}{c, watchOnly{fakeClient(objs...)}}, testOpts())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Stop()
	first, err := m.Acquire(cmRes, Scope{Namespace: "ns"}, Watch, AcquireOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer first.Release()
	warm := newRecorder()
	defer first.Subscribe(keys[:1], warm.handle, nil)()
	warm.next(t) // synced
	_, listsBefore := c.calls()
	second, err := m.Acquire(cmRes, Scope{Namespace: "ns"}, Watch, AcquireOptions{ReadYourWrites: true})
	if err != nil {
		t.Fatal(err)
	}
	defer second.Release()
	rec := newRecorder()
	defer second.Subscribe(keys, rec.handle, nil)()
	got := map[Key]string{}
	for range keys {
		o := rec.next(t)
		if o.Object == nil || o.Object.GetName() != o.Key.Name {
			t.Errorf("baseline of %s: %+v, want its object", o.Key, o)
			continue
		}
		got[o.Key] = o.ResourceVersion
	}
	if len(got) != len(keys) {
		t.Errorf("baselines for %d keys, want %d", len(got), len(keys))
	}
	if gets, lists := c.calls(); gets != 0 || len(lists)-len(listsBefore) != 1 {
		t.Errorf("%d GETs and %d LISTs for the baseline, want 0 and 1", gets, len(lists)-len(listsBefore))
	}
}

// watchOnly lends a Client the watch of another.
type watchOnly struct{ w WatchClient }

func (w watchOnly) Watch(ctx context.Context, res Resource, ns string, opts metav1.ListOptions) (watch.Interface, error) {
	return w.w.Watch(ctx, res, ns, opts)
}

func (watchOnly) IsWatchListSemanticsUnSupported() bool { return true }

// TestReadFirstReadsAFreshSource: ReadFirst reads the keys live even on a
// source the Acquire started, so a kind just served is judged by a GET
// while its first list may be held back.
func TestReadFirstReadsAFreshSource(t *testing.T) {
	t.Parallel()
	c := &countingClient{Client: fakeClient(configMap("ns", "a", 3))}
	m, err := New(struct {
		*countingClient
		watchOnly
	}{c, watchOnly{fakeClient(configMap("ns", "a", 3))}}, testOpts())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Stop()
	for _, first := range []bool{false, true} {
		lease, err := m.Acquire(cmRes, Scope{Namespace: "ns", Name: "a"}, Watch, AcquireOptions{ReadYourWrites: true, ReadFirst: first})
		if err != nil {
			t.Fatal(err)
		}
		before, _ := c.calls()
		rec := newRecorder()
		cancel := lease.Subscribe([]Key{{Namespace: "ns", Name: "a"}}, rec.handle, nil)
		if o := rec.next(t); o.Object == nil {
			t.Errorf("ReadFirst %t: %+v, want the object", first, o)
		}
		cancel()
		lease.Discard()
		if gets, _ := c.calls(); (gets > before) != first {
			t.Errorf("ReadFirst %t: %d GETs", first, gets-before)
		}
	}
}
