package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/kwait-dev/kwait/informers"
	"github.com/kwait-dev/kwait/status"
)

const (
	unknown    = "Unknown"
	inProgress = "InProgress"
	current    = "Current"

	readyMessage = "Resource is Ready"        // status: a Ready condition that is True
	alwaysReady  = "Resource is always ready" // status: kinds with nothing to wait for
)

func TestWaitEventContract(t *testing.T) {
	t.Parallel()
	deleting := widget("ns", "going", "True", "ready")
	deleting.SetDeletionTimestamp(&metav1.Time{Time: time.Unix(1, 0)})
	deleting.SetFinalizers([]string{"test/hold"})

	tests := []struct {
		name string
		objs []runtime.Object
		ids  []Identifier
		want []step
	}{{
		name: "empty list completes at once",
		want: []step{{Type: Completed, Aggregate: current}},
	}, {
		name: "all current",
		objs: []runtime.Object{configMap("ns", "a"), widget("ns", "w", "True", "ready")},
		ids:  []Identifier{id(cmGVK, "ns", "a"), id(widgetGVK, "ns", "w")},
		// Sources deliver in no fixed order across kinds; the aggregate is
		// Unknown until both are seen, see wantAnyOrder below.
	}, {
		name: "not found counts as current",
		ids:  []Identifier{id(cmGVK, "ns", "missing")},
		want: []step{
			{Type: ResourceUpdate, Aggregate: current, Status: current, Message: MessageNotExist},
			{Type: Completed, Aggregate: current},
		},
	}, {
		name: "empty namespace means default",
		objs: []runtime.Object{widget("default", "w", "True", "ready")},
		ids:  []Identifier{id(widgetGVK, "", "w")},
		want: []step{
			{Type: ResourceUpdate, Aggregate: current, Status: current, Message: readyMessage},
			{Type: Completed, Aggregate: current},
		},
	}, {
		name: "cluster-scoped object",
		objs: []runtime.Object{func() runtime.Object {
			u := &unstructured.Unstructured{}
			u.SetGroupVersionKind(nsGVK)
			u.SetName("team-a")
			return u
		}()},
		ids: []Identifier{id(nsGVK, "", "team-a")},
		want: []step{
			{Type: ResourceUpdate, Aggregate: current, Status: current, Message: "Resource is current"},
			{Type: Completed, Aggregate: current},
		},
	}, {
		name: "duplicates are tracked once under the first position",
		objs: []runtime.Object{configMap("ns", "a")},
		ids:  []Identifier{id(cmGVK, "ns", "a"), id(cmGVK, "ns", "a"), {GVK: cmGVK.GroupVersion().WithKind("ConfigMap"), Namespace: "ns", Name: "a"}},
		want: []step{
			{Type: ResourceUpdate, Aggregate: current, Status: current, Message: alwaysReady},
			{Type: Completed, Aggregate: current},
		},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEngine(t, informers.NewDynamicClient(fakeDynamic(tc.objs...)))
			got := steps(collect(t, Wait(context.Background(), e, tc.ids, identity)))
			if tc.want == nil {
				// two resources: first update Unknown, second Current.
				if len(got) != 3 || got[0].Aggregate != unknown || got[1].Aggregate != current || got[2].Type != Completed {
					t.Fatalf("got %+v", got)
				}
				return
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("events (-want +got):\n%s", d)
			}
		})
	}
}

func TestWaitInProgressThenCurrent(t *testing.T) {
	t.Parallel()
	dc := fakeDynamic(widget("ns", "w", "False", "creating"))
	c := newWatchingClient(dc)
	e := newTestEngine(t, c)
	ch := Wait(context.Background(), e, []Identifier{id(widgetGVK, "ns", "w")}, identity)

	first := recv(t, ch)
	<-c.watches
	want := step{Type: ResourceUpdate, Aggregate: inProgress, Status: inProgress, Message: "creating"}
	if d := cmp.Diff(want, steps([]Event{first})[0]); d != "" {
		t.Fatalf("first event (-want +got):\n%s", d)
	}
	update(t, dc, widgetGVR, widget("ns", "w", "True", "done"))
	got := steps(collect(t, ch))
	wantRest := []step{
		{Type: ResourceUpdate, Aggregate: current, Status: current, Message: readyMessage},
		{Type: Completed, Aggregate: current},
	}
	if d := cmp.Diff(wantRest, got); d != "" {
		t.Errorf("events (-want +got):\n%s", d)
	}
}

