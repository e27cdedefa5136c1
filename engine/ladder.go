package engine

import (
	"fmt"

	"github.com/kwait-dev/kwait/informers"
)

// rung is a step of the permission ladder: how a group of objects is read.
// A wait moves a group one rung down when the API server forbids the one
// it is on, and never moves it back up. The ladder lives here alone: a
// source that is refused reports Forbidden and is dropped, and the only
// step below, a poller, reads through the planner, which turns a refused
// LIST into GETs.
type rung int

const (
	rungCluster   rung = iota // one informer for all namespaces
	rungNamespace             // one informer per namespace
	rungObject                // one informer per object (fieldSelector metadata.name)
	rungPoll                  // a poller: a LIST, or a GET per object, every poll interval
)

func (r rung) String() string {
	return [...]string{"cluster", "namespace", "object", "poll"}[r]
}

// group is the targets of a wait read through one source.
type group struct {
	res   informers.Resource
	scope informers.Scope
	rung  rung
	keys  []informers.Key
	pos   map[informers.Key]int // key → position in waiter.objs

	lease  *informers.Lease
	cancel func()
	dead   bool // stopped; what its source still sends is stale
	late   bool // its kind resolved during the wait
}

// stop unsubscribes and gives the source back; discard stops it at once.
func (g *group) stop(discard bool) {
	if g.dead {
		return
	}
	g.dead = true
	if g.cancel != nil {
		g.cancel()
	}
	if g.lease == nil {
		return
	}
	if discard {
		g.lease.Discard()
	} else {
		g.lease.Release()
	}
}

// start acquires g's source and subscribes to it. The handlers run on the
// source's goroutine: they read only what does not change after this
// point (g and its pos) and only enqueue.
func (w *waiter[E]) start(g *group) {
	mode := informers.Watch
	if g.rung == rungPoll {
		mode = informers.Poll
	}
	w.groups = append(w.groups, g)
	for _, p := range g.pos {
		w.objs[p].group = g
	}
	// A source another wait started may lag behind the caller's writes:
	// the lease reads each object live first.
	// A kind that resolved during the wait may be served for seconds only:
	// its first list can be held back (429) while a GET answers at once.
	lease, err := w.e.sources.Acquire(g.res, g.scope, mode, informers.AcquireOptions{ReadYourWrites: true, ReadFirst: g.late})
	if err != nil {
		g.dead = true
		for _, p := range g.pos {
			t := w.objs[p]
			t.readErr = err
			w.refresh(t)
		}
		return
	}
	g.lease = lease
	w.e.opts.Logger.V(1).Info("reading", "resource", g.res.GVR.String(), "scope", g.scope.String(), "rung", g.rung.String(), "objects", len(g.keys), "shared", !lease.Fresh)
	pos := g.pos
	g.cancel = lease.Subscribe(g.keys,
		func(o informers.Observation) {
			if p, ok := pos[o.Key]; ok {
				w.q.push(input{g: g, pos: p, obs: o})
			}
		},
		func(h informers.Health) { w.q.push(input{g: g, health: &h}) })
}

// demote moves g one rung down: its source is forbidden, so it is stopped
// at once and its objects are read through narrower sources. A group on
// rungObject, whether it got there by a 403 or started there (few
// objects under ScopeAuto), moves to polling.
func (w *waiter[E]) demote(g *group) {
	g.stop(true)
	next := g.rung + 1
	if next == rungNamespace && !g.res.Namespaced {
		next = rungObject
	}
	w.e.opts.Logger.Info("permission ladder: forbidden, moving down", "resource", g.res.GVR.String(), "scope", g.scope.String(), "from", g.rung.String(), "to", next.String())
	subgroups := make(map[informers.Scope]*group)
	var order []*group
	for _, k := range g.keys {
		scope := informers.Scope{Namespace: k.Namespace}
		if next >= rungObject {
			scope.Name = k.Name
		}
		if !g.res.Namespaced {
			scope.Namespace = ""
		}
		sub := subgroups[scope]
		if sub == nil {
			sub = &group{res: g.res, scope: scope, rung: next, pos: make(map[informers.Key]int)}
			subgroups[scope] = sub
			order = append(order, sub)
		}
		sub.keys = append(sub.keys, k)
		sub.pos[k] = g.pos[k]
	}
	for _, sub := range order {
		w.start(sub)
	}
}

// gone stops g, whose resource is no longer served (its CRD was deleted),
// and looks its kind up again.
func (w *waiter[E]) gone(g *group, err error) {
	g.stop(true)
	positions := make([]int, 0, len(g.pos))
	for _, p := range g.pos {
		t := w.objs[p]
		t.srcErr, t.srcErrFrom = fmt.Errorf("%w: %w", ErrKindGone, err), nil
		w.refresh(t)
		positions = append(positions, p)
	}
	w.resolveLater(positions, true)
}
