package envtest_test

import (
	"context"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"go.uber.org/goleak"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kwait-dev/kwait/status"
	"github.com/kwait-dev/kwait/wait"
	"github.com/kwait-dev/kwait/wait/waittest"
)

// gadgetGVK is the kind of a second test custom resource, whose CRD the
// specs install and delete mid-wait. It shares its group with Widget, so a
// client that cached the group's discovery before the CRD existed must
// refresh it.
var (
	gadgetGVK = schema.GroupVersionKind{Group: "test.kwait.dev", Version: "v1", Kind: "Gadget"}
	gadgetGK  = gadgetGVK.GroupKind()
	crdGK     = schema.GroupKind{Group: apiextensionsv1.GroupName, Kind: "CustomResourceDefinition"}
)

// crdWaiter waits until the Gadget CRD is Established or gone.
var crdWaiter *waittest.Waiter

// gadgetCRD defines Gadget like widgetCRD defines Widget: namespaced, one
// version, a status subresource, any spec and status.
func gadgetCRD() *apiextensionsv1.CustomResourceDefinition {
	crd := widgetCRD()
	crd.Name = "gadgets." + gadgetGVK.Group
	crd.Spec.Group = gadgetGVK.Group
	crd.Spec.Names = apiextensionsv1.CustomResourceDefinitionNames{
		Plural:   "gadgets",
		Singular: "gadget",
		Kind:     gadgetGVK.Kind,
		ListKind: gadgetGVK.Kind + "List",
	}
	return crd
}

// installGadgetCRD creates the Gadget CRD, as a client other than kwait
// would, and waits until it is Established. When the spec ends it deletes
// the CRD and waits until it is gone, so that the next spec can install it
// again.
func installGadgetCRD(ctx context.Context) *apiextensionsv1.CustomResourceDefinition {
	GinkgoHelper()
	crd := gadgetCRD()
	Expect(k8sClient.Create(ctx, crd)).To(Succeed())
	DeferCleanup(func(ctx SpecContext) {
		Expect(client.IgnoreNotFound(k8sClient.Delete(ctx, crd))).To(Succeed())
		crdWaiter.Deleted(crd) // the API server deletes its objects first
	})
	crdWaiter.Current(crd)
	return crd
}

// createGadget creates a Gadget and writes a Ready condition with status
// ready and message msg. It retries the create while k8sClient's own
// RESTMapper learns the new kind.
func createGadget(ctx context.Context, ns, name, ready, msg string) *unstructured.Unstructured {
	GinkgoHelper()
	gadget := &unstructured.Unstructured{Object: map[string]any{"spec": map[string]any{"size": int64(1)}}}
	gadget.SetGroupVersionKind(gadgetGVK)
	gadget.SetNamespace(ns)
	gadget.SetName(name)
	Eventually(func() error {
		return k8sClient.Create(ctx, gadget.DeepCopy())
	}).WithContext(ctx).WithTimeout(30 * time.Second).WithPolling(100 * time.Millisecond).Should(Succeed())
	writeConditions(ctx, gadget, msg, "Ready", ready)
	return gadget
}

