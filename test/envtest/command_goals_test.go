package envtest_test

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	. "github.com/onsi/gomega/gstruct"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// cmdGoalSpecs: each --for form kwait takes. A Widget starts in a state
// that does not meet the goal; kwait must say so (met false) and keep
// waiting; the spec then changes the Widget so that it does, and kwait
// must say so (met true), complete and exit 0.
func cmdGoalSpecs() {
	// goalCase is one --for: before makes the Widget "w" (or not) in a
	// state that misses the goal, after makes it meet the goal.
	type goalCase struct {
		before func(ctx context.Context, ns string) *unstructured.Unstructured
		after  func(ctx context.Context, w *unstructured.Unstructured, ns string)
		// status is the Widget's status in the first update.
		status string
		// goal is the goal as -o json names it.
		goal string
	}
	notReady := func(ctx context.Context, ns string) *unstructured.Unstructured {
		return createWidget(ctx, ns, "w", "False", "starting")
	}
	ready := func(ctx context.Context, ns string) *unstructured.Unstructured {
		return createWidget(ctx, ns, "w", "True", "ready")
	}
	becomeReady := func(ctx context.Context, w *unstructured.Unstructured, _ string) {
		setWidgetStatus(ctx, w, w.GetGeneration(), "True", "Test", "ready")
	}
	withStatus := func(st map[string]any) func(context.Context, string) *unstructured.Unstructured {
		return func(ctx context.Context, ns string) *unstructured.Unstructured {
			w := createWidget(ctx, ns, "w", "", "")
			writeStatus(ctx, w, st)
			return w
		}
	}
	writeTo := func(st map[string]any) func(context.Context, *unstructured.Unstructured, string) {
		return func(ctx context.Context, w *unstructured.Unstructured, _ string) { writeStatus(ctx, w, st) }
	}

	DescribeTable("waits until the Widget meets the goal, then exits 0",
		func(ctx SpecContext, forFlag string, c goalCase) {
			ns := createNamespace(ctx, "cmd-for-")
			w := c.before(ctx, ns)
			args := []string{"widget/w", "-n", ns, "-o", "json", "--timeout", cmdTimeout}
			if forFlag != "" {
				args = append(args, forFlag)
			}
			p := cmdStart("", args...)
			first := cmdSeenUpdate(p, "w", HaveKey("met"))
			Expect(first).To(MatchKeys(IgnoreExtras, Keys{"status": Equal(c.status), "met": BeFalse(), "goal": Equal(c.goal)}), p.stdout.String())
			Consistently(p.done).WithTimeout(cmdSettle).ShouldNot(BeClosed(), "kwait ended before the Widget met %s:\n%s", c.goal, p.stdout)
			c.after(ctx, w, ns)
			r := p.wait()

			Expect(r.code).To(Equal(0), r.String())
			updates := cmdUpdatesOf(cmdJSON(r.stdout), "w")
			Expect(updates[len(updates)-1]).To(HaveKeyWithValue("met", true), r.String())
			Expect(cmdJSON(r.stdout)[len(cmdJSON(r.stdout))-1]).To(MatchKeys(IgnoreExtras, Keys{
				"type": Equal("Completed"), "goal": Equal(c.goal),
				"progress": Equal(map[string]any{"total": 1.0, "observed": 1.0, "met": 1.0}),
			}), r.String())
		},
		Entry("none: kstatus Current", "", goalCase{before: notReady, after: becomeReady, status: "InProgress", goal: "Current"}),
		Entry("current", "--for=current", goalCase{before: notReady, after: becomeReady, status: "InProgress", goal: "Current"}),
		Entry("delete", "--for=delete", goalCase{
			before: ready, after: func(ctx context.Context, w *unstructured.Unstructured, _ string) { cmdDeleteNow(ctx, w) },
			status: "Current", goal: "deleted",
		}),
		Entry("create", "--for=create", goalCase{
			before: func(context.Context, string) *unstructured.Unstructured { return nil },
			after: func(ctx context.Context, _ *unstructured.Unstructured, ns string) {
				createWidget(ctx, ns, "w", "False", "just created")
			},
			status: "Current", goal: "created",
		}),
		Entry("condition=TYPE", "--for=condition=Ready", goalCase{before: notReady, after: becomeReady, status: "InProgress", goal: "condition Ready=True"}),
		Entry("condition=TYPE=STATUS", "--for=condition=Ready=False", goalCase{
			before: ready,
			after: func(ctx context.Context, w *unstructured.Unstructured, _ string) {
				setWidgetStatus(ctx, w, w.GetGeneration(), "False", "Test", "degraded")
			},
			status: "Current", goal: "condition Ready=False",
		}),
		Entry("jsonpath={EXPR}=VALUE", "--for=jsonpath={.status.phase}=Running", goalCase{
			before: withStatus(map[string]any{"phase": "Pending"}), after: writeTo(map[string]any{"phase": "Running"}),
			status: "Current", goal: "jsonpath {.status.phase}=Running",
		}),
		Entry("jsonpath='{EXPR}'=VALUE, quotes left by the shell", "--for=jsonpath='{.status.phase}'=Running", goalCase{
			before: withStatus(map[string]any{"phase": "Pending"}), after: writeTo(map[string]any{"phase": "Running"}),
			status: "Current", goal: "jsonpath {.status.phase}=Running",
		}),
		Entry("jsonpath={EXPR}: present and not empty", "--for=jsonpath={.status.endpoint}", goalCase{
			before: withStatus(map[string]any{"endpoint": ""}), after: writeTo(map[string]any{"endpoint": "10.0.0.7:5432"}),
			status: "Current", goal: "jsonpath {.status.endpoint}",
		}),
		Entry("cel=EXPR", "--for=cel=status.replicas >= 2", goalCase{
			before: withStatus(map[string]any{"replicas": int64(1)}), after: writeTo(map[string]any{"replicas": int64(2)}),
			status: "Current", goal: "cel status.replicas >= 2",
		}),
	)
}
