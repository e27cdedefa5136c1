package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kwait-dev/kwait/status"
	"github.com/kwait-dev/kwait/wait"
)

var (
	ordersID = wait.ResourceIdentifier{Name: "orders", Namespace: "demo", GroupKind: schema.GroupKind{Group: "demo.kwait.dev", Kind: "Database"}}
	apiID    = wait.ResourceIdentifier{Name: "api", Namespace: "demo", GroupKind: schema.GroupKind{Group: "apps", Kind: "Deployment"}}
	nsID     = wait.ResourceIdentifier{Name: "demo", GroupKind: schema.GroupKind{Kind: "Namespace"}}
)

func update(id wait.ResourceIdentifier, st status.Status, msg string, met bool, p wait.Progress) wait.Event {
	return wait.Event{
		Type: wait.ResourceUpdate, AggregateStatus: status.InProgressStatus, Progress: p,
		EventResource: &wait.EventResource{ResourceIdentifier: id, Status: st, Message: msg, Met: met},
	}
}

func fixedScreen(w, h int) screen {
	return screen{live: true, size: func() (int, int, error) { return w, h, nil }}
}

func TestViewKind(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		output string
		s      screen
		want   string
	}{
		{"auto on a terminal", outputAuto, fixedScreen(120, 40), "table"},
		{"auto on a pipe", outputAuto, screen{}, "plain"},
		{"auto on TERM=dumb", outputAuto, screen{live: false, size: fixedScreen(120, 40).size}, "plain"},
		{"auto on a narrow terminal", outputAuto, fixedScreen(minTableWidth-1, 40), "plain"},
		{"auto, size unknown", outputAuto, screen{live: true, size: func() (int, int, error) { return 0, 0, errors.New("no") }}, "plain"},
		{"plain on a terminal", outputPlain, fixedScreen(120, 40), "plain"},
		{"json on a terminal", outputJSON, fixedScreen(120, 40), "json"},
	} {
		if got := viewKind(tt.output, tt.s); got != tt.want {
			t.Errorf("%s: viewKind = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestPlainView(t *testing.T) {
	t.Parallel()
	tr := newTracker(wait.Current(), []wait.ResourceIdentifier{ordersID, apiID, nsID})
	var b bytes.Buffer
	v := newPlainView(&b, false, tr)
	v.start()
	evs := []wait.Event{
		update(ordersID, status.InProgressStatus, "provisioning\nstorage", false, wait.Progress{Total: 3, Observed: 1}),
		update(nsID, status.CurrentStatus, "Resource is current", true, wait.Progress{Total: 3, Observed: 2, Met: 1}),
		{Type: wait.ResourceUpdate, Progress: wait.Progress{Total: 3, Observed: 3, Met: 1}, EventResource: &wait.EventResource{
			ResourceIdentifier: apiID, Status: status.UnknownStatus, Error: errors.New("forbidden"),
		}},
	}
	for i, ev := range evs {
		tr.apply(ev)
		v.event(ev, time.Duration(i+1)*time.Second)
	}
	end := wait.Event{Type: wait.Aborted, Progress: wait.Progress{Total: 3, Observed: 3, Met: 1}, Cause: &timeoutError{5 * time.Second}}
	v.end(end, 5*time.Second, tr.report(end))
	want := "" +
		" +1.000s  Database    demo/orders  InProgress      provisioning storage  [0/3 met]\n" +
		" +2.000s  Namespace   demo         Current      ✔  Resource is current  [1/3 met]\n" +
		" +3.000s  Deployment  demo/api     Unknown         error: forbidden  [1/3 met]\n" +
		"Aborted after 5.000s (timed out after 5s): 1/3 met Current\n"
	if b.String() != want {
		t.Errorf("plain view:\n%s\nwant:\n%s", b.String(), want)
	}
	if strings.Contains(b.String(), "\x1b") {
		t.Error("plain view without colour writes escape sequences")
	}
}

func TestJSONView(t *testing.T) {
	t.Parallel()
	tr := newTracker(wait.Condition("Ready", "True"), []wait.ResourceIdentifier{ordersID, apiID})
	var b bytes.Buffer
	v := &jsonView{w: &b, t: tr}
	v.start()
	ev := update(ordersID, status.InProgressStatus, "creating users", false, wait.Progress{Total: 2, Observed: 1})
	tr.apply(ev)
	v.event(ev, 1500*time.Millisecond)
	fail := wait.Event{Type: wait.Failed, AggregateStatus: status.FailedStatus, Progress: wait.Progress{Total: 2, Observed: 1},
		EventResource: &wait.EventResource{ResourceIdentifier: ordersID, Status: status.FailedStatus, Message: "disk full", Error: errors.New("boom")}}
	tr.apply(fail)
	v.event(fail, 2*time.Second) // not a ResourceUpdate: only end writes it
	v.end(fail, 2*time.Second, tr.report(fail))

	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2:\n%s", len(lines), b.String())
	}
	var up, end map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &up); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(lines[1]), &end); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{"type": "ResourceUpdate", "kind": "Database", "group": "demo.kwait.dev", "namespace": "demo", "name": "orders",
		"status": "InProgress", "message": "creating users", "met": false, "elapsed": 1.5, "goal": "condition Ready=True"} {
		if up[k] != want {
			t.Errorf("update %s = %v, want %v", k, up[k], want)
		}
	}
	if _, ok := up["error"]; ok {
		t.Error("update has an error field without an error")
	}
	for k, want := range map[string]any{"type": "Failed", "name": "orders", "status": "Failed", "error": "boom", "cause": "a resource is Failed"} {
		if end[k] != want {
			t.Errorf("Failed line %s = %v, want %v", k, end[k], want)
		}
	}
	unmet, _ := end["unmet"].([]any)
	if len(unmet) != 2 || unmet[0].(map[string]any)["name"] != "orders" || unmet[1].(map[string]any)["observed"] != false {
		t.Errorf("unmet = %v, want orders (the Failed one) first, then api not observed", end["unmet"])
	}
}