func TestWaitTerminatingThenDeleted(t *testing.T) {
	t.Parallel()
	obj := widget("ns", "w", "True", "ready")
	obj.SetDeletionTimestamp(&metav1.Time{Time: time.Unix(1, 0)})
	obj.SetFinalizers([]string{"test/hold"})
	dc := fakeDynamic(obj)
	c := newWatchingClient(dc)
	e := newTestEngine(t, c)
	ch := Wait(context.Background(), e, []Identifier{id(widgetGVK, "ns", "w")}, identity)

	first := steps([]Event{recv(t, ch)})[0]
	<-c.watches
	if first.Status != string(status.TerminatingStatus) || first.Aggregate != inProgress {
		t.Fatalf("first event %+v, want Terminating with aggregate InProgress", first)
	}
	if err := dc.Resource(widgetGVR).Namespace("ns").Delete(context.Background(), "w", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	want := []step{
		{Type: ResourceUpdate, Aggregate: current, Status: current, Message: MessageDeleted},
		{Type: Completed, Aggregate: current},
	}
	if d := cmp.Diff(want, steps(collect(t, ch))); d != "" {
		t.Errorf("events (-want +got):\n%s", d)
	}
}

func TestWaitErrorsAreUnknownAndTheWaitGoesOn(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t, informers.NewDynamicClient(fakeDynamic(configMap("ns", "a"))))
	ctx, cancel := context.WithCancel(context.Background())
	ids := []Identifier{
		{GVK: widgetGVK.GroupVersion().WithKind("Gadget"), Namespace: "ns", Name: "g"}, // unknown kind
		id(cmGVK, "ns", ""),     // empty name
		id(nsGVK, "ns", "team"), // namespace on a cluster-scoped kind
		{Invalid: ErrNilObject},
		id(cmGVK, "ns", "a"),
	}
	ch := Wait(ctx, e, ids, identity)
	var evs []Event
	for len(evs) < len(ids) {
		evs = append(evs, recv(t, ch))
	}
	cancel()
	evs = append(evs, collect(t, ch)...)

	wantErr := map[int]error{0: ErrUnknownKind, 1: ErrEmptyName, 2: ErrClusterScope, 3: ErrNilObject}
	for _, ev := range evs[:len(ids)] {
		if ev.Type != ResourceUpdate {
			t.Fatalf("event %+v, want a ResourceUpdate", ev)
		}
		want, isErr := wantErr[ev.Index]
		switch {
		case isErr && (ev.Status != status.UnknownStatus || !errors.Is(ev.Err, want)):
			t.Errorf("resource %d: status %s err %v, want Unknown with %v", ev.Index, ev.Status, ev.Err, want)
		case !isErr && (ev.Status != status.CurrentStatus || ev.Err != nil):
			t.Errorf("resource %d: status %s err %v, want Current", ev.Index, ev.Status, ev.Err)
		}
	}
	last := evs[len(evs)-1]
	if len(evs) != len(ids)+1 || last.Type != Aborted || last.Aggregate != status.InProgressStatus {
		t.Errorf("after cancel got %+v, want one Aborted with aggregate InProgress", evs[len(ids):])
	}
}

// failingClient fails every read of the widgets resource.
type failingClient struct {
	informers.WatchClient
	err error
}

func (f failingClient) IsWatchListSemanticsUnSupported() bool { return true }

func (f failingClient) List(ctx context.Context, res informers.Resource, ns string, opts metav1.ListOptions) (*unstructured.UnstructuredList, error) {
	if res.GVR == widgetGVR {
		return nil, f.err
	}
	return f.WatchClient.List(ctx, res, ns, opts)
}

func TestWaitReadErrorReachesTheResource(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	e := newTestEngine(t, failingClient{WatchClient: informers.NewDynamicClient(fakeDynamic()), err: boom})
	ctx, cancel := context.WithCancel(context.Background())
	ch := Wait(ctx, e, []Identifier{id(widgetGVK, "ns", "w")}, identity)
	ev := recv(t, ch)
	cancel()
	if ev.Type != ResourceUpdate || ev.Status != status.UnknownStatus || !errors.Is(ev.Err, boom) {
		t.Errorf("got %+v, want Unknown with the list error", ev)
	}
	rest := collect(t, ch)
	if len(rest) == 0 || rest[len(rest)-1].Type != Aborted {
		t.Errorf("got %+v, want to end with Aborted", rest)
	}
}

