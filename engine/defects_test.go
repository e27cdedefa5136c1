package engine

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/kwait-dev/kwait/informers"
	"github.com/kwait-dev/kwait/status"
)

// The defects of issue 9, each reproduced before it was fixed.

// revokable is a wait's world in which list and watch can be taken away
// while get stays, as by replacing a Role with a get-only one.
func revokable(t *testing.T) (*rbacClient, func(ready, msg string), *Engine) {
	t.Helper()
	dc := fakeDynamic(widget("ns", "w", "False", "before"))
	c := &rbacClient{WatchClient: informers.NewDynamicClient(dc), namespace: true, object: true, get: true, calls: make(map[string]int)}
	e := newTestEngine(t, c, func(o *Options) {
		// A namespace informer that lingers, for the next wait to find.
		o.Linger, o.ObjectScopeThreshold, o.PollInterval = time.Hour, -1, 10*time.Millisecond
	})
	write := func(ready, msg string) { update(t, dc, widgetGVR, widget("ns", "w", ready, msg)) }
	return c, write, e
}

func revoke(c *rbacClient) {
	c.set(func(c *rbacClient) { c.namespace, c.object = false, false })
	c.cut() // the informer lists again, and is refused
}

func lastOf(t *testing.T, ch <-chan Event) Event {
	t.Helper()
	evs := collect(t, ch)
	return evs[len(evs)-1]
}

// TestRevokedInformerIsNotReused: an informer that synced, then got a 403
// while it lingered, is dropped: the next wait does not trust its cached
// state (which never changes again) but polls, and completes.
func TestRevokedInformerIsNotReused(t *testing.T) {
	t.Parallel()
	c, write, e := revokable(t)
	ids := []Identifier{id(widgetGVK, "ns", "w")}
	ctx, cancel := context.WithCancel(context.Background())
	first := Wait(ctx, e, ids, identity)
	if ev := recv(t, first); ev.Message != "before" {
		t.Fatalf("first event %+v", ev)
	}
	cancel()
	collect(t, first)

	revoke(c)
	write("True", "ready")
	ctx2, cancel2 := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel2()
	if ev := lastOf(t, Wait(ctx2, e, ids, identity)); ev.Type != Completed {
		t.Fatalf("the wait after the revoke ended with %+v, want Completed (by polling)", ev)
	}
	if c.count("get") == 0 {
		t.Errorf("no GET: the wait did not poll; requests %v", c.calls)
	}
}

// TestRevokedWhileSharedBothComplete: two waits share an informer when it
// is refused mid-wait: both move down the ladder and complete.
func TestRevokedWhileSharedBothComplete(t *testing.T) {
	t.Parallel()
	c, write, e := revokable(t)
	ids := []Identifier{id(widgetGVK, "ns", "w")}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	a, b := Wait(ctx, e, ids, identity), Wait(ctx, e, ids, identity)
	recv(t, a)
	recv(t, b)
	revoke(c)
	write("True", "ready")
	for name, ch := range map[string]<-chan Event{"first": a, "second": b} {
		if ev := lastOf(t, ch); ev.Type != Completed {
			t.Errorf("the %s wait ended with %+v, want Completed", name, ev)
		}
	}
}

// flakyMapper fails lookups of Widgets with a discovery error (not a
// NoMatch) until heal, as controller-runtime's mapper does while the API
// server cannot be reached.
type flakyMapper struct {
	lateMapper
}

var errDiscovery = errors.New("failed to get server groups: connection refused")

func (m *flakyMapper) RESTMapping(gk schema.GroupKind, versions ...string) (*meta.RESTMapping, error) {
	m.mu.Lock()
	known := m.known
	m.mu.Unlock()
	if gk == widgetGVK.GroupKind() && !known {
		select {
		case m.refused <- struct{}{}:
		default:
		}
		return nil, errDiscovery
	}
	return m.lateMapper.RESTMapper.RESTMapping(gk, versions...)
}

// TestTransientMapperErrorIsRetried: a discovery error is not final.
func TestTransientMapperErrorIsRetried(t *testing.T) {
	t.Parallel()
	mapper := &flakyMapper{lateMapper{RESTMapper: testMapper(), refused: make(chan struct{}, 100)}}
	e := newTestEngine(t, informers.NewDynamicClient(fakeDynamic(widget("ns", "w", "True", "ready"))), func(o *Options) { o.Mapper = mapper })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ch := Wait(ctx, e, []Identifier{id(widgetGVK, "ns", "w")}, identity)
	if ev := recv(t, ch); ev.Status != status.UnknownStatus || !errors.Is(ev.Err, errDiscovery) {
		t.Fatalf("first event %+v, want Unknown with the discovery error", ev)
	}
	for range 2 { // the first lookup and one retry
		select {
		case <-mapper.refused:
		case <-ctx.Done():
			t.Fatal("the wait did not look the kind up again")
		}
	}
	mapper.learn()
	want := []step{
		{Type: ResourceUpdate, Aggregate: current, Status: current, Message: readyMessage},
		{Type: Completed, Aggregate: current},
	}
	if d := cmp.Diff(want, steps(collect(t, ch))); d != "" {
		t.Errorf("after discovery recovered (-want +got):\n%s", d)
	}
}

