package engine

import (
	"context"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/kwait-dev/kwait/informers"
)

// crdResource is CustomResourceDefinitions, which the engine watches while
// a wait has a kind that does not resolve.
var crdResource = informers.Resource{
	GVR: schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"},
	GVK: schema.GroupVersionKind{Group: "apiextensions.k8s.io", Version: "v1", Kind: "CustomResourceDefinition"},
}

// crdWatchBackoff paces re-establishing a CRD watch that failed.
var crdWatchBackoff = wait.Backoff{Duration: 200 * time.Millisecond, Factor: 2, Jitter: 0.1, Steps: 6, Cap: 5 * time.Second}

// kindWatch tells the waits that look kinds up again when a CRD changes
// (is created, becomes Established, is deleted), so that a kind is picked
// up as soon as it is served rather than at the next backoff step. One
// watch per engine runs while any wait subscribes; where the client may
// not watch CRDs, the waits keep their backoff alone.
type kindWatch struct {
	e *Engine

	mu        sync.Mutex
	subs      map[chan struct{}]struct{}
	cancel    context.CancelFunc
	done      chan struct{}
	forbidden bool // logged once; the watch is not tried again
	closed    bool
}

func newKindWatch(e *Engine) *kindWatch {
	return &kindWatch{e: e, subs: make(map[chan struct{}]struct{})}
}

// subscribe returns a channel that receives (coalesced) a value after each
// CRD change, and its cancel.
func (k *kindWatch) subscribe() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.closed {
		return ch, func() {}
	}
	k.subs[ch] = struct{}{}
	c, canWatch := k.e.opts.Client.(informers.WatchClient)
	if k.cancel == nil && canWatch && !k.forbidden && k.e.mode() == informers.Watch {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		k.cancel, k.done = cancel, done
		k.e.wg.Go(func() {
			defer close(done)
			k.run(ctx, c)
		})
	}
	var once sync.Once
	return ch, func() { once.Do(func() { k.unsubscribe(ch) }) }
}

// unsubscribe drops ch and stops the watch when nobody listens; it does
// not wait for the watch to end (Close does).
func (k *kindWatch) unsubscribe(ch chan struct{}) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.subs, ch)
	if len(k.subs) == 0 && k.cancel != nil {
		k.cancel()
		k.cancel = nil
	}
}

func (k *kindWatch) close() {
	k.mu.Lock()
	k.closed = true
	if k.cancel != nil {
		k.cancel()
		k.cancel = nil
	}
	k.mu.Unlock()
}

// kick tells every subscriber that a CRD changed, after forgetting what
// the RESTMapper cached.
func (k *kindWatch) kick() {
	if r, ok := k.e.opts.Mapper.(meta.ResettableRESTMapper); ok {
		r.Reset()
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	for ch := range k.subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// run watches CRDs until ctx ends: a LIST of one object for a
// resourceVersion, so that existing CRDs send nothing, then a watch from
// it, again after each end or failure.
func (k *kindWatch) run(ctx context.Context, c informers.WatchClient) {
	b := crdWatchBackoff
	log := k.e.opts.Logger
	for ctx.Err() == nil {
		err := k.watchOnce(ctx, c)
		switch {
		case ctx.Err() != nil:
			return
		case apierrors.IsForbidden(err):
			log.Info("cannot watch CustomResourceDefinitions; unknown kinds are looked up with backoff", "err", err.Error())
			k.mu.Lock()
			k.forbidden = true
			k.mu.Unlock()
			return
		case err != nil:
			log.V(1).Info("CRD watch failed", "err", err.Error())
			if !k.e.sleepUntil(ctx, b.Step()) {
				return
			}
		default:
			b = crdWatchBackoff
		}
	}
}

// watchOnce lists and watches CRDs once; nil when the watch ended by
// itself.
func (k *kindWatch) watchOnce(ctx context.Context, c informers.WatchClient) error {
	l, err := c.List(ctx, crdResource, "", metav1.ListOptions{Limit: 1})
	if err != nil {
		return err
	}
	w, err := c.Watch(ctx, crdResource, "", metav1.ListOptions{ResourceVersion: l.GetResourceVersion(), AllowWatchBookmarks: true})
	if err != nil {
		return err
	}
	defer w.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.ResultChan():
			switch {
			case !ok:
				return nil
			case ev.Type == watch.Error:
				return apierrors.FromObject(ev.Object)
			case ev.Type != watch.Bookmark:
				k.kick()
			}
		}
	}
}

// sleepUntil waits d on the engine's clock; false when ctx ended first.
func (e *Engine) sleepUntil(ctx context.Context, d time.Duration) bool {
	t := e.opts.Clock.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C():
		return true
	}
}
