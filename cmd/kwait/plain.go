package main

import (
	"fmt"
	"io"
	"time"

	"github.com/kwait-dev/kwait/wait"
)

// plainView prints one line per event, aligned, for logs and pipes:
//
//	+1.234s  Database    demo/orders  InProgress  ✔  creating users  [2/8 met]
type plainView struct {
	w            io.Writer
	color        bool
	t            *tracker
	kindW, nameW int
}

func newPlainView(w io.Writer, color bool, t *tracker) *plainView {
	v := &plainView{w: w, color: color, t: t}
	for _, r := range t.rows {
		v.kindW = max(v.kindW, len(r.GroupKind.Kind))
		v.nameW = max(v.nameW, len(objectName(r.ResourceIdentifier)))
	}
	return v
}

func (v *plainView) start()             {}
func (v *plainView) tick(time.Duration) {}
func (v *plainView) abandon()           {}
func (v *plainView) event(ev wait.Event, elapsed time.Duration) {
	er := ev.EventResource
	if ev.Type != wait.ResourceUpdate || er == nil {
		return
	}
	msg, msgStyle := oneLine(er.Message), ""
	if er.Error != nil {
		msg, msgStyle = "error: "+oneLine(er.Error.Error()), red
	}
	fmt.Fprintf(v.w, "%s  %s  %s  %s  %s  %s  %s\n",
		paint(v.color, fmt.Sprintf("%8s", "+"+seconds(elapsed)), dim),
		pad(er.ResourceIdentifier.GroupKind.Kind, v.kindW),
		pad(objectName(er.ResourceIdentifier), v.nameW),
		paint(v.color, pad(string(er.Status), len("Terminating")), statusStyle(er.Status)),
		paint(v.color, metMark(er.Met), green),
		paint(v.color, msg, msgStyle),
		fmt.Sprintf("[%d/%d met]", ev.Progress.Met, ev.Progress.Total),
	)
}

func (v *plainView) end(ev wait.Event, elapsed time.Duration, _ *wait.NotMetError) {
	fmt.Fprintln(v.w, paint(v.color, ending(ev, elapsed, v.t), bold, endStyle(ev)))
}
