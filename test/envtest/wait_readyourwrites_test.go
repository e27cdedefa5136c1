package envtest_test

import (
	"context"
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/kwait-dev/kwait/status"
	"github.com/kwait-dev/kwait/wait"
)

// "Read your writes": a wait that starts right after a write must judge
// the object by that write or a newer one, even when a warm, lingering
// informer has not yet seen it. Each round writes a state that is not
// Current and starts a wait at once; a stale cache would answer with the
// previous round's Current and complete the wait.
var _ = Describe("Read your writes on a warm informer", func() {
	const rounds = 20

	It(fmt.Sprintf("never judges a Widget by a state older than the caller's write (%d rounds)", rounds), func(ctx SpecContext) {
		ns := createNamespace(ctx, "wait-ryw-")
		widget := createWidget(ctx, ns, "w", "True", "ready")
		id := widgetID(widget)
		ids := []wait.ResourceIdentifier{id}
		linger := 30 * time.Second
		r := newResolver(cfg, wait.Options{Linger: &linger})

		By("completing a first wait, which leaves the informer warm")
		events := collectEvents(r.WaitForStatus(ctx, ids))
		checkContract(ids, events)
		Expect(events[len(events)-1].Type).To(Equal(wait.Completed))

		for round := range rounds {
			var want update
			if round%2 == 0 {
				// A controller reports the object not ready.
				msg := fmt.Sprintf("round %d: not ready", round)
				setWidgetStatus(ctx, widget, widget.GetGeneration(), "False", "Test", msg)
				want = update{status.InProgressStatus, msg}
			} else {
				// A user changes the spec; the controller has not seen it.
				generation := widget.GetGeneration()
				Expect(unstructured.SetNestedField(widget.Object, int64(100+round), "spec", "size")).To(Succeed())
				Expect(k8sClient.Update(ctx, widget)).To(Succeed())
				Expect(widget.GetGeneration()).To(Equal(generation + 1))
				want = update{status.InProgressStatus, fmt.Sprintf(
					"Widget generation is %d, but latest observed generation is %d", widget.GetGeneration(), widget.GetGeneration()-1)}
			}
			events := r.WaitForStatus(ctx, ids)
			first := nextEvent(events)
			Expect(describeEvent(first)).To(Equal(describeEvent(wait.Event{
				Type:            wait.ResourceUpdate,
				AggregateStatus: status.InProgressStatus,
				EventResource:   &wait.EventResource{ResourceIdentifier: id, Status: want.Status, Message: want.Message},
			})), "round %d: the first event must reflect the write just made", round)
			expectQuiet(events, 100*time.Millisecond, "round %d: completed without a Ready write", round)

			setWidgetStatus(ctx, widget, widget.GetGeneration(), "True", "Test", "ready")
			expectUpdate(events, id, status.CurrentStatus, "Resource is Ready", status.CurrentStatus)
			expectEnd(events, wait.Completed, status.CurrentStatus)
		}
	})

	// This spec once failed intermittently through two engine bugs (a warm
	// cache's "not seen yet" overriding a fresh read, and an update after
	// the one that completed the wait); the specs "sees a Deployment
	// created just before the wait…" and "sends Completed right after the
	// aggregate becomes Current…" reproduce them deterministically. It
	// passed 48 runs in a row since (40 before the health rework, 8 after).
	It(fmt.Sprintf("sees a Widget created or deleted just before the wait (%d rounds)", rounds), func(ctx SpecContext) {
		ns := createNamespace(ctx, "wait-ryw-")
		anchor := createWidget(ctx, ns, "anchor", "True", "ready")
		linger := 30 * time.Second
		// The warm informer is the namespace's, started by the wait on the
		// anchor: with its default ObjectScopeThreshold, a wait on one
		// Widget would watch it alone and not join it.
		r := newResolver(cfg, wait.Options{Linger: &linger, ObjectScopeThreshold: -1})
		events := collectEvents(r.WaitForStatus(ctx, []wait.ResourceIdentifier{widgetID(anchor)}))
		Expect(events[len(events)-1].Type).To(Equal(wait.Completed), "the informer is warm")

		for round := range rounds {
			By(fmt.Sprintf("round %d", round))
			msg := fmt.Sprintf("round %d: created", round)
			widget := createWidget(ctx, ns, "w", "False", msg)
			id := widgetID(widget)
			waitCtx, cancel := context.WithCancel(ctx)
			events := r.WaitForStatus(waitCtx, []wait.ResourceIdentifier{id})
			// A cache that has not seen the creation would say "does not
			// exist" and complete.
			expectUpdate(events, id, status.InProgressStatus, msg, status.InProgressStatus)
			cancel()
			expectEnd(events, wait.Aborted, status.InProgressStatus)

			Expect(k8sClient.Delete(ctx, widget)).To(Succeed())
			events = r.WaitForStatus(ctx, []wait.ResourceIdentifier{id})
			// A cache that has not seen the deletion would say InProgress.
			expectUpdate(events, id, status.CurrentStatus, "Resource does not exist", status.CurrentStatus)
			expectEnd(events, wait.Completed, status.CurrentStatus)
		}
	})
})

