package envtest_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"go.uber.org/goleak"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kwait-dev/kwait/status"
	"github.com/kwait-dev/kwait/wait"
	"github.com/kwait-dev/kwait/wait/waittest"
)

// The waittest package on a real API server: its waits, the message of a
// wait that timed out, its matchers, under GinkgoT() and *testing.T.
var _ = Describe("waittest", func() {
	var ns string

	BeforeEach(func(ctx SpecContext) {
		ns = createNamespace(ctx, "waittest-")
	})

	It("waits for typed and unstructured objects together, on watch events", func(ctx SpecContext) {
		log := &requestLog{}
		w := waittest.New(GinkgoT(), log.config(cfg))

		cm := createConfigMap(ctx, ns, "settings")
		widget := createWidget(ctx, ns, "widget", "False", "warming up")
		deploy := createDeployment(ctx, ns, "api", 1)
		Expect(deploy).NotTo(waittest.BeCurrent())

		// The "controller": the Widget and the Deployment become ready a
		// while after the wait starts, which must see it through its watch.
		widgetCopy, deployCopy := widget.DeepCopy(), deploy.DeepCopy()
		after(time.Second, func() {
			setWidgetStatus(ctx, widgetCopy, widgetCopy.GetGeneration(), "True", "Test", "ready")
			makeDeploymentAvailable(ctx, deployCopy)
		})
		w.Current(cm, widget, deploy)

		// A poll at gomega's default 10ms would have sent about a hundred
		// GETs per object in that second. The wait lists and watches each
		// kind once; nothing else reads the objects.
		Expect(log.where(func(r loggedRequest) bool { return r.Verb != verbDiscovery && !r.listOrWatch() })).To(BeEmpty(), log.String())
		Expect(len(log.where(loggedRequest.listOrWatch))).To(BeNumerically("<=", 6), log.String())

		fresh := &appsv1.Deployment{}
		Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(deploy), fresh)).To(Succeed())
		Expect(fresh).To(waittest.BeCurrent())
	})

	It("reads its own writes: a wait right after an update never passes on the older cached state", func(ctx SpecContext) {
		w := waittest.New(GinkgoT(), cfg, waittest.WithTimeout(2*time.Second))
		widget := createWidget(ctx, ns, "widget", "True", "ready")
		w.Current(widget) // the Widget informer runs, its cache holds the Current Widget

		for i := range 3 {
			bumpGeneration(ctx, widget) // generation 2+i, observed 1+i: InProgress
			err := w.Await(ctx, wait.Current(), widget)
			Expect(err).To(HaveOccurred(), "round %d: the wait passed on the Widget's cached state from before the update", i)
			Expect(err.Error()).To(ContainSubstring("Widget.%s %s/widget: InProgress", widgetGK.Group, ns))
			setWidgetStatus(ctx, widget, widget.GetGeneration(), "True", "Test", "ready again")
			w.Current(widget)
		}
	})

	It("names in a timeout's message every object that is not ready, and none that is", func(ctx SpecContext) {
		rt := &recordingT{TB: GinkgoT()}
		w := waittest.New(rt, cfg, waittest.WithTimeout(2*time.Second))
		cm := createConfigMap(ctx, ns, "settings")
		ready := createWidget(ctx, ns, "ready", "True", "ready")
		stuck := createWidget(ctx, ns, "stuck", "False", "waiting for the database")
		deploy := createDeployment(ctx, ns, "api", 1)
		objs := []client.Object{cm, ready, stuck, deploy}

		started := time.Now()
		err := w.Await(ctx, wait.Current(), objs...)
		Expect(time.Since(started)).To(BeNumerically(">=", 2*time.Second), "the wait ended before its timeout")
		Expect(err).To(HaveOccurred())
		Expect(strings.Split(err.Error(), "\n")).To(Equal([]string{
			"waittest: 2 of 4 resources not Current (timed out after 2s):",
			"  Deployment.apps " + ns + "/api: InProgress: Replicas: 0/1",
			"  Widget." + widgetGK.Group + " " + ns + "/stuck: InProgress: waiting for the database",
		}))
		Expect(errors.Is(err, context.DeadlineExceeded)).To(BeTrue(), "%v", err)
		var notMet *wait.NotMetError
		Expect(errors.As(err, &notMet)).To(BeTrue())
		Expect(notMet.Unmet).To(HaveLen(2))

		By("failing the test with that message")
		rt.run(func() { w.Current(objs...) })
		Expect(rt.fatal).To(HaveLen(1))
		Expect(rt.fatal[0]).To(Equal(err.Error()))

		By("ending with the caller's context too, saying so")
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		err = w.Await(cctx, wait.Current(), stuck)
		Expect(err).To(MatchError(HavePrefix("waittest: 1 of 1 resources not Current (context canceled):")))
		Expect(errors.Is(err, context.Canceled)).To(BeTrue())
	})

	It("waits until objects are deleted", func(ctx SpecContext) {
		rt := &recordingT{TB: GinkgoT()}
		w := waittest.New(rt, cfg, waittest.WithTimeout(2*time.Second))
		cm := createConfigMap(ctx, ns, "settings")
		held := createHeldWidget(ctx, ns, "held")
		Expect(k8sClient.Delete(ctx, cm)).To(Succeed())
		Expect(k8sClient.Delete(ctx, held)).To(Succeed())

		By("naming the object a finalizer holds when the timeout ends")
		rt.run(func() { w.Deleted(cm, held) })
		Expect(rt.fatal).To(HaveLen(1))
		Expect(strings.Split(rt.fatal[0], "\n")).To(Equal([]string{
			"waittest: 1 of 2 resources not deleted (timed out after 2s):",
			"  Widget." + widgetGK.Group + " " + ns + "/held: Terminating: Resource scheduled for deletion",
		}))

		By("returning once the finalizer is gone")
		heldCopy := held.DeepCopy()
		after(500*time.Millisecond, func() {
			removeFinalizers(ctx, heldCopy)
		})
		w.Deleted(cm, held)
		Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(held), held.DeepCopy())).To(Satisfy(apierrors.IsNotFound))
	})

	It("waits for any goal of package wait", func(ctx SpecContext) {
		rt := &recordingT{TB: GinkgoT()}
		w := waittest.New(rt, cfg, waittest.WithTimeout(2*time.Second))
		widget := createWidget(ctx, ns, "widget", "False", "not yet")
		ready := wait.Condition("Ready", metav1.ConditionTrue)

		rt.run(func() { w.For(ready, widget) })
		Expect(rt.fatal).To(HaveLen(1))
		Expect(strings.Split(rt.fatal[0], "\n")).To(Equal([]string{
			"waittest: 1 of 1 resources not meeting condition Ready=True (timed out after 2s):",
			"  Widget." + widgetGK.Group + " " + ns + "/widget: InProgress: not yet",
		}))

		widgetCopy := widget.DeepCopy()
		after(500*time.Millisecond, func() {
			setWidgetStatus(ctx, widgetCopy, widgetCopy.GetGeneration(), "True", "Test", "up")
		})
		w.For(ready, widget)
		w.For(wait.Exists(), widget)
	})

	It("gives matchers whose failure messages name the object and its status", func(ctx SpecContext) {
		deploy := createDeployment(ctx, ns, "api", 1)
		widget := createWidget(ctx, ns, "widget", "False", "waiting for the database")
		key := client.ObjectKeyFromObject(widget)

		failures := InterceptGomegaFailures(func() {
			Expect(deploy).To(waittest.BeCurrent())
			Expect(widget).To(waittest.HaveStatus(status.CurrentStatus))
			Expect(widget).NotTo(waittest.HaveStatus(status.InProgressStatus))
		})
		Expect(failures).To(Equal([]string{
			"expected Deployment.apps " + ns + "/api to be Current, but it is InProgress: Replicas: 0/1",
			"expected Widget." + widgetGK.Group + " " + ns + "/widget to be Current, but it is InProgress: waiting for the database",
			"expected Widget." + widgetGK.Group + " " + ns + "/widget not to be InProgress, but it is InProgress: waiting for the database",
		}))

		By("judging what a Get reads, inside Eventually")
		widgetCopy := widget.DeepCopy()
		after(200*time.Millisecond, func() {
			setWidgetStatus(ctx, widgetCopy, widgetCopy.GetGeneration(), "True", "Test", "ready")
		})
		Eventually(func(g Gomega) {
			fresh := &unstructured.Unstructured{}
			fresh.SetGroupVersionKind(widget.GroupVersionKind())
			g.Expect(k8sClient.Get(ctx, key, fresh)).To(Succeed())
			g.Expect(fresh).To(waittest.BeCurrent())
		}).WithContext(ctx).Should(Succeed())
	})

	It("works with *testing.T, and leaves no goroutine once the test's cleanup has run", func(ctx SpecContext) {
		cm := createConfigMap(ctx, ns, "settings")
		widget := createWidget(ctx, ns, "widget", "True", "ready")
		ignore := goleak.IgnoreCurrent()

		var logs []string
		passed := suiteT.Run("waittest with *testing.T", func(t *testing.T) {
			w := waittest.New(&logT{T: t, logs: &logs}, cfg)
			w.Current(cm, widget)
			w.For(wait.Exists(), cm, widget)
		})
		Expect(passed).To(BeTrue())
		Expect(logs).To(HaveExactElements(
			MatchRegexp(`^waittest: 2 objects Current in \d+ms$`),
			MatchRegexp(`^waittest: 2 objects created in \d+ms$`),
		))
		// The subtest's cleanup closed the resolver, and Close returns
		// once its goroutines have ended: no Eventually here.
		Expect(goleak.Find(ignore)).To(Succeed())
	})
})