func TestWaitAbortedOnCancel(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t, informers.NewDynamicClient(fakeDynamic(widget("ns", "w", "False", "creating"))))
	ctx, cancel := context.WithCancel(context.Background())
	ch := Wait(ctx, e, []Identifier{id(widgetGVK, "ns", "w")}, identity)
	recv(t, ch)
	cancel()
	want := []step{{Type: Aborted, Aggregate: inProgress}}
	if d := cmp.Diff(want, steps(collect(t, ch))); d != "" {
		t.Errorf("events (-want +got):\n%s", d)
	}
}

// TestWaitCoalescesForASlowReader writes many states while nobody reads:
// the reader then sees at most the buffered event, the one in flight and
// the newest state, in order.
func TestWaitCoalescesForASlowReader(t *testing.T) {
	t.Parallel()
	dc := fakeDynamic(widget("ns", "w", "False", "step 0"))
	c := newWatchingClient(dc)
	e := newTestEngine(t, c)
	ch := Wait(context.Background(), e, []Identifier{id(widgetGVK, "ns", "w")}, identity)
	if first := recv(t, ch); first.Message != "step 0" {
		t.Fatalf("first event %+v, want step 0", first)
	}
	<-c.watches

	// A second subscriber on the same informer (the wait's, on its one
	// object) sees deliveries right after the wait's handler has queued them.
	res := informers.Resource{GVR: widgetGVR, GVK: widgetGVK, Namespaced: true}
	lease, err := e.sources.Acquire(res, informers.Scope{Namespace: "ns", Name: "w"}, informers.Watch, informers.AcquireOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer lease.Release()
	if lease.Fresh {
		t.Fatal("the wait's informer is not shared")
	}
	const n = 50
	seen := make(chan string, 4*n)
	cancel := lease.Subscribe([]informers.Key{{Namespace: "ns", Name: "w"}}, func(o informers.Observation) {
		if o.Object != nil {
			conds, _, _ := unstructured.NestedSlice(o.Object.Object, "status", "conditions")
			seen <- conds[0].(map[string]any)["message"].(string)
		}
	}, nil)
	defer cancel()
	for i := 1; i <= n; i++ {
		update(t, dc, widgetGVR, widget("ns", "w", "False", fmt.Sprintf("step %d", i)))
	}
	for msg := range seen {
		if msg == fmt.Sprintf("step %d", n) {
			break
		}
	}
	// Every state is queued now: the reader gets the buffered event, the
	// one in flight and then the newest, never a backlog, never out of order.
	var got []Event
	last := 0
	for last != n {
		ev := recv(t, ch)
		got = append(got, ev)
		var step int
		if _, err := fmt.Sscanf(ev.Message, "step %d", &step); err != nil || step <= last {
			t.Fatalf("events out of order: %+v", steps(got))
		}
		last = step
	}
	if len(got) > 3 {
		t.Errorf("got %d events for %d changes, want them coalesced: %+v", len(got), n, steps(got))
	}
	update(t, dc, widgetGVR, widget("ns", "w", "True", "done"))
	want := []step{
		{Type: ResourceUpdate, Aggregate: current, Status: current, Message: readyMessage},
		{Type: Completed, Aggregate: current},
	}
	if d := cmp.Diff(want, steps(collect(t, ch))); d != "" {
		t.Errorf("end of stream (-want +got):\n%s", d)
	}
}

func TestWaitPolling(t *testing.T) {
	t.Parallel()
	dc := fakeDynamic(widget("ns", "w", "False", "creating"))
	e := newTestEngine(t, informers.NewDynamicClient(dc), func(o *Options) { o.Poll = true })
	ch := Wait(context.Background(), e, []Identifier{id(widgetGVK, "ns", "w"), id(cmGVK, "ns", "gone")}, identity)
	var evs []Event
	for len(evs) < 2 {
		evs = append(evs, recv(t, ch))
	}
	update(t, dc, widgetGVR, widget("ns", "w", "True", "done"))
	evs = append(evs, collect(t, ch)...)
	last := steps(evs[len(evs)-2:])
	want := []step{
		{Type: ResourceUpdate, Aggregate: current, Index: 0, Status: current, Message: readyMessage},
		{Type: Completed, Aggregate: current},
	}
	if d := cmp.Diff(want, last); d != "" {
		t.Errorf("end of stream (-want +got):\n%s", d)
	}
}

func TestWaitsShareOneInformerAndStopAfterRelease(t *testing.T) {
	t.Parallel()
	dc := fakeDynamic(widget("ns", "a", "False", "creating"), widget("ns", "b", "False", "creating"))
	c := newWatchingClient(dc)
	// Sharing of a namespace informer: without the threshold, each
	// one-object wait would watch its object alone.
	e := newTestEngine(t, c, func(o *Options) { o.ObjectScopeThreshold = -1 })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	chA := Wait(ctx, e, []Identifier{id(widgetGVK, "ns", "a")}, identity)
	chB := Wait(ctx, e, []Identifier{id(widgetGVK, "ns", "b")}, identity)
	recv(t, chA)
	recv(t, chB)
	<-c.watches
	if n := e.RunningSources(); n != 1 {
		t.Errorf("%d sources run for two waits on one (resource, namespace), want 1", n)
	}
	update(t, dc, widgetGVR, widget("ns", "a", "True", "done"))
	update(t, dc, widgetGVR, widget("ns", "b", "True", "done"))
	for _, ch := range []<-chan Event{chA, chB} {
		evs := collect(t, ch)
		if evs[len(evs)-1].Type != Completed {
			t.Errorf("got %+v, want Completed", steps(evs))
		}
	}
	if n := e.RunningSources(); n != 0 {
		t.Errorf("%d sources still run after both waits ended with no linger, want 0", n)
	}
}

// informerOn is the list and the watch of one informer on resource in
// namespace ("" for all) with field selector sel.
func informerOn(resource, namespace, sel string) []request {
	return []request{
		{Verb: "list", Resource: resource, Namespace: namespace, FieldSelector: sel},
		{Verb: "watch", Resource: resource, Namespace: namespace, FieldSelector: sel},
	}
}

// sortedUnique sorts reqs and drops repeats, such as a watch the reflector
// made again.
func sortedUnique(reqs []request) []request {
	slices.SortFunc(reqs, func(a, b request) int {
		return strings.Compare(fmt.Sprint(a), fmt.Sprint(b))
	})
	return slices.Compact(reqs)
}

// waitForWatches waits until n watches have been established.
func waitForWatches(t *testing.T, c *watchingClient, n int) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for i := range n {
		select {
		case <-c.watches:
		case <-timeout:
			t.Fatalf("%d of %d watches established: %+v", i, n, c.requests("list", "watch"))
		}
	}
}

