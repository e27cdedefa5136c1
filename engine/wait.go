package engine

import (
	"context"
	"slices"
	"sync"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/resourceversion"

	"github.com/kwait-dev/kwait/informers"
	"github.com/kwait-dev/kwait/status"
)

// Messages of resources that do not exist, which count as Current.
const (
	MessageNotExist = "Resource does not exist"
	MessageDeleted  = "Resource has been deleted"
)

// Wait starts a wait for ids and returns its events, converted by conv, on
// a channel that is always closed at the end. Each resource's first
// observation and every change of its (status, message, error) give one
// ResourceUpdate carrying the aggregate after it. Once every resource has
// been Current at least once, one Completed follows, then the channel
// closes; if ctx ends first, one Aborted with the last aggregate does.
//
// One goroutine owns the wait's state and applies every observation as it
// arrives, whether or not the caller is reading; when the caller is
// slower, a resource's unread update is replaced by its newest, and the
// updates keep the order of their changes. The last event waits for a
// reader as long as ctx lasts, and FinalEventTimeout after it ended, so
// an abandoned channel leaks nothing.
func Wait[E any](ctx context.Context, e *Engine, ids []Identifier, conv func(Event) E) <-chan E {
	return WaitFor(ctx, e, ids, GoalCurrent(), conv)
}

// WaitFor is Wait for another goal than Current: it completes once every
// resource has met g at least once. Updates still carry each resource's
// kstatus status, and say whether it meets g.
func WaitFor[E any](ctx context.Context, e *Engine, ids []Identifier, g Goal, conv func(Event) E) <-chan E {
	out := make(chan E, 1)
	// ids is read again later (kinds resolved late): keep a copy the caller
	// cannot change.
	w := &waiter[E]{e: e, ctx: ctx, ids: slices.Clone(ids), goal: g, out: out, conv: conv}
	go func() {
		defer close(out)
		w.run()
	}()
	return out
}

// tracked is the state of one resource of a wait.
type tracked struct {
	index  int // first position in the request
	pos    int // position in waiter.objs
	target target
	group  *group // the group reading it; nil while unresolved

	// What the resource's newest observation says.
	hasData    bool
	dataStatus status.Status
	dataMsg    string
	dataErr    error // status could not be computed, or the goal judged
	dataMet    bool  // it meets the goal
	firstUID   types.UID
	existed    bool   // the object was seen to exist during this wait
	lastRV     string // resourceVersion of the newest state applied
	readErr    error  // the last read of this object failed
	srcErr     error  // the source reading it fails
	srcErrFrom *group // the group whose health set srcErr; nil when the wait set it

	// What the caller was last told.
	observed bool
	everMet  bool
	met      bool
	status   status.Status
	message  string
	errText  string
}

type waiter[E any] struct {
	e    *Engine
	ctx  context.Context
	ids  []Identifier
	goal Goal
	out  chan E
	conv func(Event) E

	objs []*tracked
	agg  status.Aggregate
	q    *queue
	box  *outbox
	end  *Event // the final event, once decided

	// bgCtx ends the wait's helper goroutines (kind re-resolution), which
	// bg tracks.
	bgCtx  context.Context
	bg     sync.WaitGroup
	groups []*group // every group started, in start order
}

