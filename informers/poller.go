package informers

import (
	"context"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/utils/clock"
)

// poller is a Source that reads each subscribed object every interval: the
// fallback where watching is not possible, and the kstatus wait package's
// behaviour. Each round goes through the read planner (one LIST of the
// namespace from its threshold, a GET each otherwise), and delivers only
// what changed since the key's last delivery (see changedLocked): most
// objects of a large wait are unchanged from one round to the next, and
// their status need not be computed again. A listed object at the
// resourceVersion last delivered is not even decoded (see has).
type poller struct {
	r         *reader
	res       Resource
	namespace string
	interval  time.Duration
	clock     clock.WithTicker
	log       logr.Logger
	wake      chan struct{}

	// fanout.mu also guards the fields below.
	fanout
	fresh map[Key]bool // subscribed keys not polled yet
	// last is what each key's last delivery said, for changedLocked; a
	// key subscribed again is dropped from it, so its next read is
	// delivered whatever it says.
	last map[Key]polled
}

// polled is what a delivered observation said of its object.
type polled struct {
	present bool
	// resourceVersion is the object's, "" for an absence.
	resourceVersion string
}

var _ Source = (*poller)(nil)

func newPoller(r *reader, res Resource, namespace string, interval time.Duration, clk clock.WithTicker, log logr.Logger) *poller {
	return &poller{
		r: r, res: res, namespace: namespace, interval: interval, clock: clk, log: log,
		wake:  make(chan struct{}, 1),
		fresh: make(map[Key]bool),
		last:  make(map[Key]polled),
	}
}

// run polls until ctx ends: every subscribed key each interval, and new keys
// as soon as they are subscribed.
func (p *poller) run(ctx context.Context) {
	t := p.clock.NewTimer(p.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.wake:
			p.poll(ctx, p.takeFresh())
		case <-t.C():
			p.mu.Lock()
			keys := p.keysLocked()
			clear(p.fresh)
			for k := range p.last {
				if _, ok := p.byKey[k]; !ok {
					delete(p.last, k) // nobody subscribes to it any more
				}
			}
			p.mu.Unlock()
			p.poll(ctx, keys)
			t.Reset(p.interval)
		}
	}
}

func (p *poller) takeFresh() []Key {
	p.mu.Lock()
	defer p.mu.Unlock()
	keys := make([]Key, 0, len(p.fresh))
	for k := range p.fresh {
		keys = append(keys, k)
	}
	clear(p.fresh)
	return keys
}

// poll reads keys and delivers each result to the keys' subscribers.
func (p *poller) poll(ctx context.Context, keys []Key) {
	if len(keys) == 0 {
		return
	}
	p.r.readSkipping(ctx, p.res, keys, p.namespace == "", p.has, func(o Observation) {
		if ctx.Err() != nil {
			return
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.changedLocked(o) {
			p.deliverLocked(o)
		}
	})
}

// has tells whether the key's last delivery was of its object at
// resourceVersion: the read then skips the object before decoding it, as
// changedLocked would drop its delivery after.
func (p *poller) has(k Key, resourceVersion string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	prev, ok := p.last[k]
	return ok && prev.present && prev.resourceVersion == resourceVersion
}

// changedLocked tells whether o says something else of its object than
// the key's last delivery, and records it. An error is always delivered,
// and so is the first success after one; an object is unchanged at the
// same resourceVersion, an absence after an absence.
func (p *poller) changedLocked(o Observation) bool {
	if o.Err != nil {
		delete(p.last, o.Key)
		return true
	}
	now := polled{present: o.Object != nil}
	if now.present {
		now.resourceVersion = o.ResourceVersion
	}
	if prev, ok := p.last[o.Key]; ok && prev == now && (!now.present || now.resourceVersion != "") {
		return false
	}
	if _, ok := p.byKey[o.Key]; ok {
		p.last[o.Key] = now
	}
	return true
}

// Subscribe never reports health: a poller's failures are those of its
// reads, each delivered for its key.
func (p *poller) Subscribe(keys []Key, h Handler, _ HealthHandler) func() {
	p.mu.Lock()
	s := p.addLocked(keys, h, nil)
	for _, k := range keys {
		p.fresh[k] = true
		delete(p.last, k)
	}
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
	return p.cancelFunc(s)
}
