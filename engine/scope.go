package engine

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kwait-dev/kwait/informers"
)

// newGroups splits the resolved targets at positions by the source that
// serves them on the first rung. Under ScopeAuto a namespaced kind is
// watched cluster-wide when the wait's objects are at least half of the
// kind's objects in the cluster (sizes, where known) or span more than
// ClusterScopeThreshold namespaces; otherwise a (resource, namespace)
// holding at most ObjectScopeThreshold targets is watched object by
// object (starting on rungObject, so a 403 moves it to polling), and a
// larger one per namespace. Cluster-scoped kinds are watched per object
// or cluster-wide by the same count.
func (w *waiter[E]) newGroups(positions []int, sizes map[informers.Resource]int) []*group {
	c := countTargets(w.targets(positions))
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
		case t.res.Namespaced && w.e.clusterWide(c, t.res, sizes):
			// All namespaces: the wait holds most of the kind, or spans
			// too many namespaces to watch each.
		case watch && w.e.objectScope(c.objects[place{res: t.res, namespace: t.key.Namespace}]):
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

type place struct {
	res       informers.Resource
	namespace string
}

// counts are a wait's targets per (resource, namespace), per resource, and
// the namespaces of each namespaced resource.
type counts struct {
	objects    map[place]int
	perRes     map[informers.Resource]int
	namespaces map[informers.Resource]int
}

func countTargets(ts []target) counts {
	c := counts{objects: make(map[place]int), perRes: make(map[informers.Resource]int), namespaces: make(map[informers.Resource]int)}
	for _, t := range ts {
		pl := place{res: t.res, namespace: t.key.Namespace}
		if c.objects[pl] == 0 && t.res.Namespaced {
			c.namespaces[t.res]++
		}
		c.objects[pl]++
		c.perRes[t.res]++
	}
	return c
}

// clusterWide reports whether the wait's objects of res are watched as
// one.
func (e *Engine) clusterWide(c counts, res informers.Resource, sizes map[informers.Resource]int) bool {
	switch e.opts.Scope {
	case ScopeCluster:
		return true
	case ScopeNamespace:
		return false
	}
	if c.namespaces[res] > e.opts.ClusterScopeThreshold {
		return true
	}
	size, known := sizes[res]
	return known && c.namespaces[res] > 1 && 2*c.perRes[res] >= size
}

// objectScope reports whether n objects of one (resource, namespace) are
// watched one by one. Only ScopeAuto does: the explicit scopes mean what
// they say.
func (e *Engine) objectScope(n int) bool {
	return e.opts.Scope == ScopeAuto && n <= e.opts.ObjectScopeThreshold
}

// kindSizes asks how many objects each namespaced kind of ts has in the
// cluster, where that decides the scope: under ScopeAuto, for kinds that
// would get 2 or more namespace informers (and do not span more than
// ClusterScopeThreshold namespaces). Each costs one LIST
// with limit 1, whose remainingItemCount is the rest of the kind. A kind
// the caller may not list cluster-wide, or whose count the server does not
// give, is left out and scoped by its namespaces.
func (e *Engine) kindSizes(ctx context.Context, ts []target) map[informers.Resource]int {
	if e.opts.Scope != ScopeAuto || e.mode() != informers.Watch {
		return nil
	}
	c := countTargets(ts)
	// Namespaces per resource that would get an informer of their own: the
	// ones holding more objects than are watched one by one.
	crowded := make(map[informers.Resource]int)
	for pl, n := range c.objects {
		if pl.res.Namespaced && !e.objectScope(n) {
			crowded[pl.res]++
		}
	}
	var sizes map[informers.Resource]int
	for res, n := range crowded {
		if n < 2 || c.namespaces[res] > e.opts.ClusterScopeThreshold {
			continue
		}
		l, err := e.opts.Client.List(ctx, res, "", metav1.ListOptions{Limit: 1})
		if err != nil {
			e.opts.Logger.V(1).Info("cannot count the kind, scoping by namespace", "resource", res.GVR.String(), "err", err.Error())
			continue
		}
		size := len(l.Items)
		switch rest := l.GetRemainingItemCount(); {
		case rest != nil:
			size += int(*rest)
		case l.GetContinue() != "":
			continue // more, but how many is not said
		}
		if sizes == nil {
			sizes = make(map[informers.Resource]int)
		}
		sizes[res] = size
	}
	return sizes
}