var escape = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]`)

// frames splits the table's output into frames at each cursor-up.
func frames(out string) []string {
	return strings.Split(out, "\r\x1b[")
}

func TestTableView(t *testing.T) {
	t.Parallel()
	tr := newTracker(wait.Current(), []wait.ResourceIdentifier{ordersID, apiID, nsID})
	var b bytes.Buffer
	v := newTableView(&b, fixedScreen(80, 24), tr, time.Now().Add(time.Minute))
	v.start()
	ev := update(ordersID, status.InProgressStatus, strings.Repeat("very long message ", 10), false, wait.Progress{Total: 3, Observed: 1})
	tr.apply(ev)
	v.event(ev, time.Second)
	v.tick(time.Second)
	v.tick(time.Second + 100*time.Millisecond) // nothing changed: no frame
	ev = update(nsID, status.CurrentStatus, "Resource is current", true, wait.Progress{Total: 3, Observed: 2, Met: 1})
	tr.apply(ev)
	v.event(ev, 2*time.Second)
	done := wait.Event{Type: wait.Completed, AggregateStatus: status.CurrentStatus, Progress: wait.Progress{Total: 3, Observed: 3, Met: 3}}
	tr.apply(done)
	v.end(done, 3*time.Second, nil)
	out := b.String()

	if !strings.HasPrefix(out, hideCursor) || !strings.HasSuffix(out, showCursor) {
		t.Errorf("the cursor is not hidden while drawing and shown after")
	}
	if strings.Contains(out, "\x1b[2J") || strings.Contains(out, "\x1b[H") {
		t.Error("the table clears the screen: it flickers and wipes what was above it")
	}
	fs := frames(out)
	if len(fs) != 3 {
		t.Fatalf("%d frames, want 3 (start, one tick with a change, end):\n%q", len(fs), out)
	}
	for i, f := range fs {
		if i > 0 && !strings.HasPrefix(f, fmt.Sprintf("%dA", 5)) {
			t.Errorf("frame %d does not go back up the 5 lines of the last frame: %q", i, f[:min(10, len(f))])
		}
		lines := strings.Split(strings.TrimSuffix(f, clearBelow), "\n")
		lines = lines[:len(lines)-1]
		if len(lines) != 5 {
			t.Errorf("frame %d has %d lines, want header, columns and 3 rows", i, len(lines))
		}
		for _, l := range lines {
			if !strings.HasSuffix(l, clearLine) {
				t.Errorf("frame %d: line %q is not cleared to its end", i, l)
			}
			if n := len([]rune(escape.ReplaceAllString(l, ""))); n > 79 {
				t.Errorf("frame %d: line of %d columns on an 80-column terminal: %q", i, n, l)
			}
		}
	}
	last := escape.ReplaceAllString(fs[2], "")
	for _, want := range []string{
		"kwait  3/3 met Current · Completed in 3.000s: 3/3 met Current",
		"   KIND        NAMESPACE/NAME  STATUS      MESSAGE",
		"   Database    demo/orders     InProgress  very long message very long message",
		"✔  Namespace   demo            Current     Resource is current",
		"   Deployment  demo/api        -           not observed yet",
	} {
		if !strings.Contains(last, want) {
			t.Errorf("last frame has no line %q:\n%s", want, last)
		}
	}
	if !strings.Contains(last, "…") {
		t.Error("the long message is not cut with …")
	}
}

func TestTableViewRowsBeyondHeight(t *testing.T) {
	t.Parallel()
	var idsList []wait.ResourceIdentifier
	for i := range 30 {
		idsList = append(idsList, wait.ResourceIdentifier{Name: fmt.Sprintf("cm-%02d", i), Namespace: "demo", GroupKind: schema.GroupKind{Kind: "ConfigMap"}})
	}
	tr := newTracker(wait.Current(), idsList)
	for i := range 20 {
		tr.apply(update(idsList[i], status.CurrentStatus, "ok", true, wait.Progress{Total: 30, Observed: i + 1, Met: i + 1}))
	}
	var b bytes.Buffer
	v := newTableView(&b, fixedScreen(80, 10), tr, time.Now().Add(time.Minute))
	v.start()
	lines := strings.Split(strings.TrimSuffix(escape.ReplaceAllString(b.String(), ""), "\n"), "\n")
	if len(lines) > 9 {
		t.Fatalf("%d lines on a 10-line terminal: the cursor cannot go back up", len(lines))
	}
	if !strings.Contains(lines[2], "cm-20") || !strings.Contains(lines[len(lines)-1], "… and 24 more (20 met)") {
		t.Errorf("the unmet rows are not shown first, or the rest not summed up:\n%s", strings.Join(lines, "\n"))
	}
}

// TestTableViewNarrowed: a terminal made too narrow during the wait gets
// plain lines from then on, below the last frame.
func TestTableViewNarrowed(t *testing.T) {
	t.Parallel()
	width := 80
	tr := newTracker(wait.Current(), []wait.ResourceIdentifier{ordersID})
	var b bytes.Buffer
	v := newTableView(&b, screen{live: true, size: func() (int, int, error) { return width, 24, nil }}, tr, time.Now().Add(time.Minute))
	v.start()
	width = 30
	ev := update(ordersID, status.CurrentStatus, "ready", true, wait.Progress{Total: 1, Observed: 1, Met: 1})
	tr.apply(ev)
	v.event(ev, time.Second)
	v.tick(time.Second)
	v.event(ev, time.Second)
	out := b.String()
	if !strings.HasSuffix(out, "[1/1 met]\n") || strings.Count(out, clearLine) != 3 {
		t.Errorf("after narrowing, no plain line follows the first frame:\n%q", out)
	}
}

// TestExecuteEndsOnContext: the tracker's report of an interrupted wait
// names the pending resources and exits 130.
func TestExitCodes(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		ev   wait.Event
		want int
	}{
		{wait.Event{Type: wait.Aborted, Cause: &timeoutError{time.Second}}, exitNotMet},
		{wait.Event{Type: wait.Aborted, Cause: context.Canceled}, exitNotMet},
		{wait.Event{Type: wait.Aborted, Cause: &interruptedError{}}, exitInterrupted},
		{wait.Event{Type: wait.Failed}, exitFailed},
	} {
		if got := exitCode(tt.ev); got != tt.want {
			t.Errorf("exitCode(%s, %v) = %d, want %d", tt.ev.Type, tt.ev.Cause, got, tt.want)
		}
	}
	if !errors.Is(&timeoutError{time.Second}, context.DeadlineExceeded) {
		t.Error("a timeout is not a DeadlineExceeded")
	}
}
