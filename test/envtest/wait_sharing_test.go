package envtest_test

import (
	"context"
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"go.uber.org/goleak"

	"github.com/kwait-dev/kwait/status"
	"github.com/kwait-dev/kwait/wait"
)

// "Share, then let go": waits on one (resource, namespace) share one
// informer, proved by counting the requests that reach the API server, and
// an informer nobody holds stops, proved by goroutines.
var _ = Describe("Informer sharing and release", func() {
	var ns string

	BeforeEach(func(ctx SpecContext) {
		ns = createNamespace(ctx, "wait-share-")
	})

	It("serves concurrent and back-to-back waits in a namespace from one list and one watch", func(ctx SpecContext) {
		a := createWidget(ctx, ns, "a", "False", "a is starting")
		b := createWidget(ctx, ns, "b", "False", "b is starting")
		c := createWidget(ctx, ns, "c", "True", "c is ready")
		aID, bID, cID := widgetID(a), widgetID(b), widgetID(c)
		counter := newRequestCounter()
		linger := 30 * time.Second
		// The spec is about sharing a namespace informer: without
		// ObjectScopeThreshold -1, each of these one-object waits would
		// watch its object alone (wait_objectscope_test.go).
		r := newResolver(counter.config(cfg), wait.Options{Linger: &linger, ObjectScopeThreshold: -1})
		path := widgetsPath(ns)
		lists := func() int { return counter.count(verbList, path) + counter.count(verbWatchList, path) }
		watches := func() int { return counter.count(verbWatch, path) + counter.count(verbWatchList, path) }

		By("running two waits on different Widgets at the same time")
		eventsA := r.WaitForStatus(ctx, []wait.ResourceIdentifier{aID})
		eventsB := r.WaitForStatus(ctx, []wait.ResourceIdentifier{bID})
		expectUpdate(eventsA, aID, status.InProgressStatus, "a is starting", status.InProgressStatus)
		expectUpdate(eventsB, bID, status.InProgressStatus, "b is starting", status.InProgressStatus)
		setWidgetStatus(ctx, a, 1, "True", "Test", "a is ready")
		setWidgetStatus(ctx, b, 1, "True", "Test", "b is ready")
		expectUpdate(eventsA, aID, status.CurrentStatus, "Resource is Ready", status.CurrentStatus)
		expectEnd(eventsA, wait.Completed, status.CurrentStatus)
		expectUpdate(eventsB, bID, status.CurrentStatus, "Resource is Ready", status.CurrentStatus)
		expectEnd(eventsB, wait.Completed, status.CurrentStatus)
		concurrent := counter.String()
		listsBefore, watchesBefore, getsBefore := lists(), watches(), counter.count(verbGet, path)

		By("running a third wait right after, while the informer lingers")
		eventsC := r.WaitForStatus(ctx, []wait.ResourceIdentifier{cID})
		expectUpdate(eventsC, cID, status.CurrentStatus, "Resource is Ready", status.CurrentStatus)
		expectEnd(eventsC, wait.Completed, status.CurrentStatus)

		AddReportEntry("requests after the two concurrent waits", concurrent)
		AddReportEntry("requests after the third wait", counter.String())
		Expect(listsBefore).To(Equal(1), "one LIST (or streaming list) of widgets in %s:\n%s", ns, concurrent)
		Expect(watchesBefore).To(Equal(1), "one WATCH of widgets in %s:\n%s", ns, concurrent)
		// The wait that found the informer running reads its object once,
		// so that a lagging cache cannot answer for it.
		Expect(getsBefore).To(BeNumerically("<=", 1), "GETs of the concurrent waits:\n%s", concurrent)
		Expect(lists()).To(Equal(listsBefore), "LISTs of the third wait:\n%s", counter)
		Expect(watches()).To(Equal(watchesBefore), "WATCHes of the third wait:\n%s", counter)
		Expect(counter.count(verbGet, path)-getsBefore).To(BeNumerically("<=", 1), "GETs of the third wait:\n%s", counter)
		Expect(counter.total(verbList)+counter.total(verbWatchList)).To(Equal(1), "no LIST of anything else:\n%s", counter)
	})

	It("watches all namespaces at once when a wait spans many, and serves later waits in one of them from it", func(ctx SpecContext) {
		// ScopeAuto watches cluster-wide above 20 namespaces of one kind.
		const namespaces = 21
		var ids []wait.ResourceIdentifier
		for i := range namespaces {
			other := ns
			if i > 0 {
				other = createNamespace(ctx, "wait-share-")
			}
			ids = append(ids, widgetID(createWidget(ctx, other, "w", "True", "ready")))
		}
		counter := newRequestCounter()
		linger := 30 * time.Second
		r := newResolver(counter.config(cfg), wait.Options{Linger: &linger})

		events := collectEvents(r.WaitForStatus(ctx, ids))
		checkContract(ids, events)
		Expect(events[len(events)-1].Type).To(Equal(wait.Completed))
		all := "/apis/test.kwait.dev/v1/widgets"
		Expect(counter.count(verbList, all)+counter.count(verbWatchList, all)).To(Equal(1), counter.String())
		Expect(counter.count(verbWatch, all)+counter.count(verbWatchList, all)).To(Equal(1), counter.String())
		Expect(counter.total(verbList)+counter.total(verbWatchList)+counter.total(verbWatch)).To(Equal(
			counter.count(verbList, all)+counter.count(verbWatchList, all)+counter.count(verbWatch, all)),
			"no namespaced list or watch:\n%s", counter)
		before := counter.String()

		By("waiting in one of the namespaces while the cluster-wide informer lingers")
		// A wait on one object joins the cluster-wide informer rather than
		// watching its object alone.
		events = collectEvents(r.WaitForStatus(ctx, ids[3:4]))
		checkContract(ids[3:4], events)
		Expect(events[len(events)-1].Type).To(Equal(wait.Completed))
		AddReportEntry("requests", counter.String())
		Expect(counter.total(verbList)+counter.total(verbWatchList)+counter.total(verbWatch)).To(Equal(
			counter.count(verbList, all)+counter.count(verbWatchList, all)+counter.count(verbWatch, all)),
			"no namespaced list or watch for the later wait:\nbefore:\n%s\nafter:\n%s", before, counter)
		Expect(counter.count(verbList, all)+counter.count(verbWatchList, all)).To(Equal(1), counter.String())
	})

	It("stops its informers once the linger has passed", func(ctx SpecContext) {
		w := createWidget(ctx, ns, "w", "True", "ready")
		ids := []wait.ResourceIdentifier{widgetID(w)}
		ignore := goleak.IgnoreCurrent()
		linger := 200 * time.Millisecond
		r := newResolver(cfg, wait.Options{Linger: &linger})

		events := collectEvents(r.WaitForStatus(ctx, ids))
		checkContract(ids, events)
		Expect(events[len(events)-1].Type).To(Equal(wait.Completed))

		Eventually(goleak.Find).WithArguments(ignore).WithTimeout(10 * time.Second).Should(Succeed())
		r.Close()
		Expect(goleak.Find(ignore)).To(Succeed())
	})

	It("stops lingering informers on Close, and waits still running end with their context", func(ctx SpecContext) {
		ready := createWidget(ctx, ns, "ready", "True", "ready")
		stuck := createWidget(ctx, ns, "stuck", "False", "never ready")
		ignore := goleak.IgnoreCurrent()
		linger := time.Hour
		r := newResolver(cfg, wait.Options{Linger: &linger})

		By("completing a wait, after which its informer lingers")
		events := collectEvents(r.WaitForStatus(ctx, []wait.ResourceIdentifier{widgetID(ready)}))
		Expect(events[len(events)-1].Type).To(Equal(wait.Completed))

		By("starting a wait that does not complete")
		waitCtx, cancel := context.WithCancel(ctx)
		DeferCleanup(cancel)
		stuckEvents := r.WaitForStatus(waitCtx, []wait.ResourceIdentifier{widgetID(stuck)})
		expectUpdate(stuckEvents, widgetID(stuck), status.InProgressStatus, "never ready", status.InProgressStatus)
		Expect(goleak.Find(ignore)).NotTo(Succeed(), "the informer runs, so the check can see it")

		By("closing the resolver")
		r.Close()
		cancel()
		expectEnd(stuckEvents, wait.Aborted, status.InProgressStatus)
		Eventually(goleak.Find).WithArguments(ignore).WithTimeout(10 * time.Second).Should(Succeed())

		By("refusing to start informers after Close, as an error on the resource")
		closedEvents := collectEvents(r.WaitForStatus(waitCtxFor(ctx, time.Second), []wait.ResourceIdentifier{widgetID(ready)}))
		Expect(closedEvents).NotTo(BeEmpty())
		first := closedEvents[0]
		Expect(first.EventResource).NotTo(BeNil(), describeEvents(closedEvents))
		Expect(first.EventResource.Error).To(HaveOccurred(), describeEvents(closedEvents))
		Expect(first.EventResource.Status).To(Equal(status.UnknownStatus))
		Expect(closedEvents[len(closedEvents)-1].Type).To(Equal(wait.Aborted), describeEvents(closedEvents))
		Eventually(goleak.Find).WithArguments(ignore).WithTimeout(10 * time.Second).Should(Succeed())
		AddReportEntry("wait after Close", fmt.Sprint(describeEvents(closedEvents)))
	})
})

// waitCtxFor returns a child of ctx that ends after d; the spec's end
// cancels it.
func waitCtxFor(ctx context.Context, d time.Duration) context.Context {
	c, cancel := context.WithTimeout(ctx, d)
	DeferCleanup(cancel)
	return c
}
