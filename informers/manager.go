package informers

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/clock"
)

// Mode is how a source learns about objects.
type Mode int

const (
	// Watch uses a list+watch informer.
	Watch Mode = iota
	// Poll reads objects every poll interval, with a GET each or one LIST.
	Poll
)

func (m Mode) String() string {
	if m == Poll {
		return "poll"
	}
	return "watch"
}

// ErrStopped is returned by Acquire after Stop.
var ErrStopped = errors.New("informers: manager stopped")

// ErrCannotWatch is returned when Watch is asked of a client that cannot.
var ErrCannotWatch = errors.New("informers: client cannot watch")

// Options configure a Manager. Every field must be set: callers resolve
// their defaults before (package wait does).
type Options struct {
	// Linger is how long a source nobody holds keeps running, so that
	// back-to-back waits reuse a warm cache; zero stops it at once.
	Linger time.Duration
	// PollInterval is the period of pollers.
	PollInterval time.Duration
	// ListThreshold is the number of keys of one (resource, namespace) from
	// which a read uses one LIST instead of a GET each, unless the API
	// server forbids the LIST.
	ListThreshold int
	// ReadConcurrency bounds the requests one read has in flight.
	ReadConcurrency int
	// Clock drives lingers, polls and retries.
	Clock clock.WithTickerAndDelayedExecution
	// Logger receives source lifecycle logs at V(1); the zero Logger
	// discards them.
	Logger logr.Logger
}

func validate(opts Options) error {
	switch {
	case opts.Linger < 0:
		return fmt.Errorf("informers: negative linger %s", opts.Linger)
	case opts.PollInterval <= 0:
		return fmt.Errorf("informers: poll interval %s is not positive", opts.PollInterval)
	case opts.ListThreshold <= 0:
		return fmt.Errorf("informers: list threshold %d is not positive", opts.ListThreshold)
	case opts.ReadConcurrency <= 0:
		return fmt.Errorf("informers: read concurrency %d is not positive", opts.ReadConcurrency)
	case opts.Clock == nil:
		return errors.New("informers: nil clock")
	}
	return nil
}

// Manager shares sources between waits: one per (resource, scope, mode),
// reference counted, started on first Acquire and stopped once the last
// Lease is released and the linger has passed. A source that reports
// Forbidden or Gone is dropped at once: the next Acquire of its scope
// starts a new one.
type Manager struct {
	client Client
	reader *reader
	opts   Options
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	entries map[entryKey]*entry
	stopped bool
}

type entryKey struct {
	gvr   schema.GroupVersionResource
	scope Scope
	mode  Mode
}

// Scope is what one source covers: a namespace ("" for all, or for a
// cluster-scoped resource), or a single object of it when Name is set.
type Scope struct {
	Namespace string
	Name      string
}

func (s Scope) String() string {
	switch {
	case s.Name != "":
		return "object " + Key(s).String()
	case s.Namespace != "":
		return "namespace " + s.Namespace
	}
	return "cluster"
}

type entry struct {
	key    entryKey
	src    Source
	cancel context.CancelFunc
	refs   int
	linger clock.Timer
	// releases counts how often refs fell to zero, so that a linger timer
	// that fires after a later Acquire and Release knows it is stale.
	releases int
	// dropped: no longer in entries (it broke); it stops when its last
	// lease goes.
	dropped bool
}

// New returns a Manager reading through c.
func New(c Client, opts Options) (*Manager, error) {
	if c == nil {
		return nil, errors.New("informers: nil client")
	}
	if err := validate(opts); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Manager{
		client: c, opts: opts, ctx: ctx, cancel: cancel,
		reader:  newReader(c, opts.ListThreshold, opts.ReadConcurrency, opts.Clock),
		entries: make(map[entryKey]*entry),
	}, nil
}

// CanWatch reports whether the client can back informers.
func (m *Manager) CanWatch() bool {
	_, ok := m.client.(WatchClient)
	return ok
}

// Read reads keys of res live, through the same planner as pollers and
// read-your-writes baselines, and returns one observation per key in
// order: one LIST per namespace holding ListThreshold or more of them, a
// GET each otherwise, at most ReadConcurrency requests in flight.
func (m *Manager) Read(ctx context.Context, res Resource, keys []Key) []Observation {
	at := make(map[Key][]int, len(keys))
	unique := make([]Key, 0, len(keys))
	for i, k := range keys {
		if at[k] == nil {
			unique = append(unique, k)
		}
		at[k] = append(at[k], i)
	}
	out := make([]Observation, len(keys))
	m.reader.read(ctx, res, unique, false, func(o Observation) {
		for _, i := range at[o.Key] {
			out[i] = o
		}
	})
	return out
}

// AcquireOptions are per-Acquire knobs.
type AcquireOptions struct {
	// ReadYourWrites makes each Subscribe on a lease whose source was
	// already running read its keys live first: a running informer's
	// cache may lag a write the caller just made, and its states older
	// than that read are dropped. A source this Acquire started needs no
	// such read (its first list comes after the call).
	ReadYourWrites bool
	// ReadFirst reads the keys live first even when this Acquire started
	// the source: for a resource the API server has just started serving
	// (a CRD just established), whose first list it may answer late (429
	// until its watch cache is ready) where a GET answers at once.
	ReadFirst bool
}

