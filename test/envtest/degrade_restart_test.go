package envtest_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kwait-dev/kwait/status"
	"github.com/kwait-dev/kwait/wait"
)

// "Degrade, don't hang": a dropped watch resumes. The spec stops the
// control plane's kube-apiserver mid-wait for several seconds and starts it
// again on the same etcd and address. While list and watch calls fail, the
// resource may show Unknown with the error; once they succeed again the wait
// converges, and its event stream stays valid: no lost final transition,
// no duplicate Completed.
//
// Restarting envtest's APIServer (controller-runtime v0.25
// pkg/internal/testing/controlplane/apiserver.go): Start after Stop reuses
// SecureServing's address and port, which configurePorts keeps once set,
// and the same EtcdURL. It does not keep the certificates: Stop empties a
// CertDir it created and removes the folder, so Start makes a new folder
// and populateAPIServerCerts a new serving CA. Every rest.Config made
// before (cfg, k8sClient, users) carries the old CA and would fail TLS
// verification ("x509: certificate signed by unknown authority"). The
// client-auth CA lives in memory (CertAuthn) and survives. So the spec
// copies the certificates (serving and service-account keys) to a folder of
// its own before Stop and points CertDir at it before Start; Start then
// keeps them. The port could in theory be taken by another process while
// the server is down; Start would then fail, and the spec says so.
//
// It runs last (SpecPriority) and alone (Serial): every other spec expects
// a server that answers.
var _ = Describe("Degrade: an API server restart", Serial, Ordered, SpecPriority(-1), func() {
	// down is how long the API server stays stopped.
	const down = 4 * time.Second

	It("resumes the wait after the API server comes back, and completes once the status is written", func(ctx SpecContext) {
		ns := createNamespace(ctx, "degrade-restart-")
		widget := createWidget(ctx, ns, "w", "False", "before the restart")
		ids := []wait.ResourceIdentifier{widgetID(widget)}
		conns := &connTracker{}
		r := newResolver(conns.config(cfg), wait.Options{})
		events := r.WaitForStatus(waitCtxFor(ctx, 2*time.Minute), ids)
		first := expectUpdate(events, ids[0], status.InProgressStatus, "before the restart", status.InProgressStatus)

		// Read the stream in the background, noting when each event came.
		rec := &eventRecorder{}
		rec.add(first)
		done := rec.record(events)

		apiServer := testEnv.ControlPlane.APIServer
		certDir := keepCerts(apiServer.CertDir)

		By("stopping kube-apiserver")
		// SIGTERM starts kube-apiserver's graceful shutdown, which waits for
		// open connections such as the wait's watch: with the watch left
		// open, Stop ran into its 60s timeout and killed the process. The
		// server's exit would end those connections; the spec ends them
		// itself, for as long as Stop runs, as a load balancer draining the
		// server would.
		stopping := time.Now()
		stopped := make(chan struct{})
		var stopErr error
		go func() {
			defer GinkgoRecover()
			defer close(stopped)
			stopErr = apiServer.Stop()
		}()
		cut := 0
		Eventually(func() <-chan struct{} {
			cut += conns.closeAll()
			return stopped
		}).WithTimeout(30*time.Second).WithPolling(100*time.Millisecond).Should(BeClosed(), "kube-apiserver did not stop")
		Expect(stopErr).NotTo(HaveOccurred())
		stoppedAt := time.Now()
		stopTook := stoppedAt.Sub(stopping)

		By(fmt.Sprintf("keeping kube-apiserver down for %s", down))
		Consistently(func() error {
			return k8sClient.Get(ctx, client.ObjectKeyFromObject(widget), &unstructured.Unstructured{Object: map[string]any{
				"apiVersion": widgetGVK.GroupVersion().String(), "kind": widgetGVK.Kind,
			}})
		}).WithContext(ctx).WithTimeout(down).WithPolling(500*time.Millisecond).Should(HaveOccurred(), "the API server answers while stopped")

		By("starting kube-apiserver again on the same etcd, address and certificates")
		apiServer.CertDir = certDir
		restarting := time.Now()
		Expect(apiServer.Start()).To(Succeed(), "kube-apiserver did not restart on %s", apiServer.SecureServing.URL("https", "/"))
		started := time.Now()
		downFor := restarting.Sub(stoppedAt)

		By("making the Widget Ready after the restart")
		writeConditions(ctx, widget, "after the restart", "Ready", "True")
		written := time.Now()

		Eventually(done).WithTimeout(90*time.Second).Should(BeClosed(), "the wait did not end; events so far:\n%s", rec)
		got, at := rec.events()
		AddReportEntry("events", rec.String())
		checkContract(ids, got)
		Expect(got[len(got)-1].Type).To(Equal(wait.Completed), rec.String())
		Expect(seedOf(*got[len(got)-2].EventResource)).To(Equal(wait.EventResource{
			ResourceIdentifier: ids[0], Status: status.CurrentStatus, Message: "Resource is Ready",
		}), "the final transition:\n%s", rec)

		// The figures: how long the server was down, and how long after it
		// was back the wait had news without an error.
		recovered := -1
		for i, ev := range got {
			if at[i].After(started) && (ev.EventResource == nil || ev.EventResource.Error == nil) {
				recovered = i
				break
			}
		}
		Expect(recovered).NotTo(Equal(-1), rec.String())
		AddReportEntry("restart figures", fmt.Sprintf(
			"Stop took %s (connections cut: %d); down %s; Start took %s; events with an error: %d; "+
				"from Start returning to the first event after recovery: %s; from the status write to Completed: %s",
			stopTook.Round(time.Millisecond), cut, downFor.Round(time.Millisecond), started.Sub(restarting).Round(time.Millisecond),
			len(withErrors(got)), at[recovered].Sub(started).Round(time.Millisecond),
			at[len(got)-1].Sub(written).Round(time.Millisecond)))

		By("serving later specs: k8sClient, a new wait and a new user all work")
		cm := createConfigMap(ctx, ns, "after-restart")
		after := collectEvents(newResolver(cfg, wait.Options{}).WaitForStatus(ctx, []wait.ResourceIdentifier{configMapID(cm)}))
		checkContract([]wait.ResourceIdentifier{configMapID(cm)}, after)
		Expect(after[len(after)-1].Type).To(Equal(wait.Completed))
		user := waiterUser(ctx, "degrade-restart-"+ns, nil)
		userClient, err := client.New(user, client.Options{Scheme: k8sClient.Scheme()})
		Expect(err).NotTo(HaveOccurred())
		err = userClient.Get(ctx, client.ObjectKeyFromObject(cm), &corev1.ConfigMap{})
		Expect(apierrors.IsForbidden(err)).To(BeTrue(), "the new user is authenticated, then refused by RBAC: %v", err)
	}, SpecTimeout(3*time.Minute))
})

