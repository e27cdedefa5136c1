package engine

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kwait-dev/kwait/informers"
)

// TestReadYourWrites drives one resource of a wait that joined a running
// informer: source states are held until a fresh baseline read arrives,
// and any state older than it is dropped.
func TestReadYourWrites(t *testing.T) {
	t.Parallel()
	key := informers.Key{Namespace: "ns", Name: "w"}
	at := func(rv, ready, msg string) informers.Observation {
		u := widget("ns", "w", ready, msg)
		u.SetResourceVersion(rv)
		return informers.Observation{Key: key, Object: u, ResourceVersion: rv}
	}
	boom := errors.New("boom")
	type input struct {
		obs      informers.Observation
		baseline bool
	}
	tests := []struct {
		name   string
		inputs []input
		want   []step
	}{{
		name: "stale Current in the cache never shows",
		inputs: []input{
			{obs: at("5", "True", "old")},
			{obs: at("7", "False", "updated"), baseline: true},
			{obs: at("6", "True", "older event")},
			{obs: at("8", "True", "ready")},
		},
		want: []step{
			{Type: ResourceUpdate, Aggregate: unknown, Status: inProgress, Message: "updated"},
			{Type: ResourceUpdate, Aggregate: unknown, Status: current, Message: readyMessage},
		},
	}, {
		name: "a newer state held during the read applies after it",
		inputs: []input{
			{obs: at("9", "True", "ready")},
			{obs: at("7", "False", "updated"), baseline: true},
		},
		want: []step{
			{Type: ResourceUpdate, Aggregate: unknown, Status: inProgress, Message: "updated"},
			{Type: ResourceUpdate, Aggregate: unknown, Status: current, Message: readyMessage},
		},
	}, {
		name: "a GET that finds nothing drops what the cache held",
		inputs: []input{
			{obs: at("5", "False", "cached")},
			{obs: informers.Observation{Key: key}, baseline: true},
		},
		want: []step{
			{Type: ResourceUpdate, Aggregate: unknown, Status: current, Message: MessageNotExist},
		},
	}, {
		name: "a LIST that finds nothing compares by its resourceVersion",
		inputs: []input{
			{obs: at("12", "False", "created later")},
			{obs: informers.Observation{Key: key, ResourceVersion: "10"}, baseline: true},
		},
		want: []step{
			{Type: ResourceUpdate, Aggregate: unknown, Status: current, Message: MessageNotExist},
			{Type: ResourceUpdate, Aggregate: unknown, Status: inProgress, Message: "created later"},
		},
	}, {
		name: "a cache miss does not override a fresh read",
		inputs: []input{
			{obs: informers.Observation{Key: key}},
			{obs: at("7", "False", "just created"), baseline: true},
			{obs: informers.Observation{Key: key}},
			{obs: informers.Observation{Key: key, Deleted: true, ResourceVersion: "9"}},
		},
		want: []step{
			{Type: ResourceUpdate, Aggregate: unknown, Status: inProgress, Message: "just created"},
			{Type: ResourceUpdate, Aggregate: unknown, Status: current, Message: MessageDeleted},
		},
	}, {
		name: "a failed read reports the error and keeps holding",
		inputs: []input{
			{obs: at("5", "True", "old")},
			{obs: informers.Observation{Key: key, Err: boom}, baseline: true},
			{obs: at("6", "True", "still cached")},
			{obs: at("7", "False", "fresh"), baseline: true},
		},
		want: []step{
			{Type: ResourceUpdate, Aggregate: unknown, Status: unknown, Err: true},
			{Type: ResourceUpdate, Aggregate: unknown, Status: inProgress, Message: "fresh"},
		},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got []Event
			w := &waiter{
				e:    newTestEngine(t, informers.NewDynamicClient(fakeDynamic())),
				send: func(ev Event) bool { got = append(got, ev); return true },
				// A second resource, never observed, keeps the aggregate
				// Unknown so that every update of the first shows.
				objs: []*tracked{{baseline: true}, {}},
				agg:  aggregateOf(2),
			}
			for _, in := range tc.inputs {
				if in.baseline {
					if held, _ := w.applyBaseline(w.objs[0], in.obs); held != nil {
						w.applySource(w.objs[0], *held)
					}
				} else {
					w.applySource(w.objs[0], in.obs)
				}
			}
			if d := cmp.Diff(tc.want, steps(got)); d != "" {
				t.Errorf("events (-want +got):\n%s", d)
			}
		})
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
