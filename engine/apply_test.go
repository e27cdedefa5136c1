package engine

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kwait-dev/kwait/informers"
)

// bareWaiter is a wait of n resources, all read by one group, with no
// goroutine: tests feed it inputs and read its outbox.
func bareWaiter(t *testing.T, n int) (*waiter[Event], *group) {
	t.Helper()
	w := &waiter[Event]{e: newTestEngine(t, informers.NewDynamicClient(fakeDynamic())), ctx: context.Background(), conv: identity}
	g := &group{pos: make(map[informers.Key]int)}
	for i := range n {
		k := informers.Key{Namespace: "ns", Name: string(rune('a' + i))}
		g.keys = append(g.keys, k)
		g.pos[k] = i
		w.objs = append(w.objs, &tracked{index: i, pos: i, group: g})
	}
	w.agg.Total = n
	w.q = newQueue()
	w.box = newOutbox(n)
	return w, g
}

// sent drains the outbox as a caller would.
func sent(w *waiter[Event]) []Event {
	var out []Event
	for {
		ev, _, ok := w.box.peek()
		if !ok {
			return out
		}
		w.box.pop()
		out = append(out, ev)
	}
}

func obsAt(pos int, rv, ready, msg string) informers.Observation {
	u := widget("ns", string(rune('a'+pos)), ready, msg)
	u.SetResourceVersion(rv)
	return informers.Observation{Key: informers.Key{Namespace: "ns", Name: u.GetName()}, Object: u, ResourceVersion: rv}
}

func absentAt(pos int, rv string, deleted bool) informers.Observation {
	return informers.Observation{Key: informers.Key{Namespace: "ns", Name: string(rune('a' + pos))}, ResourceVersion: rv, Deleted: deleted}
}

// TestObservationOrder: the wait applies a state only if it is not older
// than the newest it applied; an absence without a version is a live read
// (a poller's GET that found nothing) and always applies.
func TestObservationOrder(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	tests := []struct {
		name string
		ins  []informers.Observation
		want []step
	}{{
		name: "an older state is dropped",
		ins:  []informers.Observation{obsAt(0, "7", "False", "new"), obsAt(0, "6", "True", "old")},
		want: []step{{Type: ResourceUpdate, Aggregate: unknown, Status: inProgress, Message: "new"}},
	}, {
		name: "a cache that lacks a newer object does not hide it",
		ins:  []informers.Observation{obsAt(0, "7", "False", "just created"), absentAt(0, "6", false)},
		want: []step{{Type: ResourceUpdate, Aggregate: unknown, Status: inProgress, Message: "just created"}},
	}, {
		name: "a deletion applies and says the object existed",
		ins:  []informers.Observation{obsAt(0, "7", "False", "there"), absentAt(0, "7", true)},
		want: []step{
			{Type: ResourceUpdate, Aggregate: unknown, Status: inProgress, Message: "there"},
			{Type: ResourceUpdate, Aggregate: unknown, Status: current, Message: MessageDeleted},
		},
	}, {
		name: "a GET that finds nothing applies after any version",
		ins:  []informers.Observation{obsAt(0, "7", "False", "there"), absentAt(0, "", false)},
		want: []step{
			{Type: ResourceUpdate, Aggregate: unknown, Status: inProgress, Message: "there"},
			{Type: ResourceUpdate, Aggregate: unknown, Status: current, Message: MessageDeleted},
		},
	}, {
		name: "a read error shows, and the next read clears it",
		ins:  []informers.Observation{obsAt(0, "7", "False", "there"), {Key: informers.Key{Namespace: "ns", Name: "a"}, Err: boom}, obsAt(0, "7", "False", "there")},
		want: []step{
			{Type: ResourceUpdate, Aggregate: unknown, Status: inProgress, Message: "there"},
			{Type: ResourceUpdate, Aggregate: unknown, Status: unknown, Err: true},
			{Type: ResourceUpdate, Aggregate: unknown, Status: inProgress, Message: "there"},
		},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// A second resource, never observed, keeps the aggregate
			// Unknown so that every update of the first shows.
			w, g := bareWaiter(t, 2)
			var got []Event
			for _, o := range tc.ins {
				w.apply(input{g: g, pos: 0, obs: o})
				got = append(got, sent(w)...)
			}
			if d := cmp.Diff(tc.want, steps(got)); d != "" {
				t.Errorf("events (-want +got):\n%s", d)
			}
		})
	}
}

// TestStaleGroupIgnored: what a group's source still delivers after the
// wait stopped the group (demoted, its kind gone), or moved the resource
// to another group, never applies: a late read of the old group could
// move a status backwards.
func TestStaleGroupIgnored(t *testing.T) {
	t.Parallel()
	w, g := bareWaiter(t, 2)
	w.apply(input{g: g, pos: 0, obs: obsAt(0, "", "False", "current state")})
	evs := sent(w)
	next := &group{pos: g.pos}
	w.objs[0].group = next
	w.apply(input{g: g, pos: 0, obs: obsAt(0, "", "True", "stale read of the old group")})
	g.dead = true
	w.apply(input{g: g, health: &informers.Health{State: informers.Failing, Err: errors.New("old source fails")}})
	w.apply(input{g: next, pos: 0, obs: obsAt(0, "", "False", "new group")})
	evs = append(evs, sent(w)...)
	want := []step{
		{Type: ResourceUpdate, Aggregate: unknown, Status: inProgress, Message: "current state"},
		{Type: ResourceUpdate, Aggregate: unknown, Status: inProgress, Message: "new group"},
	}
	if d := cmp.Diff(want, steps(evs)); d != "" {
		t.Errorf("events (-want +got):\n%s", d)
	}
}