// Lease is a hold on a shared source.
type Lease struct {
	src Source
	// Fresh is true when this Acquire started the source.
	Fresh bool

	m     *Manager
	e     *entry
	res   Resource
	scope Scope // as asked, which a wider source may serve
	ryw   bool
	first bool
	once  sync.Once
}

// Subscribe subscribes to the leased source (see Source), with a live
// baseline first when the lease asked for ReadYourWrites and the source
// was running already, or asked for ReadFirst.
func (l *Lease) Subscribe(keys []Key, h Handler, health HealthHandler) func() {
	if l.e.key.mode == Watch && (l.first || (l.ryw && !l.Fresh)) {
		return l.m.subscribeConsistent(l.src, l.res, l.scope, keys, h, health)
	}
	return l.src.Subscribe(keys, h, health)
}

// Release gives the source back. It is idempotent.
func (l *Lease) Release() {
	l.once.Do(func() { l.m.release(l.e, false) })
}

// Discard gives the source back and, if nobody else holds it, stops it at
// once instead of letting it linger: for a source that cannot work. It is
// idempotent, and a no-op after Release.
func (l *Lease) Discard() {
	l.once.Do(func() { l.m.release(l.e, true) })
}

// Acquire returns a lease on the source of res covering scope. For a
// cluster-scoped resource the namespace is ignored. A running watch of a
// wider scope (all namespaces, or the object's namespace) serves a
// narrower one. Pollers poll per namespace whatever the scope's Name.
func (m *Manager) Acquire(res Resource, scope Scope, mode Mode, opts AcquireOptions) (*Lease, error) {
	if mode == Watch && !m.CanWatch() {
		return nil, ErrCannotWatch
	}
	if !res.Namespaced {
		scope.Namespace = ""
	}
	if mode == Poll {
		scope.Name = ""
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stopped {
		return nil, ErrStopped
	}
	k := entryKey{gvr: res.GVR, scope: scope, mode: mode}
	e := m.entries[k]
	if e == nil && mode == Watch {
		for _, wider := range []Scope{{Namespace: scope.Namespace}, {}} {
			if wider != scope && e == nil {
				e = m.entries[entryKey{gvr: res.GVR, scope: wider, mode: Watch}]
			}
		}
	}
	fresh := e == nil
	if fresh {
		e = m.startLocked(k, res)
	}
	e.refs++
	if e.linger != nil {
		e.linger.Stop()
		e.linger = nil
	}
	return &Lease{src: e.src, Fresh: fresh, m: m, e: e, res: res, scope: scope, ryw: opts.ReadYourWrites, first: opts.ReadFirst}, nil
}

func (m *Manager) startLocked(k entryKey, res Resource) *entry {
	log := m.opts.Logger.WithValues("resource", res.GVR.String(), "scope", k.scope.String(), "mode", k.mode.String())
	e := &entry{key: k}
	var src interface {
		Source
		run(context.Context)
	}
	if k.mode == Watch {
		src = newInformer(m.client.(WatchClient), res, k.scope, log, m.opts.Clock, func() { m.drop(e) })
	} else {
		src = newPoller(m.reader, res, k.scope.Namespace, m.opts.PollInterval, m.opts.Clock, log)
	}
	// Each source runs on its own child context: cancelling it ends the
	// source's goroutines, and Stop waits for all of them through wg.
	ctx, cancel := context.WithCancel(m.ctx)
	e.src, e.cancel = src, cancel
	m.entries[k] = e
	log.V(1).Info("source started")
	m.wg.Go(func() {
		src.run(ctx)
		log.V(1).Info("source stopped")
	})
	return e
}

// drop takes a broken source out of the manager: no Acquire gets it again,
// and it stops as soon as nobody holds it.
func (m *Manager) drop(e *entry) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e.dropped || m.entries[e.key] != e {
		return
	}
	e.dropped = true
	delete(m.entries, e.key)
	if e.refs == 0 {
		m.stopLocked(e)
	}
}

func (m *Manager) release(e *entry, now bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e.refs--
	if e.refs > 0 {
		return
	}
	if e.dropped {
		e.cancel()
		return
	}
	if m.entries[e.key] != e {
		return // stopped
	}
	if now || m.opts.Linger == 0 {
		m.stopLocked(e)
		return
	}
	e.releases++
	release := e.releases
	e.linger = m.opts.Clock.AfterFunc(m.opts.Linger, func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		if e.refs == 0 && e.releases == release && m.entries[e.key] == e {
			e.linger = nil // fired: nothing to stop
			m.stopLocked(e)
		}
	})
}

func (m *Manager) stopLocked(e *entry) {
	if e.linger != nil {
		e.linger.Stop()
		e.linger = nil
	}
	if m.entries[e.key] == e {
		delete(m.entries, e.key)
	}
	e.cancel()
}

// Running returns how many sources run now and may be acquired.
func (m *Manager) Running() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.entries)
}

// Stop ends every source, held or not, and blocks until their goroutines
// have exited. It is idempotent and safe to call concurrently; Acquire
// fails afterwards.
func (m *Manager) Stop() {
	m.mu.Lock()
	m.stopped = true
	for _, e := range m.entries {
		m.stopLocked(e)
	}
	m.mu.Unlock()
	m.cancel()
	m.wg.Wait()
}
