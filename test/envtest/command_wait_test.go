package envtest_test

import (
	"context"
	"os"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/format"
	"github.com/onsi/gomega/types"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// The kwait command, built once and run as a user runs it: with a
// kubeconfig for the suite's control plane, on manifests (a file, a
// directory, stdin) or TYPE/NAME arguments. The specs play the controllers
// by writing status while kwait waits, and check what it prints and how it
// exits: 0 met, 1 timeout (the report on stderr), 2 usage or input error,
// 3 --fail-fast. cmdInputSpecs, cmdGoalSpecs, cmdExitSpecs, cmdJSONSpecs
// and cmdTableSpecs hold the specs, one file each.
var _ = Describe("Command: kwait", Ordered, ContinueOnFailure, func() {
	BeforeAll(func(ctx SpecContext) {
		cmdSetUp(ctx)
	})

	Describe("input", cmdInputSpecs)
	Describe("--for", cmdGoalSpecs)
	Describe("exit codes", cmdExitSpecs)
	Describe("-o json", cmdJSONSpecs)
	Describe("the live table", cmdTableSpecs)
})

// cmdQuick bounds how long a spec waits for kwait to show something: it
// shows each change within a redraw (100ms) of the API server's event.
const cmdQuick = 15 * time.Second

// cmdTimeout is the --timeout of runs expected to meet their goal: far
// above what they take, well below cmdExitTimeout.
const cmdTimeout = "60s"

// cmdSettle is how long a spec watches kwait go on waiting before it
// lets the resources meet the goal: long enough to catch a kwait that
// ends early, short enough to keep the specs quick.
const cmdSettle = 300 * time.Millisecond

// cmdSeen waits until kwait's output s matches m.
func cmdSeen(s func() string, m types.GomegaMatcher) {
	GinkgoHelper()
	Eventually(s).WithTimeout(cmdQuick).WithPolling(20 * time.Millisecond).Should(m)
}

// cmdJSONSoFar parses the complete lines of -o json output written so
// far; a line being written is left for later.
func cmdJSONSoFar(stdout string) []map[string]any {
	GinkgoHelper()
	i := strings.LastIndexByte(stdout, '\n')
	if i < 0 {
		return nil
	}
	return cmdJSON(stdout[:i+1])
}

// cmdSeenUpdate waits until kwait's -o json output has a ResourceUpdate
// about name that m matches, and returns the first such line.
func cmdSeenUpdate(p *cmdProcess, name string, m types.GomegaMatcher) map[string]any {
	GinkgoHelper()
	var found map[string]any
	Eventually(func() bool {
		for _, l := range cmdUpdatesOf(cmdJSONSoFar(p.stdout.String()), name) {
			if ok, err := m.Match(l); ok && err == nil {
				found = l
				return true
			}
		}
		return false
	}).WithTimeout(cmdQuick).WithPolling(20*time.Millisecond).Should(BeTrue(),
		"no update of %s that matches %s in:\n%s", name, format.Object(m, 1), p.stdout)
	return found
}

// cmdConfigMap creates a ConfigMap in ns: Current as soon as it exists.
func cmdConfigMap(ctx context.Context, ns, name string) *unstructured.Unstructured {
	GinkgoHelper()
	cm := &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Data:       map[string]string{"k": "v"},
	}
	Expect(k8sClient.Create(ctx, cm)).To(Succeed())
	cm.TypeMeta = metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}
	return cmdObject(cm)
}

// cmdTempDir is a folder for a spec's manifests, removed when it ends.
func cmdTempDir() string {
	GinkgoHelper()
	dir, err := os.MkdirTemp("", "kwait-manifests-")
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() { Expect(os.RemoveAll(dir)).To(Succeed()) })
	return dir
}

// cmdDeleteNow deletes obj, which has no finalizer: it is gone at once.
func cmdDeleteNow(ctx context.Context, obj *unstructured.Unstructured) {
	GinkgoHelper()
	Expect(k8sClient.Delete(ctx, obj)).To(Succeed())
	Eventually(func() bool {
		fresh := &unstructured.Unstructured{}
		fresh.SetGroupVersionKind(obj.GroupVersionKind())
		err := k8sClient.Get(ctx, client.ObjectKeyFromObject(obj), fresh)
		return err != nil
	}).WithTimeout(cmdQuick).Should(BeTrue())
}
