package envtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"
)

// The kwait binary and the kubeconfig it runs with, set by cmdSetUp.
var (
	cmdBinary     string
	cmdKubeconfig string
	cmdCacheDir   string
)

// cmdExitTimeout bounds every run of the binary: kwait is given a
// --timeout well below it, so reaching it means kwait hung.
const cmdExitTimeout = 90 * time.Second

// cmdSetUp builds cmd/kwait into a temporary folder (its own module, built
// through its go.work against this checkout's library) and writes a
// kubeconfig for the suite's control plane, for a user in system:masters.
func cmdSetUp(ctx context.Context) {
	GinkgoHelper()
	dir, err := os.MkdirTemp("", "kwait-cmd-")
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() { Expect(os.RemoveAll(dir)).To(Succeed()) })

	src, err := filepath.Abs(filepath.Join("..", "..", "cmd", "kwait"))
	Expect(err).NotTo(HaveOccurred())
	cmdBinary = filepath.Join(dir, "kwait")
	build := exec.CommandContext(ctx, "go", "build", "-o", cmdBinary, ".")
	build.Dir = src
	// The go.work beside the command, whatever the caller's GOWORK or
	// GOFLAGS say (-mod=mod is refused in workspace mode).
	build.Env = append(os.Environ(), "GOWORK="+filepath.Join(src, "go.work"), "GOFLAGS=")
	started := time.Now()
	out, err := build.CombinedOutput()
	Expect(err).NotTo(HaveOccurred(), "go build in %s:\n%s", src, out)
	AddReportEntry("kwait build", time.Since(started).Round(time.Millisecond).String())

	user, err := testEnv.AddUser(envtest.User{Name: "kwait-cmd", Groups: []string{"system:masters"}}, nil)
	Expect(err).NotTo(HaveOccurred())
	kc, err := user.KubeConfig()
	Expect(err).NotTo(HaveOccurred())
	cmdKubeconfig = filepath.Join(dir, "kubeconfig")
	Expect(os.WriteFile(cmdKubeconfig, kc, 0o600)).To(Succeed())
	cmdCacheDir = filepath.Join(dir, "cache")
}

// cmdEnv is the environment of a kwait run: the suite's kubeconfig, a
// discovery cache of its own, and no colour.
func cmdEnv(extra ...string) []string {
	return append(os.Environ(), append([]string{
		"KUBECONFIG=" + cmdKubeconfig, "KUBECACHEDIR=" + cmdCacheDir, "NO_COLOR=1",
	}, extra...)...)
}

// cmdBuffer is an output of a running kwait, safe to read while it writes.
type cmdBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *cmdBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *cmdBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// cmdProcess is a kwait run in the background.
type cmdProcess struct {
	cmd            *exec.Cmd
	stdout, stderr *cmdBuffer
	done           chan struct{}
	err            error // of Wait, set before done closes
}

// cmdResult is how a kwait run ended.
type cmdResult struct {
	code           int
	stdout, stderr string
}

func (r cmdResult) String() string {
	return fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", r.code, r.stdout, r.stderr)
}

// cmdStart runs kwait with args in the background, stdin from stdin.
func cmdStart(stdin string, args ...string) *cmdProcess {
	GinkgoHelper()
	p := &cmdProcess{stdout: &cmdBuffer{}, stderr: &cmdBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(cmdBinary, args...)
	p.cmd.Env = cmdEnv()
	p.cmd.Stdin = strings.NewReader(stdin)
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	Expect(p.cmd.Start()).To(Succeed())
	go func() {
		defer close(p.done)
		p.err = p.cmd.Wait()
	}()
	// A spec that fails half way leaves no kwait behind.
	DeferCleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// wait waits for kwait to exit, at most cmdExitTimeout.
func (p *cmdProcess) wait() cmdResult {
	GinkgoHelper()
	Eventually(p.done).WithTimeout(cmdExitTimeout).Should(BeClosed(), "kwait did not exit:\n--- stdout\n%s--- stderr\n%s", p.stdout, p.stderr)
	r := cmdResult{stdout: p.stdout.String(), stderr: p.stderr.String()}
	var exit *exec.ExitError
	switch {
	case p.err == nil:
	case errors.As(p.err, &exit):
		r.code = exit.ExitCode()
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			Fail(fmt.Sprintf("kwait was killed by %v:\n%s", ws.Signal(), r))
		}
	default:
		Fail(fmt.Sprintf("kwait: %v", p.err))
	}
	return r
}

// cmdRun runs kwait with args to its end.
func cmdRun(stdin string, args ...string) cmdResult {
	GinkgoHelper()
	return cmdStart(stdin, args...).wait()
}

// cmdLines splits output into its lines.
func cmdLines(s string) []string {
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// cmdJSON parses -o json output: one object per line, each with a type.
func cmdJSON(stdout string) []map[string]any {
	GinkgoHelper()
	var out []map[string]any
	for _, l := range cmdLines(stdout) {
		if l == "" {
			continue
		}
		var m map[string]any
		Expect(json.Unmarshal([]byte(l), &m)).To(Succeed(), "a line of -o json that is not JSON: %q", l)
		Expect(m).To(HaveKeyWithValue("type", BeElementOf("ResourceUpdate", "Completed", "Aborted", "Failed")), l)
		out = append(out, m)
	}
	return out
}

// cmdUpdatesOf are the ResourceUpdate lines of -o json about name.
func cmdUpdatesOf(lines []map[string]any, name string) []map[string]any {
	var out []map[string]any
	for _, l := range lines {
		if l["type"] == "ResourceUpdate" && l["name"] == name {
			out = append(out, l)
		}
	}
	return out
}

// cmdManifests turns objs into one YAML stream, as kubectl apply -f takes.
func cmdManifests(objs ...*unstructured.Unstructured) string {
	GinkgoHelper()
	docs := make([]string, len(objs))
	for i, o := range objs {
		clean := o.DeepCopy()
		unstructured.RemoveNestedField(clean.Object, "status")
		unstructured.RemoveNestedField(clean.Object, "metadata", "managedFields")
		for _, f := range []string{"uid", "resourceVersion", "creationTimestamp", "generation"} {
			unstructured.RemoveNestedField(clean.Object, "metadata", f)
		}
		y, err := yaml.Marshal(clean.Object)
		Expect(err).NotTo(HaveOccurred())
		docs[i] = string(y)
	}
	return strings.Join(docs, "---\n")
}

// cmdWriteFile writes content to dir/name, making the folders it needs.
func cmdWriteFile(dir, name, content string) string {
	GinkgoHelper()
	p := filepath.Join(dir, name)
	Expect(os.MkdirAll(filepath.Dir(p), 0o755)).To(Succeed())
	Expect(os.WriteFile(p, []byte(content), 0o644)).To(Succeed())
	return p
}

// cmdObject converts a typed object to unstructured for cmdManifests.
func cmdObject(obj any) *unstructured.Unstructured {
	GinkgoHelper()
	b, err := json.Marshal(obj)
	Expect(err).NotTo(HaveOccurred())
	u := &unstructured.Unstructured{}
	Expect(u.UnmarshalJSON(b)).To(Succeed())
	return u
}
