package informers

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"testing"

	"github.com/go-logr/logr"
	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/clock"
)

func TestInformerKeepsObjectsCompact(t *testing.T) {
	t.Parallel()
	a, b := fleetObject("ns", "a", 5), fleetObject("ns", "b", 6)
	dyn := fakeDynamic(a.DeepCopy(), b.DeepCopy())
	m, err := New(NewDynamicClient(dyn), testOpts())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Stop()
	lease, err := m.Acquire(cmRes, Scope{Namespace: "ns"}, Watch, AcquireOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer lease.Release()
	inf := lease.src.(*informer)
	keys := []Key{{Namespace: "ns", Name: "a"}, {Namespace: "ns", Name: "b"}}
	// The stripped objects by resourceVersion.
	updated := fleetObject("ns", "a", 7)
	want := map[string]*unstructured.Unstructured{"5": stripped(a), "6": stripped(b), "7": stripped(updated)}

	// await reads rec until it has observed each key at its
	// resourceVersion, in any order, checking every observation.
	await := func(rec *recorder, rvs map[Key]string) {
		t.Helper()
		for len(rvs) > 0 {
			o := rec.next(t)
			if o.Err != nil || o.Object == nil {
				t.Fatalf("got %+v, want an object", o)
			}
			if d := cmp.Diff(want[o.ResourceVersion], o.Object); d != "" {
				t.Errorf("%s at %s (-want +got):\n%s", o.Key, o.ResourceVersion, d)
			}
			if rvs[o.Key] == o.ResourceVersion {
				delete(rvs, o.Key)
			}
		}
	}
	early := newRecorder()
	defer lease.Subscribe(keys, early.handle, nil)()
	await(early, map[Key]string{keys[0]: "5", keys[1]: "6"})

	// A later subscriber reads the store, which must decode.
	late := newRecorder()
	defer lease.Subscribe(keys, late.handle, nil)()
	await(late, map[Key]string{keys[0]: "5", keys[1]: "6"})

	// An update reaches both through an event.
	if _, err := dyn.Resource(cmRes.GVR).Namespace("ns").Update(context.Background(), updated, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	await(early, map[Key]string{keys[0]: "7"})
	await(late, map[Key]string{keys[0]: "7"})

	// take cleared fresh before delivering, so the store keeps only JSON.
	for _, obj := range inf.store.List() {
		c, ok := obj.(*cachedObject)
		if !ok {
			t.Fatalf("store holds %T, want *cachedObject", obj)
		}
		if c.fresh != nil || c.raw == nil {
			t.Errorf("%s cached with fresh=%p and %d bytes of JSON, want only JSON", c.key(), c.fresh, len(c.raw))
		}
	}
}

func TestCachedObjectMeetsClientGo(t *testing.T) {
	t.Parallel()
	obj, err := compactKeeping(fleetObject("ns", "a", 5), true)
	if err != nil {
		t.Fatal(err)
	}
	c := obj.(*cachedObject)
	if again, _ := compactKeeping(c, true); again != c {
		t.Error("compact is not idempotent")
	}
	if k, err := cache.MetaNamespaceKeyFunc(c); err != nil || k != "ns/a" {
		t.Errorf("key %q, %v; want ns/a", k, err)
	}
	tomb, _ := compactKeeping(cache.DeletedFinalStateUnknown{Key: "ns/a", Obj: fleetObject("ns", "a", 5)}, true)
	if k, err := cache.DeletionHandlingMetaNamespaceKeyFunc(tomb); err != nil || k != "ns/a" {
		t.Errorf("tombstone key %q, %v; want ns/a", k, err)
	}
	if _, ok := tomb.(cache.DeletedFinalStateUnknown).Obj.(*cachedObject); !ok {
		t.Errorf("tombstone holds %T, want *cachedObject", tomb.(cache.DeletedFinalStateUnknown).Obj)
	}
	cp := c.DeepCopyObject().(*cachedObject)
	got, err := cp.decode()
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(stripped(fleetObject("ns", "a", 5)), got); d != "" {
		t.Errorf("deep copy decodes to (-want +got):\n%s", d)
	}
	if cp.fresh != nil {
		t.Error("deep copy shares fresh")
	}
}

func TestInformerDeliversDeletions(t *testing.T) {
	t.Parallel()
	inf := newInformer(fakeClient(), cmRes, Scope{Namespace: "ns"}, logr.Discard(), clock.RealClock{}, func() {})
	rec := newRecorder()
	defer inf.Subscribe([]Key{{Namespace: "ns", Name: "a"}}, rec.handle, nil)()

	obj, _ := compactKeeping(fleetObject("ns", "a", 5), true)
	inf.onDelete(obj)
	// A relist that misses a deletion: client-go hands over the last
	// state it stored.
	tomb, _ := compactKeeping(cache.DeletedFinalStateUnknown{Key: "ns/a", Obj: fleetObject("ns", "a", 6)}, true)
	inf.onDelete(tomb)
	want := []Observation{
		{Key: Key{Namespace: "ns", Name: "a"}, Deleted: true, ResourceVersion: "5"},
		{Key: Key{Namespace: "ns", Name: "a"}, Deleted: true, ResourceVersion: "6"},
	}
	if d := cmp.Diff(want, rec.drain()); d != "" {
		t.Errorf("observations (-want +got):\n%s", d)
	}
}

func TestInformerDeliversMalformedObjectsAsErrors(t *testing.T) {
	t.Parallel()
	inf := newInformer(fakeClient(), cmRes, Scope{Namespace: "ns"}, logr.Discard(), clock.RealClock{}, func() {})
	keys := []Key{{Namespace: "ns", Name: "nan"}, {Namespace: "ns", Name: "corrupt"}}
	early, mid, late := newRecorder(), newRecorder(), newRecorder()
	defer inf.Subscribe(keys, early.handle, nil)()

	// An event whose object cannot be encoded.
	nan := fleetObject("ns", "nan", 5)
	nan.Object["spec"] = map[string]any{"ratio": math.NaN()}
	obj, err := compactKeeping(nan, true)
	if err != nil {
		t.Fatalf("compact failed (%v): the object would be dropped", err)
	}
	if err := inf.store.Add(obj); err != nil {
		t.Fatal(err)
	}
	inf.onUpsert(obj)
	// A cached object that cannot be decoded, which no event delivered.
	if err := inf.store.Add(&cachedObject{namespace: "ns", name: "corrupt", resourceVersion: "6", raw: []byte("{")}); err != nil {
		t.Fatal(err)
	}
	defer inf.Subscribe(keys, mid.handle, nil)()
	inf.markSynced()
	defer inf.Subscribe(keys, late.handle, nil)()

	for _, tc := range []struct {
		name string
		rec  *recorder
		want []Key
	}{
		// early saw every event: the sync re-sends nothing it has seen.
		{"early", early, keys[:1]},
		// mid came after the first event: the sync sends it everything.
		{"mid", mid, keys},
		// late reads the store when it subscribes.
		{"late", late, keys},
	} {
		got := map[Key]bool{}
		for _, o := range tc.rec.drain() {
			var ce *CacheError
			if !errors.As(o.Err, &ce) || o.Object != nil || ce.Key != o.Key {
				t.Errorf("%s got %+v, want a CacheError for its key", tc.name, o)
			}
			got[o.Key] = true
		}
		if len(got) != len(tc.want) {
			t.Errorf("%s observed %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestCachedObjectIsSmall checks that a cached object holds well under
// half the heap of the stripped *unstructured.Unstructured it replaces;
// BenchmarkCachedObjectBytes reports the figures. Not parallel: it reads
// the heap.
func TestCachedObjectIsSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("measures the heap")
	}
	full, small := heldBytes(unstructuredHeld), heldBytes(compactHeld)
	t.Logf("held per object: %.0f B as unstructured, %.0f B compact", full, small)
	if small > full/2 {
		t.Errorf("a cached object holds %.0f B, want under half of %.0f B", small, full)
	}
}

func BenchmarkCachedObjectBytes(b *testing.B) {
	for _, bc := range []struct {
		name string
		keep func(*unstructured.Unstructured) any
	}{
		{"unstructured", unstructuredHeld},
		{"compact", compactHeld},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var held float64
			for b.Loop() {
				held = heldBytes(bc.keep)
			}
			b.ReportMetric(held, "B/object")
		})
	}
}

// unstructuredHeld is what the store kept before cachedObject.
func unstructuredHeld(u *unstructured.Unstructured) any { return u }

// compactHeld is what the store keeps once the event is delivered.
func compactHeld(u *unstructured.Unstructured) any {
	c := newCachedObject(u)
	c.fresh = nil
	return c
}

// heldBytes returns the live heap per object of 10,000 stripped fleet
// objects kept as keep returns them.
func heldBytes(keep func(*unstructured.Unstructured) any) float64 {
	const n = 10000
	objs := make([]any, n)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range objs {
		u := fleetObject("fleet", fmt.Sprintf("widget-%05d", i), 1000+i)
		_, _ = stripForStatus(u)
		objs[i] = keep(u)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(objs)
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / n
}
