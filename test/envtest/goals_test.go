package envtest_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"go.uber.org/goleak"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kwait-dev/kwait/status"
	"github.com/kwait-dev/kwait/wait"
)

// Goals (issue 10): WaitFor, WaitForObjects and Await with each goal on a
// real API server. The spec plays the controller, and each update still
// carries the resource's kstatus status and message; EventResource.Met
// says whether it meets the goal, and the aggregate is Current once every
// resource has met it at least once.
var _ = Describe("Goals", func() {
	var (
		ns     string
		r      *wait.Resolver
		ignore goleak.Option
	)

	BeforeEach(func(ctx SpecContext) {
		ns = createNamespace(ctx, "goals-")
		r = nil
		ignore = goleak.IgnoreCurrent()
	})

	// Every spec ends with its waits over: then nothing the resolver
	// started may run on once it is closed.
	AfterEach(func() {
		if r != nil {
			closeAndExpectNoLeaks(r, ignore)
		}
	})

	Context("Deleted", func() {
		It("shows Widgets held by a finalizer as Terminating, and completes only when the finalizers are removed", func(ctx SpecContext) {
			a := createHeldWidget(ctx, ns, "a")
			b := createHeldWidget(ctx, ns, "b")
			aID, bID := widgetID(a), widgetID(b)
			ids := []wait.ResourceIdentifier{aID, bID}
			r = newResolver(cfg, wait.Options{})
			events := r.WaitFor(waitCtxFor(ctx, time.Minute), ids, wait.Deleted())

			By("observing both Widgets, Current but not deleted")
			got := readUntil(events, func(ev wait.Event) bool { return ev.AggregateStatus != status.UnknownStatus })
			Expect(describeMets(got)).To(ConsistOf(
				describeMet(goalUpdate(aID, status.CurrentStatus, "Resource is Ready", false, "")),
				describeMet(goalUpdate(bID, status.CurrentStatus, "Resource is Ready", false, "")),
			))
			Expect(got[len(got)-1].AggregateStatus).To(Equal(status.InProgressStatus), describeGoalEvents(got))

			By("deleting them: the finalizer holds them, Terminating")
			Expect(k8sClient.Delete(ctx, a)).To(Succeed())
			got = append(got, expectGoalUpdate(events, aID, status.TerminatingStatus, "Resource scheduled for deletion", false, status.InProgressStatus))
			Expect(k8sClient.Delete(ctx, b)).To(Succeed())
			got = append(got, expectGoalUpdate(events, bID, status.TerminatingStatus, "Resource scheduled for deletion", false, status.InProgressStatus))
			for _, w := range []*unstructured.Unstructured{a, b} {
				held := &unstructured.Unstructured{}
				held.SetGroupVersionKind(widgetGVK)
				Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(w), held)).To(Succeed())
				Expect(held.GetDeletionTimestamp()).NotTo(BeNil(), "%s is held, not gone", w.GetName())
			}
			expectQuiet(events, time.Second, "an event while both Widgets are Terminating")

			By("removing a's finalizer: a is deleted, the wait goes on for b")
			removeFinalizers(ctx, a)
			ev := expectGoalUpdate(events, aID, status.CurrentStatus, "Resource has been deleted", true, status.InProgressStatus)
			got = append(got, ev)
			Expect(ev.Progress).To(Equal(wait.Progress{Total: 2, Observed: 2, Met: 1}))

			By("removing b's finalizer: the wait completes")
			removeFinalizers(ctx, b)
			got = append(got, expectGoalUpdate(events, bID, status.CurrentStatus, "Resource has been deleted", true, status.CurrentStatus))
			got = append(got, expectGoalEnd(events, wait.Completed, wait.Progress{Total: 2, Observed: 2, Met: 2}))
			AddReportEntry("events", describeGoalEvents(got))
		})

		It("completes at once for resources that are already gone", func(ctx SpecContext) {
			cm := createConfigMap(ctx, ns, "gone")
			Expect(k8sClient.Delete(ctx, cm)).To(Succeed())
			ids := []wait.ResourceIdentifier{
				configMapID(cm),
				{Name: "never-created", Namespace: ns, GroupKind: widgetGK},
			}
			r = newResolver(cfg, wait.Options{})
			events := r.WaitFor(waitCtxFor(ctx, time.Minute), ids, wait.Deleted())
			got := []wait.Event{nextEvent(events), nextEvent(events)}
			Expect(describeMets(got)).To(ConsistOf(
				describeMet(goalUpdate(ids[0], status.CurrentStatus, "Resource does not exist", true, "")),
				describeMet(goalUpdate(ids[1], status.CurrentStatus, "Resource does not exist", true, "")),
			))
			Expect(got[1].AggregateStatus).To(Equal(status.CurrentStatus), describeGoalEvents(got))
			got = append(got, expectGoalEnd(events, wait.Completed, wait.Progress{Total: 2, Observed: 2, Met: 2}))
			AddReportEntry("events", describeGoalEvents(got))

			By("Await returning nil")
			Expect(r.Await(waitCtxFor(ctx, time.Minute), ids, wait.Deleted())).To(Succeed())
		})
	})

	Context("Exists", func() {
		It("started before the Widget is created, completes once it is", func(ctx SpecContext) {
			later := newWidget(ns, "later", map[string]any{"size": int64(1)})
			id := widgetID(later)
			r = newResolver(cfg, wait.Options{})
			events := r.WaitForObjects(waitCtxFor(ctx, time.Minute), []wait.KubernetesObject{later.DeepCopy()}, wait.Exists())
			got := []wait.Event{expectGoalUpdate(events, id, status.CurrentStatus, "Resource does not exist", false, status.InProgressStatus)}
			expectQuiet(events, time.Second, "an event before the Widget exists")

			By("creating the Widget")
			Expect(k8sClient.Create(ctx, later)).To(Succeed())
			got = append(got, expectGoalUpdate(events, id, status.CurrentStatus, "Resource is current", true, status.CurrentStatus))
			got = append(got, expectGoalEnd(events, wait.Completed, wait.Progress{Total: 1, Observed: 1, Met: 1}))
			AddReportEntry("events", describeGoalEvents(got))
		})
	})

	Context("Condition", func() {
		It("does not count a condition whose observedGeneration is below the Widget's generation", func(ctx SpecContext) {
			w := createWidget(ctx, ns, "w", "False", "starting")
			bumpGeneration(ctx, w)
			Expect(w.GetGeneration()).To(Equal(int64(2)))
			// The controller has seen generation 2, but its Ready condition
			// still speaks of generation 1: kstatus, which reads the
			// top-level observedGeneration, calls it Current.
			writeStatus(ctx, w, map[string]any{
				"observedGeneration": int64(2),
				"conditions": []any{map[string]any{
					"type": "Ready", "status": "True", "reason": "Test", "message": "ready at generation 1", "observedGeneration": int64(1),
				}},
			})
			id := widgetID(w)
			r = newResolver(cfg, wait.Options{})
			events := r.WaitFor(waitCtxFor(ctx, time.Minute), []wait.ResourceIdentifier{id}, wait.Condition("Ready", metav1.ConditionTrue))
			got := []wait.Event{expectGoalUpdate(events, id, status.CurrentStatus, "Resource is Ready", false, status.InProgressStatus)}
			expectQuiet(events, time.Second, "an event while the condition is stale")

			By("writing the condition for generation 2")
			writeStatus(ctx, w, map[string]any{
				"observedGeneration": int64(2),
				"conditions": []any{map[string]any{
					"type": "Ready", "status": "True", "reason": "Test", "message": "ready at generation 2", "observedGeneration": int64(2),
				}},
			})
			got = append(got, expectGoalUpdate(events, id, status.CurrentStatus, "Resource is Ready", true, status.CurrentStatus))
			got = append(got, expectGoalEnd(events, wait.Completed, wait.Progress{Total: 1, Observed: 1, Met: 1}))
			AddReportEntry("events", describeGoalEvents(got))
		})
	})

	Context("JSONPath", func() {
		It("with a value, completes when the field has that value", func(ctx SpecContext) {
			goal, err := wait.JSONPath("{.status.phase}", "Running")
			Expect(err).NotTo(HaveOccurred())
			w := createWidget(ctx, ns, "w", "", "")
			id := widgetID(w)
			r = newResolver(cfg, wait.Options{})
			events := r.WaitFor(waitCtxFor(ctx, time.Minute), []wait.ResourceIdentifier{id}, goal)
			got := []wait.Event{expectGoalUpdate(events, id, status.CurrentStatus, "Resource is current", false, status.InProgressStatus)}

			// The Ready condition's message moves with each write, so every
			// write shows up as an update, met or not.
			By("writing phase Pending")
			writeStatus(ctx, w, phaseStatus("phase", "Pending", "phase is Pending"))
			got = append(got, expectGoalUpdate(events, id, status.InProgressStatus, "phase is Pending", false, status.InProgressStatus))

			By("writing phase Running, while kstatus still says InProgress")
			writeStatus(ctx, w, phaseStatus("phase", "Running", "phase is Running"))
			got = append(got, expectGoalUpdate(events, id, status.InProgressStatus, "phase is Running", true, status.CurrentStatus))
			got = append(got, expectGoalEnd(events, wait.Completed, wait.Progress{Total: 1, Observed: 1, Met: 1}))
			AddReportEntry("events", describeGoalEvents(got))
		})

		It("without a value, completes when the field is present and not empty", func(ctx SpecContext) {
			goal, err := wait.JSONPath(".status.endpoint", "")
			Expect(err).NotTo(HaveOccurred())
			w := createWidget(ctx, ns, "w", "", "")
			id := widgetID(w)
			r = newResolver(cfg, wait.Options{})
			events := r.WaitFor(waitCtxFor(ctx, time.Minute), []wait.ResourceIdentifier{id}, goal)
			got := []wait.Event{expectGoalUpdate(events, id, status.CurrentStatus, "Resource is current", false, status.InProgressStatus)}

			By("writing an empty endpoint")
			writeStatus(ctx, w, phaseStatus("endpoint", "", "no endpoint yet"))
			got = append(got, expectGoalUpdate(events, id, status.InProgressStatus, "no endpoint yet", false, status.InProgressStatus))

			By("writing an endpoint")
			writeStatus(ctx, w, phaseStatus("endpoint", "10.0.0.7:5432", "endpoint assigned"))
			got = append(got, expectGoalUpdate(events, id, status.InProgressStatus, "endpoint assigned", true, status.CurrentStatus))
			got = append(got, expectGoalEnd(events, wait.Completed, wait.Progress{Total: 1, Observed: 1, Met: 1}))
			AddReportEntry("events", describeGoalEvents(got))
		})
	})

	Context("CEL", func() {
		It("completes when the expression is true, and reads an absent status as null", func(ctx SpecContext) {
			goal, err := wait.CEL(`status.?conditions.orValue([]).exists(c, c.type == "Ready" && c.status == "True")`)
			Expect(err).NotTo(HaveOccurred())
			fresh := createWidget(ctx, ns, "fresh", "", "")
			starting := createWidget(ctx, ns, "starting", "False", "starting")
			freshID, startingID := widgetID(fresh), widgetID(starting)
			ids := []wait.ResourceIdentifier{freshID, startingID}
			r = newResolver(cfg, wait.Options{})
			events := r.WaitFor(waitCtxFor(ctx, time.Minute), ids, goal)

			By("observing a Widget without status and one not Ready: neither meets the goal, no error")
			got := readUntil(events, func(ev wait.Event) bool { return ev.AggregateStatus != status.UnknownStatus })
			Expect(describeMets(got)).To(ConsistOf(
				describeMet(goalUpdate(freshID, status.CurrentStatus, "Resource is current", false, "")),
				describeMet(goalUpdate(startingID, status.InProgressStatus, "starting", false, "")),
			))

			By("making both Ready")
			setWidgetStatus(ctx, starting, 1, "True", "Test", "ready")
			got = append(got, expectGoalUpdate(events, startingID, status.CurrentStatus, "Resource is Ready", true, status.InProgressStatus))
			setWidgetStatus(ctx, fresh, 1, "True", "Test", "ready")
			got = append(got, expectGoalUpdate(events, freshID, status.CurrentStatus, "Resource is Ready", true, status.CurrentStatus))
			got = append(got, expectGoalEnd(events, wait.Completed, wait.Progress{Total: 2, Observed: 2, Met: 2}))
			AddReportEntry("events", describeGoalEvents(got))
		})
	})

	Context("Await", func() {
		DescribeTable("on a timeout, names the unmet resource with its status and message, and not the met one",
			func(ctx SpecContext, goal wait.Goal, firstLine string) {
				met := createWidget(ctx, ns, "met", "True", "ready")
				unmet := createWidget(ctx, ns, "unmet", "False", "still starting")
				ids := []wait.ResourceIdentifier{widgetID(met), widgetID(unmet)}
				r = newResolver(cfg, wait.Options{})

				err := r.Await(waitCtxFor(ctx, 3*time.Second), ids, goal)
				Expect(err).To(HaveOccurred())
				AddReportEntry("error", err.Error())
				var notMet *wait.NotMetError
				Expect(errors.As(err, &notMet)).To(BeTrue(), "%T: %v", err, err)
				Expect(err).To(MatchError(context.DeadlineExceeded))
				Expect(notMet.Total).To(Equal(2))
				Expect(notMet.Unmet).To(HaveLen(1), err.Error())
				Expect(notMet.Unmet[0].ResourceIdentifier).To(Equal(widgetID(unmet)))

				lines := strings.Split(err.Error(), "\n")
				Expect(lines).To(HaveLen(2), err.Error())
				Expect(lines[0]).To(Equal(firstLine))
				Expect(lines[1]).To(Equal("  Widget.test.kwait.dev " + ns + "/unmet: InProgress: still starting"))
				Expect(err.Error()).NotTo(ContainSubstring("/met:"), "the met Widget is not named")
			},
			Entry("Current", wait.Current(), "1 of 2 resources not Current (context deadline exceeded):"),
			Entry("Condition", wait.Condition("Ready", metav1.ConditionTrue),
				"1 of 2 resources not meeting condition Ready=True (context deadline exceeded):"),
		)
	})

	Context("FailFast", func() {
		// The Widget fails the kstatus way: a Stalled=True condition. The
		// absent ConfigMap keeps every goal unmet, Exists too, until then.
		DescribeTable("ends the wait with Failed when a Widget becomes Failed, and Await returns ErrFailed with the Widget first",
			func(ctx SpecContext, newGoal func() (wait.Goal, error)) {
				goal, err := newGoal()
				Expect(err).NotTo(HaveOccurred())
				w := createWidget(ctx, ns, "w", "False", "starting")
				wID := widgetID(w)
				ids := []wait.ResourceIdentifier{wID, {Name: "absent", Namespace: ns, GroupKind: configMapGK}}
				r = newResolver(cfg, wait.Options{FailFast: true})
				events := r.WaitFor(waitCtxFor(ctx, time.Minute), ids, goal)
				got := readUntil(events, func(ev wait.Event) bool { return ev.AggregateStatus != status.UnknownStatus })

				By("stalling the Widget")
				writeConditions(ctx, w, "it broke", "Stalled", "True")
				got = append(got, collectEvents(events)...)
				AddReportEntry("events", describeGoalEvents(got))
				n := len(got)
				Expect(n).To(BeNumerically(">=", 4), describeGoalEvents(got))
				upd, last := got[n-2], got[n-1]
				Expect(upd.Type).To(Equal(wait.ResourceUpdate), describeGoalEvents(got))
				Expect(upd.EventResource).NotTo(BeNil(), describeGoalEvents(got))
				Expect(upd.EventResource.ResourceIdentifier).To(Equal(wID), describeGoalEvents(got))
				Expect(upd.EventResource.Status).To(Equal(status.FailedStatus), describeGoalEvents(got))
				Expect(upd.EventResource.Message).To(Equal("it broke"), describeGoalEvents(got))
				Expect(last.Type).To(Equal(wait.Failed), describeGoalEvents(got))
				Expect(last.AggregateStatus).To(Equal(status.FailedStatus), describeGoalEvents(got))
				Expect(last.EventResource).NotTo(BeNil(), "the Failed event names the resource:\n%s", describeGoalEvents(got))
				Expect(last.EventResource.ResourceIdentifier).To(Equal(wID), describeGoalEvents(got))
				Expect(last.EventResource.Status).To(Equal(status.FailedStatus), describeGoalEvents(got))
				Expect(last.Progress.Total).To(Equal(2), describeGoalEvents(got))

				By("Await on the Failed Widget")
				err = r.Await(waitCtxFor(ctx, time.Minute), ids, goal)
				Expect(err).To(MatchError(wait.ErrFailed))
				AddReportEntry("Await error", err.Error())
				var notMet *wait.NotMetError
				Expect(errors.As(err, &notMet)).To(BeTrue(), "%T: %v", err, err)
				Expect(notMet.Unmet).NotTo(BeEmpty(), err.Error())
				Expect(notMet.Unmet[0].ResourceIdentifier).To(Equal(wID), "the Failed Widget first:\n%s", err)
				Expect(notMet.Unmet[0].Status).To(Equal(status.FailedStatus), err.Error())
				lines := strings.Split(err.Error(), "\n")
				Expect(lines).To(HaveLen(len(notMet.Unmet)+1), err.Error())
				Expect(lines[0]).To(HavePrefix(fmt.Sprintf("%d of 2 resources not ", len(notMet.Unmet))))
				Expect(lines[0]).To(HaveSuffix(" (a resource is Failed):"))
				Expect(lines[1]).To(Equal("  Widget.test.kwait.dev " + ns + "/w: Failed: it broke"))
			},
			Entry("Current", func() (wait.Goal, error) { return wait.Current(), nil }),
			Entry("Deleted", func() (wait.Goal, error) { return wait.Deleted(), nil }),
			Entry("Exists", func() (wait.Goal, error) { return wait.Exists(), nil }),
			Entry("Condition", func() (wait.Goal, error) { return wait.Condition("Ready", metav1.ConditionTrue), nil }),
			Entry("JSONPath", func() (wait.Goal, error) { return wait.JSONPath("{.status.phase}", "Running") }),
			Entry("CEL", func() (wait.Goal, error) {
				return wait.CEL(`status.?conditions.orValue([]).exists(c, c.type == "Ready" && c.status == "True")`)
			}),
		)
	})

	Context("informers", func() {
		DescribeTable("a Deleted wait and a WaitForStatus on the same Widgets make the list and watch requests of one wait",
			func(ctx SpecContext, opts wait.Options) {
				a := createWidget(ctx, ns, "a", "False", "a is starting")
				b := createWidget(ctx, ns, "b", "False", "b is starting")
				ids := []wait.ResourceIdentifier{widgetID(a), widgetID(b)}
				observed := func(ev wait.Event) bool { return ev.AggregateStatus != status.UnknownStatus }

				By("measuring one WaitForStatus alone")
				alone := &requestLog{}
				r1 := newResolver(alone.config(cfg), opts)
				aloneCtx, cancel := context.WithCancel(ctx)
				events := r1.WaitForStatus(aloneCtx, ids)
				readUntil(events, observed)
				// The informers list, then watch: let the watches start
				// before the wait ends.
				Eventually(func() int { return len(alone.where(loggedRequest.watching)) }).WithContext(ctx).
					WithTimeout(eventTimeout).Should(Equal(len(alone.where(loggedRequest.listing))), alone.String())
				cancel()
				collectEvents(events)
				r1.Close()

				By("running a WaitForStatus and a Deleted wait at the same time, then deleting the Widgets")
				shared := &requestLog{}
				r = newResolver(shared.config(cfg), opts)
				statusEvents := r.WaitForStatus(waitCtxFor(ctx, time.Minute), ids)
				deletedEvents := r.WaitFor(waitCtxFor(ctx, time.Minute), ids, wait.Deleted())
				got := readUntil(statusEvents, observed)
				gotDeleted := readUntil(deletedEvents, observed)
				Expect(k8sClient.Delete(ctx, a)).To(Succeed())
				Expect(k8sClient.Delete(ctx, b)).To(Succeed())
				got = append(got, collectEvents(statusEvents)...)
				gotDeleted = append(gotDeleted, collectEvents(deletedEvents)...)
				AddReportEntry("WaitForStatus events", describeGoalEvents(got))
				AddReportEntry("Deleted events", describeGoalEvents(gotDeleted))
				checkContract(ids, got)
				Expect(got[len(got)-1].Type).To(Equal(wait.Completed), describeGoalEvents(got))
				Expect(gotDeleted[len(gotDeleted)-1].Type).To(Equal(wait.Completed), describeGoalEvents(gotDeleted))

				AddReportEntry("requests of the wait alone", alone.String())
				AddReportEntry("requests of the two waits", shared.String())
				Expect(listsAndWatches(shared)).NotTo(BeEmpty(), shared.String())
				Expect(listsAndWatches(shared)).To(Equal(listsAndWatches(alone)),
					"lists and watches of the two waits:\n%s\nof the wait alone:\n%s", shared, alone)
				// The wait that joins a running informer reads its objects
				// once, so that a lagging cache cannot answer for them.
				gets := shared.where(func(r loggedRequest) bool { return r.Verb == verbGet && r.Path == widgetsPath(ns) })
				Expect(len(gets)).To(BeNumerically("<=", len(ids)), shared.String())
			},
			Entry("object by object (the default)", wait.Options{}),
			Entry("per namespace", wait.Options{ObjectScopeThreshold: -1}),
		)

		It("waits for a namespace's worth of Widgets to be deleted with no request per Widget", func(ctx SpecContext) {
			const n = 20
			createInParallel(ctx, n, 4, func(i int) client.Object {
				return newWidget(ns, fmt.Sprintf("w-%02d", i), map[string]any{"size": int64(i)})
			})
			ids := make([]wait.ResourceIdentifier, n)
			for i := range ids {
				ids[i] = wait.ResourceIdentifier{Name: fmt.Sprintf("w-%02d", i), Namespace: ns, GroupKind: widgetGK}
			}
			log := &requestLog{}
			r = newResolver(log.config(cfg), wait.Options{})
			events := r.WaitFor(waitCtxFor(ctx, time.Minute), ids, wait.Deleted())
			got := readUntil(events, func(ev wait.Event) bool { return ev.AggregateStatus != status.UnknownStatus })
			Expect(got).To(HaveLen(n), describeGoalEvents(got))

			By("deleting every Widget of the namespace")
			Expect(k8sClient.DeleteAllOf(ctx, newWidget(ns, "", nil), client.InNamespace(ns))).To(Succeed())
			got = append(got, collectEvents(events)...)
			AddReportEntry("requests", log.String())
			last := got[len(got)-1]
			Expect(last.Type).To(Equal(wait.Completed), describeGoalEvents(got))
			Expect(last.Progress).To(Equal(wait.Progress{Total: n, Observed: n, Met: n}))
			for _, id := range ids {
				updates := updatesOf(id, got)
				Expect(updates).NotTo(BeEmpty(), "%s:\n%s", id.Name, describeGoalEvents(got))
				Expect(updates[len(updates)-1]).To(Equal(wait.EventResource{
					ResourceIdentifier: id, Status: status.CurrentStatus, Message: "Resource has been deleted", Met: true,
				}), describeGoalEvents(got))
			}

			widgets := func(r loggedRequest) bool { return strings.HasPrefix(r.Path, "/apis/"+widgetGVK.Group+"/") }
			Expect(log.where(func(r loggedRequest) bool { return widgets(r) && r.Verb == verbGet })).To(BeEmpty(),
				"no GET of a Widget:\n%s", log)
			Expect(log.where(func(r loggedRequest) bool { return widgets(r) && r.listOrWatch() && r.FieldSelector != "" })).To(BeEmpty(),
				"no list or watch of one Widget:\n%s", log)
			onePath := []string{widgetsPath(ns), "/apis/" + widgetGVK.Group + "/" + widgetGVK.Version + "/widgets"}
			Expect(log.where(func(r loggedRequest) bool { return widgets(r) && r.listOrWatch() })).To(HaveEach(
				HaveField("Path", BeElementOf(onePath))), "the namespace's or the cluster's widgets:\n%s", log)
			Expect(log.where(func(r loggedRequest) bool { return widgets(r) && r.listing() })).To(HaveLen(1), "one list:\n%s", log)
			Expect(log.where(func(r loggedRequest) bool { return widgets(r) && r.watching() })).To(HaveLen(1), "one watch:\n%s", log)
		})
	})
})

