package envtest_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kwait-dev/kwait/status"
	"github.com/kwait-dev/kwait/wait"
)

// These specs hold WaitForStatus to the event contract of DESIGN.md on a
// real API server. The spec plays every controller, and makes each write
// only after the event of the previous one has arrived, so the sequence of
// each resource is fixed and checked exactly; only the order of the first
// observations of different resources may vary.
var _ = Describe("WaitForStatus event contract", func() {
	var (
		ns string
		r  *wait.Resolver
	)

	BeforeEach(func(ctx SpecContext) {
		ns = createNamespace(ctx, "wait-contract-")
		r = newResolver(cfg, wait.Options{})
	})

	It("follows a mixed set of kinds and scopes to Completed", func(ctx SpecContext) {
		a := createWidget(ctx, ns, "a", "False", "a is starting")
		b := createWidget(ctx, ns, "b", "False", "b is starting")
		deploy := createDeployment(ctx, ns, "web", 2)
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "settings"}}
		Expect(k8sClient.Create(ctx, cm)).To(Succeed())
		role := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{GenerateName: "kwait-wait-contract-"}}
		Expect(k8sClient.Create(ctx, role)).To(Succeed())
		DeferCleanup(func(ctx SpecContext) {
			Expect(client.IgnoreNotFound(k8sClient.Delete(ctx, role))).To(Succeed())
		})

		aID, bID := widgetID(a), widgetID(b)
		deployID := wait.ResourceIdentifier{Name: deploy.Name, Namespace: ns, GroupKind: deploymentGK}
		cmID := wait.ResourceIdentifier{Name: cm.Name, Namespace: ns, GroupKind: configMapGK}
		nsID := wait.ResourceIdentifier{Name: ns, GroupKind: namespaceGK}
		roleID := wait.ResourceIdentifier{Name: role.Name, GroupKind: clusterRoleGK}
		ids := []wait.ResourceIdentifier{aID, bID, deployID, cmID, nsID, roleID}

		events := r.WaitForStatus(ctx, ids)
		var got []wait.Event
		record := func(ev wait.Event) { got = append(got, ev) }

		By("observing each resource once, in any order")
		for range ids {
			record(nextEvent(events))
		}
		Expect(updatesByResource(got)).To(HaveLen(len(ids)), describeEvents(got))

		By("the Deployment rolling out half way")
		deploy.Status = appsv1.DeploymentStatus{
			ObservedGeneration: deploy.Generation,
			Replicas:           2,
			UpdatedReplicas:    2,
			ReadyReplicas:      1,
			AvailableReplicas:  1,
			Conditions: []appsv1.DeploymentCondition{
				deploymentCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue, "ReplicaSetUpdated"),
				deploymentCondition(appsv1.DeploymentAvailable, corev1.ConditionFalse, "MinimumReplicasUnavailable"),
			},
		}
		Expect(k8sClient.Status().Update(ctx, deploy)).To(Succeed())
		record(expectUpdate(events, deployID, status.InProgressStatus, "Available: 1/2", status.InProgressStatus))

		By("a becoming Ready")
		setWidgetStatus(ctx, a, 1, "True", "Test", "a is ready")
		record(expectUpdate(events, aID, status.CurrentStatus, "Resource is Ready", status.InProgressStatus))

		By("the Deployment finishing its rollout")
		deploy.Status.ReadyReplicas = 2
		deploy.Status.AvailableReplicas = 2
		deploy.Status.Conditions = []appsv1.DeploymentCondition{
			deploymentCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue, "NewReplicaSetAvailable"),
			deploymentCondition(appsv1.DeploymentAvailable, corev1.ConditionTrue, "MinimumReplicasAvailable"),
		}
		Expect(k8sClient.Status().Update(ctx, deploy)).To(Succeed())
		record(expectUpdate(events, deployID, status.CurrentStatus, "Deployment is available. Replicas: 2", status.InProgressStatus))

		By("a falling back to InProgress, which does not undo its having been Current")
		setWidgetStatus(ctx, a, 1, "False", "Test", "a regressed")
		record(expectUpdate(events, aID, status.InProgressStatus, "a regressed", status.InProgressStatus))

		By("b changing its message, then only its reason, which is no change of status or message")
		setWidgetStatus(ctx, b, 1, "False", "Test", "b is almost there")
		record(expectUpdate(events, bID, status.InProgressStatus, "b is almost there", status.InProgressStatus))
		setWidgetStatus(ctx, b, 1, "False", "AnotherReason", "b is almost there")

		By("b becoming Ready, the last resource to have been Current")
		setWidgetStatus(ctx, b, 1, "True", "Test", "b is ready")
		// Had the reason-only write produced an event, it would come here.
		record(expectUpdate(events, bID, status.CurrentStatus, "Resource is Ready", status.CurrentStatus))
		record(nextEvent(events))
		expectClosed(events)

		checkContract(ids, got)
		Expect(updatesByResource(got)).To(Equal(map[wait.ResourceIdentifier][]update{
			aID: {
				{status.InProgressStatus, "a is starting"},
				{status.CurrentStatus, "Resource is Ready"},
				{status.InProgressStatus, "a regressed"},
			},
			bID: {
				{status.InProgressStatus, "b is starting"},
				{status.InProgressStatus, "b is almost there"},
				{status.CurrentStatus, "Resource is Ready"},
			},
			deployID: {
				{status.InProgressStatus, "Replicas: 0/2"},
				{status.InProgressStatus, "Available: 1/2"},
				{status.CurrentStatus, "Deployment is available. Replicas: 2"},
			},
			cmID:   {{status.CurrentStatus, "Resource is always ready"}},
			nsID:   {{status.CurrentStatus, "Resource is current"}},
			roleID: {{status.CurrentStatus, "Resource is current"}},
		}), describeEvents(got))
		Expect(got[len(got)-1].Type).To(Equal(wait.Completed))
	})

	It("follows a resource through Terminating to deleted, beside one that never existed", func(ctx SpecContext) {
		const finalizer = "test.kwait.dev/hold"
		held := newWidget(ns, "held", map[string]any{"size": int64(1)})
		held.SetFinalizers([]string{finalizer})
		Expect(k8sClient.Create(ctx, held)).To(Succeed())
		setWidgetStatus(ctx, held, 1, "False", "Test", "held by a finalizer")
		heldID := widgetID(held)
		ghostID := wait.ResourceIdentifier{Name: "ghost", Namespace: ns, GroupKind: widgetGK}
		ids := []wait.ResourceIdentifier{heldID, ghostID}

		events := r.WaitForStatus(ctx, ids)
		var got []wait.Event
		record := func(ev wait.Event) { got = append(got, ev) }
		record(nextEvent(events))
		record(nextEvent(events))

		By("deleting the Widget, which its finalizer keeps")
		Expect(k8sClient.Delete(ctx, held)).To(Succeed())
		record(expectUpdate(events, heldID, status.TerminatingStatus, "Resource scheduled for deletion", status.InProgressStatus))

		By("removing the finalizer, which lets it go")
		Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(held), held)).To(Succeed())
		held.SetFinalizers(nil)
		Expect(k8sClient.Update(ctx, held)).To(Succeed())
		record(expectUpdate(events, heldID, status.CurrentStatus, "Resource has been deleted", status.CurrentStatus))
		record(nextEvent(events))
		expectClosed(events)

		checkContract(ids, got)
		Expect(updatesByResource(got)).To(Equal(map[wait.ResourceIdentifier][]update{
			heldID: {
				{status.InProgressStatus, "held by a finalizer"},
				{status.TerminatingStatus, "Resource scheduled for deletion"},
				{status.CurrentStatus, "Resource has been deleted"},
			},
			ghostID: {{status.CurrentStatus, "Resource does not exist"}},
		}), describeEvents(got))
		Expect(got[len(got)-1].Type).To(Equal(wait.Completed))
	})

	It("ends with Aborted and the last aggregate when the context ends", func(ctx SpecContext) {
		stuck := createWidget(ctx, ns, "stuck", "False", "never ready")
		ready := createWidget(ctx, ns, "ready", "True", "ready")
		ids := []wait.ResourceIdentifier{widgetID(stuck), widgetID(ready)}
		waitCtx, cancel := context.WithCancel(ctx)
		DeferCleanup(cancel)

		events := r.WaitForStatus(waitCtx, ids)
		got := []wait.Event{nextEvent(events), nextEvent(events)}
		expectQuiet(events, 300*time.Millisecond, "a wait on an InProgress resource goes on")

		cancel()
		got = append(got, nextEvent(events))
		expectClosed(events)
		checkContract(ids, got)
		Expect(describeEvent(got[2])).To(Equal(describeEvent(wait.Event{Type: wait.Aborted, AggregateStatus: status.InProgressStatus})))
		Expect(updatesByResource(got)).To(Equal(map[wait.ResourceIdentifier][]update{
			widgetID(stuck): {{status.InProgressStatus, "never ready"}},
			widgetID(ready): {{status.CurrentStatus, "Resource is Ready"}},
		}))
	})

	It("reports only the newest state to a reader that falls behind, never an older one after it", func(ctx SpecContext) {
		const writes = 10
		widget := createWidget(ctx, ns, "busy", "False", "write -1")
		id := widgetID(widget)
		events := r.WaitForStatus(ctx, []wait.ResourceIdentifier{id})
		expectUpdate(events, id, status.InProgressStatus, "write -1", status.InProgressStatus)

		By("writing without reading")
		for i := range writes {
			setWidgetStatus(ctx, widget, 1, "False", "Test", fmt.Sprintf("write %d", i))
		}
		newest := fmt.Sprintf("write %d", writes-1)
		var seen []string
		for len(seen) == 0 || seen[len(seen)-1] != newest {
			ev := nextEvent(events)
			Expect(ev.Type).To(Equal(wait.ResourceUpdate), "seen %q", seen)
			seen = append(seen, ev.EventResource.Message)
		}
		AddReportEntry("states seen of 10 writes", strings.Join(seen, ", "))
		for i := 1; i < len(seen); i++ {
			var prev, cur int
			_, err := fmt.Sscanf(seen[i-1], "write %d", &prev)
			Expect(err).NotTo(HaveOccurred())
			_, err = fmt.Sscanf(seen[i], "write %d", &cur)
			Expect(err).NotTo(HaveOccurred())
			Expect(cur).To(BeNumerically(">", prev), "out of order: %q", seen)
		}

		setWidgetStatus(ctx, widget, 1, "True", "Test", "ready")
		expectUpdate(events, id, status.CurrentStatus, "Resource is Ready", status.CurrentStatus)
		expectEnd(events, wait.Completed, status.CurrentStatus)
	})

	It("tracks a resource listed twice once, under its first identifier, with no namespace meaning default", func(ctx SpecContext) {
		widget := createWidget(ctx, metav1.NamespaceDefault, "kwait-"+ns, "False", "starting")
		DeferCleanup(func(ctx SpecContext) {
			Expect(client.IgnoreNotFound(k8sClient.Delete(ctx, widget))).To(Succeed())
		})
		first := wait.ResourceIdentifier{Name: widget.GetName(), GroupKind: widgetGK}
		second := widgetID(widget)
		Expect(first.Equals(second)).To(BeTrue())
		ids := []wait.ResourceIdentifier{first, second}

		events := r.WaitForStatus(ctx, ids)
		expectUpdate(events, first, status.InProgressStatus, "starting", status.InProgressStatus)
		setWidgetStatus(ctx, widget, 1, "True", "Test", "ready")
		expectUpdate(events, first, status.CurrentStatus, "Resource is Ready", status.CurrentStatus)
		expectEnd(events, wait.Completed, status.CurrentStatus)
	})

	It("sends Completed right after the aggregate becomes Current, when a fresh read and a watch event arrive together", func(ctx SpecContext) {
		// The watch lags, and the fresh read of y answers late, so that
		// both wait in y's queue slot while the wait is blocked on a
		// caller that does not read yet.
		slow := &slowAPI{watchLag: 100 * time.Millisecond, slowGet: "y", getDelay: 500 * time.Millisecond}
		linger := 30 * time.Second
		// The second wait joins the namespace informer the first started,
		// and so reads y fresh: with its default ObjectScopeThreshold, it
		// would watch its three Widgets one by one, y on a new informer.
		r := newResolver(slow.config(cfg), wait.Options{Linger: &linger, ObjectScopeThreshold: -1})
		a := createWidget(ctx, ns, "a", "True", "ready")
		b := createWidget(ctx, ns, "b", "True", "ready")
		y := createWidget(ctx, ns, "y", "True", "ready")
		events := collectEvents(r.WaitForStatus(ctx, []wait.ResourceIdentifier{widgetID(a)}))
		Expect(events[len(events)-1].Type).To(Equal(wait.Completed), "the informer is warm")

		Expect(k8sClient.Delete(ctx, y)).To(Succeed())
		ids := []wait.ResourceIdentifier{widgetID(a), widgetID(b), widgetID(y)}
		ch := r.WaitForStatus(ctx, ids)
		Eventually(slow.slowGetDone).WithTimeout(eventTimeout).Should(BeClosed())
		// The caller reads late: the fresh read of y, answered just now,
		// reaches the wait's queue before the caller unblocks the wait.
		<-time.After(100 * time.Millisecond)
		got := collectEvents(ch)
		checkContract(ids, got)
		Expect(updatesByResource(got)).To(HaveKeyWithValue(widgetID(y), []update{{status.CurrentStatus, "Resource does not exist"}}), describeEvents(got))
	})

	It("completes an empty wait at once", func(ctx SpecContext) {
		events := r.WaitForStatus(ctx, nil)
		expectEnd(events, wait.Completed, status.CurrentStatus)
	})
})

// createDeployment creates a Deployment of replicas pause containers. No
// controller runs in envtest: it has no status until the spec writes one.
func createDeployment(ctx context.Context, ns, name string, replicas int32) *appsv1.Deployment {
	GinkgoHelper()
	labels := map[string]string{"app": name}
	deploy := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: name, Image: "registry.k8s.io/pause:3.10"}}},
			},
		},
	}
	Expect(k8sClient.Create(ctx, deploy)).To(Succeed())
	return deploy
}
