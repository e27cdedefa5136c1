// Command demo starts a local control plane, creates a few resources of
// several kinds, writes their manifests and a kubeconfig, and runs the
// kwait command on the manifests while it plays the resources' controllers
// by writing status: a live table on a terminal, one line per event
// otherwise. With -library it prints the event stream of a wait made in
// process instead, through the library.
//
//	make demo                      # or: hack/demo.sh [-timeout 60s] [-o plain] [-library]
//
// It needs KUBEBUILDER_ASSETS to point at kube-apiserver and etcd, and the
// kwait binary (-kwait, default bin/kwait), which hack/demo.sh builds. The
// exit code is kwait's: 0 means every resource became Current.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
)

func main() {
	timeout := flag.Duration("timeout", 60*time.Second, "how long the wait may take before it is aborted")
	flag.StringVar(&kwaitBinary, "kwait", "bin/kwait", "the kwait binary to run")
	flag.StringVar(&kwaitOutput, "o", "auto", "kwait's -o: auto, plain or json")
	library = flag.Bool("library", false, "wait in process through the library instead of running kwait")
	flag.Parse()
	os.Exit(run(*timeout))
}

var (
	kwaitBinary, kwaitOutput string
	library                  *bool
)

// run is the whole demo; it returns the exit code once every deferred
// clean-up (the resolver, the control plane) has run.
func run(timeout time.Duration) (code int) {
	logf.SetLogger(logr.Discard())
	p := newPrinter(os.Stdout)

	// Ctrl-C cancels ctx: the wait ends with Aborted and the control plane
	// is stopped on the way out.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	fail := func(err error) int {
		p.errorf("error: %v", err)
		return 1
	}

	p.header("kwait demo: wait for Databases, Deployments, ConfigMaps and a Service to become Current")
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		return fail(errors.New("KUBEBUILDER_ASSETS is not set: run make demo (hack/demo.sh), which builds or reuses kube-apiserver and etcd"))
	}

	p.step("starting a local control plane (kube-apiserver + etcd)")
	started := time.Now()
	testEnv := &envtest.Environment{
		ControlPlaneStartTimeout: 60 * time.Second,
		ControlPlaneStopTimeout:  60 * time.Second,
	}
	cfg, err := testEnv.Start()
	if err != nil {
		p.done("failed")
		_ = testEnv.Stop() // whatever of it did start
		return fail(fmt.Errorf("start control plane: %w", err))
	}
	defer func() {
		p.step("stopping the control plane")
		if err := testEnv.Stop(); err != nil {
			p.done("failed")
			code = fail(fmt.Errorf("stop control plane: %w", err))
			return
		}
		p.done("done")
	}()
	p.done(fmt.Sprintf("ready in %s at %s", seconds(time.Since(started)), cfg.Host))
	if ctx.Err() != nil {
		return fail(context.Cause(ctx))
	}
	cfg.WarningHandler = rest.NoWarnings{}

	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return fail(err)
	}
	if err := apiextensionsv1.AddToScheme(scheme); err != nil {
		return fail(err)
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return fail(fmt.Errorf("client: %w", err))
	}

	crd := databaseCRD()
	p.step("installing CRD " + crd.Name)
	started = time.Now()
	if err := installCRD(ctx, c, crd); err != nil {
		p.done("failed")
		return fail(err)
	}
	p.done("established in " + seconds(time.Since(started)))

	p.step(fmt.Sprintf("creating namespace %s and %s", demoNamespace, describe(demoObjects)))
	if err := createAll(ctx, c); err != nil {
		p.done("failed")
		return fail(err)
	}
	p.done("done")

	if *library {
		return waitInProcess(ctx, p, cfg, c, timeout)
	}
	return waitWithCommand(ctx, p, testEnv, c, timeout)
}

// abortReason says why the wait's context ended: a signal, the timeout, or a
// failed status write in the controller simulation.
func abortReason(ctx, waitCtx context.Context, ctrlDone <-chan struct{}, ctrlErr *error) string {
	switch {
	case ctx.Err() != nil:
		return "interrupted"
	case errors.Is(waitCtx.Err(), context.DeadlineExceeded):
		return "timed out"
	}
	select {
	case <-ctrlDone:
		if *ctrlErr != nil {
			return "controller simulation failed: " + (*ctrlErr).Error()
		}
	case <-time.After(time.Second):
	}
	return "cancelled"
}

func seconds(d time.Duration) string {
	return fmt.Sprintf("%.1fs", d.Seconds())
}