// holdFinalizer keeps a Widget Terminating once deleted, until a spec
// removes it: envtest runs no controller that would.
const holdFinalizer = "test.kwait.dev/hold"

// createHeldWidget creates a Widget with holdFinalizer and a Ready=True
// status. The finalizer is removed when the spec ends, so that a failed
// spec leaves nothing held.
func createHeldWidget(ctx context.Context, ns, name string) *unstructured.Unstructured {
	GinkgoHelper()
	w := newWidget(ns, name, map[string]any{"size": int64(1)})
	w.SetFinalizers([]string{holdFinalizer})
	Expect(k8sClient.Create(ctx, w)).To(Succeed())
	setWidgetStatus(ctx, w, w.GetGeneration(), "True", "Test", "ready")
	DeferCleanup(func(ctx SpecContext) { removeFinalizers(ctx, w) })
	return w
}

// removeFinalizers clears obj's finalizers, rereading it and retrying on
// conflicts; an object already gone is fine.
func removeFinalizers(ctx context.Context, obj *unstructured.Unstructured) {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		fresh := &unstructured.Unstructured{}
		fresh.SetGroupVersionKind(obj.GroupVersionKind())
		err := k8sClient.Get(ctx, client.ObjectKeyFromObject(obj), fresh)
		if apierrors.IsNotFound(err) {
			return
		}
		g.Expect(err).NotTo(HaveOccurred())
		if len(fresh.GetFinalizers()) == 0 {
			return
		}
		fresh.SetFinalizers(nil)
		g.Expect(client.IgnoreNotFound(k8sClient.Update(ctx, fresh))).To(Succeed())
	}).WithContext(ctx).WithTimeout(30 * time.Second).WithPolling(100 * time.Millisecond).Should(Succeed())
}

