package engine

import (
	"context"
	"fmt"
	"testing"

	"github.com/kwait-dev/kwait/informers"
)

// BenchmarkAggregatorEvent is the hot path of a wait per object change: an
// observation through the input queue, status.Compute, the change check,
// the O(1) aggregate, and the update through the outbox to the caller.
func BenchmarkAggregatorEvent(b *testing.B) {
	for _, n := range []int{1, 1000, 10000} {
		b.Run(fmt.Sprintf("resources=%d", n), func(b *testing.B) {
			e, err := New(testOptions(informers.NewDynamicClient(fakeDynamic())))
			if err != nil {
				b.Fatal(err)
			}
			defer e.Close()
			w := &waiter[Event]{e: e, ctx: context.Background(), conv: identity}
			g := &group{}
			w.objs = make([]*tracked, n)
			for i := range w.objs {
				w.objs[i] = &tracked{index: i, pos: i, group: g}
			}
			w.agg.Total = n
			w.q = newQueue()
			w.box = newOutbox(n)
			// Two states per object, alternating, so every observation is
			// a change that gives an event.
			states := [2]informers.Observation{}
			for i, msg := range []string{"step a", "step b"} {
				u := widget("ns", "w", "False", msg)
				u.SetResourceVersion("")
				states[i] = informers.Observation{Key: informers.Key{Namespace: "ns", Name: "w"}, Object: u}
			}
			sent := 0
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				w.q.push(input{g: g, pos: i % n, obs: states[(i/n)%2]})
				for _, in := range w.q.take() {
					w.apply(in)
				}
				for {
					if _, _, ok := w.box.peek(); !ok {
						break
					}
					w.box.pop()
					sent++
				}
			}
			b.StopTimer()
			if sent == 0 {
				b.Fatal("no event sent")
			}
			b.ReportMetric(float64(sent)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
