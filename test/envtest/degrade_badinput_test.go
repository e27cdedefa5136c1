package envtest_test

import (
	"context"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"go.uber.org/goleak"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kwait-dev/kwait/status"
	"github.com/kwait-dev/kwait/wait"
)

// "Degrade, don't hang": input that names no object kwait can read gives
// that resource a clear error (Unknown, with an error matching a sentinel
// through errors.Is) in ResourceResult.Error and EventResource.Error; it
// never panics and never holds up the other resources. An errored resource
// never becomes Current, so a wait holding one never completes: it ends
// with Aborted when its context does. Duplicates are no error: they are
// tracked once.
var _ = Describe("Degrade: bad input", func() {
	// quiet is how long a spec checks that an errored resource is not
	// reported again.
	const quiet = 500 * time.Millisecond
	var (
		ns     string
		cm     *corev1.ConfigMap
		cmID   wait.ResourceIdentifier
		r      *wait.Resolver
		ignore goleak.Option
	)

	BeforeEach(func(ctx SpecContext) {
		ns = createNamespace(ctx, "degrade-input-")
		cm = createConfigMap(ctx, ns, "settings")
		cmID = configMapID(cm)
		ignore = goleak.IgnoreCurrent()
		r = newResolver(cfg, wait.Options{PollInterval: 200 * time.Millisecond})
	})

	// Every spec ends with its waits over: then nothing they started may
	// run on once the resolver is closed.
	AfterEach(func() {
		closeAndExpectNoLeaks(r, ignore)
	})

	// expectErrorAndCurrent checks a wait's first two events: one for the
	// bad resource, Unknown with want, and the ConfigMap, Current. It
	// returns them and the bad resource's identifier as the wait reports it.
	expectErrorAndCurrent := func(events <-chan wait.Event, want error) ([]wait.Event, wait.ResourceIdentifier) {
		GinkgoHelper()
		got := []wait.Event{nextEvent(events), nextEvent(events)}
		var bad *wait.EventResource
		for _, ev := range got {
			Expect(ev.Type).To(Equal(wait.ResourceUpdate), describeEvents(got))
			if ev.EventResource.ResourceIdentifier == cmID {
				Expect(seedOf(*ev.EventResource)).To(Equal(wait.EventResource{
					ResourceIdentifier: cmID, Status: status.CurrentStatus, Message: "Resource is always ready",
				}), describeEvents(got))
				continue
			}
			bad = ev.EventResource
		}
		Expect(bad).NotTo(BeNil(), "no event for the bad resource:\n%s", describeEvents(got))
		Expect(bad.Status).To(Equal(status.UnknownStatus), describeEvents(got))
		Expect(bad.Error).To(MatchError(want), describeEvents(got))
		return got, bad.ResourceIdentifier
	}

	// expectAbortedOnCancel checks that nothing more comes, then cancels
	// the wait and checks its whole stream.
	expectAbortedOnCancel := func(events <-chan wait.Event, cancel context.CancelFunc, ids []wait.ResourceIdentifier, got []wait.Event) {
		GinkgoHelper()
		expectQuiet(events, quiet, "an event after both resources were reported")
		cancel()
		got = append(got, collectEvents(events)...)
		checkContract(ids, got)
		Expect(finalOf(got[len(got)-1])).To(Equal(wait.Event{Type: wait.Aborted, AggregateStatus: status.InProgressStatus}), describeEvents(got))
	}

	DescribeTable("objects: an error for the bad one, the rest served",
		func(ctx SpecContext, bad func(ns string) wait.KubernetesObject, want error) {
			objects := []wait.KubernetesObject{bad(ns), asObject(cm)}

			By("FetchAndResolveObjects")
			results := r.FetchAndResolveObjects(ctx, objects)
			Expect(results).To(HaveLen(2))
			Expect(results[0].Error).To(MatchError(want))
			Expect(results[0].Result).To(HaveField("Status", status.UnknownStatus))
			Expect(results[1].Error).NotTo(HaveOccurred())
			Expect(results[1].ResourceIdentifier).To(Equal(cmID))
			Expect(results[1].Result).To(HaveField("Status", status.CurrentStatus))

			By("WaitForStatusOfObjects")
			waitCtx, cancel := context.WithCancel(ctx)
			DeferCleanup(cancel)
			events := r.WaitForStatusOfObjects(waitCtx, objects)
			got, badID := expectErrorAndCurrent(events, want)
			expectAbortedOnCancel(events, cancel, []wait.ResourceIdentifier{badID, cmID}, got)
		},
		Entry("a nil object", func(string) wait.KubernetesObject { return nil }, wait.ErrNilObject),
		Entry("a nil *Unstructured", func(string) wait.KubernetesObject { return (*unstructured.Unstructured)(nil) }, wait.ErrNilObject),
		Entry("an empty name", func(ns string) wait.KubernetesObject { return object("v1", "ConfigMap", ns, "") }, wait.ErrEmptyName),
		Entry("an empty kind", func(ns string) wait.KubernetesObject { return object("v1", "", ns, "settings") }, wait.ErrEmptyKind),
		Entry("an apiVersion that does not parse", func(ns string) wait.KubernetesObject {
			return object("a/b/c", "Widget", ns, "w")
		}, wait.ErrBadAPIVersion),
		Entry("a namespace on a cluster-scoped kind", func(ns string) wait.KubernetesObject {
			return object("v1", "Namespace", ns, ns)
		}, wait.ErrClusterScope),
		Entry("an unknown kind", func(ns string) wait.KubernetesObject {
			return object("nope.kwait.dev/v1", "Nothing", ns, "n")
		}, wait.ErrUnknownKind),
		Entry("a version that is not served", func(ns string) wait.KubernetesObject {
			return object("test.kwait.dev/v9", "Widget", ns, "w")
		}, wait.ErrUnknownKind),
	)

	DescribeTable("identifiers: an error for the bad one, the rest served",
		func(ctx SpecContext, bad func(ns string) wait.ResourceIdentifier, want error) {
			ids := []wait.ResourceIdentifier{bad(ns), cmID}

			By("FetchAndResolve")
			results := r.FetchAndResolve(ctx, ids)
			Expect(results).To(HaveLen(2))
			Expect(results[0].ResourceIdentifier).To(Equal(ids[0]))
			Expect(results[0].Error).To(MatchError(want))
			Expect(results[0].Result).To(HaveField("Status", status.UnknownStatus))
			Expect(results[1].Error).NotTo(HaveOccurred())
			Expect(results[1].Result).To(HaveField("Status", status.CurrentStatus))

			By("WaitForStatus")
			waitCtx, cancel := context.WithCancel(ctx)
			DeferCleanup(cancel)
			events := r.WaitForStatus(waitCtx, ids)
			got, badID := expectErrorAndCurrent(events, want)
			Expect(badID).To(Equal(ids[0]))
			expectAbortedOnCancel(events, cancel, ids, got)
		},
		Entry("an empty name", func(ns string) wait.ResourceIdentifier {
			return wait.ResourceIdentifier{Namespace: ns, GroupKind: configMapGK}
		}, wait.ErrEmptyName),
		Entry("an empty kind", func(ns string) wait.ResourceIdentifier {
			return wait.ResourceIdentifier{Name: "settings", Namespace: ns}
		}, wait.ErrEmptyKind),
		Entry("a namespace on a cluster-scoped kind", func(ns string) wait.ResourceIdentifier {
			return wait.ResourceIdentifier{Name: ns, Namespace: ns, GroupKind: namespaceGK}
		}, wait.ErrClusterScope),
		Entry("an unknown kind", func(ns string) wait.ResourceIdentifier {
			return wait.ResourceIdentifier{Name: "n", Namespace: ns, GroupKind: schema.GroupKind{Group: "nope.kwait.dev", Kind: "Nothing"}}
		}, wait.ErrUnknownKind),
	)

	It("tracks a duplicate once, and completes", func(ctx SpecContext) {
		w := createWidget(ctx, ns, "w", "False", "starting")
		wID := widgetID(w)

		By("answering FetchAndResolveObjects once per input")
		objects := []wait.KubernetesObject{asObject(cm), asObject(cm), w, asObject(cm)}
		results := r.FetchAndResolveObjects(ctx, objects)
		Expect(results).To(HaveLen(len(objects)))
		for i, res := range results {
			Expect(res.Error).NotTo(HaveOccurred(), "result %d", i)
			want := status.CurrentStatus
			if i == 2 {
				want = status.InProgressStatus
			}
			Expect(res.Result).To(HaveField("Status", want), "result %d", i)
		}

		By("reporting each object once in WaitForStatusOfObjects")
		events := r.WaitForStatusOfObjects(waitCtxFor(ctx, time.Minute), objects)
		got := readUntil(events, func(ev wait.Event) bool { return ev.AggregateStatus != status.UnknownStatus })
		setWidgetStatus(ctx, w, 1, "True", "Test", "ready")
		got = append(got, collectEvents(events)...)
		checkContract([]wait.ResourceIdentifier{cmID, wID}, got)
		Expect(got[len(got)-1].Type).To(Equal(wait.Completed), describeEvents(got))
		Expect(updatesOf(cmID, got)).To(HaveLen(1), describeEvents(got))

		By("treating an empty namespace and default as the same in WaitForStatus")
		inDefault := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: metav1.NamespaceDefault, GenerateName: "degrade-duplicate-"}}
		Expect(k8sClient.Create(ctx, inDefault)).To(Succeed())
		DeferCleanup(func(ctx SpecContext) {
			Expect(client.IgnoreNotFound(k8sClient.Delete(ctx, inDefault))).To(Succeed())
		})
		ids := []wait.ResourceIdentifier{
			{Name: inDefault.Name, GroupKind: configMapGK},
			{Name: inDefault.Name, Namespace: metav1.NamespaceDefault, GroupKind: configMapGK},
		}
		got = collectEvents(r.WaitForStatus(waitCtxFor(ctx, time.Minute), ids))
		Expect(got).To(HaveLen(2), describeEvents(got))
		Expect(got[0].EventResource.ResourceIdentifier.Equals(ids[0])).To(BeTrue(), describeEvents(got))
		checkContract([]wait.ResourceIdentifier{got[0].EventResource.ResourceIdentifier}, got)
		Expect(got[1].Type).To(Equal(wait.Completed), describeEvents(got))
	})
})

// object returns an Unstructured with only the fields that identify it.
func object(apiVersion, kind, ns, name string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": apiVersion, "kind": kind}}
	u.SetNamespace(ns)
	u.SetName(name)
	return u
}

// asObject turns a ConfigMap into the KubernetesObject that identifies it.
func asObject(cm *corev1.ConfigMap) wait.KubernetesObject {
	return object("v1", "ConfigMap", cm.Namespace, cm.Name)
}
