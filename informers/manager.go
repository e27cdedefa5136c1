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

// DefaultLinger is how long an unused source keeps running.
const DefaultLinger = 10 * time.Second

// DefaultPollInterval is the poll interval of the seed package.
const DefaultPollInterval = 2 * time.Second

// DefaultListThreshold is the number of keys from which a poll round LISTs.
const DefaultListThreshold = 10

// Options configure a Manager.
type Options struct {
	// Linger is how long a source nobody holds keeps running, so that
	// back-to-back waits reuse a warm cache; zero stops it at once.
	// Defaults to DefaultLinger.
	Linger *time.Duration
	// PollInterval is the period of pollers. Defaults to DefaultPollInterval.
	PollInterval time.Duration
	// ListThreshold is the number of keys from which a poll round reads its
	// (resource, namespace) with one LIST instead of a GET each, unless the
	// API server forbids the LIST. Defaults to DefaultListThreshold.
	ListThreshold int
	// Clock drives lingers and polling. Defaults to the real clock.
	Clock clock.WithTickerAndDelayedExecution
	// Logger receives source lifecycle logs at V(1). Defaults to discarding.
	Logger logr.Logger
}

func defaultOpts(opts Options) (Options, error) {
	if opts.Linger == nil {
		d := DefaultLinger
		opts.Linger = &d
	}
	if *opts.Linger < 0 {
		return opts, fmt.Errorf("informers: negative linger %s", *opts.Linger)
	}
	if opts.PollInterval < 0 {
		return opts, fmt.Errorf("informers: negative poll interval %s", opts.PollInterval)
	}
	if opts.PollInterval == 0 {
		opts.PollInterval = DefaultPollInterval
	}
	if opts.ListThreshold <= 0 {
		opts.ListThreshold = DefaultListThreshold
	}
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	if opts.Logger.GetSink() == nil {
		opts.Logger = logr.Discard()
	}
	return opts, nil
}

// Manager shares sources between waits: one per (resource, namespace, mode),
// reference counted, started on first Acquire and stopped once the last
// Lease is released and the linger has passed.
type Manager struct {
	client Client
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
}

// New returns a Manager reading through c.
func New(c Client, opts Options) (*Manager, error) {
	if c == nil {
		return nil, errors.New("informers: nil client")
	}
	opts, err := defaultOpts(opts)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Manager{client: c, opts: opts, ctx: ctx, cancel: cancel, entries: make(map[entryKey]*entry)}, nil
}

// CanWatch reports whether the client can back informers.
func (m *Manager) CanWatch() bool {
	_, ok := m.client.(WatchClient)
	return ok
}

// Lease is a hold on a shared source.
type Lease struct {
	Source
	// Fresh is true when this Acquire started the source: its first state
	// is read after the call, so it needs no separate baseline.
	Fresh bool

	m    *Manager
	e    *entry
	once sync.Once
}

// Release gives the source back. It is idempotent.
func (l *Lease) Release() {
	l.once.Do(func() { l.m.release(l.e, false) })
}

// Discard gives the source back and, if nobody else holds it, stops it at
// once instead of letting it linger: for a source that cannot work, such
// as one the API server forbids. It is idempotent, and a no-op after
// Release.
func (l *Lease) Discard() {
	l.once.Do(func() { l.m.release(l.e, true) })
}

// Acquire returns a lease on the source of res covering scope. For a
// cluster-scoped resource the namespace is ignored. A running watch of a
// wider scope (all namespaces, or the object's namespace) serves a
// narrower one. Pollers poll per namespace whatever the scope's Name.
func (m *Manager) Acquire(res Resource, scope Scope, mode Mode) (*Lease, error) {
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
	return &Lease{Source: e.src, Fresh: fresh, m: m, e: e}, nil
}

func (m *Manager) startLocked(k entryKey, res Resource) *entry {
	log := m.opts.Logger.WithValues("resource", res.GVR.String(), "scope", k.scope.String(), "mode", k.mode.String())
	var src interface {
		Source
		run(context.Context)
	}
	if k.mode == Watch {
		src = newInformer(m.client.(WatchClient), res, k.scope, log)
	} else {
		src = newPoller(m.client, res, k.scope.Namespace, m.opts.PollInterval, m.opts.ListThreshold, m.opts.Clock, log)
	}
	// Each source runs on its own child context: cancelling it ends the
	// source's goroutines, and Stop waits for all of them through wg.
	ctx, cancel := context.WithCancel(m.ctx)
	e := &entry{key: k, src: src, cancel: cancel}
	m.entries[k] = e
	log.V(1).Info("source started")
	m.wg.Go(func() {
		src.run(ctx)
		log.V(1).Info("source stopped")
	})
	return e
}

func (m *Manager) release(e *entry, now bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e.refs--
	if e.refs > 0 || m.entries[e.key] != e {
		return
	}
	if now || *m.opts.Linger == 0 {
		m.stopLocked(e)
		return
	}
	e.releases++
	release := e.releases
	e.linger = m.opts.Clock.AfterFunc(*m.opts.Linger, func() {
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
	delete(m.entries, e.key)
	e.cancel()
}

// Running returns how many sources run now.
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
