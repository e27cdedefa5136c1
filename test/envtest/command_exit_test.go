package envtest_test

import (
	"path/filepath"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// cmdExitSpecs: the exit codes other tooling is written against. 1: the
// timeout ended the wait, and stderr names each unmet resource with its
// status and message, and none that met the goal; 2: a usage or input
// error, with a message naming the file or flag, and nothing waited on;
// 3: --fail-fast stopped on a Failed resource; 130: interrupted, with the
// pending resources on stderr.
func cmdExitSpecs() {
	var ns string
	BeforeEach(func(ctx SpecContext) {
		ns = createNamespace(ctx, "cmd-exit-")
	})

	It("exits 1 on --timeout, naming on stderr the unmet resource and not the ready one", func(ctx SpecContext) {
		file := cmdWriteFile(cmdTempDir(), "app.yaml", cmdManifests(
			createWidget(ctx, ns, "ready", "True", "serving"),
			createWidget(ctx, ns, "stuck", "False", "still provisioning"),
		))
		started := time.Now()
		r := cmdRun("", "-f", file, "-o", "plain", "--timeout", "2s")
		took := time.Since(started)

		Expect(r.code).To(Equal(1), r.String())
		Expect(took).To(BeNumerically(">=", 2*time.Second), "kwait gave up before --timeout")
		Expect(r.stderr).To(Equal("1 of 2 resources not Current (timed out after 2s):\n"+
			"  Widget.test.kwait.dev "+ns+"/stuck: InProgress: still provisioning\n"), r.String())
		Expect(r.stderr).NotTo(ContainSubstring("/ready"), r.String())
		Expect(cmdLines(r.stdout)[len(cmdLines(r.stdout))-1]).To(MatchRegexp(`^Aborted after \d+\.\d{3}s \(timed out after 2s\): 1/2 met Current$`), r.String())
	})

	DescribeTable("exits 2 on an input error, naming the file or flag, before it waits on anything",
		func(ctx SpecContext, args func(dir string) []string, stdin string, want func(dir string) []string) {
			dir := cmdTempDir()
			cmdWriteFile(dir, "ok.yaml", cmdManifests(cmdConfigMap(ctx, ns, "ok")))
			cmdWriteFile(dir, "broken.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: [name: broken\n")
			r := cmdRun(stdin, append(args(dir), "-n", ns, "--timeout", cmdTimeout)...)
			Expect(r.code).To(Equal(2), r.String())
			Expect(r.stdout).To(BeEmpty(), "something was waited on:\n%s", r)
			Expect(r.stderr).To(HavePrefix("error: "), r.String())
			Expect(r.stderr).To(HaveSuffix("See 'kwait --help' for usage.\n"), r.String())
			for _, w := range want(dir) {
				Expect(r.stderr).To(ContainSubstring(w), r.String())
			}
		},
		Entry("a missing file",
			func(dir string) []string { return []string{"-f", filepath.Join(dir, "nope.yaml")} }, "",
			func(dir string) []string {
				return []string{`the path "` + filepath.Join(dir, "nope.yaml") + `" does not exist`}
			}),
		Entry("a manifest that does not parse",
			func(dir string) []string { return []string{"-f", filepath.Join(dir, "broken.yaml")} }, "",
			func(dir string) []string { return []string{filepath.Join(dir, "broken.yaml"), "yaml"} }),
		Entry("stdin that does not parse",
			func(string) []string { return []string{"-f", "-"} }, "kind: [\n",
			func(string) []string { return []string{"STDIN"} }),
		Entry("an unknown --for",
			func(dir string) []string { return []string{"-f", filepath.Join(dir, "ok.yaml"), "--for=ready"} }, "",
			func(string) []string {
				return []string{`--for: unknown value "ready": want current, delete, create, condition=TYPE[=STATUS]`}
			}),
		Entry("a --for=condition= without a type",
			func(dir string) []string { return []string{"-f", filepath.Join(dir, "ok.yaml"), "--for=condition="} }, "",
			func(string) []string { return []string{"--for: condition= needs a condition type"} }),
		Entry("a resource type the server does not have",
			func(string) []string { return []string{"gizmo/g"} }, "",
			func(string) []string { return []string{`the server doesn't have a resource type "gizmo"`} }),
		Entry("nothing to wait for",
			func(string) []string { return nil }, "",
			func(string) []string {
				return []string{"nothing to wait for: give -f FILE|DIR|- or TYPE/NAME arguments"}
			}),
	)

	It("exits 3 with --fail-fast when a resource becomes Failed, naming it first on stderr", func(ctx SpecContext) {
		w := createWidget(ctx, ns, "w", "False", "starting")
		file := cmdWriteFile(cmdTempDir(), "app.yaml", cmdManifests(w, cmdConfigMap(ctx, ns, "settings")))
		p := cmdStart("", "-f", file, "-o", "plain", "--fail-fast", "--timeout", cmdTimeout)
		cmdSeen(p.stdout.String, MatchRegexp(`Widget +%s/w +InProgress`, ns))
		writeConditions(ctx, w, "it broke", "Stalled", "True")
		r := p.wait()

		Expect(r.code).To(Equal(3), r.String())
		Expect(r.stderr).To(Equal("1 of 2 resources not Current (a resource is Failed):\n"+
			"  Widget.test.kwait.dev "+ns+"/w: Failed: it broke\n"), r.String())
		Expect(cmdLines(r.stdout)[len(cmdLines(r.stdout))-1]).To(MatchRegexp(
			`^Failed after \d+\.\d{3}s \(--fail-fast\): Widget %s/w is Failed; 1/2 met Current$`, ns), r.String())
	})

	It("without --fail-fast, waits on past a Failed resource", func(ctx SpecContext) {
		w := createWidget(ctx, ns, "w", "False", "starting")
		writeConditions(ctx, w, "it broke", "Stalled", "True")
		r := cmdRun("", "widget/w", "-n", ns, "-o", "plain", "--timeout", "1s")
		Expect(r.code).To(Equal(1), r.String())
		Expect(r.stderr).To(ContainSubstring("Widget.test.kwait.dev "+ns+"/w: Failed: it broke"), r.String())
	})

	It("exits 130 on SIGINT, naming the pending resources on stderr", func(ctx SpecContext) {
		createWidget(ctx, ns, "w", "False", "starting")
		p := cmdStart("", "widget/w", "-n", ns, "-o", "plain", "--timeout", cmdTimeout)
		cmdSeen(p.stdout.String, MatchRegexp(`Widget +%s/w +InProgress`, ns))
		Expect(p.cmd.Process.Signal(syscall.SIGINT)).To(Succeed())
		r := p.wait()

		Expect(r.code).To(Equal(130), r.String())
		Expect(r.stderr).To(Equal("1 of 1 resources not Current (interrupted (SIGINT)):\n"+
			"  Widget.test.kwait.dev "+ns+"/w: InProgress: starting\n"), r.String())
	})
}
