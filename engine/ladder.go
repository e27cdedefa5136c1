package engine

import (
	"context"
	"fmt"
	"slices"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/kwait-dev/kwait/informers"
)

// rung is a step of the permission ladder: how a group of objects is read.
// A wait moves a group one rung down when the API server forbids the one
// it is on, and never moves it back up.
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
	dead   bool // stopped; signals about it are stale
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

// Signals from sources and helpers to the wait's goroutine.
type (
	// forbidden: the group's source may not list or watch.
	forbidden struct{ g *group }
	// gone: the group's resource is no longer served (its CRD was deleted).
	gone struct {
		g   *group
		err error
	}
	// resolved: targets whose kind was unknown now resolve, by position.
	// They come together so that their groups are formed together: one
	// at a time, each would count as a group of one object.
	resolved struct {
		targets map[int]target
	}
)

// newGroups splits the resolved targets at positions by the source that
// serves them on the first rung. Under ScopeAuto, a kind spanning more
// than ClusterScopeThreshold namespaces is watched cluster-wide; otherwise
// a (resource, namespace) holding at most ObjectScopeThreshold targets is
// watched object by object (starting on rungObject, so a 403 moves it to
// polling), and a larger one per namespace. Cluster-scoped kinds are
// watched per object or cluster-wide by the same count.
func (w *waiter) newGroups(positions []int) []*group {
	type place struct {
		res       informers.Resource
		namespace string
	}
	objects := make(map[place]int)                 // targets per (resource, namespace)
	namespaces := make(map[informers.Resource]int) // namespaces per namespaced resource
	for _, p := range positions {
		t := w.objs[p].target
		pl := place{res: t.res, namespace: t.key.Namespace}
		if objects[pl] == 0 && t.res.Namespaced {
			namespaces[t.res]++
		}
		objects[pl]++
	}
	type gk struct {
		res   informers.Resource
		scope informers.Scope
	}
	watch := w.e.mode() == informers.Watch
	var out []*group
	byKey := make(map[gk]*group)
	for _, p := range positions {
		t := w.objs[p].target
		k, r := gk{res: t.res}, rungCluster
		switch {
		case t.res.Namespaced && w.e.clusterWide(namespaces[t.res]):
			// All namespaces: the kind spans too many to watch each.
		case watch && w.e.objectScope(objects[place{res: t.res, namespace: t.key.Namespace}]):
			k.scope, r = informers.Scope{Namespace: t.key.Namespace, Name: t.key.Name}, rungObject
		case t.res.Namespaced:
			k.scope, r = informers.Scope{Namespace: t.key.Namespace}, rungNamespace
		}
		if !watch {
			r = rungPoll
		}
		g := byKey[k]
		if g == nil {
			g = &group{res: k.res, scope: k.scope, rung: r, pos: make(map[informers.Key]int)}
			byKey[k] = g
			out = append(out, g)
		}
		g.keys = append(g.keys, t.key)
		g.pos[t.key] = p
	}
	return out
}

// start acquires g's source and subscribes to it. A source another wait
// started may lag behind the caller's writes: its states are held until a
// fresh read of each object says how new they must be.
func (w *waiter) start(g *group) {
	mode := informers.Watch
	if g.rung == rungPoll {
		mode = informers.Poll
	}
	w.groups = append(w.groups, g)
	lease, err := w.e.sources.Acquire(g.res, g.scope, mode)
	if err != nil {
		g.dead = true
		for _, p := range g.pos {
			w.q.push(p, informers.Observation{Err: err}, false)
		}
		return
	}
	g.lease = lease
	w.e.opts.Logger.V(1).Info("reading", "resource", g.res.GVR.String(), "scope", g.scope.String(), "rung", g.rung.String(), "objects", len(g.keys), "shared", !lease.Fresh)
	if !lease.Fresh && mode == informers.Watch {
		for _, p := range g.pos {
			w.objs[p].baseline = true
		}
		w.bg.Go(func() { w.e.readBaselines(w.bgCtx, []*group{g}, w.q.push) })
	}
	// The handler runs on the source's goroutine: it reads only what does
	// not change after this point (pos, the rung) and only enqueues.
	pos, onLadder := g.pos, mode == informers.Watch
	g.cancel = lease.Subscribe(g.keys, func(o informers.Observation) {
		switch {
		case onLadder && apierrors.IsForbidden(o.Err):
			w.q.signal(forbidden{g: g})
		case onLadder && apierrors.IsNotFound(o.Err):
			// A list or watch that finds no resource: the kind is gone.
			w.q.signal(gone{g: g, err: o.Err})
		default:
			if p, ok := pos[o.Key]; ok {
				w.q.push(p, o, false)
			}
		}
	})
}

