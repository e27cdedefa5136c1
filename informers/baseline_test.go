package informers

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// TestConsistentBaseline drives one key of a subscription that joined a
// running informer: what the source delivers is held until the live read
// arrives, then applied only where it may be newer than the read.
func TestConsistentBaseline(t *testing.T) {
	t.Parallel()
	key := Key{Namespace: "ns", Name: "w"}
	at := func(rv string) Observation {
		return Observation{Key: key, Object: configMap("ns", "w", 0), ResourceVersion: rv}
	}
	absent := func(rv string) Observation { return Observation{Key: key, ResourceVersion: rv} }
	boom := errors.New("boom")
	forbidden := apierrors.NewForbidden(cmRes.GVR.GroupResource(), "w", errors.New("no get"))
	type in struct {
		obs  Observation
		live bool // the live read; else from the source
	}
	tests := []struct {
		name string
		ins  []in
		want []state
	}{{
		name: "an older cached state is dropped; later events pass",
		ins:  []in{{obs: at("5")}, {obs: at("7"), live: true}, {obs: at("8")}},
		want: []state{{Present: true, ResourceVersion: "7"}, {Present: true, ResourceVersion: "8"}},
	}, {
		name: "a newer state held during the read applies after it",
		ins:  []in{{obs: at("9")}, {obs: at("7"), live: true}},
		want: []state{{Present: true, ResourceVersion: "7"}, {Present: true, ResourceVersion: "9"}},
	}, {
		// The GET has no version to compare: the object may have been
		// created right after it, and if the cache is stale instead, its
		// deletion event follows.
		name: "a GET that finds nothing keeps an object the source delivered",
		ins:  []in{{obs: at("5")}, {obs: absent(""), live: true}},
		want: []state{{}, {Present: true, ResourceVersion: "5"}},
	}, {
		name: "a LIST that finds nothing compares by its resourceVersion",
		ins:  []in{{obs: at("12")}, {obs: absent("10"), live: true}},
		want: []state{{ResourceVersion: "10"}, {Present: true, ResourceVersion: "12"}},
	}, {
		name: "a LIST that finds nothing drops an older cached object",
		ins:  []in{{obs: at("8")}, {obs: absent("10"), live: true}},
		want: []state{{ResourceVersion: "10"}},
	}, {
		name: "a cache miss does not override a fresh read",
		ins:  []in{{obs: absent("3")}, {obs: at("7"), live: true}},
		want: []state{{Present: true, ResourceVersion: "7"}},
	}, {
		name: "a deletion held during the read is newer",
		ins:  []in{{obs: Observation{Key: key, Deleted: true, ResourceVersion: "9"}}, {obs: at("7"), live: true}},
		want: []state{{Present: true, ResourceVersion: "7"}, {Deleted: true, ResourceVersion: "9"}},
	}, {
		name: "a failed read reports the error and keeps holding",
		ins:  []in{{obs: at("5")}, {obs: Observation{Key: key, Err: boom}, live: true}, {obs: at("6")}, {obs: at("7"), live: true}},
		want: []state{{Err: "boom"}, {Present: true, ResourceVersion: "7"}},
	}, {
		name: "a forbidden read trusts the source",
		ins:  []in{{obs: at("5")}, {obs: Observation{Key: key, Err: forbidden}, live: true}, {obs: at("6")}},
		want: []state{{Present: true, ResourceVersion: "5"}, {Present: true, ResourceVersion: "6"}},
	}, {
		name: "a second live read of a settled key is ignored",
		ins:  []in{{obs: at("7"), live: true}, {obs: at("6"), live: true}},
		want: []state{{Present: true, ResourceVersion: "7"}},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got []state
			c := &consistent{
				h:       func(o Observation) { got = append(got, stateOf(o)) },
				pending: map[Key]bool{key: true},
				held:    map[Key]Observation{},
			}
			for _, in := range tc.ins {
				if in.live {
					c.settle(in.obs)
				} else {
					c.fromSource(in.obs)
				}
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("delivered (-want +got):\n%s", d)
			}
		})
	}
}
