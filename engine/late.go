package engine

import (
	"slices"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
)

// resolveBackoff paces lookups of kinds that do not resolve: a CRD applied
// after the wait started is found within its cap even where CRDs cannot
// be watched.
var resolveBackoff = wait.Backoff{Duration: 100 * time.Millisecond, Factor: 2, Jitter: 0.1, Steps: 5, Cap: 2 * time.Second}

// kickBackoff paces the lookups after a CRD changed: discovery may serve a
// kind a little after its CRD is Established.
var kickBackoff = wait.Backoff{Duration: 25 * time.Millisecond, Factor: 2, Steps: 4, Cap: 200 * time.Millisecond}

// resolved: identifiers looked up again, by position: the ones that
// resolve now, and the ones whose error is new (final, or a different
// passing one). They come together so that their groups are formed
// together: one at a time, each would count as a group of one object.
type resolved struct {
	targets map[int]target
}

// handle acts on a signal in the wait's goroutine.
func (w *waiter[E]) handle(sig any) {
	s, ok := sig.(resolved)
	if !ok {
		return
	}
	var positions []int
	for p, t := range s.targets {
		tr := w.objs[p]
		if t.err != nil {
			tr.readErr = t.err
			w.refresh(tr)
			continue
		}
		tr.target = t
		positions = append(positions, p)
	}
	slices.Sort(positions)
	// Two identifiers of one object (two versions of a kind) can resolve
	// together; a group holds a key once, so each copy goes into a batch
	// of its own.
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
		sizes := w.e.kindSizes(w.ctx, w.targets(batch))
		for _, g := range w.newGroups(batch, sizes) {
			g.late = true
			w.start(g)
		}
	}
}

// resolveLater looks the identifiers at positions up again until each
// resolves, fails for good, or the wait ends, and signals the outcomes to
// the wait's goroutine. It looks again at once when a CRD changes (see
// kindWatch), else with backoff; afterwards first waits a step, for a kind
// that just went away.
func (w *waiter[E]) resolveLater(positions []int, afterwards bool) {
	kicks, stop := w.e.kinds.subscribe()
	reported := make(map[int]string)
	for _, p := range positions {
		if err := w.objs[p].readErr; err != nil {
			reported[p] = err.Error()
		}
	}
	w.bg.Go(func() {
		defer stop()
		b := resolveBackoff
		pending := positions
		if afterwards && !w.pause(kicks, &b) {
			return
		}
		for {
			var still []int
			out := make(map[int]target)
			ms := newMappings(w.e.opts.Mapper)
			for _, p := range pending {
				t := ms.resolve(w.ids[w.objs[p].index])
				switch {
				case t.err == nil || !t.retry:
					out[p] = t
				default:
					still = append(still, p)
					if msg := t.err.Error(); reported[p] != msg {
						reported[p] = msg
						out[p] = t
					}
				}
			}
			if len(out) > 0 {
				w.q.push(input{sig: resolved{targets: out}})
			}
			pending = still
			if len(pending) == 0 || !w.pause(kicks, &b) {
				return
			}
		}
	})
}

// pause waits for b's next step or a kick (which restarts b at the quick
// pace of kickBackoff); false when the wait ended first.
func (w *waiter[E]) pause(kicks <-chan struct{}, b *wait.Backoff) bool {
	if b.Steps == 0 && b.Duration < resolveBackoff.Cap {
		// The quick steps after a kick are spent: back to the slow pace.
		*b = wait.Backoff{Duration: resolveBackoff.Cap, Jitter: resolveBackoff.Jitter}
	}
	t := w.e.opts.Clock.NewTimer(b.Step())
	defer t.Stop()
	select {
	case <-w.bgCtx.Done():
		return false
	case <-t.C():
		return true
	case <-kicks:
		*b = kickBackoff
		return true
	}
}
