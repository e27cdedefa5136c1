package envtest_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"go.uber.org/goleak"

	"github.com/kwait-dev/kwait/status"
	"github.com/kwait-dev/kwait/wait"
)

// An object deleted and created again under the same name, with a new UID,
// during a wait is judged by the new object: a wait follows names, and
// never reports the old object's state once it has seen a newer one.
//
// Which outcome the contract implies: a resource that does not exist is
// Current ("Resource has been deleted"), and Current is sticky, so a wait
// on the recreated object alone may complete at the deletion, before the
// new object exists (wait_contract_test.go checks that). To see the wait
// judge the new object, a holder Widget that is not Ready keeps it open;
// the new object's states must then reach the caller, and the old one's
// never again.
var _ = Describe("Degrade: an object deleted and recreated during a wait", func() {
	DescribeTable("judges the new object",
		func(ctx SpecContext, opts wait.Options) {
			ns := createNamespace(ctx, "degrade-recreate-")
			old := createWidget(ctx, ns, "w", "False", "first life")
			holder := createWidget(ctx, ns, "holder", "False", "holding the wait open")
			wID := widgetID(old)
			ids := []wait.ResourceIdentifier{wID, widgetID(holder)}
			ignore := goleak.IgnoreCurrent()
			r := newResolver(cfg, opts)
			events := r.WaitForStatus(waitCtxFor(ctx, time.Minute), ids)
			got := readUntil(events, func(ev wait.Event) bool { return ev.AggregateStatus != status.UnknownStatus })
			Expect(seedUpdatesOf(wID, got)).To(ConsistOf(wait.EventResource{
				ResourceIdentifier: wID, Status: status.InProgressStatus, Message: "first life",
			}), describeEvents(got))

			By("deleting the Widget and creating it again at once")
			Expect(k8sClient.Delete(ctx, old)).To(Succeed())
			recreated := createWidget(ctx, ns, "w", "False", "second life")
			Expect(recreated.GetUID()).NotTo(Equal(old.GetUID()))
			got = readUntil(events, isUpdate(wID, status.InProgressStatus, "second life"), got...)

			By("following the new Widget to Ready, then completing with the holder")
			setWidgetStatus(ctx, recreated, 1, "True", "Test", "second life is ready")
			got = readUntil(events, isUpdate(wID, status.CurrentStatus, "Resource is Ready"), got...)
			setWidgetStatus(ctx, holder, 1, "True", "Test", "holder is ready")
			got = append(got, collectEvents(events)...)
			AddReportEntry("events", describeEvents(got))
			checkContract(ids, got)
			Expect(got[len(got)-1].Type).To(Equal(wait.Completed), describeEvents(got))
			Expect(withErrors(got)).To(BeEmpty(), describeEvents(got))

			// Once anything newer than the old object was reported, the old
			// object's state never comes back.
			updates := updatesOf(wID, got)
			Expect(updates[0].Message).To(Equal("first life"))
			for i, u := range updates[1:] {
				Expect(u.Message).NotTo(Equal("first life"), "update %d of the Widget is the old object's:\n%s", i+1, describeEvents(got))
			}
			closeAndExpectNoLeaks(r, ignore)
		},
		Entry("watching", wait.Options{}),
		Entry("polling", wait.Options{Poll: true, PollInterval: 200 * time.Millisecond}),
	)
})
