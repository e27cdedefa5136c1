package informers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	clocktesting "k8s.io/utils/clock/testing"
)

// countingClient is a Client that counts its reads, stamps each list with
// a resourceVersion of its own and fails LISTs with listErr while set.
type countingClient struct {
	Client

	mu      sync.Mutex
	gets    int
	lists   []listCall
	listErr error
}

type listCall struct {
	Namespace string
	Opts      metav1.ListOptions
}

var _ Client = (*countingClient)(nil)

func (c *countingClient) Get(ctx context.Context, res Resource, namespace, name string) (*unstructured.Unstructured, error) {
	c.mu.Lock()
	c.gets++
	c.mu.Unlock()
	return c.Client.Get(ctx, res, namespace, name)
}

func (c *countingClient) List(ctx context.Context, res Resource, namespace string, opts metav1.ListOptions) (*unstructured.UnstructuredList, error) {
	c.mu.Lock()
	c.lists = append(c.lists, listCall{Namespace: namespace, Opts: opts})
	n, err := len(c.lists), c.listErr
	c.mu.Unlock()
	if err != nil {
		return nil, err
	}
	l, err := c.Client.List(ctx, res, namespace, opts)
	if err != nil {
		return nil, err
	}
	l.SetResourceVersion(listRV(n))
	return l, nil
}

// listRV is the resourceVersion of the nth list.
func listRV(n int) string { return fmt.Sprint(1000 + n) }

func (c *countingClient) setListErr(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.listErr = err
}

// calls returns the GETs and LISTs so far.
func (c *countingClient) calls() (gets int, lists []listCall) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gets, append([]listCall(nil), c.lists...)
}

// rawCountingClient is a countingClient that lists raw JSON, as the API
// server sends a typed list: items without apiVersion and kind.
type rawCountingClient struct{ *countingClient }

var _ rawLister = rawCountingClient{}

func (c rawCountingClient) listRaw(ctx context.Context, res Resource, namespace string, opts metav1.ListOptions) ([]byte, error) {
	l, err := c.List(ctx, res, namespace, opts)
	if err != nil {
		return nil, err
	}
	items := make([]any, len(l.Items))
	for i, u := range l.Items {
		o := u.DeepCopy().Object
		delete(o, "apiVersion")
		delete(o, "kind")
		items[i] = o
	}
	return json.Marshal(map[string]any{
		"apiVersion": "v1", "kind": "ConfigMapList",
		"metadata": map[string]any{"resourceVersion": l.GetResourceVersion()},
		"items":    items,
	})
}

// eachListForm runs test in a synctest bubble once with a Client that
// lists decoded objects and once with a rawLister.
func eachListForm(t *testing.T, test func(t *testing.T, raw bool)) {
	for _, raw := range []bool{false, true} {
		name := "decoded"
		if raw {
			name = "raw"
		}
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) { test(t, raw) })
		})
	}
}

// pollTest drives one poller of ConfigMaps round by round on a fake clock.
// It must run inside a synctest bubble, whose Wait tells when a round is
// over: every read made, every observation delivered, the timer re-armed.
type pollTest struct {
	t    *testing.T
	clk  *clocktesting.FakeClock
	dyn  *dynamicfake.FakeDynamicClient
	c    *countingClient
	rec  *recorder
	p    *poller
	keys []Key
}

const pollTestInterval = 20 * time.Second

