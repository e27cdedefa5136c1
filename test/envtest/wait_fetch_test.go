package envtest_test

import (
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kwait-dev/kwait/status"
	"github.com/kwait-dev/kwait/wait"
)

var _ = Describe("FetchAndResolve", func() {
	It("returns one result per identifier, in input order", func(ctx SpecContext) {
		ns := createNamespace(ctx, "wait-fetch-")
		ready := createWidget(ctx, ns, "ready", "True", "ready")
		starting := createWidget(ctx, ns, "starting", "False", "still starting")
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "settings"}}
		Expect(k8sClient.Create(ctx, cm)).To(Succeed())

		ids := []wait.ResourceIdentifier{
			widgetID(starting),
			{Name: "ghost", Namespace: ns, GroupKind: widgetGK},
			{Name: "g", Namespace: ns, GroupKind: schema.GroupKind{Group: "nope.kwait.dev", Kind: "Gizmo"}},
			{Name: cm.Name, Namespace: ns, GroupKind: configMapGK},
			{Name: ns, GroupKind: namespaceGK},
			widgetID(ready),
		}
		type result struct {
			ID      wait.ResourceIdentifier
			Status  status.Status
			Message string
			Err     bool
		}
		want := []result{
			{ids[0], status.InProgressStatus, "still starting", false},
			{ids[1], status.CurrentStatus, "Resource does not exist", false},
			{ids[2], status.UnknownStatus, "", true},
			{ids[3], status.CurrentStatus, "Resource is always ready", false},
			{ids[4], status.CurrentStatus, "Resource is current", false},
			{ids[5], status.CurrentStatus, "Resource is Ready", false},
		}
		check := func(results []wait.ResourceResult) {
			GinkgoHelper()
			Expect(results).To(HaveLen(len(ids)))
			got := make([]result, len(results))
			for i, res := range results {
				Expect(res.Result).NotTo(BeNil(), "result %d", i)
				got[i] = result{res.ResourceIdentifier, res.Result.Status, res.Result.Message, res.Error != nil}
				if i == 2 {
					got[i].Message = "" // the error's text, not fixed by the contract
				}
			}
			Expect(got).To(Equal(want))
			Expect(results[2].Error.Error()).To(ContainSubstring("Gizmo"))
		}

		r := newResolver(cfg, wait.Options{})
		By("reading every object from the API server")
		check(r.FetchAndResolve(ctx, ids))

		By("reading live even while a wait's informer lingers, so it sees the caller's writes")
		linger := 30 * time.Second
		counter := newRequestCounter()
		warm := newResolver(counter.config(cfg), wait.Options{Linger: &linger})
		events := collectEvents(warm.WaitForStatus(ctx, []wait.ResourceIdentifier{widgetID(ready)}))
		Expect(events[len(events)-1].Type).To(Equal(wait.Completed))
		for round := range 20 {
			msg := fmt.Sprintf("round %d", round)
			setWidgetStatus(ctx, starting, starting.GetGeneration(), "False", "Test", msg)
			results := warm.FetchAndResolve(ctx, ids[:1])
			Expect(results[0].Result.Message).To(Equal(msg), "FetchAndResolve right after a write returned an older state")
		}
		Expect(counter.count(verbGet, widgetsPath(ns))).To(Equal(20), "one GET per call:\n%s", counter)
	})
})
