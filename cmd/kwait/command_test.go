package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// unreachableKubeconfig writes a kubeconfig for a server nobody listens
// on: input errors must be found before kwait talks to a cluster.
func unreachableKubeconfig(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "kubeconfig")
	cfg := `apiVersion: v1
kind: Config
clusters:
- name: nowhere
  cluster: {server: "https://127.0.0.1:1"}
users:
- name: nobody
  user: {token: none}
contexts:
- name: nowhere
  context: {cluster: nowhere, user: nobody, namespace: shop}
current-context: nowhere
`
	if err := os.WriteFile(p, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func runKwait(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	streams := genericiooptions.IOStreams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut}
	code = run(context.Background(), args, streams)
	return code, out.String(), errOut.String()
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const configMapYAML = `apiVersion: v1
kind: ConfigMap
metadata:
  name: web
data: {a: b}
`

// TestUsageErrors: every usage or input error exits 2 with a message
// naming the flag or the file, before anything is waited on (the
// kubeconfig's server does not exist, so a wait would time out instead).
func TestUsageErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := writeFile(t, dir, "good.yaml", configMapYAML)
	bad := writeFile(t, dir, "bad.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: [name: x\n")
	noName := writeFile(t, dir, "noname.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  generateName: web-\n")
	otherNS := writeFile(t, dir, "otherns.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  namespace: other\n")
	bad2 := writeFile(t, dir, "bad2.json", `{"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": 1}}`)
	empty := t.TempDir()
	kc := unreachableKubeconfig(t)
	base := []string{"--kubeconfig", kc, "--cache-dir", t.TempDir(), "--timeout", "2s"}

	tests := []struct {
		name  string
		args  []string
		stdin string
		want  []string // parts of stderr
	}{
		{"unknown --for", []string{"-f", good, "--for", "ready"}, "", []string{`--for: unknown value "ready"`, "want current, delete, create"}},
		{"--for twice", []string{"-f", good, "--for", "delete", "--for", "create"}, "", []string{"--for is given 2 times"}},
		{"bad cel", []string{"-f", good, "--for", "cel=stauts.x"}, "", []string{"--for: cel expression does not compile"}},
		{"bad jsonpath", []string{"-f", good, "--for", "jsonpath={.a[}=1"}, "", []string{"--for: jsonpath expression"}},
		{"bad -o", []string{"-f", good, "-o", "yaml"}, "", []string{`-o/--output: unknown value "yaml"`}},
		{"bad --timeout", []string{"-f", good, "--timeout", "0s"}, "", []string{"--timeout: 0s is not a positive duration"}},
		{"unknown flag", []string{"-f", good, "--wait-for", "x"}, "", []string{"unknown flag: --wait-for"}},
		{"missing file", []string{"-f", filepath.Join(dir, "nope.yaml")}, "", []string{`the path "` + filepath.Join(dir, "nope.yaml") + `" does not exist`}},
		{"manifest that does not parse", []string{"-f", bad}, "", []string{bad}},
		{"two manifests that do not parse", []string{"-f", bad, "-f", bad2}, "", []string{"2 errors in the input", bad, bad2}},
		{"stdin that does not parse", []string{"-f", "-"}, "kind: [", []string{"STDIN"}},
		{"no name", []string{"-f", noName}, "", []string{noName, "has no metadata.name"}},
		{"namespace mismatch", []string{"-f", otherNS, "-n", "shop"}, "", []string{otherNS, `is "other", not "shop" (-n)`}},
		{"empty directory", []string{"-f", empty}, "", []string{empty}},
		{"empty stdin", []string{"-f", "-"}, "", []string{"no resources found in [-]"}},
		{"nothing given", nil, "", []string{"nothing to wait for"}},
		{"-f and TYPE/NAME", []string{"-f", good, "deployment/api"}, "", []string{"-f and TYPE/NAME arguments cannot be combined"}},
		{"missing kubeconfig", []string{"-f", good, "--kubeconfig", filepath.Join(dir, "no-kubeconfig")}, "", []string{"kubeconfig:", "no-kubeconfig"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runKwait(t, tt.stdin, append(append([]string{}, base...), tt.args...)...)
			if code != exitUsage {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitUsage, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr does not name %q:\n%s", w, stderr)
				}
			}
			if !strings.HasPrefix(stderr, "error: ") || !strings.Contains(stderr, "See 'kwait --help'") {
				t.Errorf("stderr is not one error and the pointer to --help:\n%s", stderr)
			}
			if stdout != "" {
				t.Errorf("stdout is not empty, something was waited on:\n%s", stdout)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	t.Parallel()
	code, stdout, _ := runKwait(t, "", "--help")
	if code != exitMet {
		t.Fatalf("--help exits %d", code)
	}
	for _, w := range []string{"--for", "--timeout", "--fail-fast", "-o, --output", "--kubeconfig", "-n, --namespace", "--context", "-f, --filename", "-R, --recursive", "-l, --selector", "--as string", "Exit codes"} {
		if !strings.Contains(stdout, w) {
			t.Errorf("--help does not show %q", w)
		}
	}
}

// TestManifestTargets: manifests are decoded without the server; with the
// server unreachable each kind counts as namespaced and takes the
// context's namespace unless it has its own.
func TestManifestTargets(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "a.yaml", configMapYAML+"---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: api, namespace: shop}\n")
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	writeFile(t, sub, "b.json", `{"apiVersion":"demo.kwait.dev/v1","kind":"Database","metadata":{"name":"orders","labels":{"tier":"db"}}}`)

	for _, tt := range []struct {
		args []string
		want []string
	}{
		{[]string{"-f", dir}, []string{"/ConfigMap shop/web", "apps/Deployment shop/api"}},
		{[]string{"-f", dir, "-R"}, []string{"/ConfigMap shop/web", "apps/Deployment shop/api", "demo.kwait.dev/Database shop/orders"}},
		{[]string{"-f", dir, "-R", "-l", "tier=db"}, []string{"demo.kwait.dev/Database shop/orders"}},
	} {
		cmd := newCommand(genericiooptions.NewTestIOStreamsDiscard(), func(_ context.Context, o *options, _ settings) error {
			ts, err := o.targets()
			if err != nil {
				return err
			}
			var got []string
			for _, tg := range ts {
				got = append(got, tg.id.GroupKind.Group+"/"+tg.id.GroupKind.Kind+" "+objectName(tg.id))
			}
			if strings.Join(got, ", ") != strings.Join(tt.want, ", ") {
				t.Errorf("%v: targets %q, want %q", tt.args, got, tt.want)
			}
			return nil
		})
		cmd.SetArgs(append([]string{"--kubeconfig", unreachableKubeconfig(t), "--cache-dir", t.TempDir(), "--request-timeout", "1s"}, tt.args...))
		if err := cmd.Execute(); err != nil {
			t.Errorf("%v: %v", tt.args, err)
		}
	}
}
