package informers

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/clock"
)

// redialBackoff paces the retries of a list or watch whose connection was
// refused, which the informer makes itself rather than hand the refusal to
// the reflector: the reflector's backoff (800ms, doubling up to 30s, with
// 100% jitter, which cache.InformerOptions cannot change) leaves it asleep
// for a long while after the API server is reachable again, 0.8s in the
// median after a 3s outage and up to 6s. Refused connections cost the API
// server nothing (a server that refuses is not there), so the informer
// dials again at most 300ms apart throughout: it is back within about
// 150ms of the server in the median.
var redialBackoff = wait.Backoff{Duration: 50 * time.Millisecond, Factor: 2, Jitter: 0.2, Steps: math.MaxInt32, Cap: 250 * time.Millisecond}

// informer is a Source fed by one list+watch of a resource in one scope
// (a namespace, or "" for all). Its event handler runs on the controller's
// goroutine and only routes objects to subscribers' queues.
type informer struct {
	res   Resource
	scope Scope
	log   logr.Logger

	store cache.Store
	ctrl  cache.Controller
	clock clock.Clock

	// broken is called once, without locks held, when the source gets a
	// 403 or 404 on list or watch: the manager then hands it out no more.
	broken func()

	// fanout.mu also guards the fields below.
	fanout
	synced  bool
	handled bool // an event reached the handlers
	// live is synced, for the transform, which runs on the reflector's
	// goroutine.
	live   atomic.Bool
	health Health
	// final is the error of the first 403 or 404: later calls fail with it
	// without a request, so the reflector's own retries and its fallback
	// from a streaming list to a LIST cost the API server nothing while
	// the holders discard this informer.
	final atomic.Pointer[error]
}

var _ Source = (*informer)(nil)

func newInformer(c WatchClient, res Resource, scope Scope, log logr.Logger, clk clock.Clock, broken func()) *informer {
	i := &informer{res: res, scope: scope, log: log, clock: clk, broken: broken}
	namespace := scope.Namespace
	// One object is listed and watched with a name field selector, which
	// RBAC grants to a role limited by resourceNames.
	var fieldSelector string
	if scope.Name != "" {
		fieldSelector = fields.OneTermEqualSelector("metadata.name", scope.Name).String()
	}
	watchFunc := informerWatch(c)
	lw := &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
			if err := i.finalErr(); err != nil {
				return nil, err
			}
			opts.FieldSelector = fieldSelector
			// The reflector's first list asks for resourceVersion "0", which
			// the API server may answer from a stale watch cache. Ask for a
			// consistent read so a wait started after a write sees it.
			if opts.ResourceVersion == "0" {
				opts.ResourceVersion = ""
				opts.ResourceVersionMatch = ""
			}
			return redial(ctx, i, func() (runtime.Object, error) {
				return c.List(ctx, res, namespace, opts)
			})
		},
		// Streaming lists (sendInitialEvents) are consistent by contract.
		WatchFuncWithContext: func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
			if err := i.finalErr(); err != nil {
				return nil, err
			}
			opts.FieldSelector = fieldSelector
			return redial(ctx, i, func() (watch.Interface, error) {
				return watchFunc(ctx, res, namespace, opts)
			})
		},
	}
	logger := log
	i.store, i.ctrl = cache.NewInformerWithOptions(cache.InformerOptions{
		Logger:        &logger,
		ListerWatcher: cache.ToListWatcherWithWatchListSemantics(lw, c),
		ObjectType:    &unstructured.Unstructured{},
		Handler: cache.ResourceEventHandlerFuncs{
			AddFunc:    func(obj any) { i.onUpsert(obj) },
			UpdateFunc: func(_, obj any) { i.onUpsert(obj) },
			DeleteFunc: i.onDelete,
		},
		Transform: i.transform,
	})
	return i
}

// informerWatch is the watch an informer of c opens: watchWire when c
// has it (NewClientForConfig), c.Watch otherwise.
func informerWatch(c WatchClient) func(ctx context.Context, res Resource, namespace string, opts metav1.ListOptions) (watch.Interface, error) {
	if wc, ok := c.(wireWatcher); ok {
		return wc.watchWire
	}
	return c.Watch
}

// redial calls f, again with redialBackoff while its connection is refused,
// and reports each outcome. When ctx ends it returns the last refusal, on
// which the reflector stops.
func redial[T any](ctx context.Context, i *informer, f func() (T, error)) (T, error) {
	b := redialBackoff
	for {
		v, err := f()
		i.report(ctx, err)
		if err == nil {
			return v, nil
		}
		if !utilnet.IsConnectionRefused(err) || !sleep(ctx, i.clock, b.Step()) {
			var zero T
			return zero, err
		}
		if ferr := i.finalErr(); ferr != nil {
			var zero T
			return zero, ferr
		}
	}
}

// run blocks until ctx ends and every goroutine of the informer has exited.
func (i *informer) run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { i.ctrl.RunWithContext(ctx) })
	wg.Go(func() {
		select {
		case <-i.ctrl.HasSyncedChecker().Done():
			i.markSynced()
		case <-ctx.Done():
		}
	})
	wg.Wait()
}