// TestSourceHealth: a failing source shows its error on every resource it
// reads, once; its recovery clears it without any new write, also on a
// resource that was deleted meanwhile.
func TestSourceHealth(t *testing.T) {
	t.Parallel()
	w, g := bareWaiter(t, 3)
	var evs []Event
	for _, in := range []input{
		{g: g, pos: 0, obs: obsAt(0, "5", "False", "waiting")},
		{g: g, pos: 1, obs: obsAt(1, "6", "False", "waiting")},
		{g: g, pos: 1, obs: absentAt(1, "8", true)},
		{g: g, health: &informers.Health{State: informers.Failing, Err: errors.New("connection refused")}},
		{g: g, health: &informers.Health{State: informers.Healthy}},
	} {
		w.apply(in)
		evs = append(evs, sent(w)...)
	}
	want := []step{
		{Type: ResourceUpdate, Aggregate: unknown, Index: 0, Status: inProgress, Message: "waiting"},
		{Type: ResourceUpdate, Aggregate: unknown, Index: 1, Status: inProgress, Message: "waiting"},
		{Type: ResourceUpdate, Aggregate: unknown, Index: 1, Status: current, Message: MessageDeleted},
		// The third resource was never observed: the outage is its first
		// observation.
		{Type: ResourceUpdate, Aggregate: unknown, Index: 0, Status: unknown, Err: true},
		{Type: ResourceUpdate, Aggregate: unknown, Index: 1, Status: unknown, Err: true},
		{Type: ResourceUpdate, Aggregate: inProgress, Index: 2, Status: unknown, Err: true},
		{Type: ResourceUpdate, Aggregate: inProgress, Index: 0, Status: inProgress, Message: "waiting"},
		{Type: ResourceUpdate, Aggregate: inProgress, Index: 1, Status: current, Message: MessageDeleted},
	}
	if d := cmp.Diff(want, steps(evs)); d != "" {
		t.Errorf("events (-want +got):\n%s", d)
	}
}

// TestCurrentCountsWhenCallerIsSlow: every state a source delivers counts,
// whether or not the caller reads: a resource Current for a moment is
// Current once (sticky), and the updates the caller gets are a
// subsequence of the true changes, each with the aggregate after it. (A
// queue that coalesced source states before computing them lost that
// Current, and the wait never completed.)
func TestCurrentCountsWhenCallerIsSlow(t *testing.T) {
	t.Parallel()
	w, g := bareWaiter(t, 2)
	w.apply(input{g: g, pos: 0, obs: obsAt(0, "1", "True", "")})
	w.apply(input{g: g, pos: 0, obs: obsAt(0, "2", "False", "rolling again")})
	w.apply(input{g: g, pos: 1, obs: obsAt(1, "3", "True", "")})
	want := []step{
		{Type: ResourceUpdate, Aggregate: unknown, Index: 0, Status: inProgress, Message: "rolling again"},
		{Type: ResourceUpdate, Aggregate: current, Index: 1, Status: current, Message: readyMessage},
	}
	if d := cmp.Diff(want, steps(sent(w))); d != "" {
		t.Errorf("events (-want +got):\n%s", d)
	}
	if w.end == nil || w.end.Type != Completed {
		t.Errorf("end %+v, want Completed", w.end)
	}
}

// TestOutboxKeepsChangeOrder: a replaced update moves to the place of its
// newest change.
func TestOutboxKeepsChangeOrder(t *testing.T) {
	t.Parallel()
	b := newOutbox(3)
	b.put(0, Event{Message: "a1"})
	b.put(1, Event{Message: "b1"})
	b.put(0, Event{Message: "a2"})
	b.put(2, Event{Message: "c1"})
	var got []string
	for {
		ev, _, ok := b.peek()
		if !ok {
			break
		}
		b.pop()
		got = append(got, ev.Message)
	}
	if d := cmp.Diff([]string{"b1", "a2", "c1"}, got); d != "" {
		t.Errorf("order (-want +got):\n%s", d)
	}
	// A stalled caller costs memory per resource, not per change.
	for i := range 10000 {
		b.put(i%3, Event{})
	}
	if n := len(b.order) - b.head; n > 2*3+64 {
		t.Errorf("%d queued entries for 3 pending updates", n)
	}
}

func TestIsOlder(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		rv, than string
		want     bool
	}{
		{"5", "7", true},
		{"7", "7", false},
		{"9", "7", false},
		{"", "7", false},
		{"5", "", false},
		{"not-a-number", "7", false}, // incomparable: never dropped
	} {
		if got := isOlder(tc.rv, tc.than); got != tc.want {
			t.Errorf("isOlder(%q, %q) = %t, want %t", tc.rv, tc.than, got, tc.want)
		}
	}
}
