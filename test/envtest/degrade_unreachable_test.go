package envtest_test

import (
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"go.uber.org/goleak"

	"github.com/kwait-dev/kwait/status"
	"github.com/kwait-dev/kwait/wait"
)

// "Degrade, don't hang": every mapper or read error is retried. A resolver
// made with wait.New maps kinds with controller-runtime's dynamic
// RESTMapper, which reads discovery lazily, on the first lookup. When the
// API server cannot be reached as the wait starts, that lookup fails with
// a discovery error ("failed to get server groups"), not with
// ErrUnknownKind; each resource may show Unknown with the error, and once
// the API server answers again the wait must resolve its kinds, read the
// objects and complete (issue 9, defect 4: only ErrUnknownKind was
// retried, and the wait never completed).
//
// The API server is made unreachable for this client alone: it dials a
// loopback proxy (tcpProxy) that refuses connections from before wait.New
// until outage later.
var _ = Describe("Degrade: the API server unreachable as the wait starts", func() {
	const outage = 3 * time.Second

	It(fmt.Sprintf("completes once the API server can be reached, %s later", outage), func(ctx SpecContext) {
		ns := createNamespace(ctx, "degrade-unreachable-")
		widget := createWidget(ctx, ns, "w", "True", "ready")
		ids := []wait.ResourceIdentifier{widgetID(widget), configMapID(createConfigMap(ctx, ns, "settings"))}

		proxy := newTCPProxy(cfg)
		Expect(proxy.Refuse(true)).To(Succeed())
		log := &requestLog{}
		ignore := goleak.IgnoreCurrent()
		r := newResolver(log.config(proxy.config(cfg)), wait.Options{PollInterval: 200 * time.Millisecond})
		Expect(log.all()).To(BeEmpty(), "wait.New reads nothing yet:\n%s", describeRuns(log.all()))

		// The deliberate outage: the proxy accepts again after a timer.
		restored := make(chan error, 1)
		timer := time.AfterFunc(outage, func() { restored <- proxy.Refuse(false) })
		DeferCleanup(func() { timer.Stop() })
		started := time.Now()
		rec := &eventRecorder{}
		done := rec.record(r.WaitForStatus(waitCtxFor(ctx, time.Minute), ids))
		printOnFailure(rec, log)

		var back time.Time
		select {
		case err := <-restored:
			Expect(err).NotTo(HaveOccurred(), "the proxy could not listen on its address again")
			back = time.Now()
		case <-time.After(outage + eventTimeout):
			Fail("the outage's timer did not fire")
		}
		Expect(log.all()).NotTo(BeEmpty(), "the wait tried the API server during the outage")
		Expect(log.all()[0]).To(HaveField("Code", 0), "the first request, for discovery, found the API server unreachable:\n%s",
			describeRuns(log.all()))

		Eventually(done).WithTimeout(30*time.Second).Should(BeClosed(), func() string {
			return "the wait did not end after the API server came back; events:\n" + rec.String() +
				"requests (discovery included):\n" + describeRuns(log.all())
		})
		got, at := rec.events()
		AddReportEntry("events", rec.String())
		AddReportEntry("timing", fmt.Sprintf("outage %s; from the API server back to Completed: %s",
			back.Sub(started).Round(time.Millisecond), at[len(at)-1].Sub(back).Round(time.Millisecond)))
		checkContract(ids, got)
		Expect(got[len(got)-1].Type).To(Equal(wait.Completed), rec.String())
		// Both kinds are served: an outage is no reason to call them unknown.
		for _, ev := range withErrors(got) {
			Expect(ev.EventResource.Error).NotTo(MatchError(wait.ErrUnknownKind), rec.String())
		}
		Expect(updatesByResource(got)).To(HaveKeyWithValue(ids[0], ContainElement(update{status.CurrentStatus, "Resource is Ready"})), rec.String())
		Expect(updatesByResource(got)).To(HaveKeyWithValue(ids[1], ContainElement(update{status.CurrentStatus, "Resource is always ready"})), rec.String())
		closeThroughAndExpectNoLeaks(r, proxy.Close, ignore)
	}, SpecTimeout(time.Minute))
})