func (i *informer) markSynced() {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.synced = true
	i.live.Store(true)
	i.log.V(1).Info("informer synced", "objects", len(i.store.ListKeys()))
	i.deliverAllLocked(true)
}

// transform is compact, but keeps no decoded object until the informer
// has synced: the initial list streams in faster than the handlers take
// its objects, and holding them all decoded meanwhile would almost double
// the peak heap of a large fleet; the handlers decode them one at a time
// instead. Once synced, a watch event's object goes through as the watch
// decoded it. (A relist after sync holds its objects decoded.)
func (i *informer) transform(obj any) (any, error) {
	return compactKeeping(obj, i.live.Load())
}

// deliverAllLocked sends the cached state of every subscribed key; the
// subscribers of a key share one decoded object. With skipSeen it leaves
// out the objects a subscription got from the events (seenAll): at sync,
// most subscriptions predate the initial list, and decoding a fleet's
// objects again would only repeat them.
func (i *informer) deliverAllLocked(skipSeen bool) {
	rv := i.ctrl.LastSyncResourceVersion()
	for k, subs := range i.byKey {
		obj, exists, err := i.store.GetByKey(k.String())
		var obs *Observation
		for _, s := range subs {
			if skipSeen && s.seenAll && exists && err == nil {
				continue
			}
			if obs == nil {
				o := stored(k, obj, exists, err, rv)
				obs = &o
			}
			s.h(*obs)
		}
	}
}

// lookupLocked is the cached state of k. The sync resourceVersion is read
// before the store: an absence is then known as of a version no newer than
// the store's state.
func (i *informer) lookupLocked(k Key) Observation {
	rv := i.ctrl.LastSyncResourceVersion()
	obj, exists, err := i.store.GetByKey(k.String())
	return stored(k, obj, exists, err, rv)
}

// stored is the observation of k from what the store returned for it; an
// absence is known as of syncRV.
func stored(k Key, obj any, exists bool, err error, syncRV string) Observation {
	if err != nil {
		return Observation{Key: k, Err: err}
	}
	if !exists {
		return Observation{Key: k, ResourceVersion: syncRV}
	}
	c, ok := obj.(*cachedObject)
	if !ok {
		return Observation{Key: k, Err: &CacheError{Key: k, Err: fmt.Errorf("unexpected %T in the store", obj)}}
	}
	return c.observation(c.decode())
}

func (i *informer) finalErr() error {
	if err := i.final.Load(); err != nil {
		return *err
	}
	return nil
}

// report records the outcome of a list or watch call and tells the
// subscribers when the source's health changes: a failure once (again only
// when its message changes), the first success after it once. A 403 or a
// 404 is final: the manager drops the informer at once.
func (i *informer) report(ctx context.Context, err error) {
	if err != nil && (ctx.Err() != nil || errors.Is(err, context.Canceled)) {
		return // shutting down, not a failure
	}
	var h Health
	switch {
	case err == nil:
		h = Health{State: Healthy}
	case apierrors.IsForbidden(err):
		h = Health{State: Forbidden}
	case apierrors.IsNotFound(err):
		h = Health{State: Gone}
	default:
		h = Health{State: Failing}
	}
	if err != nil {
		h.Err = &ListWatchError{Resource: i.res.GVR.Resource, Scope: i.scope, Err: err}
		if h.State != Failing {
			i.final.CompareAndSwap(nil, &err)
		}
	}
	i.mu.Lock()
	changed := h.State != i.health.State || errText(h.Err) != errText(i.health.Err)
	if !changed || i.health.State == Forbidden || i.health.State == Gone {
		i.mu.Unlock()
		return
	}
	i.health = h
	if err == nil {
		i.log.V(1).Info("informer recovered")
	} else {
		i.log.V(1).Info("list/watch failed", "state", h.State.String(), "err", h.Err.Error())
	}
	i.healthLocked(h)
	i.mu.Unlock()
	if h.State == Forbidden || h.State == Gone {
		i.broken()
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// onUpsert runs on the controller's goroutine, the only one that calls
// cachedObject.take.
func (i *informer) onUpsert(obj any) {
	c, ok := obj.(*cachedObject)
	if !ok {
		return // the transform made every object a cachedObject
	}
	obs := c.observation(c.take())
	i.mu.Lock()
	defer i.mu.Unlock()
	i.handled = true
	i.deliverLocked(obs)
}

func (i *informer) onDelete(obj any) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	c, ok := obj.(*cachedObject)
	if !ok {
		return // the transform made every object a cachedObject
	}
	// A deletion carries no object, so nothing is decoded.
	obs := Observation{Key: c.key(), Deleted: true, ResourceVersion: c.resourceVersion}
	i.mu.Lock()
	defer i.mu.Unlock()
	i.handled = true
	i.deliverLocked(obs)
}

func (i *informer) Subscribe(keys []Key, h Handler, health HealthHandler) func() {
	i.mu.Lock()
	defer i.mu.Unlock()
	s := i.addLocked(keys, h, health)
	s.seenAll = !i.handled
	if i.health.State != Healthy {
		s.tell(i.health)
	}
	if i.synced {
		for _, k := range keys {
			h(i.lookupLocked(k))
		}
	}
	return i.cancelFunc(s)
}
