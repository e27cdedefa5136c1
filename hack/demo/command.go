package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"
)

// waitWithCommand writes the demo's manifests and a kubeconfig for the
// control plane, then runs kwait -f on the manifests while the simulated
// controllers play; kwait's output goes straight to the terminal.
func waitWithCommand(ctx context.Context, p *printer, testEnv *envtest.Environment, c client.Client, timeout time.Duration) int {
	fail := func(err error) int {
		p.errorf("error: %v", err)
		return 1
	}
	bin, err := filepath.Abs(kwaitBinary)
	if err != nil {
		return fail(err)
	}
	if _, err := os.Stat(bin); err != nil {
		return fail(fmt.Errorf("the kwait binary: %w (run make demo, which builds it with hack/build.sh)", err))
	}
	dir, err := os.MkdirTemp("", "kwait-demo-")
	if err != nil {
		return fail(err)
	}
	defer os.RemoveAll(dir)
	apps := filepath.Join(dir, "app")
	if err := writeManifests(apps); err != nil {
		return fail(err)
	}
	user, err := testEnv.AddUser(envtest.User{Name: "demo", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return fail(fmt.Errorf("add a user for kwait: %w", err))
	}
	kc, err := user.KubeConfig()
	if err != nil {
		return fail(fmt.Errorf("kubeconfig: %w", err))
	}
	kubeconfig := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(kubeconfig, kc, 0o600); err != nil {
		return fail(err)
	}

	args := []string{"-f", apps, "--timeout", timeout.String(), "-o", kwaitOutput}
	p.info(fmt.Sprintf("wrote the manifests to %s and a kubeconfig; the controllers are simulated by writing status", apps))
	p.info(fmt.Sprintf("$ KUBECONFIG=%s kwait %s", kubeconfig, strings.Join(args, " ")))
	p.blank()

	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig, "KUBECACHEDIR="+filepath.Join(dir, "cache"))
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		return fail(fmt.Errorf("run kwait: %w", err))
	}
	started := time.Now()

	// The controllers play until their script ends or kwait exits; a
	// failed status write stops kwait.
	ctrlCtx, stopControllers := context.WithCancel(ctx)
	defer stopControllers()
	ctrlDone := make(chan error, 1)
	go func() { ctrlDone <- playControllers(ctrlCtx, c, started) }()

	// Ctrl-C reaches kwait too (same process group): it prints what was
	// pending and exits; the demo waits for it.
	err = cmd.Wait()
	stopControllers()
	if cerr := <-ctrlDone; cerr != nil && !errors.Is(cerr, context.Canceled) {
		p.errorf("controller simulation failed: %v", cerr)
	}
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		return exit.ExitCode()
	}
	return fail(fmt.Errorf("run kwait: %w", err))
}

// writeManifests writes demoObjects into dir, one YAML file per kind.
func writeManifests(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	byKind := map[string][]string{}
	var kinds []string
	for _, o := range demoObjects {
		y, err := yaml.Marshal(o)
		if err != nil {
			return fmt.Errorf("manifest of %s %s: %w", kindOf(o), o.GetName(), err)
		}
		k := strings.ToLower(kindOf(o))
		if byKind[k] == nil {
			kinds = append(kinds, k)
		}
		byKind[k] = append(byKind[k], string(y))
	}
	for _, k := range kinds {
		if err := os.WriteFile(filepath.Join(dir, k+"s.yaml"), []byte(strings.Join(byKind[k], "---\n")), 0o644); err != nil {
			return err
		}
	}
	return nil
}