// startPollTest starts a poller of cmRes in namespace (all when "") over
// objs, its LISTs failing with listErr if set, subscribes keys, and returns
// once the first round is over.
func startPollTest(t *testing.T, raw bool, namespace string, listThreshold int, listErr error, keys []Key, objs ...runtime.Object) *pollTest {
	t.Helper()
	pt := &pollTest{t: t, clk: clocktesting.NewFakeClock(time.Now()), dyn: fakeDynamic(objs...), rec: newRecorder(), keys: keys}
	pt.c = &countingClient{Client: NewDynamicClient(pt.dyn), listErr: listErr}
	var c Client = pt.c
	if raw {
		c = rawCountingClient{pt.c}
	}
	if listThreshold == 0 {
		listThreshold = 10
	}
	m, err := New(c, testOpts(func(o *Options) { o.Clock, o.PollInterval, o.ListThreshold = pt.clk, pollTestInterval, listThreshold }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Stop)
	lease, err := m.Acquire(cmRes, Scope{Namespace: namespace}, Poll, AcquireOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(lease.Release)
	pt.p = lease.src.(*poller)
	t.Cleanup(lease.Subscribe(keys, pt.rec.handle, nil))
	synctest.Wait()
	return pt
}

// round lets one poll interval pass and returns once that round is over.
func (pt *pollTest) round() {
	pt.t.Helper()
	if !pt.clk.HasWaiters() {
		pt.t.Fatal("the poller has no interval timer")
	}
	pt.clk.Step(pollTestInterval)
	synctest.Wait()
}

// observed returns the observations since the last call, one per key.
func (pt *pollTest) observed() map[Key]Observation {
	pt.t.Helper()
	got := make(map[Key]Observation)
	for _, o := range pt.rec.drain() {
		if _, dup := got[o.Key]; dup {
			pt.t.Errorf("%s observed twice in a round", o.Key)
		}
		got[o.Key] = o
	}
	if len(got) != len(pt.keys) {
		pt.t.Errorf("observed %v, want each of the %d keys", sortedKeys(got), len(pt.keys))
	}
	return got
}

// expectCalls checks the GETs and LISTs made so far.
func (pt *pollTest) expectCalls(gets, lists int) {
	pt.t.Helper()
	g, l := pt.c.calls()
	if g != gets || len(l) != lists {
		pt.t.Errorf("%d GETs and %d LISTs so far, want %d and %d", g, len(l), gets, lists)
	}
}

// state is what an observation says of its object, for comparison.
type state struct {
	Present, Deleted bool
	ResourceVersion  string
	Err              string
}

func stateOf(o Observation) state {
	s := state{Present: o.Object != nil, Deleted: o.Deleted, ResourceVersion: o.ResourceVersion}
	if o.Err != nil {
		s.Err = o.Err.Error()
	}
	if o.Object != nil && (o.Object.GetNamespace() != o.Key.Namespace || o.Object.GetName() != o.Key.Name) {
		s.Err = "object " + o.Object.GetNamespace() + "/" + o.Object.GetName() + " delivered"
	}
	if o.Object != nil && (o.Object.GetAPIVersion() != "v1" || o.Object.GetKind() != "ConfigMap") {
		s.Err = "object of " + o.Object.GetAPIVersion() + ", " + o.Object.GetKind() + " delivered"
	}
	return s
}

// expect checks the round's observations: want by key, each other key
// present at resourceVersion 1.
func (pt *pollTest) expect(round string, want map[Key]state) {
	pt.t.Helper()
	got := make(map[Key]state)
	for k, o := range pt.observed() {
		got[k] = stateOf(o)
	}
	full := make(map[Key]state, len(pt.keys))
	for _, k := range pt.keys {
		full[k] = state{Present: true, ResourceVersion: "1"}
	}
	for k, s := range want {
		full[k] = s
	}
	if d := cmp.Diff(full, got); d != "" {
		pt.t.Errorf("%s: observations (-want +got):\n%s", round, d)
	}
}

// expectChanged checks that the round delivered want, and nothing else.
func (pt *pollTest) expectChanged(round string, want map[Key]state) {
	pt.t.Helper()
	got := make(map[Key]state)
	for _, o := range pt.rec.drain() {
		if _, dup := got[o.Key]; dup {
			pt.t.Errorf("%s: %s observed twice", round, o.Key)
		}
		got[o.Key] = stateOf(o)
	}
	if want == nil {
		want = map[Key]state{}
	}
	if d := cmp.Diff(want, got); d != "" {
		pt.t.Errorf("%s: observations (-want +got):\n%s", round, d)
	}
}

func (pt *pollTest) update(u *unstructured.Unstructured) {
	pt.t.Helper()
	if _, err := pt.dyn.Resource(cmRes.GVR).Namespace(u.GetNamespace()).Update(context.Background(), u, metav1.UpdateOptions{}); err != nil {
		pt.t.Fatal(err)
	}
}

func (pt *pollTest) delete(k Key) {
	pt.t.Helper()
	if err := pt.dyn.Resource(cmRes.GVR).Namespace(k.Namespace).Delete(context.Background(), k.Name, metav1.DeleteOptions{}); err != nil {
		pt.t.Fatal(err)
	}
}

func sortedKeys(m map[Key]Observation) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k.String())
	}
	sort.Strings(out)
	return out
}

