package informers

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	clocktesting "k8s.io/utils/clock/testing"
)

var (
	cmRes = Resource{
		GVR:        schema.GroupVersionResource{Version: "v1", Resource: "configmaps"},
		GVK:        schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"},
		Namespaced: true,
	}
	nsRes = Resource{
		GVR: schema.GroupVersionResource{Version: "v1", Resource: "namespaces"},
		GVK: schema.GroupVersionKind{Version: "v1", Kind: "Namespace"},
	}
)

func configMap(ns, name string, rv int) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(cmRes.GVK)
	u.SetNamespace(ns)
	u.SetName(name)
	u.SetResourceVersion(strconv.Itoa(rv))
	u.SetManagedFields([]metav1.ManagedFieldsEntry{{Manager: "kubectl"}})
	u.SetAnnotations(map[string]string{lastAppliedAnnotation: "{}", "keep": "me"})
	return u
}

// fleetObject is configMap with the fields of the benchmark's fleet
// objects: uid, generation, creationTimestamp, a spec and one condition.
func fleetObject(ns, name string, rv int) *unstructured.Unstructured {
	u := configMap(ns, name, rv)
	u.SetUID(types.UID("0b6f3c1e-7f4a-4c2d-9a8e-" + fmt.Sprintf("%012d", rv)))
	u.SetGeneration(int64(rv))
	u.SetCreationTimestamp(metav1.NewTime(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)))
	u.Object["spec"] = map[string]any{"size": int64(1)}
	u.Object["status"] = map[string]any{"conditions": []any{
		map[string]any{"type": "Ready", "status": "True", "reason": "Done", "message": "ready at " + strconv.Itoa(rv)},
	}}
	return u
}

// stripped is a stripped copy of u.
func stripped(u *unstructured.Unstructured) *unstructured.Unstructured {
	u = u.DeepCopy()
	_, _ = stripForStatus(u)
	return u
}

func fakeClient(objs ...runtime.Object) WatchClient {
	return NewDynamicClient(fakeDynamic(objs...))
}

// fakeDynamic is the dynamic client behind fakeClient, for tests that
// change objects.
func fakeDynamic(objs ...runtime.Object) *dynamicfake.FakeDynamicClient {
	return dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{cmRes.GVR: "ConfigMapList", nsRes.GVR: "NamespaceList"}, objs...)
}

// recorder is a Handler that keeps every observation.
type recorder struct {
	mu   sync.Mutex
	obs  []Observation
	read int
	seen chan struct{}
}

func newRecorder() *recorder { return &recorder{seen: make(chan struct{}, 1000)} }

func (r *recorder) handle(o Observation) {
	r.mu.Lock()
	r.obs = append(r.obs, o)
	r.mu.Unlock()
	r.seen <- struct{}{}
}

// drain returns the observations not read yet, without waiting: for
// tests that know every delivery is done (synctest.Wait).
func (r *recorder) drain() []Observation {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := append([]Observation(nil), r.obs[r.read:]...)
	for range out {
		<-r.seen // handle sent it once it had appended
	}
	r.read = len(r.obs)
	return out
}

