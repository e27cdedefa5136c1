package engine

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
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
// One goroutine owns the wait's state; sources only enqueue into it, and
// when the reader is slow, states of the same resource coalesce (the
// newest wins). The final event waits for a reader at most the engine's
// linger after ctx has ended, so an abandoned channel leaks nothing.
func Wait[E any](ctx context.Context, e *Engine, ids []Identifier, conv func(Event) E) <-chan E {
	out := make(chan E, 1)
	// ids is read again later (kinds resolved late): keep a copy the caller
	// cannot change.
	w := &waiter{e: e, ctx: ctx, ids: slices.Clone(ids)}
	w.send = func(ev Event) bool {
		select {
		case out <- conv(ev):
			return true
		case <-ctx.Done():
			return false
		}
	}
	w.final = func(ev Event) {
		// Deliver at once when there is room: the select below picks at
		// random between a free buffer and a done context.
		select {
		case out <- conv(ev):
			return
		default:
		}
		select {
		case out <- conv(ev):
			return
		case <-ctx.Done():
		}
		t := e.opts.Clock.NewTimer(e.finalGrace())
		defer t.Stop()
		select {
		case out <- conv(ev):
		case <-t.C():
			e.opts.Logger.V(1).Info("final event dropped: nobody read the channel", "type", ev.Type.String())
		}
	}
	go func() {
		defer close(out)
		w.run()
	}()
	return out
}

// finalGrace is how long a final event waits for a reader after the
// wait's context has ended.
func (e *Engine) finalGrace() time.Duration {
	if e.opts.Linger != nil {
		return *e.opts.Linger
	}
	return informers.DefaultLinger
}

// tracked is the state of one resource of a wait.
type tracked struct {
	index  int // first position in the request
	target target

	observed    bool
	everCurrent bool
	status      status.Status
	message     string
	errText     string

	existed  bool   // the object was seen to exist during this wait
	lastRV   string // resourceVersion of the newest state applied
	baseline bool   // waiting for a fresh read before trusting the source
	held     *informers.Observation
}

type waiter struct {
	e     *Engine
	ctx   context.Context
	ids   []Identifier
	send  func(Event) bool
	final func(Event)

	objs   []*tracked
	agg    status.Aggregate
	failed bool // some resource is Failed
	q      *queue

	// bgCtx ends the wait's helper goroutines (baseline reads, kind
	// re-resolution), which bg tracks.
	bgCtx  context.Context
	bg     sync.WaitGroup
	groups []*group // live groups, in start order
}

func (w *waiter) run() {
	var errs, unknown []int
	byID := make(map[objectID]int, len(w.ids))
	ms := newMappings(w.e.opts.Mapper)
	for i, id := range w.ids {
		t := ms.resolve(id)
		if t.err == nil {
			if _, dup := byID[t.id()]; dup {
				continue
			}
			byID[t.id()] = len(w.objs)
		} else {
			errs = append(errs, len(w.objs))
			if errors.Is(t.err, ErrUnknownKind) {
				unknown = append(unknown, len(w.objs))
			}
		}
		w.objs = append(w.objs, &tracked{index: i, target: t})
	}
	w.agg.Total = len(w.objs)
	if w.agg.Total == 0 {
		w.final(Event{Type: Completed, Aggregate: status.CurrentStatus})
		return
	}
	w.q = newQueue(len(w.objs))
	for _, p := range errs {
		w.q.push(p, informers.Observation{Err: w.objs[p].target.err}, false)
	}

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
		if t.target.err == nil {
			positions = append(positions, p)
		}
	}
	for _, g := range w.newGroups(positions) {
		w.start(g)
	}
	if len(unknown) > 0 {
		w.resolveLater(unknown, false)
	}

	var batch []pending
	for {
		select {
		case <-w.ctx.Done():
			w.final(Event{Type: Aborted, Aggregate: w.agg.Status()})
			return
		case <-w.q.notify:
		}
		for _, sig := range w.q.takeSignals() {
			w.handle(sig)
		}
		batch = w.q.drain(batch[:0])
		for _, p := range batch {
			if !w.applyPending(w.objs[p.i], p.slot) {
				return
			}
		}
	}
}