// fleet returns keys ns/cm-00 … ns/cm-<n-1> and the objects of the first
// present of them.
func fleet(ns string, n, present int) ([]Key, []runtime.Object) {
	keys := make([]Key, n)
	var objs []runtime.Object
	for i := range keys {
		keys[i] = Key{Namespace: ns, Name: fmt.Sprintf("cm-%02d", i)}
		if i < present {
			objs = append(objs, configMap(ns, keys[i].Name, 1))
		}
	}
	return keys, objs
}

func TestPollerListsFromThreshold(t *testing.T) {
	t.Parallel()
	eachListForm(t, func(t *testing.T, raw bool) {
		// Eleven keys across namespaces, of which ns/cm-10 does not exist
		// (though a namespace elsewhere has one of that name), and objects
		// nobody subscribed to beside them.
		keys, objs := fleet("ns", 11, 10)
		objs = append(objs, configMap("ns", "unsubscribed", 1), configMap("elsewhere", "cm-10", 1))
		missing, gone := keys[10], keys[0]
		// The default threshold, 10.
		pt := startPollTest(t, raw, "", 0, nil, keys, objs...)

		pt.expectCalls(0, 1)
		pt.expect("first round", map[Key]state{missing: {ResourceVersion: listRV(1)}})
		if _, l := pt.c.calls(); !cmp.Equal(l, []listCall{{}}) {
			t.Errorf("LISTs %+v, want one of all namespaces without options (no Limit)", l)
		}

		// Later rounds deliver what changed: the deletion, not the
		// unchanged objects nor the absence that was one already.
		pt.delete(gone)
		pt.round()
		pt.expectCalls(0, 2)
		pt.expectChanged("round after the deletion", map[Key]state{gone: {ResourceVersion: listRV(2)}})

		pt.round()
		pt.expectCalls(0, 3)
		pt.expectChanged("round after that", nil)
	})
}

func TestPollerGetsBelowThreshold(t *testing.T) {
	t.Parallel()
	eachListForm(t, func(t *testing.T, raw bool) {
		keys, objs := fleet("ns", 9, 8)
		missing := keys[8]
		pt := startPollTest(t, raw, "ns", 0, nil, keys, objs...)

		pt.expectCalls(9, 0)
		pt.expect("first round", map[Key]state{missing: {}})
		pt.round()
		pt.expectCalls(18, 0)
		pt.expectChanged("second round", nil)

		// A tenth key is polled alone at once, then with the other nine,
		// which makes a round of ten: a LIST.
		tenth := Key{Namespace: "ns", Name: "cm-09"}
		late := newRecorder()
		t.Cleanup(pt.p.Subscribe([]Key{tenth}, late.handle, nil))
		synctest.Wait()
		pt.expectCalls(19, 0)
		if got := late.drain(); len(got) != 1 || got[0].Object != nil || got[0].Err != nil {
			t.Errorf("new key observed as %+v, want absent once", got)
		}
		pt.round()
		pt.expectCalls(19, 1)
		pt.expectChanged("round of ten", nil)
		if got := late.drain(); len(got) != 0 {
			t.Errorf("new key observed as %+v in the round of ten, want nothing (absent still)", got)
		}
	})
}

