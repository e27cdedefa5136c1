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
// namespace from its threshold, a GET each otherwise).
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
}

var _ Source = (*poller)(nil)

func newPoller(r *reader, res Resource, namespace string, interval time.Duration, clk clock.WithTicker, log logr.Logger) *poller {
	return &poller{
		r: r, res: res, namespace: namespace, interval: interval, clock: clk, log: log,
		wake:  make(chan struct{}, 1),
		fresh: make(map[Key]bool),
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
	p.r.read(ctx, p.res, keys, p.namespace == "", func(o Observation) {
		if ctx.Err() != nil {
			return
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		p.deliverLocked(o)
	})
}

// Subscribe never reports health: a poller's failures are those of its
// reads, each delivered for its key.
func (p *poller) Subscribe(keys []Key, h Handler, _ HealthHandler) func() {
	p.mu.Lock()
	s := p.addLocked(keys, h, nil)
	for _, k := range keys {
		p.fresh[k] = true
	}
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
	return p.cancelFunc(s)
}
