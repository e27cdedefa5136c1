package envtest_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"go.uber.org/goleak"
	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/kwait-dev/kwait/status"
	"github.com/kwait-dev/kwait/wait"
)

// A user that may only get polls (degrade_rbac_test.go (c)); an object it
// polls that is deleted mid-wait does not exist any more, which counts as
// Current ("Resource has been deleted"). Here the poller has read the
// object before, so its 404 comes as a deletion. The harder case, a
// poller that never saw the object answering 404 to a wait that knew it
// from an informer (issue 9, defect 2), is spec (4b) in
// degrade_revoke_test.go.
var _ = Describe("Degrade: a get-only user and an object deleted mid-wait", func() {
	const pollInterval = 200 * time.Millisecond

	It("completes once the polled object is deleted", func(ctx SpecContext) {
		ns := createNamespace(ctx, "degrade-getonly-")
		widget := createWidget(ctx, ns, "w", "False", "waiting to be deleted")
		id := widgetID(widget)
		ids := []wait.ResourceIdentifier{id}
		user := waiterUser(ctx, "degrade-getonly-"+ns, map[string][]rbacv1.PolicyRule{ns: widgetRules("get")})
		log := &requestLog{}
		conns := &connTracker{}
		ignore := goleak.IgnoreCurrent()
		r := newResolver(log.config(conns.config(user)), wait.Options{PollInterval: pollInterval})
		rec := &eventRecorder{}
		done := rec.record(r.WaitForStatus(waitCtxFor(ctx, time.Minute), ids))
		printOnFailure(rec, log)

		Eventually(recorded(rec, isUpdate(id, status.InProgressStatus, "waiting to be deleted"))).
			WithTimeout(eventTimeout).Should(BeTrue(), rec.String)
		Expect(log.where(widgetGets(ns, 200))).NotTo(BeEmpty(), "the wait polls:\n%s", log)

		By("deleting the Widget")
		deleted := len(log.all())
		Expect(k8sClient.Delete(ctx, widget)).To(Succeed())
		Eventually(done).WithTimeout(20*time.Second).Should(BeClosed(), func() string {
			return "the wait did not end after the deletion; events:\n" + rec.String() +
				"requests since the deletion:\n" + describeRuns(log.all()[deleted:])
		})
		got, _ := rec.events()
		AddReportEntry("events", describeEvents(got))
		AddReportEntry("requests", log.String())
		checkContract(ids, got)
		Expect(got[len(got)-1].Type).To(Equal(wait.Completed), describeEvents(got))
		Expect(seedOf(*got[len(got)-2].EventResource)).To(Equal(wait.EventResource{
			ResourceIdentifier: id, Status: status.CurrentStatus, Message: "Resource has been deleted",
		}), "the final transition:\n%s", describeEvents(got))
		Expect(log.where(widgetGets(ns, 404))).NotTo(BeEmpty(), "a polled GET found the Widget gone:\n%s", log)
		Expect(withErrors(got)).To(BeEmpty(), describeEvents(got))
		closeThroughAndExpectNoLeaks(r, func() { conns.closeAll() }, ignore)
	}, SpecTimeout(time.Minute))
})