// TestFinalEventReachesASlowReader: with no linger at all, the Aborted of
// a wait whose caller is busy (an update still unread in the channel) is
// not lost; only a channel nobody reads for FinalEventTimeout after ctx
// ended is given up.
func TestFinalEventReachesASlowReader(t *testing.T) {
	t.Parallel()
	for _, read := range []bool{true, false} {
		name := map[bool]string{true: "slow reader", false: "abandoned channel"}[read]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			clk := clocktesting.NewFakeClock(time.Now())
			dc := fakeDynamic(widget("ns", "a", "False", "a"), widget("ns", "b", "False", "b"))
			e := newTestEngine(t, informers.NewDynamicClient(dc), func(o *Options) { o.Linger, o.Clock = 0, clk })
			ctx, cancel := context.WithCancel(context.Background())
			ch := Wait(ctx, e, []Identifier{id(widgetGVK, "ns", "a"), id(widgetGVK, "ns", "b")}, identity)
			// Nobody reads: one update fills the channel, the other waits.
			eventually(t, func() bool { return len(ch) == 1 })
			cancel()
			// The final event waits on the clock for a reader.
			eventually(t, clk.HasWaiters)
			if !read {
				clk.Step(time.Minute)
				evs := collect(t, ch)
				if last := evs[len(evs)-1]; last.Type == Aborted {
					t.Errorf("an abandoned channel still got %+v", steps(evs))
				}
				return
			}
			clk.Step(59 * time.Second)
			evs := collect(t, ch)
			if last := evs[len(evs)-1]; last.Type != Aborted {
				t.Errorf("got %+v, want it to end with Aborted", steps(evs))
			}
		})
	}
}

