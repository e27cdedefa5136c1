package main

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/kwait-dev/kwait/wait"
)

// Terminal control sequences of the live table (ECMA-48, which every
// terminal but TERM=dumb understands).
const (
	cursorUp   = "\x1b[%dA" // to the table's first line
	clearLine  = "\x1b[K"   // the rest of the line
	clearBelow = "\x1b[J"   // the rest of the screen, when the table shrinks
	hideCursor = "\x1b[?25l"
	showCursor = "\x1b[?25h"
)

// tableView is the live table: a header with met/total, elapsed and time
// left, then one row per resource, redrawn in place. Each frame is written
// in one go: the cursor goes back to the table's first line, and each line
// is written over the old one and cleared to its end, so nothing is ever
// blanked (no flicker). Lines are cut to the terminal's width, and rows
// beyond its height are summed up, so that the cursor always finds the
// table's first line again. If the terminal becomes too narrow the table
// gives way to plain lines.
type tableView struct {
	w        io.Writer
	s        screen
	t        *tracker
	deadline time.Time

	drawn   int // lines of the last frame
	dirty   bool
	shown   string // the header's clock when last drawn
	elapsed time.Duration
	plain   *plainView // once the terminal is too narrow
	buf     bytes.Buffer
}

func newTableView(w io.Writer, s screen, t *tracker, deadline time.Time) *tableView {
	return &tableView{w: w, s: s, t: t, deadline: deadline, dirty: true}
}

func (v *tableView) start() {
	_, _ = io.WriteString(v.w, hideCursor)
	v.draw(v.frame(nil, 0))
}

func (v *tableView) event(ev wait.Event, elapsed time.Duration) {
	if v.plain != nil {
		v.plain.event(ev, elapsed)
		return
	}
	v.dirty = true
}

func (v *tableView) tick(elapsed time.Duration) {
	if v.plain != nil {
		return
	}
	v.elapsed = elapsed
	if !v.dirty && v.clock(nil) == v.shown {
		return
	}
	v.draw(v.frame(nil, 0))
}

func (v *tableView) end(ev wait.Event, elapsed time.Duration, report *wait.NotMetError) {
	if v.plain != nil {
		v.plain.end(ev, elapsed, report)
		return
	}
	v.elapsed = elapsed
	v.draw(v.frame(&ev, elapsed))
	_, _ = io.WriteString(v.w, showCursor)
}

func (v *tableView) abandon() {
	if v.plain == nil {
		_, _ = io.WriteString(v.w, showCursor)
	}
}

// size is the terminal's size, or 80x24 when it cannot be read.
func (v *tableView) size() (int, int) {
	if v.s.size != nil {
		if w, h, err := v.s.size(); err == nil && w > 0 && h > 0 {
			return w, h
		}
	}
	return 80, 24
}

// draw writes lines over the last frame; a frame nil means the terminal
// became too narrow, and plain lines take over below the last frame.
func (v *tableView) draw(lines []string) {
	if lines == nil {
		_, _ = io.WriteString(v.w, showCursor)
		v.plain = newPlainView(v.w, v.s.color, v.t)
		return
	}
	v.buf.Reset()
	if v.drawn > 0 {
		fmt.Fprintf(&v.buf, "\r"+cursorUp, v.drawn)
	}
	for _, l := range lines {
		v.buf.WriteString(l)
		v.buf.WriteString(clearLine)
		v.buf.WriteByte('\n')
	}
	v.buf.WriteString(clearBelow)
	_, _ = v.w.Write(v.buf.Bytes())
	v.drawn = len(lines)
	v.dirty = false
}

// clock is the header's time part: elapsed and time left, in seconds, or
// the ending of the wait.
func (v *tableView) clock(end *wait.Event) string {
	if end != nil {
		return ending(*end, v.elapsed, v.t)
	}
	left := max(time.Until(v.deadline), 0).Round(time.Second)
	return fmt.Sprintf("elapsed %s · %s left", v.elapsed.Truncate(time.Second), left)
}

// frame lays out the table for the terminal's size; nil when it is too
// narrow for a table.
func (v *tableView) frame(end *wait.Event, _ time.Duration) []string {
	width, height := v.size()
	if width < minTableWidth {
		return nil
	}
	lineW := width - 1 // never the last column: some terminals wrap there
	p := v.t.progress
	clock := v.clock(end)
	v.shown = clock
	head := fmt.Sprintf("kwait  %d/%d met %s · %s", p.Met, p.Total, v.t.goal, clock)
	headStyle := []string{bold}
	if end != nil {
		headStyle = append(headStyle, endStyle(*end))
	}
	lines := []string{paint(v.s.color, cut(head, lineW), headStyle...)}

	rows := v.visibleRows(height - 3)
	kindW, nameW, statusW := len("KIND"), len("NAMESPACE/NAME"), len("STATUS")
	for _, r := range rows {
		kindW = max(kindW, len(r.GroupKind.Kind))
		nameW = max(nameW, len(objectName(r.ResourceIdentifier)))
		statusW = max(statusW, len(r.status()))
	}
	// The message gets what is left; names are cut first when they leave
	// it less than a third of the line.
	fixed := 3 + kindW + 2 + statusW + 2
	if msgMin := lineW / 3; lineW-fixed-nameW-2 < msgMin {
		nameW = max(lineW-fixed-msgMin-2, len("NAMESPACE/NAME"))
	}
	msgW := max(lineW-fixed-nameW-2, 0)
	lines = append(lines, cut(fmt.Sprintf("   %s  %s  %s  %s", pad("KIND", kindW), pad("NAMESPACE/NAME", nameW), pad("STATUS", statusW), "MESSAGE"), lineW))
	for _, r := range rows {
		msg := cut(oneLine(r.message()), msgW)
		msgStyle := ""
		if r.Error != nil {
			msgStyle = red
		}
		line := paint(v.s.color, metMark(r.met), green) + "  " +
			pad(cut(r.GroupKind.Kind, kindW), kindW) + "  " +
			pad(cut(objectName(r.ResourceIdentifier), nameW), nameW) + "  " +
			paint(v.s.color, pad(r.status(), statusW), statusStyle(r.Status)) + "  " +
			paint(v.s.color, msg, msgStyle)
		lines = append(lines, strings.TrimRight(line, " "))
	}
	if hidden := len(v.t.rows) - len(rows); hidden > 0 {
		lines = append(lines, cut(fmt.Sprintf("   … and %d more (%d met)", hidden, v.metHidden(rows)), lineW))
	}
	return lines
}

// visibleRows are the rows that fit in capacity lines, the unmet first
// when not all fit, each group in the order given; a last line then says
// how many are left out.
func (v *tableView) visibleRows(capacity int) []*row {
	if len(v.t.rows) <= capacity {
		return v.t.rows
	}
	capacity = max(capacity-1, 1)
	out := make([]*row, 0, capacity)
	for _, pass := range []bool{false, true} {
		for _, r := range v.t.rows {
			if r.met == pass && len(out) < capacity {
				out = append(out, r)
			}
		}
	}
	return out
}

func (v *tableView) metHidden(shown []*row) int {
	in := make(map[*row]bool, len(shown))
	for _, r := range shown {
		in[r] = true
	}
	n := 0
	for _, r := range v.t.rows {
		if r.met && !in[r] {
			n++
		}
	}
	return n
}
