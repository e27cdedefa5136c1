package engine

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/clock"

	"github.com/kwait-dev/kwait/informers"
	"github.com/kwait-dev/kwait/status"
)

// Scope chooses between single-object, namespace-scoped and cluster-wide
// informers.
type Scope int

const (
	// ScopeAuto weighs, per kind, what each scope would read: the whole
	// cluster when the wait's objects are most of the kind (or span more
	// than ClusterScopeThreshold namespaces), else each namespace, and a
	// namespace (or cluster-scoped kind) holding at most
	// ObjectScopeThreshold of the wait's objects object by object.
	ScopeAuto Scope = iota
	// ScopeNamespace always watches per namespace.
	ScopeNamespace
	// ScopeCluster always watches all namespaces.
	ScopeCluster
)

// Options configure an Engine. Every field without "optional" must be set:
// the engine applies no defaults (package wait resolves them).
type Options struct {
	// Client reads objects. A client that is not an informers.WatchClient
	// is polled.
	Client informers.Client
	// Mapper maps kinds to resources.
	Mapper meta.RESTMapper
	// Poll polls even when Client can watch. Optional.
	Poll bool
	// PollInterval is the period of polling.
	PollInterval time.Duration
	// Linger is how long an unused informer keeps running; zero stops it
	// at once.
	Linger time.Duration
	// FinalEventTimeout is how long the last event of a wait (Completed,
	// Aborted, Failed) waits for the caller to receive it before the wait
	// gives the channel up as abandoned and closes it.
	FinalEventTimeout time.Duration
	// Scope chooses the informers' scope. Optional: ScopeAuto.
	Scope Scope
	// ClusterScopeThreshold is the number of namespaces of one kind above
	// which ScopeAuto watches cluster-wide whatever the kind's size.
	ClusterScopeThreshold int
	// ObjectScopeThreshold is the number of objects of one (resource,
	// namespace) up to which ScopeAuto watches each object on its own
	// (fieldSelector metadata.name); for a cluster-scoped resource, the
	// number of its objects. Negative turns it off.
	ObjectScopeThreshold int
	// ListThreshold is the number of objects of one (resource, namespace)
	// from which a read uses one LIST instead of a GET each.
	ListThreshold int
	// ReadConcurrency bounds the requests of one read.
	ReadConcurrency int
	// FailFast ends a wait with a Failed event as soon as any resource is
	// Failed. Optional.
	FailFast bool
	// StatusFuncs compute the status of the caller's own kinds. Optional.
	StatusFuncs map[schema.GroupKind]status.Func
	// RequireStatus keeps a custom resource InProgress until its
	// controller has written a status (status.ComputerOptions). Optional.
	RequireStatus bool
	// Logger receives logs; the zero Logger discards them. Optional.
	Logger logr.Logger
	// Clock drives lingers, polls, retries and timeouts.
	Clock clock.WithTickerAndDelayedExecution
}

func validate(opts Options) error {
	switch {
	case opts.Client == nil:
		return errors.New("engine: nil client")
	case opts.Mapper == nil:
		return errors.New("engine: nil RESTMapper")
	case opts.Clock == nil:
		return errors.New("engine: nil clock")
	case opts.PollInterval <= 0:
		return fmt.Errorf("engine: poll interval %s is not positive", opts.PollInterval)
	case opts.Linger < 0:
		return fmt.Errorf("engine: negative linger %s", opts.Linger)
	case opts.FinalEventTimeout <= 0:
		return fmt.Errorf("engine: final event timeout %s is not positive", opts.FinalEventTimeout)
	case opts.ClusterScopeThreshold <= 0:
		return fmt.Errorf("engine: cluster scope threshold %d is not positive", opts.ClusterScopeThreshold)
	}
	return nil
}

// Engine runs waits and fetches over shared sources. It is safe for
// concurrent use.
type Engine struct {
	opts     Options
	sources  *informers.Manager
	computer *status.Computer
	kinds    *kindWatch

	wg sync.WaitGroup // the CRD watch
}

// New returns an Engine; Close releases what it started.
func New(opts Options) (*Engine, error) {
	if err := validate(opts); err != nil {
		return nil, err
	}
	m, err := informers.New(opts.Client, informers.Options{
		Linger:          opts.Linger,
		PollInterval:    opts.PollInterval,
		ListThreshold:   opts.ListThreshold,
		ReadConcurrency: opts.ReadConcurrency,
		Clock:           opts.Clock,
		Logger:          opts.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	e := &Engine{opts: opts, sources: m, computer: status.NewComputerWithOptions(opts.StatusFuncs, status.ComputerOptions{RequireStatus: opts.RequireStatus})}
	e.kinds = newKindWatch(e)
	return e, nil
}

// Close stops every source and blocks until their goroutines have ended.
// Waits still running see their sources stop and end with their context.
// It is idempotent.
func (e *Engine) Close() {
	e.kinds.close()
	e.sources.Stop()
	e.wg.Wait()
}

// RunningSources reports how many shared sources run now.
func (e *Engine) RunningSources() int { return e.sources.Running() }

// mode is how a wait reads.
func (e *Engine) mode() informers.Mode {
	if e.opts.Poll || !e.sources.CanWatch() {
		return informers.Poll
	}
	return informers.Watch
}
