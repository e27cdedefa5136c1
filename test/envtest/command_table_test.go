package envtest_test

import (
	"strings"
	"time"
	"unicode/utf8"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// cmdTableSpecs: on a terminal, -o auto draws a live table: a header with
// met/total, the goal and the clock, a line of column names, and a row
// per resource (met mark, kind, namespace/name, status, message), redrawn
// in place. A terminal that cannot move the cursor (TERM=dumb) or is too
// narrow gets plain lines instead.
func cmdTableSpecs() {
	var ns string
	BeforeEach(func(ctx SpecContext) {
		cmdPTYMu.Lock()
		DeferCleanup(cmdPTYMu.Unlock)
		ns = createNamespace(ctx, "cmd-table-")
	})

	It("draws the table in a pseudo-terminal and redraws it in place until Completed", func(ctx SpecContext) {
		db := createWidget(ctx, ns, "orders", "False", "provisioning storage")
		file := cmdWriteFile(cmdTempDir(), "app.yaml", cmdManifests(db, cmdConfigMap(ctx, ns, "api-config")))
		t := cmdStartInTerminal(100, 30, "xterm-256color", "-f", file, "--timeout", cmdTimeout)

		// While the Widget is not ready: one row each, the ConfigMap met.
		Eventually(t.screen).WithTimeout(cmdQuick).WithPolling(20 * time.Millisecond).Should(HaveExactElements(
			MatchRegexp(`^kwait  1/2 met Current · elapsed \ds · (59s|1m0s) left$`),
			MatchRegexp(`^   KIND +NAMESPACE/NAME +STATUS +MESSAGE$`),
			MatchRegexp(`^   Widget +%s/orders +InProgress +provisioning storage$`, ns),
			MatchRegexp(`^✔  ConfigMap +%s/api-config +Current +Resource is always ready$`, ns),
		))
		mid := t.screenText()
		setWidgetStatus(ctx, db, db.GetGeneration(), "True", "Test", "accepting connections")
		r := t.wait()
		Expect(r.code).To(Equal(0), r.stdout)

		final := t.screen()
		AddReportEntry("the live table, waiting", mid)
		AddReportEntry("the live table, completed", strings.Join(final, "\n"))
		// Redrawn in place: the screen holds the table once, not a table
		// per frame.
		Expect(final).To(HaveExactElements(
			MatchRegexp(`^kwait  2/2 met Current · Completed in \d+\.\d{3}s: 2/2 met Current$`),
			MatchRegexp(`^   KIND +NAMESPACE/NAME +STATUS +MESSAGE$`),
			MatchRegexp(`^✔  Widget +%s/orders +Current +Resource is Ready$`, ns),
			MatchRegexp(`^✔  ConfigMap +%s/api-config +Current +Resource is always ready$`, ns),
		), "the screen:\n%s\n--- written:\n%q", strings.Join(final, "\n"), r.stdout)
		// The columns line up, counted in runes (the met mark is one
		// column, three bytes).
		column := func(line, word string) int { return utf8.RuneCountInString(line[:strings.Index(line, word)]) }
		for _, row := range final[2:] {
			Expect(column(row, "Current")).To(Equal(column(final[1], "STATUS")), "a row out of line with STATUS:\n%s", strings.Join(final, "\n"))
			Expect(column(row, "Resource")).To(Equal(column(final[1], "MESSAGE")), "a row out of line with MESSAGE:\n%s", strings.Join(final, "\n"))
		}
		// It coloured the statuses and hid the cursor while it drew, and
		// showed it again at the end.
		Expect(r.stdout).To(ContainSubstring("\x1b[32m"), "no green in the table")
		Expect(r.stdout).To(HavePrefix("\x1b[?25l"))
		Expect(r.stdout).To(ContainSubstring("\x1b[?25h"))
		// A message without colour is written without a reset after it.
		Expect(r.stdout).NotTo(ContainSubstring("Resource is Ready\x1b[0m"))
	})

	DescribeTable("falls back to plain lines on a terminal the table cannot use",
		func(ctx SpecContext, cols uint16, term string) {
			file := cmdWriteFile(cmdTempDir(), "app.yaml", cmdManifests(createWidget(ctx, ns, "w", "True", "ready")))
			t := cmdStartInTerminal(cols, 30, term, "-f", file, "--timeout", cmdTimeout)
			r := t.wait()
			Expect(r.code).To(Equal(0), r.stdout)
			Expect(t.screen()).To(HaveExactElements(
				MatchRegexp(`^ *\+\d+\.\d{3}s  Widget  %s/w  Current +✔  Resource is Ready  \[1/1 met\]$`, ns),
				MatchRegexp(`^Completed in \d+\.\d{3}s: 1/1 met Current$`),
			), "%q", r.stdout)
			Expect(r.stdout).NotTo(ContainSubstring("\x1b[?25l"), "it drew a table")
			if term == "dumb" {
				Expect(r.stdout).NotTo(ContainSubstring("\x1b["), "an escape sequence for TERM=dumb")
			}
		},
		Entry("TERM=dumb", uint16(100), "dumb"),
		Entry("narrower than 50 columns", uint16(40), "xterm-256color"),
	)
}