// bumpGeneration changes obj's spec, which raises its generation, and
// copies the result into obj.
func bumpGeneration(ctx context.Context, obj *unstructured.Unstructured) {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		fresh := &unstructured.Unstructured{}
		fresh.SetGroupVersionKind(obj.GroupVersionKind())
		g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(obj), fresh)).To(Succeed())
		size, _, _ := unstructured.NestedInt64(fresh.Object, "spec", "size")
		g.Expect(unstructured.SetNestedField(fresh.Object, size+1, "spec", "size")).To(Succeed())
		g.Expect(k8sClient.Update(ctx, fresh)).To(Succeed())
		fresh.DeepCopyInto(obj)
	}).WithContext(ctx).WithTimeout(30 * time.Second).WithPolling(100 * time.Millisecond).Should(Succeed())
}

// writeStatus replaces obj's status with st through the status
// subresource, rereading obj and retrying on conflicts, and copies the
// result into obj.
func writeStatus(ctx context.Context, obj *unstructured.Unstructured, st map[string]any) {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		fresh := &unstructured.Unstructured{}
		fresh.SetGroupVersionKind(obj.GroupVersionKind())
		g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(obj), fresh)).To(Succeed())
		fresh.Object["status"] = st
		g.Expect(k8sClient.Status().Update(ctx, fresh)).To(Succeed())
		fresh.DeepCopyInto(obj)
	}).WithContext(ctx).WithTimeout(30 * time.Second).WithPolling(100 * time.Millisecond).Should(Succeed())
}

