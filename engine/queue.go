package engine

import (
	"sync"

	"github.com/kwait-dev/kwait/informers"
)

// queue carries observations from source handlers to a wait's goroutine.
// It coalesces per resource (the newest observation wins) so a slow reader
// never blocks a source and never sees a backlog of stale states. A
// baseline read has its own slot and is never overwritten by a source.
type queue struct {
	mu      sync.Mutex
	slots   []slot
	dirty   []int
	spare   []int
	signals []any
	notify  chan struct{}
}

type slot struct {
	queued  bool
	hasObs  bool
	obs     informers.Observation
	hasBase bool
	base    informers.Observation
}

func newQueue(n int) *queue {
	return &queue{slots: make([]slot, n), notify: make(chan struct{}, 1)}
}

// push records o for resource i. It never blocks.
func (q *queue) push(i int, o informers.Observation, baseline bool) {
	q.mu.Lock()
	s := &q.slots[i]
	if !s.queued {
		s.queued = true
		q.dirty = append(q.dirty, i)
	}
	if baseline {
		s.hasBase, s.base = true, o
	} else {
		s.hasObs, s.obs = true, o
	}
	q.mu.Unlock()
	select {
	case q.notify <- struct{}{}:
	default:
	}
}

// signal queues a control message for the wait's goroutine. It never
// blocks.
func (q *queue) signal(sig any) {
	q.mu.Lock()
	q.signals = append(q.signals, sig)
	q.mu.Unlock()
	select {
	case q.notify <- struct{}{}:
	default:
	}
}

// takeSignals returns and forgets the queued control messages.
func (q *queue) takeSignals() []any {
	q.mu.Lock()
	defer q.mu.Unlock()
	sigs := q.signals
	q.signals = nil
	return sigs
}

// drain moves everything queued into batch, in the order first queued.
func (q *queue) drain(batch []pending) []pending {
	q.mu.Lock()
	defer q.mu.Unlock()
	dirty := q.dirty
	q.dirty, q.spare = q.spare[:0], dirty
	for _, i := range dirty {
		s := &q.slots[i]
		batch = append(batch, pending{i: i, slot: *s})
		*s = slot{}
	}
	return batch
}

type pending struct {
	i int
	slot
}
