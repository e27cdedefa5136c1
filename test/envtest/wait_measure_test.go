package envtest_test

import (
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kwait-dev/kwait/status"
	"github.com/kwait-dev/kwait/wait"
)

// Measurements, reported with AddReportEntry and printed to GinkgoWriter.
// They assert the event contract and request counts, never timings: the
// figures depend on the machine. Select them with --ginkgo.label-filter=measure,
// or leave them out with --ginkgo.label-filter='!measure'.
var _ = Describe("Measurements", Label("measure"), func() {
	// createWorkers is the size of the pool that creates objects.
	const createWorkers = 16

	report := func(name, value string) {
		AddReportEntry(name, value)
		GinkgoWriter.Printf("%s: %s\n", name, value)
	}

	It("measures the latency from a status write to its ResourceUpdate", func(ctx SpecContext) {
		const flips = 60
		ns := createNamespace(ctx, "wait-latency-")
		widget := createWidget(ctx, ns, "flip", "False", "flip start")
		id := widgetID(widget)
		r := newResolver(cfg, wait.Options{})

		events := r.WaitForStatus(ctx, []wait.ResourceIdentifier{id})
		expectUpdate(events, id, status.InProgressStatus, "flip start", status.InProgressStatus)
		latencies := make([]time.Duration, 0, flips)
		for i := range flips {
			// Each flip changes only the message, so the wait goes on and
			// reports each one.
			msg := fmt.Sprintf("flip %d", i)
			setWidgetStatus(ctx, widget, 1, "False", "Flipping", msg)
			written := time.Now()
			ev := nextEvent(events)
			latencies = append(latencies, time.Since(written))
			Expect(describeEvent(ev)).To(Equal(describeEvent(wait.Event{
				Type:            wait.ResourceUpdate,
				AggregateStatus: status.InProgressStatus,
				EventResource:   &wait.EventResource{ResourceIdentifier: id, Status: status.InProgressStatus, Message: msg},
			})))
		}
		setWidgetStatus(ctx, widget, 1, "True", "Test", "ready")
		expectUpdate(events, id, status.CurrentStatus, "Resource is Ready", status.CurrentStatus)
		expectEnd(events, wait.Completed, status.CurrentStatus)

		report("status write response → ResourceUpdate", summarise(latencies).String())
	})

	It("counts the requests of a wait on 1,000 ConfigMaps, informer against polling", func(ctx SpecContext) {
		const n = 1000
		ns := createNamespace(ctx, "wait-1k-")
		took := createInParallel(ctx, n, createWorkers, func(i int) client.Object {
			return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("cm-%04d", i)}}
		})
		report(fmt.Sprintf("created %d ConfigMaps with %d workers", n, createWorkers), took.Round(time.Millisecond).String())
		ids := make([]wait.ResourceIdentifier, n)
		for i := range ids {
			ids[i] = wait.ResourceIdentifier{Name: fmt.Sprintf("cm-%04d", i), Namespace: ns, GroupKind: configMapGK}
		}
		path := configMapsPath(ns)

		run := func(opts wait.Options) (*requestCounter, time.Duration) {
			GinkgoHelper()
			counter := newRequestCounter()
			r := newResolver(counter.config(cfg), opts)
			started := time.Now()
			events := collectEvents(r.WaitForStatus(ctx, ids))
			took := time.Since(started)
			r.Close()
			checkContract(ids, events)
			Expect(events).To(HaveLen(n + 1))
			Expect(events[n].Type).To(Equal(wait.Completed))
			return counter, took
		}
		describe := func(c *requestCounter, took time.Duration) string {
			all := c.count(verbList, path) + c.count(verbWatchList, path) + c.count(verbWatch, path) + c.count(verbGet, path)
			return fmt.Sprintf("%d requests to configmaps (LIST %d, WATCHLIST %d, WATCH %d, GET %d), %d discovery; Completed in %s",
				all, c.count(verbList, path), c.count(verbWatchList, path), c.count(verbWatch, path), c.count(verbGet, path),
				c.total(verbDiscovery), took.Round(time.Millisecond))
		}

		informer, informerTook := run(wait.Options{})
		polling, pollingTook := run(wait.Options{Poll: true, PollInterval: 2 * time.Second})
		report(fmt.Sprintf("wait on %d ConfigMaps, informer (wait.New)", n), describe(informer, informerTook))
		report(fmt.Sprintf("wait on %d ConfigMaps, polling (Poll, 2s)", n), describe(polling, pollingTook))

		Expect(informer.count(verbGet, path)).To(BeZero(), informer.String())
		Expect(informer.count(verbList, path)+informer.count(verbWatchList, path)).To(BeNumerically(">=", 1), informer.String())
		Expect(informer.count(verbWatch, path)+informer.count(verbWatchList, path)).To(Equal(1), informer.String())
		// n keys of one namespace are over ListThreshold: a LIST per round.
		Expect(polling.count(verbGet, path)).To(BeZero(), polling.String())
		Expect(polling.count(verbList, path)).To(BeNumerically(">=", 1), polling.String())
		Expect(polling.total(verbWatch)+polling.total(verbWatchList)).To(BeZero(), polling.String())
	})

	It("answers fresh waits from a warm informer over 3,000 Widgets without listing", func(ctx SpecContext) {
		const (
			n     = 3000
			waits = 20
		)
		ns := createNamespace(ctx, "wait-3k-")
		took := createInParallel(ctx, n, createWorkers, func(i int) client.Object {
			return newWidget(ns, fmt.Sprintf("w-%04d", i), map[string]any{"size": int64(i)})
		})
		report(fmt.Sprintf("created %d Widgets with %d workers", n, createWorkers), took.Round(time.Millisecond).String())
		id := func(i int) wait.ResourceIdentifier {
			return wait.ResourceIdentifier{Name: fmt.Sprintf("w-%04d", i), Namespace: ns, GroupKind: widgetGK}
		}
		counter := newRequestCounter()
		linger := 30 * time.Second
		// This measures waits served by a warm namespace informer: with its
		// default ObjectScopeThreshold, each one-object wait would start an
		// informer of its own (wait_objectscope_test.go).
		r := newResolver(counter.config(cfg), wait.Options{Linger: &linger, ObjectScopeThreshold: -1})
		path := widgetsPath(ns)
		lists := func() int { return counter.count(verbList, path) + counter.count(verbWatchList, path) }

		By("warming the informer with a first wait")
		started := time.Now()
		events := collectEvents(r.WaitForStatus(ctx, []wait.ResourceIdentifier{id(0)}))
		Expect(events[len(events)-1].Type).To(Equal(wait.Completed))
		report("cold wait on one of 3,000 Widgets (starts the informer)", time.Since(started).Round(time.Millisecond).String())
		listsBefore, getsBefore := lists(), counter.count(verbGet, path)

		By(fmt.Sprintf("running %d back-to-back waits on other Widgets", waits))
		durations := make([]time.Duration, 0, waits)
		for i := range waits {
			ids := []wait.ResourceIdentifier{id((i*149 + 1) % n)}
			started := time.Now()
			events := collectEvents(r.WaitForStatus(ctx, ids))
			durations = append(durations, time.Since(started))
			checkContract(ids, events)
			Expect(updatesByResource(events)).To(Equal(map[wait.ResourceIdentifier][]update{
				ids[0]: {{status.CurrentStatus, "Resource is current"}},
			}))
			Expect(events[len(events)-1].Type).To(Equal(wait.Completed))
		}
		listed := lists() - listsBefore
		report(fmt.Sprintf("warm wait on one of %d Widgets, WaitForStatus → Completed", n), summarise(durations).String())
		report(fmt.Sprintf("requests of the %d warm waits", waits), fmt.Sprintf("LIST %d, GET %d", listed, counter.count(verbGet, path)-getsBefore))
		AddReportEntry("requests", counter.String())
		Expect(listed).To(BeZero(), counter.String())
	})
})
