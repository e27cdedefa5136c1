package engine

import (
	"fmt"
	"testing"

	"github.com/kwait-dev/kwait/informers"
)

// BenchmarkAggregatorEvent is the hot path of a wait per object change: an
// observation through the coalescing queue, status.Compute, the change
// check, the O(1) aggregate and the event handed to the reader.
func BenchmarkAggregatorEvent(b *testing.B) {
	for _, n := range []int{1, 1000, 10000} {
		b.Run(fmt.Sprintf("resources=%d", n), func(b *testing.B) {
			e, err := New(Options{Client: informers.NewDynamicClient(fakeDynamic()), Mapper: testMapper()})
			if err != nil {
				b.Fatal(err)
			}
			defer e.Close()
			sent := 0
			w := &waiter{e: e, send: func(Event) bool { sent++; return true }, final: func(Event) {}}
			w.objs = make([]*tracked, n)
			for i := range w.objs {
				w.objs[i] = &tracked{index: i}
			}
			w.agg.Total = n
			w.q = newQueue(n)
			// Two states per object, alternating, so every observation is
			// a change that gives an event.
			states := [2]informers.Observation{}
			for i, msg := range []string{"step a", "step b"} {
				u := widget("ns", "w", "False", msg)
				u.SetResourceVersion("")
				states[i] = informers.Observation{Key: informers.Key{Namespace: "ns", Name: "w"}, Object: u}
			}
			var batch []pending
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				w.q.push(i%n, states[(i/n)%2], false)
				batch = w.q.drain(batch[:0])
				for _, p := range batch {
					w.applyPending(w.objs[p.i], p.slot)
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