// handle acts on a signal in the wait's goroutine.
func (w *waiter) handle(sig any) {
	switch s := sig.(type) {
	case forbidden:
		if !s.g.dead {
			w.demote(s.g)
		}
	case gone:
		if s.g.dead {
			return
		}
		s.g.stop(true)
		positions := make([]int, 0, len(s.g.pos))
		for _, p := range s.g.pos {
			w.objs[p].baseline, w.objs[p].held = false, nil
			w.q.push(p, informers.Observation{Err: fmt.Errorf("%w: %w", ErrKindGone, s.err)}, false)
			positions = append(positions, p)
		}
		w.resolveLater(positions, true)
	case resolved:
		positions := make([]int, 0, len(s.targets))
		for p, t := range s.targets {
			w.objs[p].target = t
			positions = append(positions, p)
		}
		slices.Sort(positions)
		// Two identifiers of one object (two versions of a kind) can
		// resolve together; a group holds a key once, so each copy goes
		// into a batch of its own.
		var batches [][]int
		copies := make(map[objectID]int)
		for _, p := range positions {
			id := s.targets[p].id()
			i := copies[id]
			copies[id]++
			if i == len(batches) {
				batches = append(batches, nil)
			}
			batches[i] = append(batches[i], p)
		}
		for _, batch := range batches {
			for _, g := range w.newGroups(batch) {
				w.start(g)
			}
		}
	}
}

// demote moves g one rung down: its source is forbidden, so it is stopped
// at once and its objects are read through narrower sources. A group on
// rungObject, whether it got there by a 403 or started there (few
// objects under ScopeAuto), moves to polling.
func (w *waiter) demote(g *group) {
	g.stop(true)
	next := g.rung + 1
	if next == rungNamespace && !g.res.Namespaced {
		next = rungObject
	}
	w.e.opts.Logger.Info("permission ladder: forbidden, moving down", "resource", g.res.GVR.String(), "scope", g.scope.String(), "from", g.rung.String(), "to", next.String())
	for _, k := range g.keys {
		w.objs[g.pos[k]].baseline, w.objs[g.pos[k]].held = false, nil
	}
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

// resolveLater re-resolves the targets at positions with backoff until
// each resolves or the wait ends, then signals them to the wait's
// goroutine; afterwards first waits a step, for a kind that just went away.
func (w *waiter) resolveLater(positions []int, afterwards bool) {
	w.bg.Go(func() {
		b := resolveBackoff
		pending := positions
		if afterwards && !w.sleep(w.bgCtx, b.Step()) {
			return
		}
		for len(pending) > 0 {
			var still []int
			done := make(map[int]target)
			ms := newMappings(w.e.opts.Mapper)
			for _, p := range pending {
				t := ms.resolve(w.ids[w.objs[p].index])
				if t.err != nil {
					still = append(still, p)
					continue
				}
				done[p] = t
			}
			if len(done) > 0 {
				w.q.signal(resolved{targets: done})
			}
			pending = still
			if len(pending) == 0 || !w.sleep(w.bgCtx, b.Step()) {
				return
			}
		}
	})
}

// sleep waits d on the engine's clock; false when ctx ended first.
func (w *waiter) sleep(ctx context.Context, d time.Duration) bool {
	t := w.e.opts.Clock.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C():
		return true
	}
}