func (w *waiter[E]) run() {
	var retry []int
	byID := make(map[objectID]bool, len(w.ids))
	byUnresolved := make(map[unresolvedID]bool)
	ms := newMappings(w.e.opts.Mapper)
	for i, id := range w.ids {
		t := ms.resolve(id)
		switch {
		case t.err == nil:
			if byID[t.id()] {
				continue
			}
			byID[t.id()] = true
		case t.retry:
			// A kind not served yet: two identifiers of one object must
			// not be tracked twice once it is.
			u := unresolvedOf(id)
			if byUnresolved[u] {
				continue
			}
			byUnresolved[u] = true
			retry = append(retry, len(w.objs))
		}
		w.objs = append(w.objs, &tracked{index: i, pos: len(w.objs), target: t})
	}
	w.agg.Total = len(w.objs)
	if w.agg.Total == 0 {
		w.final(Event{Type: Completed, Aggregate: status.CurrentStatus})
		return
	}
	w.q = newQueue()
	w.box = newOutbox(len(w.objs))

	bgCtx, cancel := context.WithCancel(w.ctx)
	w.bgCtx = bgCtx
	// Shutdown order: stop the helper goroutines, then unsubscribe and
	// release every source (which may linger for the next wait).
	defer func() {
		cancel()
		w.bg.Wait()
		for _, g := range w.groups {
			g.stop(false)
		}
	}()

	positions := make([]int, 0, len(w.objs))
	for p, t := range w.objs {
		if t.target.err != nil {
			t.readErr = t.target.err
			w.refresh(t)
			continue
		}
		positions = append(positions, p)
	}
	sizes := w.e.kindSizes(w.ctx, w.targets(positions))
	for _, g := range w.newGroups(positions, sizes) {
		w.start(g)
	}
	if len(retry) > 0 {
		w.resolveLater(retry, false)
	}
	w.loop()
}

// loop applies inputs and hands updates to the caller until the wait ends.
func (w *waiter[E]) loop() {
	var (
		next    E
		nextSeq uint64 // the change next was converted from; 0 for none
	)
	for {
		var out chan<- E
		if ev, seq, ok := w.box.peek(); ok {
			if seq != nextSeq {
				// The update to send was replaced by a newer one.
				next, nextSeq = w.conv(ev), seq
			}
			out = w.out
		} else if w.end != nil {
			w.final(*w.end)
			return
		}
		select {
		case <-w.ctx.Done():
			if w.end == nil {
				w.end = &Event{Type: Aborted, Aggregate: w.agg.Status(), Progress: w.progress(), Cause: context.Cause(w.ctx)}
			}
			w.final(*w.end)
			return
		case <-w.q.notify:
			for _, in := range w.q.take() {
				if w.end != nil {
					break // nothing after the update that ended the wait
				}
				w.apply(in)
			}
		case out <- next:
			w.box.pop()
			nextSeq = 0
		}
	}
}

// final delivers the last event: at once if the channel has room, else as
// soon as the caller reads, for as long as ctx lasts and FinalEventTimeout
// after.
func (w *waiter[E]) final(ev Event) {
	v := w.conv(ev)
	select {
	case w.out <- v:
		return
	default:
	}
	select {
	case w.out <- v:
		return
	case <-w.ctx.Done():
	}
	t := w.e.opts.Clock.NewTimer(w.e.opts.FinalEventTimeout)
	defer t.Stop()
	select {
	case w.out <- v:
	case <-t.C():
		w.e.opts.Logger.V(1).Info("final event dropped: nobody read the channel", "type", ev.Type.String())
	}
}

func (w *waiter[E]) apply(in input) {
	switch {
	case in.sig != nil:
		w.handle(in.sig)
	case in.health != nil:
		w.onHealth(in.g, *in.health)
	default:
		w.onObservation(in.g, in.pos, in.obs)
	}
}

// onObservation applies what g's source says about the resource at pos,
// unless g no longer reads it or the state is older than one applied.
func (w *waiter[E]) onObservation(g *group, pos int, o informers.Observation) {
	t := w.objs[pos]
	if g.dead || t.group != g {
		return
	}
	if o.Err != nil {
		t.readErr = o.Err
		w.refresh(t)
		return
	}
	if isOlder(o.ResourceVersion, t.lastRV) {
		return
	}
	t.readErr = nil
	if t.srcErr != nil && t.srcErrFrom != g {
		t.srcErr, t.srcErrFrom = nil, nil // set by a group it has left
	}
	w.setData(t, o)
	w.refresh(t)
}

// onHealth applies a change of g's source as a whole.
func (w *waiter[E]) onHealth(g *group, h informers.Health) {
	if g.dead {
		return
	}
	switch h.State {
	case informers.Failing:
		for _, k := range g.keys {
			t := w.objs[g.pos[k]]
			t.srcErr, t.srcErrFrom = h.Err, g
			w.refresh(t)
		}
	case informers.Healthy:
		for _, k := range g.keys {
			if t := w.objs[g.pos[k]]; t.srcErrFrom == g {
				t.srcErr, t.srcErrFrom = nil, nil
				w.refresh(t)
			}
		}
	case informers.Forbidden:
		w.demote(g)
	case informers.Gone:
		w.gone(g, h.Err)
	}
}

