package envtest_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	. "github.com/onsi/gomega/gstruct"
)

// cmdJSONSpecs: -o json writes one JSON object per line per event, each
// with its type; a ResourceUpdate has the resource's kind, namespace,
// name, status, message (and error when set), whether it met the goal,
// the aggregate and the progress; the last line is how the wait ended.
func cmdJSONSpecs() {
	var ns string
	BeforeEach(func(ctx SpecContext) {
		ns = createNamespace(ctx, "cmd-json-")
	})

	// rfc3339 matches the time field.
	rfc3339 := WithTransform(func(s string) error { _, err := time.Parse(time.RFC3339Nano, s); return err }, Succeed())

	It("a line per change of each resource, then Completed", func(ctx SpecContext) {
		w := createWidget(ctx, ns, "db", "False", "provisioning")
		file := cmdWriteFile(cmdTempDir(), "app.yaml", cmdManifests(w, cmdConfigMap(ctx, ns, "settings")))
		p := cmdStart("", "-f", file, "-o", "json", "--timeout", cmdTimeout)
		cmdSeenUpdate(p, "db", HaveKeyWithValue("status", "InProgress"))
		cmdSeenUpdate(p, "settings", HaveKeyWithValue("status", "Current"))
		setWidgetStatus(ctx, w, w.GetGeneration(), "True", "Test", "accepting connections")
		r := p.wait()
		Expect(r.code).To(Equal(0), r.String())

		lines := cmdJSON(r.stdout)
		Expect(lines).To(HaveLen(4), r.String())
		// The first two lines are the first observations, in either order.
		Expect(lines[:2]).To(ConsistOf(
			MatchAllKeys(Keys{
				"type": Equal("ResourceUpdate"), "time": rfc3339, "elapsed": BeNumerically(">=", 0),
				"group": Equal("test.kwait.dev"), "kind": Equal("Widget"), "namespace": Equal(ns), "name": Equal("db"),
				"status": Equal("InProgress"), "message": Equal("provisioning"), "met": BeFalse(),
				"aggregate": BeElementOf("Unknown", "InProgress"), "goal": Equal("Current"),
				"progress": MatchAllKeys(Keys{"total": Equal(2.0), "observed": BeElementOf(1.0, 2.0), "met": BeElementOf(0.0, 1.0)}),
			}),
			MatchAllKeys(Keys{
				"type": Equal("ResourceUpdate"), "time": rfc3339, "elapsed": BeNumerically(">=", 0),
				"kind": Equal("ConfigMap"), "namespace": Equal(ns), "name": Equal("settings"),
				"status": Equal("Current"), "message": Equal("Resource is always ready"), "met": BeTrue(),
				"aggregate": BeElementOf("Unknown", "InProgress"), "goal": Equal("Current"),
				"progress": MatchAllKeys(Keys{"total": Equal(2.0), "observed": BeElementOf(1.0, 2.0), "met": Equal(1.0)}),
			}),
		), r.String())
		// Once both are seen, the aggregate is InProgress: one is not ready.
		Expect(lines[1]).To(MatchKeys(IgnoreExtras, Keys{
			"aggregate": Equal("InProgress"), "progress": HaveKeyWithValue("observed", 2.0),
		}), r.String())
		Expect(lines[2]).To(MatchAllKeys(Keys{
			"type": Equal("ResourceUpdate"), "time": rfc3339, "elapsed": BeNumerically(">", lines[1]["elapsed"]),
			"group": Equal("test.kwait.dev"), "kind": Equal("Widget"), "namespace": Equal(ns), "name": Equal("db"),
			"status": Equal("Current"), "message": Equal("Resource is Ready"), "met": BeTrue(),
			"aggregate": Equal("Current"), "goal": Equal("Current"),
			"progress": Equal(map[string]any{"total": 2.0, "observed": 2.0, "met": 2.0}),
		}), r.String())
		Expect(lines[3]).To(MatchAllKeys(Keys{
			"type": Equal("Completed"), "time": rfc3339, "elapsed": BeNumerically(">=", lines[2]["elapsed"]),
			"aggregate": Equal("Current"), "goal": Equal("Current"),
			"progress": Equal(map[string]any{"total": 2.0, "observed": 2.0, "met": 2.0}),
		}), r.String())
	})

	It("an error on the update of a resource that cannot be read, and the unmet on Aborted", func(ctx SpecContext) {
		file := cmdWriteFile(cmdTempDir(), "app.yaml", `apiVersion: nope.kwait.dev/v1
kind: Gizmo
metadata:
  name: g
  namespace: `+ns+"\n")
		r := cmdRun("", "-f", file, "-o", "json", "--timeout", "2s")
		Expect(r.code).To(Equal(1), r.String())
		lines := cmdJSON(r.stdout)
		Expect(lines).To(HaveLen(2), r.String())
		Expect(lines[0]).To(MatchKeys(IgnoreExtras, Keys{
			"type": Equal("ResourceUpdate"), "group": Equal("nope.kwait.dev"), "kind": Equal("Gizmo"),
			"namespace": Equal(ns), "name": Equal("g"), "status": Equal("Unknown"), "met": BeFalse(),
			"error": ContainSubstring("Gizmo"),
		}), r.String())
		Expect(lines[1]).To(MatchKeys(IgnoreExtras, Keys{
			"type": Equal("Aborted"), "aggregate": Equal("InProgress"), "cause": Equal("timed out after 2s"),
			"unmet": ConsistOf(MatchAllKeys(Keys{
				"group": Equal("nope.kwait.dev"), "kind": Equal("Gizmo"), "namespace": Equal(ns), "name": Equal("g"),
				"observed": BeTrue(), "status": Equal("Unknown"),
				"error": Equal(lines[0]["error"]),
			})),
		}), r.String())
	})
}