func (r *recorder) next(t *testing.T) Observation {
	t.Helper()
	select {
	case <-r.seen:
	case <-time.After(30 * time.Second):
		t.Fatal("no observation")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.read++
	return r.obs[r.read-1]
}

func TestInformerDeliversStateAndStripsIt(t *testing.T) {
	t.Parallel()
	linger := time.Duration(0)
	m, err := New(fakeClient(configMap("ns", "a", 5)), testOpts(func(o *Options) { o.Linger = linger }))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Stop()
	lease, err := m.Acquire(cmRes, Scope{Namespace: "ns"}, Watch, AcquireOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer lease.Release()
	if !lease.Fresh {
		t.Error("first lease is not fresh")
	}
	rec, missing := newRecorder(), newRecorder()
	defer lease.Subscribe([]Key{{Namespace: "ns", Name: "a"}}, rec.handle, nil)()
	defer lease.Subscribe([]Key{{Namespace: "ns", Name: "gone"}}, missing.handle, nil)()

	got := rec.next(t)
	if got.Object == nil || got.ResourceVersion != "5" {
		t.Fatalf("got %+v, want the object at resourceVersion 5", got)
	}
	if mf := got.Object.GetManagedFields(); mf != nil {
		t.Errorf("managedFields kept: %v", mf)
	}
	if d := cmp.Diff(map[string]string{"keep": "me"}, got.Object.GetAnnotations()); d != "" {
		t.Errorf("annotations (-want +got):\n%s", d)
	}
	if o := missing.next(t); o.Object != nil || o.Deleted || o.Err != nil {
		t.Errorf("missing object observed as %+v, want absent", o)
	}
}

func TestLeasesShareAndLinger(t *testing.T) {
	t.Parallel()
	clk := clocktesting.NewFakeClock(time.Now())
	linger := time.Minute
	m, err := New(fakeClient(), testOpts(func(o *Options) { o.Linger, o.Clock = linger, clk }))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Stop()

	a, _ := m.Acquire(cmRes, Scope{Namespace: "ns"}, Watch, AcquireOptions{})
	b, _ := m.Acquire(cmRes, Scope{Namespace: "ns"}, Watch, AcquireOptions{})
	other, _ := m.Acquire(cmRes, Scope{Namespace: "other"}, Watch, AcquireOptions{})
	if !a.Fresh || b.Fresh || !other.Fresh {
		t.Errorf("fresh = %t, %t, %t; want true, false, true", a.Fresh, b.Fresh, other.Fresh)
	}
	if n := m.Running(); n != 2 {
		t.Fatalf("%d sources, want 2", n)
	}
	a.Release()
	a.Release() // idempotent
	b.Release()
	other.Release()
	if n := m.Running(); n != 2 {
		t.Fatalf("%d sources right after release, want 2 lingering", n)
	}
	// Re-acquiring within the linger reuses the warm source.
	c, _ := m.Acquire(cmRes, Scope{Namespace: "ns"}, Watch, AcquireOptions{})
	if c.Fresh {
		t.Error("lease within the linger started a new source")
	}
	clk.Step(linger)
	if n := m.Running(); n != 1 {
		t.Fatalf("%d sources after the linger, want 1 (the held one)", n)
	}
	c.Release()
	clk.Step(linger)
	if n := m.Running(); n != 0 {
		t.Fatalf("%d sources after every linger, want 0", n)
	}
}

func TestClusterWideSourceServesNamespaces(t *testing.T) {
	t.Parallel()
	m, err := New(fakeClient(), testOpts())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Stop()
	all, _ := m.Acquire(cmRes, Scope{Namespace: ""}, Watch, AcquireOptions{})
	defer all.Release()
	ns, _ := m.Acquire(cmRes, Scope{Namespace: "ns"}, Watch, AcquireOptions{})
	defer ns.Release()
	cluster, _ := m.Acquire(nsRes, Scope{Namespace: "ignored"}, Watch, AcquireOptions{})
	defer cluster.Release()
	if ns.Fresh || m.Running() != 2 {
		t.Errorf("namespace lease fresh=%t with %d sources; want it served by the cluster-wide source", ns.Fresh, m.Running())
	}
	other, _ := m.Acquire(cmRes, Scope{Namespace: "elsewhere"}, Watch, AcquireOptions{})
	defer other.Release()
	if other.Fresh || m.Running() != 2 {
		t.Error("a second namespace started a source though the cluster-wide one serves it")
	}
}

func TestStopEndsEverythingAndIsIdempotent(t *testing.T) {
	t.Parallel()
	m, err := New(fakeClient(), testOpts())
	if err != nil {
		t.Fatal(err)
	}
	held, _ := m.Acquire(cmRes, Scope{Namespace: "ns"}, Watch, AcquireOptions{})
	if _, err := m.Acquire(cmRes, Scope{Namespace: "p"}, Poll, AcquireOptions{}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(m.Stop)
	}
	wg.Wait()
	held.Release() // after Stop: harmless
	if n := m.Running(); n != 0 {
		t.Errorf("%d sources after Stop", n)
	}
	if _, err := m.Acquire(cmRes, Scope{Namespace: "ns"}, Watch, AcquireOptions{}); !errors.Is(err, ErrStopped) {
		t.Errorf("Acquire after Stop: %v, want ErrStopped", err)
	}
}

func TestOptionsAndModes(t *testing.T) {
	t.Parallel()
	neg := -time.Second
	if _, err := New(nil, testOpts()); err == nil {
		t.Error("nil client accepted")
	}
	if _, err := New(fakeClient(), testOpts(func(o *Options) { o.Linger = neg })); err == nil {
		t.Error("negative linger accepted")
	}
	if _, err := New(fakeClient(), testOpts(func(o *Options) { o.PollInterval = -1 })); err == nil {
		t.Error("negative poll interval accepted")
	}
	m, err := New(getOnly{}, testOpts())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Stop()
	if m.CanWatch() {
		t.Error("a Client without Watch can watch")
	}
	if _, err := m.Acquire(cmRes, Scope{Namespace: "ns"}, Watch, AcquireOptions{}); !errors.Is(err, ErrCannotWatch) {
		t.Errorf("Watch on a get-only client: %v, want ErrCannotWatch", err)
	}
}

// getOnly is a Client that cannot watch; it finds "present" and fails "broken".
type getOnly struct{}

func (getOnly) Get(_ context.Context, _ Resource, ns, name string) (*unstructured.Unstructured, error) {
	switch name {
	case "present":
		return configMap(ns, name, 1), nil
	case "broken":
		return nil, errors.New("boom")
	}
	return nil, apierrors.NewNotFound(cmRes.GVR.GroupResource(), name)
}

func (getOnly) List(context.Context, Resource, string, metav1.ListOptions) (*unstructured.UnstructuredList, error) {
	return nil, errors.New("not implemented")
}

func TestPollerPollsNewKeysAtOnceThenEveryInterval(t *testing.T) {
	t.Parallel()
	clk := clocktesting.NewFakeClock(time.Now())
	m, err := New(getOnly{}, testOpts(func(o *Options) { o.Clock, o.PollInterval = clk, time.Minute }))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Stop()
	lease, err := m.Acquire(cmRes, Scope{Namespace: "ns"}, Poll, AcquireOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer lease.Release()
	rec := newRecorder()
	defer lease.Subscribe([]Key{{Namespace: "ns", Name: "present"}}, rec.handle, nil)()
	if o := rec.next(t); o.Object == nil || o.ResourceVersion != "1" {
		t.Fatalf("first poll %+v, want the object", o)
	}
	broken := newRecorder()
	defer lease.Subscribe([]Key{{Namespace: "ns", Name: "broken"}, {Namespace: "ns", Name: "absent"}}, broken.handle, nil)()
	got := map[string]Observation{}
	for range 2 {
		o := broken.next(t)
		got[o.Key.Name] = o
	}
	if got["broken"].Err == nil || got["absent"].Object != nil || got["absent"].Err != nil {
		t.Errorf("got %+v, want an error for broken and absence for absent", got)
	}
	// The poller armed its interval timer before its first poll; the next
	// interval polls every key again, and delivers the error again (the
	// unchanged object and absence it does not).
	if !clk.HasWaiters() {
		t.Fatal("the poller has no interval timer")
	}
	clk.Step(time.Minute)
	if o := broken.next(t); o.Key.Name != "broken" || o.Err == nil {
		t.Errorf("interval poll %+v, want the error of broken again", o)
	}
}