// TestWaitScope checks which informers a wait starts: per object, per
// namespace or cluster-wide, by the requests the API server sees.
func TestWaitScope(t *testing.T) {
	t.Parallel()
	objs := []runtime.Object{&unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": "team"},
	}}}
	var cms, widgets []Identifier
	for i := range 7 {
		ns := fmt.Sprintf("ns-%d", i)
		objs = append(objs, configMap(ns, "a"))
		cms = append(cms, id(cmGVK, ns, "a"))
	}
	for i := range 6 {
		name := fmt.Sprintf("w%d", i)
		objs = append(objs, widget("crowded", name, "True", "ready"))
		widgets = append(widgets, id(widgetGVK, "crowded", name))
	}
	objectThreshold := func(n int) func(*Options) { return func(o *Options) { o.ObjectScopeThreshold = n } }
	scope := func(s Scope) func(*Options) { return func(o *Options) { o.Scope = s } }
	for _, tc := range []struct {
		name string
		mut  []func(*Options)
		ids  []Identifier
		want [][]request // list and watch of each informer
	}{{
		name: "auto, one object: per object",
		ids:  widgets[:1],
		want: [][]request{informerOn("widgets", "crowded", "metadata.name=w0")},
	}, {
		name: "auto, as many objects as the threshold: per object",
		ids:  widgets[:3],
		want: [][]request{
			informerOn("widgets", "crowded", "metadata.name=w0"),
			informerOn("widgets", "crowded", "metadata.name=w1"),
			informerOn("widgets", "crowded", "metadata.name=w2"),
		},
	}, {
		name: "auto, more objects than the threshold: per namespace",
		ids:  widgets[:4],
		want: [][]request{informerOn("widgets", "crowded", "")},
	}, {
		name: "auto, threshold raised: per object",
		mut:  []func(*Options){objectThreshold(4)},
		ids:  widgets[:4],
		want: [][]request{
			informerOn("widgets", "crowded", "metadata.name=w0"),
			informerOn("widgets", "crowded", "metadata.name=w1"),
			informerOn("widgets", "crowded", "metadata.name=w2"),
			informerOn("widgets", "crowded", "metadata.name=w3"),
		},
	}, {
		name: "auto, negative threshold: per namespace",
		mut:  []func(*Options){objectThreshold(-1)},
		ids:  widgets[:1],
		want: [][]request{informerOn("widgets", "crowded", "")},
	}, {
		name: "auto, per (resource, namespace)",
		ids:  append(slices.Clone(widgets[:4]), cms[0]),
		want: [][]request{informerOn("widgets", "crowded", ""), informerOn("configmaps", "ns-0", "metadata.name=a")},
	}, {
		name: "auto, a cluster-scoped kind: per object",
		ids:  []Identifier{id(nsGVK, "", "team")},
		want: [][]request{informerOn("namespaces", "", "metadata.name=team")},
	}, {
		// 3 of the kind's 7: one count of the kind (a LIST with limit 1),
		// then per namespace.
		name: "auto, a few of the kind in few namespaces: per namespace",
		mut:  []func(*Options){objectThreshold(-1)},
		ids:  cms[:3],
		want: [][]request{{{Verb: "list", Resource: "configmaps"}}, informerOn("configmaps", "ns-0", ""), informerOn("configmaps", "ns-1", ""), informerOn("configmaps", "ns-2", "")},
	}, {
		// 4 of the kind's 7: watching the kind costs less than 4
		// namespaces.
		name: "auto, most of the kind in few namespaces: cluster-wide",
		mut:  []func(*Options){objectThreshold(-1)},
		ids:  cms[:4],
		want: [][]request{informerOn("configmaps", "", "")},
	}, {
		name: "auto, many namespaces: cluster-wide, not per object",
		ids:  cms,
		want: [][]request{informerOn("configmaps", "", "")},
	}, {
		name: "namespace, one object: per namespace",
		mut:  []func(*Options){scope(ScopeNamespace)},
		ids:  widgets[:1],
		want: [][]request{informerOn("widgets", "crowded", "")},
	}, {
		name: "namespace, many namespaces",
		mut:  []func(*Options){scope(ScopeNamespace)},
		ids:  cms,
		want: [][]request{
			informerOn("configmaps", "ns-0", ""), informerOn("configmaps", "ns-1", ""), informerOn("configmaps", "ns-2", ""),
			informerOn("configmaps", "ns-3", ""), informerOn("configmaps", "ns-4", ""), informerOn("configmaps", "ns-5", ""),
			informerOn("configmaps", "ns-6", ""),
		},
	}, {
		name: "cluster, one object",
		mut:  []func(*Options){scope(ScopeCluster)},
		ids:  widgets[:1],
		want: [][]request{informerOn("widgets", "", "")},
	}, {
		name: "cluster, a cluster-scoped kind",
		mut:  []func(*Options){scope(ScopeCluster)},
		ids:  []Identifier{id(nsGVK, "", "team")},
		want: [][]request{informerOn("namespaces", "", "")},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			linger := time.Hour
			c := newWatchingClient(fakeDynamic(objs...))
			e := newTestEngine(t, c, append([]func(*Options){func(o *Options) {
				o.Linger, o.ClusterScopeThreshold = linger, 5
			}}, tc.mut...)...)
			evs := collect(t, Wait(context.Background(), e, tc.ids, identity))
			if evs[len(evs)-1].Type != Completed {
				t.Fatalf("got %+v, want Completed", steps(evs))
			}
			want := slices.Concat(tc.want...)
			watches := 0
			for _, r := range want {
				if r.Verb == "watch" {
					watches++
				}
			}
			waitForWatches(t, c, watches)
			if n := e.RunningSources(); n != watches {
				t.Errorf("%d sources, want %d", n, watches)
			}
			if d := cmp.Diff(sortedUnique(want), sortedUnique(c.requests("list", "watch"))); d != "" {
				t.Errorf("lists and watches (-want +got):\n%s", d)
			}
			// Every informer is new: its first list is the wait's baseline.
			if gets := c.requests("get"); len(gets) != 0 {
				t.Errorf("GETs %+v, want none", gets)
			}
		})
	}
}