// eventually polls cond for a few seconds, for states tests cannot be
// told about.
func eventually(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestUnresolvedDuplicateTrackedOnce: one object named twice (with "" and
// "default" as its namespace) while its kind does not resolve yet is one
// resource of the wait, before and after the kind appears.
func TestUnresolvedDuplicateTrackedOnce(t *testing.T) {
	t.Parallel()
	mapper := &lateMapper{RESTMapper: testMapper(), refused: make(chan struct{}, 100)}
	e := newTestEngine(t, informers.NewDynamicClient(fakeDynamic(widget("default", "w", "True", "ready"))), func(o *Options) { o.Mapper = mapper })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ch := Wait(ctx, e, []Identifier{id(widgetGVK, "", "w"), id(widgetGVK, "default", "w")}, identity)
	first := recv(t, ch)
	<-mapper.refused
	mapper.learn()
	evs := append([]Event{first}, collect(t, ch)...)
	want := []step{
		{Type: ResourceUpdate, Aggregate: inProgress, Status: unknown, Err: true},
		{Type: ResourceUpdate, Aggregate: current, Status: current, Message: readyMessage},
		{Type: Completed, Aggregate: current},
	}
	if d := cmp.Diff(want, steps(evs)); d != "" {
		t.Errorf("events (-want +got):\n%s", d)
	}
}

// TestLateClusterScopedKindWithNamespace: a kind that resolves late as
// cluster-scoped, asked for with a namespace, reports ErrClusterScope and
// is not looked up again.
func TestLateClusterScopedKindWithNamespace(t *testing.T) {
	t.Parallel()
	mapper := &lateMapper{RESTMapper: testMapper(), refused: make(chan struct{}, 100), gk: nsGVK.GroupKind()}
	e := newTestEngine(t, informers.NewDynamicClient(fakeDynamic()), func(o *Options) { o.Mapper = mapper })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ch := Wait(ctx, e, []Identifier{id(nsGVK, "team", "x")}, identity)
	if ev := recv(t, ch); !errors.Is(ev.Err, ErrUnknownKind) {
		t.Fatalf("first event %+v, want ErrUnknownKind", ev)
	}
	<-mapper.refused
	mapper.learn()
	if ev := recv(t, ch); ev.Status != status.UnknownStatus || !errors.Is(ev.Err, ErrClusterScope) {
		t.Fatalf("after the kind resolved %+v, want ErrClusterScope", ev)
	}
	cancel()
	if evs := collect(t, ch); len(evs) != 1 || evs[0].Type != Aborted {
		t.Errorf("after cancel %+v, want one Aborted", steps(evs))
	}
}

// TestPolledObjectDeletedMidWait: a poller's GET that finds nothing is a
// deletion the wait applies.
func TestPolledObjectDeletedMidWait(t *testing.T) {
	t.Parallel()
	dc := fakeDynamic(widget("ns", "w", "False", "there"))
	e := newTestEngine(t, informers.NewDynamicClient(dc), func(o *Options) { o.Poll = true })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ch := Wait(ctx, e, []Identifier{id(widgetGVK, "ns", "w")}, identity)
	recv(t, ch)
	if err := dc.Resource(widgetGVR).Namespace("ns").Delete(ctx, "w", metav1.DeleteOptions{}); err != nil {
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

// TestFetchListsExistingObjects: the LIST path of Fetch (10 or more
// objects in a namespace) judges the objects that exist.
func TestFetchListsExistingObjects(t *testing.T) {
	t.Parallel()
	var objs []runtime.Object
	var ids []Identifier
	for i := range 11 {
		name := fmt.Sprintf("w%02d", i)
		ids = append(ids, id(widgetGVK, "ns", name))
		if i < 10 {
			objs = append(objs, widget("ns", name, "False", "working on "+name))
		}
	}
	c := newWatchingClient(fakeDynamic(objs...))
	e := newTestEngine(t, c)
	for i, r := range e.Fetch(context.Background(), ids) {
		want := "working on " + ids[i].Name
		if i == 10 {
			want = MessageNotExist
		}
		if r.Err != nil || r.Result.Message != want {
			t.Errorf("%s: %+v (%v), want %q", ids[i].Name, r.Result, r.Err, want)
		}
	}
	if l, g := len(c.requests("list")), len(c.requests("get")); l != 1 || g != 0 {
		t.Errorf("%d LISTs and %d GETs, want 1 and 0", l, g)
	}
}

// TestNothingAfterTheUpdateThatCompletes: inputs queued behind the change
// that completes the wait give no event.
func TestNothingAfterTheUpdateThatCompletes(t *testing.T) {
	t.Parallel()
	w, g := bareWaiter(t, 2)
	out := make(chan Event, 1)
	w.out = out
	for _, o := range []informers.Observation{obsAt(0, "1", "True", ""), obsAt(1, "2", "True", ""), obsAt(0, "3", "False", "again")} {
		p := 0
		if o.Key.Name == "b" {
			p = 1
		}
		w.q.push(input{g: g, pos: p, obs: o})
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(out)
		w.loop()
	}()
	var evs []Event
	for ev := range out {
		evs = append(evs, ev)
	}
	<-done
	want := []step{
		{Type: ResourceUpdate, Aggregate: unknown, Index: 0, Status: current, Message: readyMessage},
		{Type: ResourceUpdate, Aggregate: current, Index: 1, Status: current, Message: readyMessage},
		{Type: Completed, Aggregate: current},
	}
	if d := cmp.Diff(want, steps(evs)); d != "" {
		t.Errorf("events (-want +got):\n%s", d)
	}
}

// TestRestoredAccessWatchesAgain: once access comes back, the next wait
// watches again: the refused informer was dropped, not kept to be handed
// out (which would send every later wait down to polling).
func TestRestoredAccessWatchesAgain(t *testing.T) {
	t.Parallel()
	c, write, e := revokable(t)
	ids := []Identifier{id(widgetGVK, "ns", "w")}
	ctx, cancel := context.WithCancel(context.Background())
	first := Wait(ctx, e, ids, identity)
	recv(t, first)
	cancel()
	collect(t, first)
	before := c.count("watch namespace")
	revoke(c)
	eventually(t, func() bool { return c.count("list namespace") > 1 }) // refused
	c.set(func(c *rbacClient) { c.namespace, c.object = true, true })
	write("True", "ready")
	ctx2, cancel2 := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel2()
	if ev := lastOf(t, Wait(ctx2, e, ids, identity)); ev.Type != Completed {
		t.Fatalf("the wait after the restore ended with %+v", ev)
	}
	if n := c.count("watch namespace"); n <= before {
		t.Errorf("no new namespace watch after access came back: %v", c.calls)
	}
}

// TestRequireStatus: a custom resource without a status is Current at
// once (kstatus), or InProgress with RequireStatus until its controller
// writes one.
func TestRequireStatus(t *testing.T) {
	t.Parallel()
	for _, require := range []bool{false, true} {
		e := newTestEngine(t, informers.NewDynamicClient(fakeDynamic(widget("ns", "bare", "", ""))), func(o *Options) { o.RequireStatus = require })
		ctx, cancel := context.WithCancel(context.Background())
		ch := Wait(ctx, e, []Identifier{id(widgetGVK, "ns", "bare")}, identity)
		ev := recv(t, ch)
		cancel()
		collect(t, ch)
		if want := map[bool]status.Status{false: status.CurrentStatus, true: status.InProgressStatus}[require]; ev.Status != want {
			t.Errorf("RequireStatus %t: %+v, want %s", require, ev, want)
		}
	}
}