// phaseStatus is a status for generation 1 with field set to value and a
// Ready=False condition whose message is msg.
func phaseStatus(field, value, msg string) map[string]any {
	return map[string]any{
		"observedGeneration": int64(1),
		field:                value,
		"conditions": []any{map[string]any{
			"type": "Ready", "status": string(corev1.ConditionFalse), "reason": "Test", "message": msg,
		}},
	}
}

// goalUpdate is a ResourceUpdate of id as a goal wait sends it.
func goalUpdate(id wait.ResourceIdentifier, st status.Status, msg string, met bool, agg status.Status) wait.Event {
	return wait.Event{
		Type:            wait.ResourceUpdate,
		AggregateStatus: agg,
		EventResource:   &wait.EventResource{ResourceIdentifier: id, Status: st, Message: msg, Met: met},
	}
}

// describeMet renders a ResourceUpdate as describeEvent does, without the
// aggregate and with whether the resource meets the goal;
// describeGoalEvent adds the aggregate, the progress and the cause.
func describeMet(ev wait.Event) string {
	s := string(ev.Type)
	if r := ev.EventResource; r != nil {
		id := r.ResourceIdentifier
		s += fmt.Sprintf(" %s %s/%s: %s %q met=%t", id.GroupKind, id.Namespace, id.Name, r.Status, r.Message, r.Met)
		if r.Error != nil {
			s += fmt.Sprintf(" error=%q", r.Error)
		}
	}
	return s
}