// after calls f on its own goroutine once d has passed, as a controller
// would act while a wait runs; the spec does not end before f has.
func after(d time.Duration, f func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer GinkgoRecover()
		time.Sleep(d)
		f()
	}()
	DeferCleanup(func() { <-done })
}

// suiteT is the *testing.T of TestEnvtest, for specs that run a subtest.
var suiteT *testing.T

// recordingT is a waittest.TB whose Fatalf records the failure and ends
// the goroutine, as testing.T's does, instead of failing the spec: run
// calls a function that may fail this way.
type recordingT struct {
	waittest.TB
	fatal []string
}

func (t *recordingT) Fatalf(format string, args ...any) {
	t.fatal = append(t.fatal, strings.TrimSpace(fmt.Sprintf(format, args...)))
	runtime.Goexit()
}

func (t *recordingT) run(f func()) {
	t.fatal = nil
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer GinkgoRecover()
		f()
	}()
	<-done
}

// logT is a *testing.T that also keeps what is logged.
type logT struct {
	*testing.T
	logs *[]string
}

func (t *logT) Logf(format string, args ...any) {
	t.T.Helper()
	*t.logs = append(*t.logs, fmt.Sprintf(format, args...))
	t.T.Logf(format, args...)
}

// makeDeploymentAvailable writes the status the Deployment controller
// would once its one replica is up.
func makeDeploymentAvailable(ctx context.Context, deploy *appsv1.Deployment) {
	GinkgoHelper()
	deploy.Status = appsv1.DeploymentStatus{
		ObservedGeneration: deploy.Generation,
		Replicas:           1, UpdatedReplicas: 1, ReadyReplicas: 1, AvailableReplicas: 1,
		Conditions: []appsv1.DeploymentCondition{
			deploymentCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue, "NewReplicaSetAvailable"),
			deploymentCondition(appsv1.DeploymentAvailable, corev1.ConditionTrue, "MinimumReplicasAvailable"),
		},
	}
	Expect(k8sClient.Status().Update(ctx, deploy)).To(Succeed())
}