// applyPending applies what was queued for t: the baseline first, then
// what the source held back during the read, then the newest source state.
// It checks for completion after each, so nothing follows the update that
// makes the aggregate Current. It returns false when the wait has ended,
// after sending its final event.
func (w *waiter) applyPending(t *tracked, s slot) bool {
	var steps [3]*informers.Observation
	if s.hasBase {
		steps[0] = &s.base
	}
	if s.hasObs {
		steps[2] = &s.obs
	}
	for i := 0; i < len(steps); i++ {
		o := steps[i]
		if o == nil {
			continue
		}
		var ok bool
		if i == 0 {
			var held *informers.Observation
			held, ok = w.applyBaseline(t, *o)
			steps[1] = held
		} else {
			ok = w.applySource(t, *o)
		}
		if !ok {
			w.final(Event{Type: Aborted, Aggregate: w.agg.Status()})
			return false
		}
		if w.agg.Status() == status.CurrentStatus {
			w.final(Event{Type: Completed, Aggregate: status.CurrentStatus})
			return false
		}
		if w.failed && w.e.opts.FailFast {
			w.final(Event{Type: Failed, Aggregate: status.FailedStatus})
			return false
		}
	}
	return true
}

// clusterWide reports whether n namespaces of one kind are watched as one.
func (e *Engine) clusterWide(n int) bool {
	switch e.opts.Scope {
	case ScopeCluster:
		return true
	case ScopeNamespace:
		return false
	}
	return n > e.opts.ClusterScopeThreshold
}

// objectScope reports whether n objects of one (resource, namespace) are
// watched one by one. Only ScopeAuto does: the explicit scopes mean what
// they say.
func (e *Engine) objectScope(n int) bool {
	return e.opts.Scope == ScopeAuto && n <= e.opts.ObjectScopeThreshold
}

// applyBaseline applies a fresh read. It returns what the source held back
// meanwhile, still to be applied, and false when the wait ended.
func (w *waiter) applyBaseline(t *tracked, o informers.Observation) (*informers.Observation, bool) {
	if apierrors.IsForbidden(o.Err) {
		// The caller may watch the object but not GET it: trust the
		// source, as nothing fresher can be had.
		t.baseline = false
		held := t.held
		t.held = nil
		return held, true
	}
	if o.Err != nil {
		// Still no baseline: report the error, keep holding the source.
		return nil, w.observe(t, o)
	}
	t.baseline = false
	held := t.held
	t.held = nil
	if held != nil && o.Object == nil && o.ResourceVersion == "" {
		// A GET that found nothing has no resourceVersion to compare
		// with: whatever the source held predates it.
		held = nil
	}
	return held, w.observe(t, o)
}

// applySource applies a source's observation unless it is older than what
// the wait already knows. It returns false when the wait ended.
func (w *waiter) applySource(t *tracked, o informers.Observation) bool {
	if o.Err == nil {
		switch {
		case t.baseline:
			t.held = &o
			return true
		case isOlder(o.ResourceVersion, t.lastRV):
			return true
		case o.Object == nil && !o.Deleted && o.ResourceVersion == "" && t.lastRV != "":
			// A cache that has not seen the object yet, not a deletion
			// (which comes as Deleted): the wait knows a newer state.
			return true
		}
	}
	return w.observe(t, o)
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

// observe turns an observation into the resource's status and emits a
// ResourceUpdate when it changed. It returns false when the wait ended.
func (w *waiter) observe(t *tracked, o informers.Observation) bool {
	var (
		st  status.Status
		msg string
		err error
	)
	switch {
	case o.Err != nil:
		st, err = status.UnknownStatus, o.Err
	case o.Object == nil:
		st, msg = status.CurrentStatus, MessageNotExist
		if o.Deleted || t.existed {
			msg = MessageDeleted
		}
	default:
		t.existed = true
		res, cerr := w.e.computer.Compute(o.Object)
		if cerr != nil {
			st, err = status.UnknownStatus, cerr
		} else {
			st, msg = res.Status, res.Message
		}
	}
	if o.Err == nil && o.ResourceVersion != "" {
		t.lastRV = o.ResourceVersion
	}
	errText := ""
	if err != nil {
		errText = err.Error()
	}
	if t.observed && st == t.status && msg == t.message && errText == t.errText {
		return true
	}
	if !t.observed {
		t.observed = true
		w.agg.Observed++
	}
	if st == status.FailedStatus {
		w.failed = true
	}
	if st == status.CurrentStatus && !t.everCurrent {
		t.everCurrent = true
		w.agg.EverCurrent++
	}
	t.status, t.message, t.errText = st, msg, errText
	return w.send(Event{
		Type:      ResourceUpdate,
		Aggregate: w.agg.Status(),
		Index:     t.index,
		Status:    st,
		Message:   msg,
		Err:       err,
	})
}