func describeMets(events []wait.Event) []string {
	out := make([]string, len(events))
	for i, ev := range events {
		out[i] = describeMet(ev)
	}
	return out
}

func describeGoalEvent(ev wait.Event) string {
	p := ev.Progress
	s := fmt.Sprintf("%s aggregate=%s progress=%d/%d/%d", describeMet(ev), ev.AggregateStatus, p.Observed, p.Met, p.Total)
	if ev.Cause != nil {
		s += fmt.Sprintf(" cause=%q", ev.Cause)
	}
	return s
}

func describeGoalEvents(events []wait.Event) []string {
	out := make([]string, len(events))
	for i, ev := range events {
		out[i] = describeGoalEvent(ev)
	}
	return out
}

// expectGoalUpdate reads the next event and checks that it is a
// ResourceUpdate of id with status st, message msg, no error, met as
// given and aggregate agg.
func expectGoalUpdate(events <-chan wait.Event, id wait.ResourceIdentifier, st status.Status, msg string, met bool, agg status.Status) wait.Event {
	GinkgoHelper()
	ev := nextEvent(events)
	want := goalUpdate(id, st, msg, met, agg)
	Expect(describeMet(ev)+" aggregate="+string(ev.AggregateStatus)).To(Equal(describeMet(want)+" aggregate="+string(agg)),
		"progress=%+v", ev.Progress)
	return ev
}

// expectGoalEnd reads the next event, checks that it is the final one of
// type typ with progress p (aggregate Current for Completed), and that the
// channel then closes.
func expectGoalEnd(events <-chan wait.Event, typ wait.EventType, p wait.Progress) wait.Event {
	GinkgoHelper()
	ev := nextEvent(events)
	Expect(describeGoalEvent(ev)).To(HavePrefix(string(typ)+" aggregate="), describeGoalEvent(ev))
	Expect(ev.EventResource).To(BeNil(), describeGoalEvent(ev))
	Expect(ev.Progress).To(Equal(p), describeGoalEvent(ev))
	if typ == wait.Completed {
		Expect(ev.AggregateStatus).To(Equal(status.CurrentStatus))
	}
	expectClosed(events)
	return ev
}

// listsAndWatches lists the list and watch requests of l, one
// "VERB path?fieldSelector → code" each, sorted.
func listsAndWatches(l *requestLog) []string {
	var out []string
	for _, r := range l.where(loggedRequest.listOrWatch) {
		out = append(out, r.String())
	}
	slices.Sort(out)
	return out
}
