package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/term"

	"github.com/kwait-dev/kwait/status"
	"github.com/kwait-dev/kwait/wait"
)

// view shows the wait as it goes. The wait's loop calls it from one
// goroutine: start once, event for each event, tick every redrawInterval,
// then end with the last event (and the report, if the goal was not met),
// or abandon when kwait exits in a hurry.
type view interface {
	start()
	event(ev wait.Event, elapsed time.Duration)
	tick(elapsed time.Duration)
	end(ev wait.Event, elapsed time.Duration, report *wait.NotMetError)
	abandon()
}

var (
	_ view = (*plainView)(nil)
	_ view = (*jsonView)(nil)
	_ view = (*tableView)(nil)
)

// minTableWidth is the narrowest terminal the live table is drawn in;
// narrower, -o auto prints plain lines.
const minTableWidth = 50

// screen is what kwait knows of its stdout: whether it is a terminal that
// can move the cursor (not TERM=dumb), its size, and whether to colour.
type screen struct {
	live  bool
	color bool
	size  func() (width, height int, err error)
}

func detectScreen(w io.Writer) screen {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return screen{}
	}
	dumb := os.Getenv("TERM") == "dumb"
	return screen{
		live:  !dumb,
		color: !dumb && os.Getenv("NO_COLOR") == "",
		size:  func() (int, int, error) { return term.GetSize(int(f.Fd())) },
	}
}

// viewKind is the view -o asks for on s: "table", "plain" or "json".
func viewKind(output string, s screen) string {
	switch output {
	case outputJSON:
		return "json"
	case outputPlain:
		return "plain"
	}
	if !s.live || s.size == nil {
		return "plain"
	}
	if w, _, err := s.size(); err != nil || w < minTableWidth {
		return "plain"
	}
	return "table"
}

func newView(output string, w io.Writer, t *tracker, deadline time.Time) view {
	s := detectScreen(w)
	return newViewOn(viewKind(output, s), w, s, t, deadline)
}

func newViewOn(kind string, w io.Writer, s screen, t *tracker, deadline time.Time) view {
	switch kind {
	case "json":
		return &jsonView{w: w, t: t}
	case "table":
		return newTableView(w, s, t, deadline)
	}
	return newPlainView(w, s.color, t)
}

// ANSI styles, written only to a terminal and without NO_COLOR.
const (
	reset   = "\x1b[0m"
	bold    = "\x1b[1m"
	dim     = "\x1b[2m"
	red     = "\x1b[31m"
	green   = "\x1b[32m"
	yellow  = "\x1b[33m"
	magenta = "\x1b[35m"
	grey    = "\x1b[90m"
)

func paint(on bool, s string, styles ...string) string {
	style := strings.Join(styles, "") // "" for an unstyled message
	if !on || style == "" || s == "" {
		return s
	}
	return style + s + reset
}

func statusStyle(s status.Status) string {
	switch s {
	case status.CurrentStatus:
		return green
	case status.InProgressStatus:
		return yellow
	case status.FailedStatus:
		return red
	case status.TerminatingStatus:
		return magenta
	}
	return grey
}

// objectName is namespace/name, or name for a cluster-scoped resource.
func objectName(id wait.ResourceIdentifier) string {
	if id.Namespace == "" {
		return id.Name
	}
	return id.Namespace + "/" + id.Name
}

// message is what a row says: the error if there is one, else the
// status message.
func (r *row) message() string {
	switch {
	case r.Error != nil:
		return "error: " + r.Error.Error()
	case !r.Observed:
		return "not observed yet"
	}
	return r.Message
}

func (r *row) status() string {
	if !r.Observed {
		return "-"
	}
	return string(r.Status)
}

// metMark is the column that says a resource has met the goal.
func metMark(met bool) string {
	if met {
		return "✔"
	}
	return " "
}

// pad right-pads s with spaces to width runes.
func pad(s string, width int) string {
	if n := utf8.RuneCountInString(s); n < width {
		return s + strings.Repeat(" ", width-n)
	}
	return s
}

// cut shortens s to width runes, ending a cut string with "…".
func cut(s string, width int) string {
	if width <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= width {
		return s
	}
	r := []rune(s)
	return string(r[:width-1]) + "…"
}

// oneLine keeps a message on one line of a table or a log.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\n\r\t") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3fs", d.Seconds()) }

// ending is the last line of a wait, as plain and table views print it.
func ending(ev wait.Event, elapsed time.Duration, t *tracker) string {
	p := ev.Progress
	switch ev.Type {
	case wait.Completed:
		return fmt.Sprintf("Completed in %s: %d/%d met %s", seconds(elapsed), p.Met, p.Total, t.goal)
	case wait.Failed:
		what := "a resource is Failed"
		if er := ev.EventResource; er != nil {
			what = fmt.Sprintf("%s %s is Failed", er.ResourceIdentifier.GroupKind.Kind, objectName(er.ResourceIdentifier))
		}
		return fmt.Sprintf("Failed after %s (--fail-fast): %s; %d/%d met %s", seconds(elapsed), what, p.Met, p.Total, t.goal)
	}
	return fmt.Sprintf("Aborted after %s (%v): %d/%d met %s", seconds(elapsed), ev.Cause, p.Met, p.Total, t.goal)
}

func endStyle(ev wait.Event) string {
	if ev.Type == wait.Completed {
		return green
	}
	return red
}