func TestPollerGetsOnceListIsForbidden(t *testing.T) {
	t.Parallel()
	eachListForm(t, func(t *testing.T, raw bool) {
		keys, objs := fleet("ns", 3, 2)
		missing, gone := keys[2], keys[0]
		forbidden := apierrors.NewForbidden(cmRes.GVR.GroupResource(), "", errors.New("list not granted"))
		pt := startPollTest(t, raw, "ns", 2, forbidden, keys, objs...)

		pt.expectCalls(3, 1)
		pt.expect("first round", map[Key]state{missing: {}})

		pt.delete(gone)
		pt.round()
		pt.expectCalls(6, 1)
		pt.expectChanged("round after the deletion", map[Key]state{gone: {}})

		pt.round()
		pt.expectCalls(9, 1)
		pt.expectChanged("round after that", nil)

		// Once listForbiddenFor has passed, a LIST is tried again, in case
		// it was granted meanwhile: still refused, the round GETs.
		pt.round()
		pt.expectCalls(12, 2)
		pt.expectChanged("round after the refusal expired", nil)
	})
}

func TestPollerListsAgainAfterOtherErrors(t *testing.T) {
	t.Parallel()
	eachListForm(t, func(t *testing.T, raw bool) {
		keys, objs := fleet("ns", 3, 2)
		missing, gone := keys[2], keys[0]
		pt := startPollTest(t, raw, "ns", 2, nil, keys, objs...)
		pt.expectCalls(0, 1)
		pt.expect("first round", map[Key]state{missing: {ResourceVersion: listRV(1)}})

		unavailable := apierrors.NewServiceUnavailable("etcd is down")
		pt.c.setListErr(unavailable)
		pt.round()
		pt.expectCalls(0, 2)
		failed := state{Err: unavailable.Error()}
		pt.expect("failed round", map[Key]state{keys[0]: failed, keys[1]: failed, keys[2]: failed})

		// After the failed round every key is delivered again, changed or
		// not: the object it last found is reported deleted.
		pt.c.setListErr(nil)
		pt.delete(gone)
		pt.round()
		pt.expectCalls(0, 3)
		pt.expect("round after the failure", map[Key]state{
			missing: {ResourceVersion: listRV(3)},
			gone:    {ResourceVersion: listRV(3)},
		})
	})
}

// TestPollerSkipsUnchanged: a round delivers only what changed since the
// key's last delivery (another resourceVersion, a new absence, an error,
// the first success after one); a key subscribed again gets its state.
func TestPollerSkipsUnchanged(t *testing.T) {
	t.Parallel()
	eachListForm(t, func(t *testing.T, raw bool) {
		keys, objs := fleet("ns", 3, 3)
		changed, gone := keys[1], keys[2]
		pt := startPollTest(t, raw, "ns", 2, nil, keys, objs...)
		pt.expectCalls(0, 1)
		pt.expect("first round", nil)

		pt.round()
		pt.expectCalls(0, 2)
		pt.expectChanged("round without a change", nil)

		pt.update(configMap("ns", changed.Name, 2))
		pt.delete(gone)
		pt.round()
		pt.expectChanged("round after an update and a deletion", map[Key]state{
			changed: {Present: true, ResourceVersion: "2"},
			gone:    {ResourceVersion: listRV(3)},
		})
		pt.round()
		pt.expectChanged("round after that", nil)

		unavailable := apierrors.NewServiceUnavailable("etcd is down")
		pt.c.setListErr(unavailable)
		pt.round()
		failed := state{Err: unavailable.Error()}
		pt.expectChanged("failed round", map[Key]state{keys[0]: failed, changed: failed, gone: failed})
		pt.round()
		pt.expectChanged("failed again", map[Key]state{keys[0]: failed, changed: failed, gone: failed})
		pt.c.setListErr(nil)
		pt.round()
		pt.expectChanged("round after the failures", map[Key]state{
			keys[0]: {Present: true, ResourceVersion: "1"},
			changed: {Present: true, ResourceVersion: "2"},
			gone:    {ResourceVersion: listRV(7)},
		})

		// A second subscriber of a polled key gets its state at once, though
		// it did not change.
		again := newRecorder()
		t.Cleanup(pt.p.Subscribe([]Key{keys[0]}, again.handle, nil))
		synctest.Wait()
		if got := again.drain(); len(got) != 1 || stateOf(got[0]) != (state{Present: true, ResourceVersion: "1"}) {
			t.Errorf("second subscriber observed %+v, want %s present at 1 once", got, keys[0])
		}
		pt.rec.drain()
	})
}
