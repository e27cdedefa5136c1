package envtest_test

import (
	"context"
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kwait-dev/kwait/wait/waittest"
)

// A suite of specs that each wait for three objects, written twice: with
// one shared Waiter, and as the Eventually(Get + BeCurrent) loops suites
// hand-write today at gomega's default polling (10ms, 1s timeout). Both
// see the same "controller", which makes the Widget and the Deployment
// ready a while after their creation. It reports wall time and the API
// requests each way sent; it asserts only that both complete and that the
// Waiter sent fewer requests, never a timing.
var _ = Describe("Measurements: a suite's waits", Label("measure"), func() {
	const (
		specs          = 20
		controllerLag  = 100 * time.Millisecond
		objectsPerSpec = 3
	)

	// spec creates the objects of one spec, lets the controller make them
	// ready after controllerLag, and waits with wait; it returns how long
	// wait took.
	spec := func(ctx context.Context, ns string, i int, wait func(objs ...client.Object)) time.Duration {
		GinkgoHelper()
		cm := createConfigMap(ctx, ns, fmt.Sprintf("settings-%d", i))
		widget := createWidget(ctx, ns, fmt.Sprintf("widget-%d", i), "False", "starting")
		deploy := createDeployment(ctx, ns, fmt.Sprintf("api-%d", i), 1)
		widgetCopy, deployCopy := widget.DeepCopy(), deploy.DeepCopy()
		done := make(chan struct{})
		go func() {
			defer close(done)
			defer GinkgoRecover()
			time.Sleep(controllerLag)
			setWidgetStatus(ctx, widgetCopy, widgetCopy.GetGeneration(), "True", "Test", "ready")
			makeDeploymentAvailable(ctx, deployCopy)
		}()
		start := time.Now()
		wait(cm, widget, deploy)
		took := time.Since(start)
		<-done
		return took
	}

	type result struct {
		name          string
		ns            string
		wait          func(objs ...client.Object)
		log           *requestLog
		wall, waiting time.Duration
	}

	It("measures 20 specs of 3 objects: one shared Waiter against Eventually loops at gomega's default polling", func(ctx SpecContext) {
		polled := &result{name: "Eventually (10ms poll)", ns: createNamespace(ctx, "waittest-poll-"), log: &requestLog{}}
		c, err := client.New(polled.log.config(cfg), client.Options{Scheme: k8sClient.Scheme()})
		Expect(err).NotTo(HaveOccurred())
		polled.wait = func(objs ...client.Object) {
			for _, o := range objs {
				Eventually(func(g Gomega) {
					fresh := o.DeepCopyObject().(client.Object)
					g.Expect(c.Get(ctx, client.ObjectKeyFromObject(o), fresh)).To(Succeed())
					g.Expect(fresh).To(waittest.BeCurrent())
				}).Should(Succeed())
			}
		}
		watched := &result{name: "waittest.Waiter", ns: createNamespace(ctx, "waittest-watch-"), log: &requestLog{}}
		w := waittest.New(GinkgoT(), watched.log.config(cfg))
		watched.wait = func(objs ...client.Object) { w.Current(objs...) }

		// The first creates of a namespace can wait on the API server's
		// admission caches (2s seen here): spend that before the clock
		// starts.
		for _, ns := range []string{polled.ns, watched.ns} {
			createConfigMap(ctx, ns, "warm-up")
			createWidget(ctx, ns, "warm-up", "", "")
			createDeployment(ctx, ns, "warm-up", 1)
		}

		// The specs of both suites run in turn, the first of each pair
		// alternating, so that both see the API server in the same state.
		for i := range specs {
			pair := []*result{polled, watched}
			if i%2 == 1 {
				pair[0], pair[1] = pair[1], pair[0]
			}
			for _, r := range pair {
				start := time.Now()
				r.waiting += spec(ctx, r.ns, i, r.wait)
				r.wall += time.Since(start)
			}
		}

		requests := func(l *requestLog) int {
			return len(l.where(func(r loggedRequest) bool { return r.Verb != verbDiscovery }))
		}
		for _, r := range []*result{polled, watched} {
			line := fmt.Sprintf("wall %s, in waits %s (%s per spec), %d API requests (%d discovery)",
				r.wall.Round(time.Millisecond), r.waiting.Round(time.Millisecond),
				(r.waiting / specs).Round(time.Millisecond), requests(r.log),
				len(r.log.where(func(r loggedRequest) bool { return r.Verb == verbDiscovery })))
			AddReportEntry(fmt.Sprintf("%d specs × %d objects, %s", specs, objectsPerSpec, r.name), line)
			GinkgoWriter.Printf("%d specs × %d objects, %s: %s\n%s\n", specs, objectsPerSpec, r.name, line, r.log)
		}
		Expect(requests(watched.log)).To(BeNumerically("<", requests(polled.log)),
			"Eventually:\n%s\nwaittest:\n%s", polled.log, watched.log)
	})
})
