package engine

import (
	"sync"

	"github.com/kwait-dev/kwait/informers"
)

// input is one thing a wait's goroutine has to apply: an observation or a
// health change of one of its groups, or a signal from its helpers.
type input struct {
	g      *group // the source's group; nil for signals
	pos    int    // the resource of an observation
	obs    informers.Observation
	health *informers.Health
	sig    any
}

// queue carries inputs from source handlers and helpers to a wait's
// goroutine, in arrival order. Pushing never blocks, and nothing is
// coalesced here: the goroutine applies every input as soon as it can,
// without waiting for the caller (see outbox), so it keeps up with any
// source and no state it should have counted (a Current that was quickly
// replaced) is lost.
type queue struct {
	mu     sync.Mutex
	items  []input
	spare  []input
	notify chan struct{}
}

func newQueue() *queue {
	return &queue{notify: make(chan struct{}, 1)}
}

func (q *queue) push(in input) {
	q.mu.Lock()
	q.items = append(q.items, in)
	q.mu.Unlock()
	select {
	case q.notify <- struct{}{}:
	default:
	}
}

// take returns what was queued, in order. The slice is valid until the
// next take.
func (q *queue) take() []input {
	q.mu.Lock()
	defer q.mu.Unlock()
	items := q.items
	clear(q.spare)
	q.items, q.spare = q.spare[:0], items
	return items
}

// outbox holds the ResourceUpdates a wait has not handed to its caller yet.
// When the caller reads slower than the resources change, a resource's
// pending update is replaced by its newest (which carries the aggregate
// after that newest change), and updates leave in the order of their
// changes: what the caller sees is a subsequence of the wait's true
// sequence of changes, each with the aggregate that held after it.
type outbox struct {
	pending []Event  // by position
	seq     []uint64 // by position: the pending update's change number, 0 for none
	order   []queued // change order; entries whose seq is stale are skipped
	head    int
	live    int
	next    uint64
}

type queued struct {
	pos int
	seq uint64
}

func newOutbox(n int) *outbox {
	return &outbox{pending: make([]Event, n), seq: make([]uint64, n)}
}

func (o *outbox) put(pos int, ev Event) {
	o.next++
	if o.seq[pos] == 0 {
		o.live++
	}
	o.pending[pos], o.seq[pos] = ev, o.next
	o.order = append(o.order, queued{pos: pos, seq: o.next})
	if len(o.order)-o.head > 2*o.live+64 {
		// Mostly replaced updates: keep the pending ones only, so a
		// stalled caller costs memory per resource, not per change.
		kept := o.order[:0]
		for _, q := range o.order[o.head:] {
			if o.seq[q.pos] == q.seq {
				kept = append(kept, q)
			}
		}
		o.order, o.head = kept, 0
	}
}

// peek returns the oldest pending update and its change number, which
// tells whether a later peek returns the same update.
func (o *outbox) peek() (Event, uint64, bool) {
	for o.head < len(o.order) {
		q := o.order[o.head]
		if o.seq[q.pos] == q.seq {
			return o.pending[q.pos], q.seq, true
		}
		o.head++
	}
	return Event{}, 0, false
}

// pop drops the update peek returned.
func (o *outbox) pop() {
	q := o.order[o.head]
	o.head++
	o.seq[q.pos] = 0
	o.pending[q.pos] = Event{}
	o.live--
}
