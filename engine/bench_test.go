package engine

import (
	"context"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kwait-dev/kwait/informers"
	"github.com/kwait-dev/kwait/status"
)

// BenchmarkAggregatorEvent is the hot path of a wait per object change: an
// observation through the input queue, status.Compute, the change check,
// the O(1) aggregate, and the update through the outbox to the caller.
//
// The judging variants run 1,000 resources: the built-in rules with the
// Current goal, a CEL health rule for the kind (status.NewCELFunc), and a
// JSONPath and a CEL goal over the built-in rules.
func BenchmarkAggregatorEvent(b *testing.B) {
	celRule, err := status.NewCELFunc(status.CELRule{
		Current:    `status.?conditions.orValue([]).exists(c, c.type == "Ready" && c.status == "True")`,
		InProgress: `status.?conditions.orValue([]).exists(c, c.type == "Ready" && c.status == "False")`,
	})
	if err != nil {
		b.Fatal(err)
	}
	jsonPath, err := GoalJSONPath("{.status.conditions[0].message}", "done")
	if err != nil {
		b.Fatal(err)
	}
	celGoal, err := GoalCEL(`status.conditions[0].message == "done"`)
	if err != nil {
		b.Fatal(err)
	}
	type variant struct {
		name  string
		n     int
		funcs map[schema.GroupKind]status.Func
		goal  Goal
	}
	variants := []variant{{name: "resources=1", n: 1}, {name: "resources=1000", n: 1000}, {name: "resources=10000", n: 10000},
		{name: "judge=builtin", n: 1000},
		{name: "judge=celrule", n: 1000, funcs: map[schema.GroupKind]status.Func{widgetGVK.GroupKind(): celRule}},
		{name: "judge=jsonpath", n: 1000, goal: jsonPath},
		{name: "judge=celgoal", n: 1000, goal: celGoal},
	}
	for _, v := range variants {
		n := v.n
		b.Run(v.name, func(b *testing.B) {
			opts := testOptions(informers.NewDynamicClient(fakeDynamic()))
			opts.StatusFuncs = v.funcs
			e, err := New(opts)
			if err != nil {
				b.Fatal(err)
			}
			defer e.Close()
			w := &waiter[Event]{e: e, ctx: context.Background(), conv: identity, goal: v.goal}
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
