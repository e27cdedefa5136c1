package envtest_test

import (
	"os"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"go.uber.org/goleak"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/discovery"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
)

// The control plane and clients every spec shares, set by BeforeSuite.
var (
	testEnv   *envtest.Environment
	cfg       *rest.Config
	k8sClient client.Client
)

func TestEnvtest(t *testing.T) {
	suiteT = t
	RegisterFailHandler(Fail)
	RunSpecs(t, "envtest suite")
}

// leakOpts ignores the goroutines that ran before the suite started.
var leakOpts []goleak.Option

var _ = BeforeSuite(func() {
	leakOpts = []goleak.Option{goleak.IgnoreCurrent()}
	logf.SetLogger(GinkgoLogr)

	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		Fail("KUBEBUILDER_ASSETS is not set: run `make test`, which builds kube-apiserver and etcd " +
			"(hack/setup-envtest.sh) and points KUBEBUILDER_ASSETS at them")
	}

	testEnv = &envtest.Environment{
		CRDs: []*apiextensionsv1.CustomResourceDefinition{widgetCRD()},
		// Generous for slow CI machines; the defaults are 20s.
		ControlPlaneStartTimeout: 60 * time.Second,
		ControlPlaneStopTimeout:  60 * time.Second,
	}
	started := time.Now()
	var err error
	cfg, err = testEnv.Start()
	Expect(err).NotTo(HaveOccurred())
	Expect(cfg).NotTo(BeNil())
	AddReportEntry("control plane start", time.Since(started).Round(time.Millisecond).String())

	// The built binaries must report the version they were built as
	// (hack/setup-envtest.sh sets it with -ldflags).
	want := "v" + os.Getenv("KWAIT_K8S_VERSION")
	if want == "v" {
		want = "v1.37.2"
	}
	version, err := discovery.NewDiscoveryClientForConfigOrDie(cfg).ServerVersion()
	Expect(err).NotTo(HaveOccurred())
	Expect(version.GitVersion).To(Equal(want), "kube-apiserver in %s", os.Getenv("KUBEBUILDER_ASSETS"))

	scheme := runtime.NewScheme()
	Expect(clientgoscheme.AddToScheme(scheme)).To(Succeed())
	Expect(apiextensionsv1.AddToScheme(scheme)).To(Succeed())
	k8sClient, err = client.New(cfg, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())
})

var _ = AfterSuite(func() {
	if testEnv != nil {
		Expect(testEnv.Stop()).To(Succeed())
	}
	// Every resolver a spec made is closed by now, and with the control
	// plane gone no client connection stays open: nothing may be left.
	Eventually(func() error { return goleak.Find(leakOpts...) }).WithTimeout(30 * time.Second).Should(Succeed())
})
