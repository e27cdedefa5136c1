package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kwait-dev/kwait/status"
	"github.com/kwait-dev/kwait/wait"
)

// tally keeps the latest status of each resource of the wait, for the
// "n/total Current" column and the summary of an aborted wait.
type tally struct {
	ids  []wait.ResourceIdentifier
	last map[wait.ResourceIdentifier]*wait.EventResource
}

func newTally(ids []wait.ResourceIdentifier) *tally {
	return &tally{ids: ids, last: make(map[wait.ResourceIdentifier]*wait.EventResource, len(ids))}
}

func (t *tally) update(er *wait.EventResource) { t.last[er.ResourceIdentifier] = er }

func (t *tally) current() int {
	n := 0
	for _, er := range t.last {
		if er.Status == status.CurrentStatus {
			n++
		}
	}
	return n
}

// pending lists the resources not Current, in the wait's order.
func (t *tally) pending() []wait.ResourceIdentifier {
	var out []wait.ResourceIdentifier
	for _, id := range t.ids {
		if er := t.last[id]; er == nil || er.Status != status.CurrentStatus {
			out = append(out, id)
		}
	}
	return out
}

// ANSI styles, used only when stdout is a terminal.
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

// messageWidth is the width of the message column; longer messages are
// cut, and a cut error is printed in full on the next line.
const messageWidth = 36

// printer writes the demo's progress and the event stream, one aligned line
// per event.
type printer struct {
	w      io.Writer
	color  bool
	kindW  int
	nameW  int
	status int
}

func newPrinter(f *os.File) *printer {
	p := &printer{w: f, status: len(status.TerminatingStatus)}
	if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 && os.Getenv("NO_COLOR") == "" {
		p.color = true
	}
	return p
}

// columns sizes the kind and name columns for ids.
func (p *printer) columns(ids []wait.ResourceIdentifier) {
	for _, id := range ids {
		p.kindW = max(p.kindW, len(id.GroupKind.Kind))
		p.nameW = max(p.nameW, len(objectName(id)))
	}
}

func (p *printer) style(s string, styles ...string) string {
	codes := strings.Join(styles, "")
	if !p.color || codes == "" {
		return s
	}
	return codes + s + reset
}

func (p *printer) header(s string) { fmt.Fprintln(p.w, p.style(s, bold)) }
func (p *printer) info(s string)   { fmt.Fprintf(p.w, "  %s\n", s) }
func (p *printer) blank()          { fmt.Fprintln(p.w) }

// step starts a line that done ends.
func (p *printer) step(s string) { fmt.Fprintf(p.w, "  %s… ", s) }
func (p *printer) done(s string) { fmt.Fprintln(p.w, p.style(s, dim)) }

func (p *printer) errorf(format string, args ...any) {
	fmt.Fprintln(os.Stderr, p.style(fmt.Sprintf(format, args...), red))
}

// update prints one ResourceUpdate:
//
//	+1.234s  Database    demo/orders  InProgress   creating users  [2/8 Current, aggregate InProgress]
func (p *printer) update(elapsed time.Duration, er *wait.EventResource, t *tally, aggregate status.Status) {
	id := er.ResourceIdentifier
	msg, msgStyle := er.Message, ""
	if er.Error != nil {
		msg, msgStyle = "error: "+er.Error.Error(), red
	}
	cut := fit(msg, messageWidth)
	fmt.Fprintf(p.w, "%s  %s  %s  %s  %s  %s\n",
		p.style(fmt.Sprintf("%8s", "+"+fmt.Sprintf("%.3fs", elapsed.Seconds())), dim),
		pad(id.GroupKind.Kind, p.kindW),
		pad(objectName(id), p.nameW),
		p.style(pad(string(er.Status), p.status), p.statusStyle(er.Status)),
		p.style(pad(cut, messageWidth), msgStyle),
		fmt.Sprintf("[%d/%d Current, aggregate %s]", t.current(), len(t.ids), p.style(string(aggregate), p.statusStyle(aggregate))),
	)
	if er.Error != nil && cut != msg {
		fmt.Fprintf(p.w, "%s  %s\n", strings.Repeat(" ", 8), p.style("↳ "+msg, msgStyle))
	}
}

func (p *printer) completed(elapsed time.Duration, t *tally) {
	p.blank()
	fmt.Fprintln(p.w, p.style(fmt.Sprintf("✔ Completed in %.3fs: all %d resources are Current", elapsed.Seconds(), len(t.ids)), bold, green))
}

func (p *printer) aborted(elapsed time.Duration, t *tally, aggregate status.Status, why string) {
	p.blank()
	fmt.Fprintln(p.w, p.style(fmt.Sprintf("✘ Aborted after %.3fs (%s): %d/%d Current, aggregate %s",
		elapsed.Seconds(), why, t.current(), len(t.ids), aggregate), bold, red))
	for _, id := range t.pending() {
		state := "not observed"
		if er := t.last[id]; er != nil {
			state = string(er.Status)
			switch {
			case er.Error != nil:
				state += ": " + er.Error.Error()
			case er.Message != "":
				state += ": " + er.Message
			}
		}
		fmt.Fprintf(p.w, "  still waiting for %s %s (%s)\n", id.GroupKind.Kind, objectName(id), state)
	}
}

func (p *printer) statusStyle(s status.Status) string {
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

// pad right-pads s with spaces to width runes.
func pad(s string, width int) string {
	if n := utf8.RuneCountInString(s); n < width {
		return s + strings.Repeat(" ", width-n)
	}
	return s
}

// fit cuts s to width runes, ending a cut string with "…".
func fit(s string, width int) string {
	if utf8.RuneCountInString(s) <= width {
		return s
	}
	r := []rune(s)
	return string(r[:width-1]) + "…"
}
