package informers

import (
	"context"
	"sync"
	"time"

	"github.com/go-logr/logr"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/utils/clock"
)

// pollConcurrency bounds the GETs one poller has in flight.
const pollConcurrency = 8

// poller is a Source that GETs each subscribed object every interval: the
// fallback where watching is not possible, and the seed's behaviour.
type poller struct {
	c         Client
	res       Resource
	namespace string
	interval  time.Duration
	clock     clock.WithTicker
	log       logr.Logger
	wake      chan struct{}

	// fanout.mu also guards the fields below.
	fanout
	fresh   map[Key]bool // subscribed keys not polled yet
	existed map[Key]bool // keys whose last poll found the object
}

var _ Source = (*poller)(nil)

func newPoller(c Client, res Resource, namespace string, interval time.Duration, clk clock.WithTicker, log logr.Logger) *poller {
	return &poller{
		c: c, res: res, namespace: namespace, interval: interval, clock: clk, log: log,
		wake:    make(chan struct{}, 1),
		fresh:   make(map[Key]bool),
		existed: make(map[Key]bool),
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

// poll GETs keys with bounded concurrency and delivers each result.
func (p *poller) poll(ctx context.Context, keys []Key) {
	sem := make(chan struct{}, pollConcurrency)
	var wg sync.WaitGroup
	for _, k := range keys {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return
		}
		wg.Go(func() {
			defer func() { <-sem }()
			obj, err := p.c.Get(ctx, p.res, k.Namespace, k.Name)
			if ctx.Err() != nil {
				return
			}
			obs := Observation{Key: k}
			switch {
			case err == nil:
				obs.Object, obs.ResourceVersion = obj, obj.GetResourceVersion()
			case apierrors.IsNotFound(err):
			default:
				obs.Err = err
			}
			p.mu.Lock()
			defer p.mu.Unlock()
			if obs.Err == nil {
				obs.Deleted = obs.Object == nil && p.existed[k]
				p.existed[k] = obs.Object != nil
			}
			p.deliverLocked(obs)
		})
	}
	wg.Wait()
}

func (p *poller) Subscribe(keys []Key, h Handler) func() {
	p.mu.Lock()
	s := p.addLocked(keys, h)
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