// TestWaitObjectScopeReusesAWiderInformer runs a wait on one object while
// an earlier wait's wider informer lingers: the wait joins it, lists
// nothing, and reads its object once, as it would from any shared informer
// (read your writes).
func TestWaitObjectScopeReusesAWiderInformer(t *testing.T) {
	t.Parallel()
	var objs []runtime.Object
	var crowded, spread []Identifier
	for i := range 4 {
		name := fmt.Sprintf("w%d", i)
		objs = append(objs, widget("crowded", name, "True", "ready"))
		crowded = append(crowded, id(widgetGVK, "crowded", name))
		ns := fmt.Sprintf("ns-%d", i)
		objs = append(objs, widget(ns, "w", "True", "ready"))
		spread = append(spread, id(widgetGVK, ns, "w"))
	}
	for _, tc := range []struct {
		name  string
		first []Identifier // the wait that starts the wider informer
		then  Identifier
		wider request
	}{
		{"namespace informer", crowded, crowded[2], request{Verb: "list", Resource: "widgets", Namespace: "crowded"}},
		{"cluster-wide informer", spread, spread[1], request{Verb: "list", Resource: "widgets"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			linger := time.Hour
			c := newWatchingClient(fakeDynamic(objs...))
			e := newTestEngine(t, c, func(o *Options) { o.Linger, o.ClusterScopeThreshold = linger, 3 })
			evs := collect(t, Wait(context.Background(), e, tc.first, identity))
			if evs[len(evs)-1].Type != Completed {
				t.Fatalf("first wait: got %+v, want Completed", steps(evs))
			}
			waitForWatches(t, c, 1)
			if got := c.requests("list"); !slices.Equal(got, []request{tc.wider}) {
				t.Fatalf("first wait listed %+v, want %+v", got, tc.wider)
			}
			before := len(c.requests("list", "watch"))

			evs = collect(t, Wait(context.Background(), e, []Identifier{tc.then}, identity))
			want := []step{
				{Type: ResourceUpdate, Aggregate: current, Status: current, Message: readyMessage},
				{Type: Completed, Aggregate: current},
			}
			if d := cmp.Diff(want, steps(evs)); d != "" {
				t.Errorf("second wait (-want +got):\n%s", d)
			}
			if got := c.requests("list", "watch"); len(got) != before {
				t.Errorf("the second wait listed or watched: %+v", got[before:])
			}
			if n := e.RunningSources(); n != 1 {
				t.Errorf("%d sources, want the lingering one", n)
			}
			wantGets := []request{{Verb: "get", Resource: "widgets", Namespace: tc.then.Namespace, Name: tc.then.Name}}
			if d := cmp.Diff(wantGets, c.requests("get")); d != "" {
				t.Errorf("baseline reads of the second wait (-want +got):\n%s", d)
			}
		})
	}
}

