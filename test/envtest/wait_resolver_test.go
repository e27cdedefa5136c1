package envtest_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kwait-dev/kwait/status"
	"github.com/kwait-dev/kwait/wait"
)

// NewResolver over controller-runtime readers: a client.WithWatch gets
// informers, any other reader is polled. Which one ran is told by the
// requests that reached the API server.
var _ = Describe("NewResolver over controller-runtime clients", func() {
	var (
		ns      string
		counter *requestCounter
	)

	BeforeEach(func(ctx SpecContext) {
		ns = createNamespace(ctx, "wait-resolver-")
		counter = newRequestCounter()
	})

	// waitInProgressToCurrent runs one wait on a Widget that starts
	// InProgress and becomes Ready when the spec writes it, and checks the
	// exact sequence.
	waitInProgressToCurrent := func(ctx SpecContext, r *wait.Resolver) {
		GinkgoHelper()
		widget := createWidget(ctx, ns, "w", "False", "starting")
		id := widgetID(widget)
		events := r.WaitForStatus(ctx, []wait.ResourceIdentifier{id})
		expectUpdate(events, id, status.InProgressStatus, "starting", status.InProgressStatus)
		setWidgetStatus(ctx, widget, 1, "True", "Test", "ready")
		expectUpdate(events, id, status.CurrentStatus, "Resource is Ready", status.CurrentStatus)
		expectEnd(events, wait.Completed, status.CurrentStatus)
	}

	It("watches through a client.WithWatch", func(ctx SpecContext) {
		c, err := client.NewWithWatch(counter.config(cfg), client.Options{})
		Expect(err).NotTo(HaveOccurred())
		r := wait.NewResolver(c, c.RESTMapper(), 200*time.Millisecond)
		DeferCleanup(r.Close)

		waitInProgressToCurrent(ctx, r)
		AddReportEntry("requests", counter.String())
		path := widgetsPath(ns)
		Expect(counter.count(verbWatch, path)+counter.count(verbWatchList, path)).To(Equal(1), counter.String())
		Expect(counter.count(verbGet, path)).To(BeZero(), "an informer started for the wait needs no GET:\n%s", counter)
	})

	It("polls through a reader that cannot watch", func(ctx SpecContext) {
		c, err := client.New(counter.config(cfg), client.Options{})
		Expect(err).NotTo(HaveOccurred())
		_, canWatch := c.(client.WithWatch)
		Expect(canWatch).To(BeFalse())
		r := wait.NewResolver(c, c.RESTMapper(), 200*time.Millisecond)
		DeferCleanup(r.Close)

		waitInProgressToCurrent(ctx, r)
		AddReportEntry("requests", counter.String())
		path := widgetsPath(ns)
		Expect(counter.total(verbWatch)+counter.total(verbWatchList)).To(BeZero(), counter.String())
		Expect(counter.total(verbList)).To(BeZero(), counter.String())
		Expect(counter.count(verbGet, path)).To(BeNumerically(">=", 2), counter.String())
	})
})