// The same, on an informer whose watch stream the spec delays by lag (a
// lagging watch cache, made certain): every wait starts while the cache
// still holds the state from before the write, and the stale states arrive
// while the wait runs. Each stale state must be dropped.
var _ = Describe("Read your writes on an informer whose watch lags", func() {
	const (
		lag    = 300 * time.Millisecond
		rounds = 3
	)
	var ns string

	BeforeEach(func(ctx SpecContext) {
		ns = createNamespace(ctx, "wait-lag-")
	})

	// lagging returns a resolver whose watches lag, with opts and a linger
	// that keeps informers warm between waits.
	lagging := func(opts wait.Options) *wait.Resolver {
		GinkgoHelper()
		linger := 30 * time.Second
		opts.Linger = &linger
		slow := &slowAPI{watchLag: lag}
		return newResolver(slow.config(cfg), opts)
	}

	It("never judges a Widget by the state from before the write", func(ctx SpecContext) {
		// Each wait joins the lagging informer of its one Widget.
		r := lagging(wait.Options{})
		widget := createWidget(ctx, ns, "w", "True", "ready")
		id := widgetID(widget)
		events := collectEvents(r.WaitForStatus(ctx, []wait.ResourceIdentifier{id}))
		Expect(events[len(events)-1].Type).To(Equal(wait.Completed), "the informer is warm")

		for round := range rounds {
			msg := fmt.Sprintf("round %d: not ready", round)
			setWidgetStatus(ctx, widget, 1, "False", "Test", msg)
			events := r.WaitForStatus(ctx, []wait.ResourceIdentifier{id})
			expectUpdate(events, id, status.InProgressStatus, msg, status.InProgressStatus)
			expectQuiet(events, 2*lag, "round %d: a stale state reached the wait", round)
			setWidgetStatus(ctx, widget, 1, "True", "Test", "ready")
			expectUpdate(events, id, status.CurrentStatus, "Resource is Ready", status.CurrentStatus)
			expectEnd(events, wait.Completed, status.CurrentStatus)
		}
	})

	It("sees a Deployment created just before the wait, and one deleted just before it", func(ctx SpecContext) {
		// Each wait joins the lagging namespace informer the warm-up
		// started: with its default ObjectScopeThreshold, a wait on a new
		// Deployment would start an informer of its own.
		r := lagging(wait.Options{ObjectScopeThreshold: -1})
		warm := wait.ResourceIdentifier{Name: "warm-up", Namespace: ns, GroupKind: deploymentGK}
		events := collectEvents(r.WaitForStatus(ctx, []wait.ResourceIdentifier{warm}))
		Expect(events[len(events)-1].Type).To(Equal(wait.Completed), "the informer is warm")

		for round := range rounds {
			By(fmt.Sprintf("round %d: creating a Deployment and waiting at once", round))
			deploy := createDeployment(ctx, ns, fmt.Sprintf("web-%d", round), 1)
			id := wait.ResourceIdentifier{Name: deploy.Name, Namespace: ns, GroupKind: deploymentGK}
			waitCtx, cancel := context.WithCancel(ctx)
			events := r.WaitForStatus(waitCtx, []wait.ResourceIdentifier{id})
			expectUpdate(events, id, status.InProgressStatus, "Replicas: 0/1", status.InProgressStatus)
			expectQuiet(events, 2*lag, "round %d: the Deployment has not rolled out", round)
			cancel()
			expectEnd(events, wait.Aborted, status.InProgressStatus)

			By(fmt.Sprintf("round %d: deleting it and waiting at once", round))
			Expect(k8sClient.Delete(ctx, deploy)).To(Succeed())
			events = r.WaitForStatus(ctx, []wait.ResourceIdentifier{id})
			expectUpdate(events, id, status.CurrentStatus, "Resource does not exist", status.CurrentStatus)
			expectEnd(events, wait.Completed, status.CurrentStatus)
		}
	})
})