// keepCerts copies the files of the API server's certificate folder to a
// new folder, removed when the spec ends (kube-apiserver has read them by
// then, and keeps what it read when its files go away).
func keepCerts(dir string) string {
	GinkgoHelper()
	Expect(dir).NotTo(BeEmpty(), "the API server has no certificate folder")
	keep, err := os.MkdirTemp("", "kwait-apiserver-certs-")
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(os.RemoveAll, keep)
	entries, err := os.ReadDir(dir)
	Expect(err).NotTo(HaveOccurred())
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		Expect(err).NotTo(HaveOccurred())
		Expect(os.WriteFile(filepath.Join(keep, e.Name()), data, 0o600)).To(Succeed())
	}
	Expect(filepath.Join(keep, "apiserver.crt")).To(BeAnExistingFile())
	return keep
}

// eventRecorder reads a wait's events in the background and notes when
// each arrived.
type eventRecorder struct {
	mu  sync.Mutex
	evs []wait.Event
	at  []time.Time
}

func (r *eventRecorder) add(ev wait.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.evs = append(r.evs, ev)
	r.at = append(r.at, time.Now())
}

// record reads events until the channel closes, then closes the channel
// it returns.
func (r *eventRecorder) record(events <-chan wait.Event) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range events {
			r.add(ev)
		}
	}()
	return done
}

func (r *eventRecorder) events() ([]wait.Event, []time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]wait.Event(nil), r.evs...), append([]time.Time(nil), r.at...)
}

func (r *eventRecorder) String() string {
	evs, at := r.events()
	var s string
	for i, ev := range evs {
		s += fmt.Sprintf("  %2d %s %s\n", i, at[i].Format("15:04:05.000"), describeEvent(ev))
	}
	return s
}

// connTracker dials the connections of configs it wraps and can close
// them all, as a server going away would.
type connTracker struct {
	mu     sync.Mutex
	conns  []net.Conn
	dialer net.Dialer
}

// config returns a copy of base that dials through t. A config with its
// own Dial gets its own transport: client-go's transport cache skips it.
func (t *connTracker) config(base *rest.Config) *rest.Config {
	out := rest.CopyConfig(base)
	out.Dial = func(ctx context.Context, network, address string) (net.Conn, error) {
		c, err := t.dialer.DialContext(ctx, network, address)
		if err == nil {
			t.mu.Lock()
			t.conns = append(t.conns, c)
			t.mu.Unlock()
		}
		return c, err
	}
	return out
}

// closeAll closes every connection dialed so far and returns how many.
func (t *connTracker) closeAll() int {
	t.mu.Lock()
	conns := t.conns
	t.conns = nil
	t.mu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
	return len(conns)
}
