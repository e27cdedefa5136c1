package envtest_test

import (
	"context"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"go.uber.org/goleak"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/kwait-dev/kwait/status"
	"github.com/kwait-dev/kwait/wait"
)

// Fail fast (cli-utils #486): with wait.Options.FailFast, the first
// resource to become Failed ends the wait: its ResourceUpdate, then one
// final wait.Failed event with aggregate Failed, then the channel closes.
// Off by default, which keeps the seed's behaviour: a Failed resource is
// one more resource that is not Current, and the wait goes on until its
// context ends (Aborted).
//
// The Widget fails the kstatus way: a Stalled=True condition (package
// status: Failed, with the condition's message).
var _ = Describe("Degrade: fail fast", func() {
	var (
		ns     string
		widget *unstructured.Unstructured
		wID    wait.ResourceIdentifier
		ids    []wait.ResourceIdentifier
		r      *wait.Resolver
		ignore goleak.Option
	)

	BeforeEach(func(ctx SpecContext) {
		ns = createNamespace(ctx, "degrade-failfast-")
		widget = createWidget(ctx, ns, "w", "False", "starting")
		wID = widgetID(widget)
		ids = []wait.ResourceIdentifier{wID, configMapID(createConfigMap(ctx, ns, "settings"))}
		r = nil
		ignore = goleak.IgnoreCurrent()
	})

	// Every spec ends with its wait over: then nothing it started may run
	// on once the resolver is closed.
	AfterEach(func() {
		if r != nil {
			closeAndExpectNoLeaks(r, ignore)
		}
	})

	stall := func(ctx context.Context) {
		GinkgoHelper()
		writeConditions(ctx, widget, "it broke", "Stalled", "True")
	}

	// expectFailedEnd checks that got ends with the Widget's Failed update
	// and then wait.Failed, and that the updates keep the event contract
	// (checked as if the wait had been aborted after the last one).
	expectFailedEnd := func(got []wait.Event) {
		GinkgoHelper()
		n := len(got)
		Expect(n).To(BeNumerically(">=", 2), describeEvents(got))
		Expect(finalOf(got[n-1])).To(Equal(wait.Event{Type: wait.Failed, AggregateStatus: status.FailedStatus}), describeEvents(got))
		Expect(got[n-2].EventResource).NotTo(BeNil(), describeEvents(got))
		Expect(seedOf(*got[n-2].EventResource)).To(Equal(wait.EventResource{
			ResourceIdentifier: wID, Status: status.FailedStatus, Message: "it broke",
		}), describeEvents(got))
		updates := append(got[:n-1:n-1], wait.Event{Type: wait.Aborted, AggregateStatus: got[n-2].AggregateStatus})
		checkContract(ids, updates)
	}

	It("with FailFast, ends the wait with Failed when a resource fails mid-wait", func(ctx SpecContext) {
		r = newResolver(cfg, wait.Options{FailFast: true})
		events := r.WaitForStatus(waitCtxFor(ctx, time.Minute), ids)
		got := readUntil(events, func(ev wait.Event) bool { return ev.AggregateStatus != status.UnknownStatus })
		stall(ctx)
		got = append(got, collectEvents(events)...)
		AddReportEntry("events", describeEvents(got))
		expectFailedEnd(got)
	})

	It("with FailFast, ends the wait at once when a resource is Failed from the start", func(ctx SpecContext) {
		stall(ctx)
		r = newResolver(cfg, wait.Options{FailFast: true})
		got := collectEvents(r.WaitForStatus(waitCtxFor(ctx, time.Minute), ids))
		AddReportEntry("events", describeEvents(got))
		expectFailedEnd(got)
	})

	It("with FailFast, completes as usual when nothing fails", func(ctx SpecContext) {
		r = newResolver(cfg, wait.Options{FailFast: true})
		events := r.WaitForStatus(waitCtxFor(ctx, time.Minute), ids)
		got := readUntil(events, func(ev wait.Event) bool { return ev.AggregateStatus != status.UnknownStatus })
		setWidgetStatus(ctx, widget, 1, "True", "Test", "ready")
		got = append(got, collectEvents(events)...)
		checkContract(ids, got)
		Expect(got[len(got)-1].Type).To(Equal(wait.Completed), describeEvents(got))
	})

	It("without FailFast, keeps waiting on a Failed resource until the context ends", func(ctx SpecContext) {
		r = newResolver(cfg, wait.Options{})
		waitCtx, cancel := context.WithCancel(ctx)
		DeferCleanup(cancel)
		events := r.WaitForStatus(waitCtx, ids)
		got := readUntil(events, func(ev wait.Event) bool { return ev.AggregateStatus != status.UnknownStatus })
		stall(ctx)
		got = readUntil(events, isUpdate(wID, status.FailedStatus, "it broke"), got...)
		expectQuiet(events, time.Second, "an event after the Failed update, without FailFast")
		cancel()
		got = append(got, collectEvents(events)...)
		AddReportEntry("events", describeEvents(got))
		checkContract(ids, got)
		Expect(finalOf(got[len(got)-1])).To(Equal(wait.Event{Type: wait.Aborted, AggregateStatus: status.InProgressStatus}), describeEvents(got))
	})
})
