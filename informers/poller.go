package informers

import (
	"context"
	"sync"
	"time"

	"github.com/go-logr/logr"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/clock"
)

// pollConcurrency bounds the GETs one poller has in flight.
const pollConcurrency = 8

// poller is a Source that reads each subscribed object every interval: the
// fallback where watching is not possible, and the seed's behaviour. A round
// of listThreshold or more keys is one LIST of the namespace, any other
// round a GET per key; once a LIST is forbidden, every round GETs.
type poller struct {
	c             Client
	res           Resource
	namespace     string
	interval      time.Duration
	listThreshold int
	clock         clock.WithTicker
	log           logr.Logger
	wake          chan struct{}

	// fanout.mu also guards the fields below.
	fanout
	fresh         map[Key]bool // subscribed keys not polled yet
	existed       map[Key]bool // keys whose last poll found the object
	listForbidden bool         // a LIST was refused with 403: GET only
}

var _ Source = (*poller)(nil)

func newPoller(c Client, res Resource, namespace string, interval time.Duration, listThreshold int, clk clock.WithTicker, log logr.Logger) *poller {
	return &poller{
		c: c, res: res, namespace: namespace, interval: interval, listThreshold: listThreshold, clock: clk, log: log,
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

// poll reads keys and delivers each result: with one LIST when there are
// listThreshold or more of them and no LIST was forbidden, else a GET each.
func (p *poller) poll(ctx context.Context, keys []Key) {
	p.mu.Lock()
	list := len(keys) >= p.listThreshold && !p.listForbidden
	p.mu.Unlock()
	if list && p.list(ctx, keys) {
		return
	}
	p.getEach(ctx, keys)
}

// list reads keys with one LIST of the poller's namespace and delivers each
// result; a key the list lacks is absent. It returns false, having
// delivered nothing, when the LIST is forbidden: RBAC may grant get on
// named objects only, so the poller GETs from then on. Any other error is
// delivered for every key, and the next round lists again.
//
// The LIST has no Limit, so it is one request and one consistent snapshot:
// with resourceVersion unset, API servers serve it from their watch cache
// (consistent reads from cache, on by default since Kubernetes 1.31),
// where pages would cost a request each and may be read from etcd. The
// response holds every object of the resource in the poller's namespace
// (or cluster); only the subscribed ones are kept.
func (p *poller) list(ctx context.Context, keys []Key) bool {
	l, err := p.c.List(ctx, p.res, p.namespace, metav1.ListOptions{})
	if ctx.Err() != nil {
		return true
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case apierrors.IsForbidden(err):
		p.listForbidden = true
		p.log.V(1).Info("list forbidden, polling with GET", "err", err.Error())
		return false
	case err != nil:
		for _, k := range keys {
			p.deliverLocked(Observation{Key: k, Err: err})
		}
		return true
	}
	found := make(map[Key]*unstructured.Unstructured, len(keys))
	for _, k := range keys {
		found[k] = nil
	}
	for _, u := range l.Items {
		k := Key{Namespace: u.GetNamespace(), Name: u.GetName()}
		if _, ok := found[k]; ok {
			// &u is a copy, not a pointer into l.Items, which would keep
			// every listed object alive as long as this one.
			found[k] = &u
		}
	}
	for _, k := range keys {
		// Absence is known as of the list's resourceVersion.
		obs := Observation{Key: k, ResourceVersion: l.GetResourceVersion()}
		if obj := found[k]; obj != nil {
			obs.Object, obs.ResourceVersion = obj, obj.GetResourceVersion()
		}
		obs.Deleted = obs.Object == nil && p.existed[k]
		p.existed[k] = obs.Object != nil
		p.deliverLocked(obs)
	}
	return true
}

// getEach GETs keys with bounded concurrency and delivers each result.
func (p *poller) getEach(ctx context.Context, keys []Key) {
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