// "Degrade, don't hang": an identifier whose kind the API server does not
// serve yet is reported once, Unknown with wait.ErrUnknownKind, and the
// engine resolves it again (backing off, at most 5s apart) until the CRD is
// Established, whoever installs it; then the resource gets its real status.
// A CRD deleted mid-wait takes its objects with it: they are "Resource has
// been deleted", which is Current.
var _ = Describe("Degrade: kinds whose CRD comes and goes", func() {
	var ns string

	BeforeEach(func(ctx SpecContext) {
		ns = createNamespace(ctx, "degrade-crd-")
		// The waiter of installGadgetCRD starts its CRD informer here,
		// before a spec takes its goleak baseline.
		crdWaiter = waittest.New(GinkgoT(), cfg, waittest.WithScheme(k8sClient.Scheme()))
		crdWaiter.Current(widgetCRD())
	})

	It("reports a kind whose CRD is not installed once, then judges its objects once another client installs it", func(ctx SpecContext) {
		cm := createConfigMap(ctx, ns, "settings")
		// The holder keeps the wait open: a Gadget that does not exist yet
		// is Current ("Resource does not exist") the moment its kind is
		// known, and the spec wants to see its real status after that.
		holder := createWidget(ctx, ns, "holder", "False", "holding the wait open")
		gadgetID := wait.ResourceIdentifier{Name: "g", Namespace: ns, GroupKind: gadgetGK}
		ids := []wait.ResourceIdentifier{gadgetID, configMapID(cm), widgetID(holder)}
		ignore := goleak.IgnoreCurrent()
		r := newResolver(cfg, wait.Options{})
		events := r.WaitForStatus(waitCtxFor(ctx, time.Minute), ids)

		By("reporting the Gadget once, Unknown with ErrUnknownKind")
		got := readUntil(events, func(ev wait.Event) bool { return ev.AggregateStatus != status.UnknownStatus })
		first := updatesOf(gadgetID, got)
		Expect(first).To(HaveLen(1), describeEvents(got))
		Expect(first[0].Status).To(Equal(status.UnknownStatus), describeEvents(got))
		Expect(first[0].Error).To(MatchError(wait.ErrUnknownKind), describeEvents(got))

		By("installing the CRD with another client, and creating a Gadget that is starting")
		installGadgetCRD(ctx)
		established := time.Now()
		gadget := createGadget(ctx, ns, "g", "False", "g is starting")
		got = readUntil(events, isUpdate(gadgetID, status.InProgressStatus, "g is starting"), got...)
		AddReportEntry("from CRD Established to the Gadget's real status", time.Since(established).Round(time.Millisecond).String())

		By("completing once the Gadget and the holder are Ready")
		writeConditions(ctx, gadget, "g is ready", "Ready", "True")
		got = readUntil(events, isUpdate(gadgetID, status.CurrentStatus, "Resource is Ready"), got...)
		writeConditions(ctx, holder, "holder is ready", "Ready", "True")
		got = append(got, collectEvents(events)...)
		AddReportEntry("events", describeEvents(got))
		checkContract(ids, got)
		Expect(got[len(got)-1].Type).To(Equal(wait.Completed), describeEvents(got))
		Expect(withErrors(got)).To(HaveLen(1), "only the first report of the unknown kind has an error:\n%s", describeEvents(got))
		closeAndExpectNoLeaks(r, ignore)
	})

	It("completes a wait that lists the CRD among its identifiers, installed and used after the wait starts", func(ctx SpecContext) {
		cm := createConfigMap(ctx, ns, "settings")
		crdID := wait.ResourceIdentifier{Name: gadgetCRD().Name, GroupKind: crdGK}
		gadgetID := wait.ResourceIdentifier{Name: "g", Namespace: ns, GroupKind: gadgetGK}
		ids := []wait.ResourceIdentifier{crdID, gadgetID, configMapID(cm)}
		ignore := goleak.IgnoreCurrent()
		r := newResolver(cfg, wait.Options{})
		events := r.WaitForStatus(waitCtxFor(ctx, time.Minute), ids)

		By("reporting the missing CRD as Current and its kind as unknown")
		got := readUntil(events, func(ev wait.Event) bool { return ev.AggregateStatus != status.UnknownStatus })
		Expect(seedUpdatesOf(crdID, got)).To(ConsistOf(wait.EventResource{
			ResourceIdentifier: crdID, Status: status.CurrentStatus, Message: "Resource does not exist",
		}), describeEvents(got))
		first := updatesOf(gadgetID, got)
		Expect(first).To(HaveLen(1), describeEvents(got))
		Expect(first[0].Error).To(MatchError(wait.ErrUnknownKind), describeEvents(got))

		By("installing the CRD and creating a Ready Gadget")
		installGadgetCRD(ctx)
		createGadget(ctx, ns, "g", "True", "g is ready")
		got = append(got, collectEvents(events)...)
		AddReportEntry("events", describeEvents(got))
		checkContract(ids, got)
		Expect(got[len(got)-1].Type).To(Equal(wait.Completed), describeEvents(got))
		Expect(withErrors(got)).To(HaveLen(1), "only the first report of the unknown kind has an error:\n%s", describeEvents(got))
		gadgetUpdates := updatesOf(gadgetID, got)
		Expect(gadgetUpdates[len(gadgetUpdates)-1].Status).To(Equal(status.CurrentStatus), describeEvents(got))
		closeAndExpectNoLeaks(r, ignore)
	})

	It("completes when the CRD is deleted mid-wait, its objects deleted with it, and leaks nothing", func(ctx SpecContext) {
		crd := installGadgetCRD(ctx)
		gadget := createGadget(ctx, ns, "g", "False", "g is starting")
		gadgetID := wait.ResourceIdentifier{Name: gadget.GetName(), Namespace: ns, GroupKind: gadgetGK}
		ids := []wait.ResourceIdentifier{gadgetID}
		ignore := goleak.IgnoreCurrent()
		r := newResolver(cfg, wait.Options{})
		events := r.WaitForStatus(waitCtxFor(ctx, time.Minute), ids)
		got := []wait.Event{expectUpdate(events, gadgetID, status.InProgressStatus, "g is starting", status.InProgressStatus)}

		By("deleting the CRD")
		deleted := time.Now()
		Expect(k8sClient.Delete(ctx, crd)).To(Succeed())
		got = append(got, collectEvents(events)...)
		AddReportEntry("events", describeEvents(got))
		AddReportEntry("from the CRD's deletion to Completed", time.Since(deleted).Round(time.Millisecond).String())
		checkContract(ids, got)
		Expect(got[len(got)-1].Type).To(Equal(wait.Completed), describeEvents(got))
		Expect(seedOf(*got[len(got)-2].EventResource)).To(Equal(wait.EventResource{
			ResourceIdentifier: gadgetID, Status: status.CurrentStatus, Message: "Resource has been deleted",
		}), describeEvents(got))
		closeAndExpectNoLeaks(r, ignore)
	})
})
