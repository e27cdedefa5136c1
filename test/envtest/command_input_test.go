package envtest_test

import (
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	. "github.com/onsi/gomega/gstruct"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// cmdInputSpecs: kwait reads what to wait for from a manifest file, a
// directory (with -R, its subfolders), stdin, or TYPE/NAME arguments
// (short names, TYPE NAME..., -l), and waits for exactly those resources.
func cmdInputSpecs() {
	var ns string
	BeforeEach(func(ctx SpecContext) {
		ns = createNamespace(ctx, "cmd-input-")
	})

	It("-f FILE: waits until every resource of the file is Current, then exits 0", func(ctx SpecContext) {
		db := createWidget(ctx, ns, "db", "False", "provisioning")
		cm := cmdConfigMap(ctx, ns, "settings")
		file := cmdWriteFile(cmdTempDir(), "app.yaml", cmdManifests(db, cm))

		p := cmdStart("", "-f", file, "-o", "plain", "--timeout", cmdTimeout)
		// The wait goes on while the Widget is not ready.
		cmdSeen(p.stdout.String, MatchRegexp(`Widget +%s/db +InProgress +provisioning +\[[01]/2 met\]`, ns))
		Consistently(p.done).WithTimeout(cmdSettle).ShouldNot(BeClosed())
		setWidgetStatus(ctx, db, db.GetGeneration(), "True", "Test", "serving")
		r := p.wait()

		Expect(r.code).To(Equal(0), r.String())
		Expect(r.stdout).To(MatchRegexp(`ConfigMap +%s/settings +Current +✔`, ns), r.String())
		Expect(r.stdout).To(MatchRegexp(`Widget +%s/db +Current +✔ +Resource is Ready +\[2/2 met\]`, ns), r.String())
		Expect(cmdLines(r.stdout)).To(HaveLen(4), "three updates (the Widget twice) and the ending:\n%s", r)
		Expect(cmdLines(r.stdout)[3]).To(MatchRegexp(`^Completed in \d+\.\d{3}s: 2/2 met Current$`), r.String())
		Expect(r.stderr).To(BeEmpty())
	})

	It("-f DIR: waits for the manifests of the folder, and with -R of its subfolders too", func(ctx SpecContext) {
		dir := cmdTempDir()
		cmdWriteFile(dir, "widgets.yaml", cmdManifests(createWidget(ctx, ns, "top", "True", "ready")))
		cm := cmdConfigMap(ctx, ns, "top-settings")
		cmdWriteFile(dir, "settings.json", string(cmdJSONManifest(cm)))
		cmdWriteFile(dir, "README.md", "not a manifest: the builder reads only .json, .yaml and .yml")
		cmdWriteFile(dir, filepath.Join("nested", "more.yaml"), cmdManifests(cmdConfigMap(ctx, ns, "nested-settings")))

		r := cmdRun("", "-f", dir, "-o", "json", "--timeout", cmdTimeout)
		Expect(r.code).To(Equal(0), r.String())
		lines := cmdJSON(r.stdout)
		Expect(cmdNames(lines)).To(ConsistOf("ConfigMap "+ns+"/top-settings", "Widget "+ns+"/top"), r.String())
		Expect(lines[len(lines)-1]).To(MatchKeys(IgnoreExtras, Keys{
			"type": Equal("Completed"), "progress": Equal(map[string]any{"total": 2.0, "observed": 2.0, "met": 2.0}),
		}), r.String())

		r = cmdRun("", "-f", dir, "-R", "-o", "json", "--timeout", cmdTimeout)
		Expect(r.code).To(Equal(0), r.String())
		lines = cmdJSON(r.stdout)
		Expect(cmdNames(lines)).To(ConsistOf("ConfigMap "+ns+"/top-settings", "ConfigMap "+ns+"/nested-settings", "Widget "+ns+"/top"), r.String())
		Expect(lines[len(lines)-1]).To(HaveKeyWithValue("progress", HaveKeyWithValue("total", 3.0)), r.String())
	})

	It("-f -: reads the manifests from stdin", func(ctx SpecContext) {
		w := createWidget(ctx, ns, "piped", "False", "starting")
		cm := cmdConfigMap(ctx, ns, "piped-settings")
		p := cmdStart(cmdManifests(w, cm), "-f", "-", "-o", "json", "--timeout", cmdTimeout)
		cmdSeenUpdate(p, "piped", HaveKeyWithValue("status", "InProgress"))
		setWidgetStatus(ctx, w, w.GetGeneration(), "True", "Test", "ready")
		r := p.wait()

		Expect(r.code).To(Equal(0), r.String())
		Expect(cmdNames(cmdJSON(r.stdout))).To(ConsistOf("ConfigMap "+ns+"/piped-settings", "Widget "+ns+"/piped"), r.String())
		Expect(cmdUpdatesOf(cmdJSON(r.stdout), "piped")).To(HaveExactElements(
			HaveKeyWithValue("status", "InProgress"), HaveKeyWithValue("status", "Current"),
		), r.String())
	})

	It("TYPE/NAME arguments: kinds, short names, TYPE NAME NAME and -l, in the -n namespace", func(ctx SpecContext) {
		w := createWidget(ctx, ns, "named", "False", "starting")
		cmdConfigMap(ctx, ns, "alpha")
		cmdConfigMap(ctx, ns, "beta")
		labelled := newWidget(ns, "labelled", map[string]any{"size": int64(1)})
		labelled.SetLabels(map[string]string{"tier": "db"})
		Expect(k8sClient.Create(ctx, labelled)).To(Succeed())
		createWidget(ctx, ns, "unlabelled", "False", "never ready")

		By("widget/NAME configmap/NAME: waits for both until the Widget is ready")
		p := cmdStart("", "widget/named", "configmap/alpha", "-n", ns, "-o", "json", "--timeout", cmdTimeout)
		cmdSeenUpdate(p, "named", HaveKeyWithValue("status", "InProgress"))
		setWidgetStatus(ctx, w, w.GetGeneration(), "True", "Test", "ready")
		r := p.wait()
		Expect(r.code).To(Equal(0), r.String())
		Expect(cmdNames(cmdJSON(r.stdout))).To(ConsistOf("ConfigMap "+ns+"/alpha", "Widget "+ns+"/named"), r.String())

		By("cm NAME NAME: a short name and several names of one type")
		r = cmdRun("", "cm", "alpha", "beta", "-n", ns, "-o", "json", "--timeout", cmdTimeout)
		Expect(r.code).To(Equal(0), r.String())
		Expect(cmdNames(cmdJSON(r.stdout))).To(ConsistOf("ConfigMap "+ns+"/alpha", "ConfigMap "+ns+"/beta"), r.String())

		By("widgets.test.kwait.dev -l tier=db: the labelled Widget only (the unlabelled one would never be ready)")
		r = cmdRun("", "widgets.test.kwait.dev", "-l", "tier=db", "-n", ns, "-o", "json", "--timeout", cmdTimeout)
		Expect(r.code).To(Equal(0), r.String())
		Expect(cmdNames(cmdJSON(r.stdout))).To(ConsistOf("Widget "+ns+"/labelled"), r.String())
	})
}

// cmdNames are the resources the ResourceUpdate lines of -o json are
// about, each once, as "Kind namespace/name".
func cmdNames(lines []map[string]any) []string {
	var out []string
	seen := map[string]bool{}
	for _, l := range lines {
		if l["type"] != "ResourceUpdate" {
			continue
		}
		n := l["kind"].(string) + " " + l["namespace"].(string) + "/" + l["name"].(string)
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

// cmdJSONManifest is obj as a JSON manifest.
func cmdJSONManifest(obj *unstructured.Unstructured) []byte {
	GinkgoHelper()
	clean := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": obj.GetAPIVersion(), "kind": obj.GetKind(),
		"metadata": map[string]any{"name": obj.GetName(), "namespace": obj.GetNamespace()},
	}}
	b, err := clean.MarshalJSON()
	Expect(err).NotTo(HaveOccurred())
	return b
}