func (w *waiter[E]) setData(t *tracked, o informers.Observation) {
	t.hasData, t.dataErr, t.dataMsg = true, nil, ""
	// Only a state of the object (or its deletion) sets the floor: an
	// absence's version is the collection's, which fakes (the
	// controller-runtime client's per-object versions) do not order with
	// the object's own.
	if o.ResourceVersion != "" && (o.Object != nil || o.Deleted) {
		t.lastRV = o.ResourceVersion
	}
	switch {
	case o.Object == nil:
		t.dataStatus, t.dataMsg = status.CurrentStatus, MessageNotExist
		if o.Deleted || t.existed {
			t.dataMsg = MessageDeleted
		}
	default:
		t.existed = true
		if t.firstUID == "" {
			t.firstUID = o.Object.GetUID()
		}
		res, err := w.e.computer.Compute(o.Object)
		if err != nil {
			t.dataStatus, t.dataErr = status.UnknownStatus, err
		} else {
			t.dataStatus, t.dataMsg = res.Status, res.Message
		}
	}
	if t.dataErr != nil && w.goal.kind == goalCurrent {
		t.dataMet = false
		return
	}
	met, err := w.goal.judge(t.dataStatus, o.Object, t.firstUID)
	t.dataMet = met && err == nil
	if err != nil && t.dataErr == nil {
		t.dataErr = err
	}
}

// refresh tells the caller what t is now, if that changed: a failing
// source or read first, else the newest state. It decides the end of the
// wait when this change completes it.
func (w *waiter[E]) refresh(t *tracked) {
	var (
		st  status.Status
		msg string
		err error
		met bool
	)
	switch {
	case t.srcErr != nil:
		st, err = status.UnknownStatus, t.srcErr
	case t.readErr != nil:
		st, err = status.UnknownStatus, t.readErr
	case t.hasData:
		st, msg, err, met = t.dataStatus, t.dataMsg, t.dataErr, t.dataMet
	default:
		return // nothing known yet
	}
	errText := ""
	if err != nil {
		errText = err.Error()
	}
	if t.observed && st == t.status && msg == t.message && errText == t.errText && met == t.met {
		return
	}
	if !t.observed {
		t.observed = true
		w.agg.Observed++
	}
	if met && !t.everMet {
		t.everMet = true
		w.agg.EverCurrent++ // counts the resources that met the goal
	}
	t.status, t.message, t.errText, t.met = st, msg, errText, met
	agg := w.agg.Status()
	w.box.put(t.pos, Event{Type: ResourceUpdate, Aggregate: agg, Progress: w.progress(), Index: t.index, Status: st, Message: msg, Err: err, Met: met})
	switch {
	case w.end != nil:
	case agg == status.CurrentStatus:
		w.end = &Event{Type: Completed, Aggregate: status.CurrentStatus, Progress: w.progress()}
	case w.e.opts.FailFast && st == status.FailedStatus:
		w.end = &Event{Type: Failed, Aggregate: status.FailedStatus, Progress: w.progress(), Index: t.index, Status: st, Message: msg, Err: err, Met: met}
	}
}

func (w *waiter[E]) progress() Progress {
	return Progress{Total: w.agg.Total, Observed: w.agg.Observed, Met: w.agg.EverCurrent}
}

func (w *waiter[E]) targets(positions []int) []target {
	out := make([]target, len(positions))
	for i, p := range positions {
		out[i] = w.objs[p].target
	}
	return out
}

// isOlder reports whether rv is known to be older than than. Versions that
// do not compare (fake clients) are never older.
func isOlder(rv, than string) bool {
	if rv == "" || than == "" {
		return false
	}
	c, err := resourceversion.CompareResourceVersion(rv, than)
	return err == nil && c < 0
}
