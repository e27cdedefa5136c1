package informers

import (
	"context"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/clock"
)

// listForbiddenFor is how long a refused LIST of a (resource, namespace)
// makes reads of it use GETs before a LIST is tried again, in case the
// permission was granted meanwhile.
const listForbiddenFor = time.Minute

// reader is the one read planner: every live read of objects (pollers,
// read-your-writes baselines, Manager.Read) goes through it. Per (resource,
// namespace), listThreshold or more keys are read with one LIST, fewer with
// a GET each, at most concurrency requests in flight per call. A LIST the
// API server forbids falls back to GETs, which RBAC may grant on named
// objects only.
type reader struct {
	c             Client
	listThreshold int
	concurrency   int
	clock         clock.PassiveClock

	mu            sync.Mutex
	listForbidden map[listPlace]time.Time // until when LIST is not tried
}

type listPlace struct {
	gvr       schema.GroupVersionResource
	namespace string
}

func newReader(c Client, listThreshold, concurrency int, clk clock.PassiveClock) *reader {
	return &reader{c: c, listThreshold: listThreshold, concurrency: concurrency, clock: clk, listForbidden: make(map[listPlace]time.Time)}
}

// read reads keys and hands each result to deliver, from several
// goroutines but one call at a time; it returns when all are delivered.
// With across, keys of several namespaces may be listed together, with one
// LIST of all namespaces: for sources that cover them all.
// A GET that finds nothing is an absence with no resourceVersion (a live
// read); a key a LIST lacks is absent as of the list's resourceVersion.
// The LIST has no limit: one request and one consistent snapshot, which
// API servers serve from their watch cache where pages would cost a
// request each.
func (r *reader) read(ctx context.Context, res Resource, keys []Key, across bool, deliver func(Observation)) {
	r.readSkipping(ctx, res, keys, across, nil, deliver)
}

// readSkipping is read, but a listed object for which has says true
// (called with its key and resourceVersion) is not delivered: the caller
// has it already. It is decided before the object is decoded, when the
// client can list raw JSON (rawLister). has is called from several
// goroutines, at most one at a time per call; its resourceVersion is valid
// only during the call.
func (r *reader) readSkipping(ctx context.Context, res Resource, keys []Key, across bool, has func(k Key, resourceVersion string) bool, deliver func(Observation)) {
	byNamespace := make(map[string][]Key)
	var order []string
	for _, k := range keys {
		ns := k.Namespace
		if across || !res.Namespaced {
			ns = ""
		}
		if _, ok := byNamespace[ns]; !ok {
			order = append(order, ns)
		}
		byNamespace[ns] = append(byNamespace[ns], k)
	}
	var (
		mu  sync.Mutex
		wg  sync.WaitGroup
		sem = make(chan struct{}, r.concurrency)
	)
	put := func(o Observation) {
		mu.Lock()
		defer mu.Unlock()
		deliver(o)
	}
	// acquire takes a request slot; false when ctx ended, and the request
	// is not made.
	acquire := func() bool {
		select {
		case sem <- struct{}{}:
			return true
		case <-ctx.Done():
			return false
		}
	}
	release := func() { <-sem }
	var getEach func(keys []Key)
	getEach = func(keys []Key) {
		for _, k := range keys {
			if !acquire() {
				put(Observation{Key: k, Err: ctx.Err()})
				continue
			}
			wg.Go(func() {
				defer release()
				put(r.get(ctx, res, k))
			})
		}
	}
	for _, ns := range order {
		nsKeys, listNS := byNamespace[ns], ns
		if len(nsKeys) < r.listThreshold || !r.mayList(res, listNS) {
			getEach(nsKeys)
			continue
		}
		if !acquire() {
			for _, k := range nsKeys {
				put(Observation{Key: k, Err: ctx.Err()})
			}
			continue
		}
		wg.Go(func() {
			listed := r.list(ctx, res, listNS, nsKeys, has, put)
			release()
			if !listed {
				getEach(nsKeys)
			}
		})
	}
	wg.Wait()
}

func (r *reader) mayList(res Resource, namespace string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	until, ok := r.listForbidden[listPlace{gvr: res.GVR, namespace: namespace}]
	return !ok || !r.clock.Now().Before(until)
}

// list reads keys with one LIST. It returns false, having delivered
// nothing, when the LIST is forbidden. With a rawLister it decodes only
// the objects of keys, and of those none has says the caller has.
func (r *reader) list(ctx context.Context, res Resource, namespace string, keys []Key, has func(Key, string) bool, deliver func(Observation)) bool {
	var (
		l   *unstructured.UnstructuredList
		raw []byte
		err error
	)
	rl, isRaw := r.c.(rawLister)
	if isRaw {
		raw, err = rl.listRaw(ctx, res, namespace, metav1.ListOptions{})
	} else {
		l, err = r.c.List(ctx, res, namespace, metav1.ListOptions{})
	}
	if apierrors.IsForbidden(err) {
		r.mu.Lock()
		r.listForbidden[listPlace{gvr: res.GVR, namespace: namespace}] = r.clock.Now().Add(listForbiddenFor)
		r.mu.Unlock()
		return false
	}
	if err == nil && isRaw {
		if rlist, ok := scanList(raw); ok {
			deliverRaw(&rlist, keys, has, deliver)
			return true
		}
		// Not what scanList can read alone: the decoder decides.
		l = &unstructured.UnstructuredList{}
		err = l.UnmarshalJSON(raw)
	}
	if err != nil {
		for _, k := range keys {
			deliver(Observation{Key: k, Err: err})
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
		o := Observation{Key: k, ResourceVersion: l.GetResourceVersion()}
		if obj := found[k]; obj != nil {
			if has != nil && has(k, obj.GetResourceVersion()) {
				continue
			}
			o.Object, o.ResourceVersion = obj, obj.GetResourceVersion()
		}
		deliver(o)
	}
	return true
}

// deliverRaw delivers keys from a scanned LIST: each listed one decoded,
// unless has says the caller has it at its resourceVersion, each missing
// one an absence as of the list's resourceVersion. An object that fails
// to decode is an error for its key alone.
func deliverRaw(l *rawList, keys []Key, has func(Key, string) bool, deliver func(Observation)) {
	at := make(map[Key]int, len(keys))
	for _, k := range keys {
		at[k] = -1
	}
	for i, it := range l.items {
		// it's strings point into the list's bytes: fine for a lookup.
		k := Key{Namespace: it.namespace, Name: it.name}
		if _, ok := at[k]; ok {
			at[k] = i
		}
	}
	listRV := strings.Clone(l.resourceVersion)
	for _, k := range keys {
		i := at[k]
		if i < 0 {
			deliver(Observation{Key: k, ResourceVersion: listRV})
			continue
		}
		it := l.items[i]
		if has != nil && it.resourceVersion != "" && has(k, it.resourceVersion) {
			continue
		}
		u, err := l.decode(it)
		if err != nil {
			deliver(Observation{Key: k, Err: err})
			continue
		}
		deliver(Observation{Key: k, Object: u, ResourceVersion: u.GetResourceVersion()})
	}
}

// get reads one object; NotFound is an absence, not an error.
func (r *reader) get(ctx context.Context, res Resource, k Key) Observation {
	obj, err := r.c.Get(ctx, res, k.Namespace, k.Name)
	switch {
	case err == nil:
		return Observation{Key: k, Object: obj, ResourceVersion: obj.GetResourceVersion()}
	case apierrors.IsNotFound(err):
		return Observation{Key: k}
	default:
		return Observation{Key: k, Err: err}
	}
}
