package engine

import (
	"errors"
	"fmt"
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
	// ScopeAuto watches each namespace in play, or the whole cluster when a
	// wait spans more than ClusterScopeThreshold namespaces of one kind;
	// a namespace (or cluster-scoped kind) holding at most
	// ObjectScopeThreshold of the wait's objects is watched object by object.
	ScopeAuto Scope = iota
	// ScopeNamespace always watches per namespace.
	ScopeNamespace
	// ScopeCluster always watches all namespaces.
	ScopeCluster
)

// Options configure an Engine.
type Options struct {
	// Client reads objects; it must be set. A client that is not an
	// informers.WatchClient is polled.
	Client informers.Client
	// Mapper maps kinds to resources; it must be set.
	Mapper meta.RESTMapper
	// Poll polls even when Client can watch (the seed behaviour).
	// Defaults to false.
	Poll bool
	// PollInterval is the period of polling. Defaults to 2s.
	PollInterval time.Duration
	// Linger is how long an unused informer keeps running. Defaults to 10s.
	Linger *time.Duration
	// Scope chooses the informers' scope. Defaults to ScopeAuto.
	Scope Scope
	// ClusterScopeThreshold is the number of namespaces of one kind above
	// which ScopeAuto watches cluster-wide. A cluster-wide informer lists
	// every object of the kind in the cluster, so it pays only when the
	// wait's namespaces hold most of them. Defaults to 20.
	ClusterScopeThreshold int
	// ObjectScopeThreshold is the number of objects of one (resource,
	// namespace) up to which ScopeAuto watches each object on its own
	// (fieldSelector metadata.name), for a cluster-scoped resource the
	// number of its objects. A namespace informer lists everything the
	// namespace holds, an object informer one object, so few objects in a
	// crowded namespace are cheaper watched one by one. Kinds watched
	// cluster-wide (ClusterScopeThreshold) stay cluster-wide. Negative
	// turns it off. Defaults to 3.
	ObjectScopeThreshold int
	// ListThreshold is the number of objects of one (resource, namespace)
	// from which a read uses one LIST instead of a GET each. Defaults to 10.
	ListThreshold int
	// ReadConcurrency bounds concurrent GETs of one call. Defaults to 8.
	ReadConcurrency int
	// FailFast ends a wait with a Failed event as soon as any resource is
	// Failed. Defaults to false: the wait goes on until every resource has
	// been Current or the context ends.
	FailFast bool
	// StatusFuncs compute the status of the caller's own kinds.
	// Defaults to none: the built-in rules of package status.
	StatusFuncs map[schema.GroupKind]status.Func
	// Logger receives logs at V(1). Defaults to discarding.
	Logger logr.Logger
	// Clock drives lingers, polls and retries. Defaults to the real clock.
	Clock clock.WithTickerAndDelayedExecution
}

func defaultOpts(opts Options) (Options, error) {
	if opts.Client == nil {
		return opts, errors.New("engine: nil client")
	}
	if opts.Mapper == nil {
		return opts, errors.New("engine: nil RESTMapper")
	}
	if opts.PollInterval < 0 {
		return opts, fmt.Errorf("engine: negative poll interval %s", opts.PollInterval)
	}
	if opts.PollInterval == 0 {
		opts.PollInterval = informers.DefaultPollInterval
	}
	if opts.ClusterScopeThreshold <= 0 {
		opts.ClusterScopeThreshold = 20
	}
	if opts.ObjectScopeThreshold == 0 {
		opts.ObjectScopeThreshold = 3
	}
	if opts.ListThreshold <= 0 {
		opts.ListThreshold = 10
	}
	if opts.ReadConcurrency <= 0 {
		opts.ReadConcurrency = 8
	}
	if opts.Logger.GetSink() == nil {
		opts.Logger = logr.Discard()
	}
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	return opts, nil
}

// Engine runs waits and fetches over shared sources. It is safe for
// concurrent use.
type Engine struct {
	opts     Options
	sources  *informers.Manager
	computer *status.Computer
}

// New returns an Engine; Close releases what it started.
func New(opts Options) (*Engine, error) {
	opts, err := defaultOpts(opts)
	if err != nil {
		return nil, err
	}
	m, err := informers.New(opts.Client, informers.Options{
		Linger:        opts.Linger,
		PollInterval:  opts.PollInterval,
		ListThreshold: opts.ListThreshold,
		Clock:         opts.Clock,
		Logger:        opts.Logger,
	})
	if err != nil {
		return nil, err
	}
	return &Engine{opts: opts, sources: m, computer: status.NewComputer(opts.StatusFuncs)}, nil
}

// Close stops every source and blocks until their goroutines have ended.
// Waits still running see their sources stop and end with their context.
// It is idempotent.
func (e *Engine) Close() { e.sources.Stop() }

// RunningSources reports how many shared sources run now.
func (e *Engine) RunningSources() int { return e.sources.Running() }

// mode is how a wait reads res.
func (e *Engine) mode() informers.Mode {
	if e.opts.Poll || !e.sources.CanWatch() {
		return informers.Poll
	}
	return informers.Watch
}
