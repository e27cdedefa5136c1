package envtest_test

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kwait-dev/kwait/status"
	"github.com/kwait-dev/kwait/wait"
)

// ScopeAuto watches a few objects in a crowded namespace one by one, with
// fieldSelector=metadata.name=<name> (what kubectl wait does): the API
// server answers it as a single-key read, where a namespace informer would
// list everything the namespace holds.
var _ = Describe("Object scope", func() {
	const others = 500

	It(fmt.Sprintf("watches one Widget beside %d others in its namespace by name, reading a fraction of the namespace", others), func(ctx SpecContext) {
		ns := createNamespace(ctx, "wait-object-")
		createInParallel(ctx, others, 16, func(i int) client.Object {
			return newWidget(ns, fmt.Sprintf("w-%04d", i), map[string]any{"size": int64(i)})
		})
		target := createWidget(ctx, ns, "target", "False", "target is starting")
		id := widgetID(target)
		path := widgetsPath(ns)

		By("measuring a plain LIST of the namespace")
		listBytes := &byteCounter{}
		dc, err := dynamic.NewForConfig(listBytes.config(cfg))
		Expect(err).NotTo(HaveOccurred())
		list, err := dc.Resource(widgetGVK.GroupVersion().WithResource("widgets")).Namespace(ns).List(ctx, metav1.ListOptions{})
		Expect(err).NotTo(HaveOccurred())
		Expect(list.Items).To(HaveLen(others + 1))

		By("waiting on the one Widget with the default options")
		log, waitBytes := &requestLog{}, &byteCounter{}
		r := newResolver(waitBytes.config(log.config(cfg)), wait.Options{})
		events := r.WaitForStatus(ctx, []wait.ResourceIdentifier{id})
		expectUpdate(events, id, status.InProgressStatus, "target is starting", status.InProgressStatus)
		setWidgetStatus(ctx, target, 1, "True", "Test", "target is ready")
		expectUpdate(events, id, status.CurrentStatus, "Resource is Ready", status.CurrentStatus)
		expectEnd(events, wait.Completed, status.CurrentStatus)
		r.Close()

		read, namespaceRead := waitBytes.n.Load(), listBytes.n.Load()
		AddReportEntry("requests of the wait", log.String())
		AddReportEntry("widget bytes read", fmt.Sprintf("wait %d, plain namespace LIST %d", read, namespaceRead))
		reqs := log.where(func(r loggedRequest) bool { return r.listOrWatch() })
		Expect(reqs).NotTo(BeEmpty(), log.String())
		Expect(reqs).To(HaveEach(HaveField("Path", path)), "lists and watches of widgets in %s only:\n%s", ns, log)
		Expect(reqs).To(HaveEach(HaveField("FieldSelector", nameSelector(target.GetName()))),
			"every list and watch names the object:\n%s", log)
		Expect(log.where(func(r loggedRequest) bool { return r.listing() })).To(HaveLen(1), "one list:\n%s", log)
		// The informer is new: its consistent first list is the baseline.
		Expect(log.where(func(r loggedRequest) bool { return r.Verb == verbGet && r.Path == path })).To(BeEmpty(),
			"no GET of the object:\n%s", log)
		Expect(read).To(BeNumerically("<", namespaceRead/10),
			"the wait read %d bytes of widgets, a LIST of the namespace %d", read, namespaceRead)
	})
})
