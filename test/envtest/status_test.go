package envtest_test

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"

	"github.com/kwait-dev/kwait/status"
)

// No controllers run in envtest: each spec plays the controller by writing
// the status subresource, then reads the object back and computes its
// status. A read after a write through the same client is consistent, so no
// check here needs Eventually.
var _ = Describe("status.Compute on objects read from kube-apiserver", func() {
	var ns string

	BeforeEach(func(ctx SpecContext) {
		namespace := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "status-"}}
		Expect(k8sClient.Create(ctx, namespace)).To(Succeed())
		ns = namespace.Name
		// envtest runs no namespace controller, so the namespace stays
		// Terminating; deleting it still marks it as done with.
		DeferCleanup(func(ctx SpecContext) {
			Expect(client.IgnoreNotFound(k8sClient.Delete(ctx, namespace))).To(Succeed())
		})
	})

	It("follows a custom resource through its Ready condition and generations", func(ctx SpecContext) {
		widget := newWidget(ns, "w", map[string]any{"size": int64(1)})
		Expect(k8sClient.Create(ctx, widget)).To(Succeed())
		Expect(widget.GetGeneration()).To(Equal(int64(1)))

		By("having no status at all")
		Expect(computeStatus(ctx, widget)).To(HaveField("Status", status.CurrentStatus))

		By("reporting Ready=False for the observed generation")
		setWidgetStatus(ctx, widget, 1, "False", "Creating", "waiting")
		Expect(computeStatus(ctx, widget)).To(SatisfyAll(
			HaveField("Status", status.InProgressStatus),
			HaveField("Message", "waiting"),
		))

		By("reporting Ready=True")
		setWidgetStatus(ctx, widget, 1, "True", "Created", "ready")
		Expect(computeStatus(ctx, widget)).To(HaveField("Status", status.CurrentStatus))

		By("changing the spec, which the controller has not observed yet")
		Expect(unstructured.SetNestedField(widget.Object, int64(2), "spec", "size")).To(Succeed())
		Expect(k8sClient.Update(ctx, widget)).To(Succeed())
		Expect(widget.GetGeneration()).To(Equal(int64(2)))
		Expect(computeStatus(ctx, widget)).To(SatisfyAll(
			HaveField("Status", status.InProgressStatus),
			HaveField("Message", ContainSubstring("latest observed generation is 1")),
		))
	})

	It("follows a Deployment through its rollout", func(ctx SpecContext) {
		labels := map[string]string{"app": "web"}
		deploy := &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"},
			Spec: appsv1.DeploymentSpec{
				Replicas: ptr.To[int32](2),
				Selector: &metav1.LabelSelector{MatchLabels: labels},
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: labels},
					Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "registry.k8s.io/pause:3.10"}}},
				},
			},
		}
		Expect(k8sClient.Create(ctx, deploy)).To(Succeed())

		By("having no status at all")
		Expect(computeStatus(ctx, deploy)).To(SatisfyAll(
			HaveField("Status", status.InProgressStatus),
			HaveField("Message", "Replicas: 0/2"),
		))

		By("rolling out with one of two replicas ready")
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
		Expect(computeStatus(ctx, deploy)).To(SatisfyAll(
			HaveField("Status", status.InProgressStatus),
			HaveField("Message", ContainSubstring("1/2")),
		))

		By("finishing the rollout")
		deploy.Status.ReadyReplicas = 2
		deploy.Status.AvailableReplicas = 2
		deploy.Status.Conditions = []appsv1.DeploymentCondition{
			deploymentCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue, "NewReplicaSetAvailable"),
			deploymentCondition(appsv1.DeploymentAvailable, corev1.ConditionTrue, "MinimumReplicasAvailable"),
		}
		Expect(k8sClient.Status().Update(ctx, deploy)).To(Succeed())
		Expect(computeStatus(ctx, deploy)).To(HaveField("Status", status.CurrentStatus))
	})

	It("treats a ConfigMap as Current", func(ctx SpecContext) {
		cm := &corev1.ConfigMap{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "settings"},
			Data:       map[string]string{"mode": "fast"},
		}
		Expect(k8sClient.Create(ctx, cm)).To(Succeed())
		Expect(computeStatus(ctx, cm)).To(HaveField("Status", status.CurrentStatus))
	})
})

// computeStatus reads obj from the apiserver as unstructured data, as kwait
// sees objects, and returns status.Compute's result for it.
func computeStatus(ctx context.Context, obj client.Object) *status.Result {
	GinkgoHelper()
	gvk, err := apiutil.GVKForObject(obj, k8sClient.Scheme())
	Expect(err).NotTo(HaveOccurred())
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(gvk)
	Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(obj), u)).To(Succeed())
	res, err := status.Compute(u)
	Expect(err).NotTo(HaveOccurred())
	return res
}

// setWidgetStatus writes widget's status through the status subresource, as
// its controller would: the observed generation and one Ready condition.
func setWidgetStatus(ctx context.Context, widget *unstructured.Unstructured, observed int64, ready, reason, message string) {
	GinkgoHelper()
	widget.Object["status"] = map[string]any{
		"observedGeneration": observed,
		"conditions": []any{map[string]any{
			"type":    "Ready",
			"status":  ready,
			"reason":  reason,
			"message": message,
		}},
	}
	Expect(k8sClient.Status().Update(ctx, widget)).To(Succeed())
}

func deploymentCondition(t appsv1.DeploymentConditionType, s corev1.ConditionStatus, reason string) appsv1.DeploymentCondition {
	now := metav1.Now()
	return appsv1.DeploymentCondition{Type: t, Status: s, Reason: reason, LastUpdateTime: now, LastTransitionTime: now}
}