func TestWaitFailFast(t *testing.T) {
	t.Parallel()
	stalled := widget("ns", "s", "", "")
	_ = unstructured.SetNestedSlice(stalled.Object, []any{map[string]any{
		"type": "Stalled", "status": "True", "reason": "Broken", "message": "cannot start",
	}}, "status", "conditions")
	for _, failFast := range []bool{true, false} {
		t.Run(fmt.Sprintf("FailFast=%t", failFast), func(t *testing.T) {
			t.Parallel()
			e := newTestEngine(t, informers.NewDynamicClient(fakeDynamic(stalled, widget("ns", "w", "False", "working"))), func(o *Options) {
				o.FailFast = failFast
			})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			ch := Wait(ctx, e, []Identifier{id(widgetGVK, "ns", "s"), id(widgetGVK, "ns", "w")}, identity)
			var evs []Event
			if !failFast {
				for len(evs) < 2 {
					evs = append(evs, recv(t, ch))
				}
				cancel()
			}
			evs = append(evs, collect(t, ch)...)
			last := evs[len(evs)-1]
			switch {
			case failFast && (last.Type != Failed || last.Aggregate != status.FailedStatus ||
				len(evs) < 2 || evs[len(evs)-2].Status != status.FailedStatus):
				t.Errorf("got %+v, want the Failed update then one Failed event", steps(evs))
			case !failFast && last.Type != Aborted:
				t.Errorf("got %+v, want the wait to go on until Aborted", steps(evs))
			}
		})
	}
}
