package wait

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"

	"github.com/kwait-dev/kwait/engine"
	"github.com/kwait-dev/kwait/informers"
	"github.com/kwait-dev/kwait/status"
)

// Scope chooses between single-object, namespace-scoped and cluster-wide
// informers.
type Scope = engine.Scope

const (
	// ScopeAuto weighs what each scope would read: the whole cluster when
	// a wait's objects are at least half of their kind (counted with one
	// LIST of limit 1) or span more than 20 namespaces; else each
	// namespace, and a namespace holding at most
	// Options.ObjectScopeThreshold of the wait's objects (3 by default)
	// object by object.
	ScopeAuto = engine.ScopeAuto
	// ScopeNamespace always watches per namespace.
	ScopeNamespace = engine.ScopeNamespace
	// ScopeCluster always watches all namespaces.
	ScopeCluster = engine.ScopeCluster
)

// Options configure a Resolver built by New or NewFromClient.
type Options struct {
	// PollInterval is the period of polling, where the resolver polls.
	// Defaults to 2s.
	PollInterval time.Duration
	// Poll polls every resource even when the client can watch, as the
	// kstatus wait package did. Defaults to false.
	Poll bool
	// Linger is how long an informer that no wait holds keeps running, so
	// that back-to-back calls answer from a warm cache; a pointer to 0
	// stops it at once. Defaults to 10s.
	Linger *time.Duration
	// FinalEventTimeout is how long the last event of a wait (Completed,
	// Aborted, Failed) waits to be received once the wait's context has
	// ended, before the wait takes the channel for abandoned and closes
	// it. While the context lasts, the last event waits as long as it
	// takes. Defaults to 1m.
	FinalEventTimeout time.Duration
	// Scope chooses the informers' scope. Defaults to ScopeAuto.
	Scope Scope
	// ObjectScopeThreshold is the number of objects of one kind in one
	// namespace (or of one cluster-scoped kind) up to which ScopeAuto
	// watches each object on its own, with fieldSelector
	// metadata.name=<name>, as kubectl wait does. A namespace informer
	// lists everything the namespace holds, an object informer one object,
	// so a wait on a few objects in a crowded namespace reads kilobytes
	// instead of megabytes. Kinds watched cluster-wide stay cluster-wide.
	// Negative turns it off. Defaults to 3.
	ObjectScopeThreshold int
	// FailFast ends a wait as soon as any resource is Failed: its
	// ResourceUpdate, then one Failed event with aggregate Failed, then
	// close. Defaults to false, the kstatus behaviour: a Failed resource
	// keeps the wait going until ctx ends.
	FailFast bool
	// StatusFuncs compute the status of the caller's own kinds, replacing
	// the generic rules for them (a deletionTimestamp still means
	// Terminating). Defaults to none.
	StatusFuncs map[schema.GroupKind]status.Func
	// RequireStatus keeps a custom resource InProgress ("waiting for its
	// controller to write a status") until its controller has written a
	// status with an observedGeneration or a condition, instead of Current
	// at once, as kstatus has it. It applies to kinds of groups Kubernetes
	// does not serve itself, with no StatusFunc. Defaults to false.
	RequireStatus bool
	// Logger receives logs at V(1). Defaults to discarding.
	Logger logr.Logger
	// Clock drives lingers, polls and retries. Defaults to the real clock.
	Clock clock.WithTickerAndDelayedExecution
}

// Resolver provides the functions for resolving status of a list of
// resources. It is safe for concurrent use.
type Resolver struct {
	engine *engine.Engine
	err    error // why the resolver cannot work, reported per resource
}

// NewResolver creates a new resolver with the provided client. Fetching and
// waiting are done using the provided client: when it can watch (a
// client.WithWatch, as client.NewWithWatch and the controller-runtime fake
// client return), waits use shared informers; otherwise every resource is
// polled at pollInterval, as in the kstatus wait package. A zero
// pollInterval means 2s.
//
// NewResolver cannot fail: invalid arguments (a nil client or mapper) are
// reported as an Error on every resource of every call.
func NewResolver(c client.Reader, mapper meta.RESTMapper, pollInterval time.Duration) *Resolver {
	var ic informers.Client
	if c != nil && !isNil(c) {
		ic = engine.NewReaderClient(c)
	}
	r, err := newResolver(ic, mapper, Options{PollInterval: pollInterval})
	if err != nil {
		return &Resolver{err: err}
	}
	return r
}

// NewFromClient is NewResolver with Options.
func NewFromClient(c client.Reader, mapper meta.RESTMapper, opts Options) (*Resolver, error) {
	if c == nil || isNil(c) {
		return nil, errors.New("wait: nil client")
	}
	return newResolver(engine.NewReaderClient(c), mapper, opts)
}

// New creates a resolver that watches through a dynamic client for cfg and
// maps kinds with a discovery RESTMapper, which looks a kind up again when
// it does not know it (a CRD installed after the resolver was made).
func New(cfg *rest.Config, opts Options) (*Resolver, error) {
	if cfg == nil {
		return nil, errors.New("wait: nil rest config")
	}
	httpClient, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, fmt.Errorf("wait: http client: %w", err)
	}
	// The informers keep the JSON each watch event arrived in instead of
	// encoding the decoded object again.
	c, err := informers.NewClientForConfig(cfg, httpClient)
	if err != nil {
		return nil, fmt.Errorf("wait: dynamic client: %w", err)
	}
	mapper, err := apiutil.NewDynamicRESTMapper(cfg, httpClient)
	if err != nil {
		return nil, fmt.Errorf("wait: RESTMapper: %w", err)
	}
	return newResolver(c, mapper, opts)
}

// The defaults of Options, and of what Options does not expose. They are
// resolved here once; the layers below take plain values.
const (
	defaultPollInterval      = 2 * time.Second
	defaultLinger            = 10 * time.Second
	defaultFinalEventTimeout = time.Minute
	defaultObjectThreshold   = 3
	// clusterScopeThreshold: above this many namespaces of one kind, a
	// wait watches the kind cluster-wide whatever its size.
	clusterScopeThreshold = 20
	// listThreshold: from this many objects of one (resource, namespace),
	// a read is one LIST instead of a GET each.
	listThreshold = 10
	// readConcurrency bounds the requests one read has in flight.
	readConcurrency = 8
)

// engineOptions resolves opts' defaults into the engine's plain values.
func engineOptions(c informers.Client, mapper meta.RESTMapper, opts Options) (engine.Options, error) {
	eo := engine.Options{
		Client:                c,
		Mapper:                mapper,
		Poll:                  opts.Poll,
		PollInterval:          opts.PollInterval,
		Linger:                defaultLinger,
		FinalEventTimeout:     opts.FinalEventTimeout,
		Scope:                 opts.Scope,
		ClusterScopeThreshold: clusterScopeThreshold,
		ObjectScopeThreshold:  opts.ObjectScopeThreshold,
		ListThreshold:         listThreshold,
		ReadConcurrency:       readConcurrency,
		FailFast:              opts.FailFast,
		StatusFuncs:           opts.StatusFuncs,
		RequireStatus:         opts.RequireStatus,
		Logger:                opts.Logger,
		Clock:                 opts.Clock,
	}
	switch {
	case opts.PollInterval < 0:
		return eo, fmt.Errorf("negative poll interval %s", opts.PollInterval)
	case opts.Linger != nil && *opts.Linger < 0:
		return eo, fmt.Errorf("negative linger %s", *opts.Linger)
	case opts.FinalEventTimeout < 0:
		return eo, fmt.Errorf("negative final event timeout %s", opts.FinalEventTimeout)
	}
	if opts.PollInterval == 0 {
		eo.PollInterval = defaultPollInterval
	}
	if opts.Linger != nil {
		eo.Linger = *opts.Linger
	}
	if opts.FinalEventTimeout == 0 {
		eo.FinalEventTimeout = defaultFinalEventTimeout
	}
	if opts.ObjectScopeThreshold == 0 {
		eo.ObjectScopeThreshold = defaultObjectThreshold
	}
	if opts.Clock == nil {
		eo.Clock = clock.RealClock{}
	}
	return eo, nil
}

func newResolver(c informers.Client, mapper meta.RESTMapper, opts Options) (*Resolver, error) {
	if c == nil {
		return nil, errors.New("wait: nil client")
	}
	eo, err := engineOptions(c, mapper, opts)
	if err != nil {
		return nil, fmt.Errorf("wait: %w", err)
	}
	e, err := engine.New(eo)
	if err != nil {
		return nil, fmt.Errorf("wait: %w", err)
	}
	return &Resolver{engine: e}, nil
}

// Close stops every informer and goroutine the resolver started and blocks
// until they have ended; waits still running end with their context.
// Without Close nothing outlives the last wait's context plus the linger.
// Close is idempotent.
func (r *Resolver) Close() {
	if r.engine != nil {
		r.engine.Close()
	}
}

// FetchAndResolve returns the status for a list of ResourceIdentifiers, one
// ResourceResult per identifier in input order. It always reads the
// cluster (a cache could lag a write just made): one LIST per (resource,
// namespace) holding 10 or more of them, a GET each otherwise. A resource that does not exist is Current with the message
// "Resource does not exist"; one that cannot be read or resolved is Unknown
// with Error set.
func (r *Resolver) FetchAndResolve(ctx context.Context, resourceIDs []ResourceIdentifier) []ResourceResult {
	ids := make([]engine.Identifier, len(resourceIDs))
	for i, id := range resourceIDs {
		ids[i] = fromResourceIdentifier(id)
	}
	return r.fetch(ctx, resourceIDs, ids)
}

// FetchAndResolveObjects returns the status for a list of kubernetes
// objects, one ResourceResult per object in input order. The objects are
// only used for their kind, namespace and name; the state is read from the
// cluster. A nil object gives a result with Error set (ErrNilObject).
func (r *Resolver) FetchAndResolveObjects(ctx context.Context, objects []KubernetesObject) []ResourceResult {
	resourceIDs, ids := fromObjects(objects)
	return r.fetch(ctx, resourceIDs, ids)
}

func (r *Resolver) fetch(ctx context.Context, resourceIDs []ResourceIdentifier, ids []engine.Identifier) []ResourceResult {
	out := make([]ResourceResult, len(ids))
	if r.err != nil || r.engine == nil {
		err := r.broken()
		for i := range out {
			out[i] = ResourceResult{
				Result:             &status.Result{Status: status.UnknownStatus, Message: err.Error()},
				ResourceIdentifier: resourceIDs[i],
				Error:              err,
			}
		}
		return out
	}
	for i, res := range r.engine.Fetch(ctx, ids) {
		out[i] = ResourceResult{Result: res.Result, ResourceIdentifier: resourceIDs[i], Error: res.Err}
	}
	return out
}

func (r *Resolver) broken() error {
	if r.err != nil {
		return r.err
	}
	return errors.New("wait: Resolver not created with NewResolver, New or NewFromClient")
}

// WaitForStatus watches all the resources referenced by the provided
// ResourceIdentifiers until all of them have reached the Current status or
// ctx ends. The returned channel is always closed at the end. It carries:
//
//   - one ResourceUpdate for each resource's first observation and for every
//     later change of its status, message or error, with the aggregate
//     status after that change. The aggregate is Unknown until every
//     resource has been observed, Current once every resource has been
//     Current at least once, InProgress otherwise;
//   - then one Completed when the aggregate becomes Current, or one Aborted
//     with the last aggregate when ctx ends first (or, with
//     Options.FailFast, one Failed when a resource becomes Failed).
//
// A resource that does not exist counts as Current ("Resource does not
// exist" / "Resource has been deleted"); one with a deletionTimestamp is
// Terminating. Listing a resource twice tracks it once, reported under its
// first identifier. When the reader falls behind, successive states of one
// resource coalesce and only the newest is reported.
//
// Errors are per resource, as Unknown with Error set, and never stop the
// others:
//   - an empty name or kind: wait.ErrEmptyName, wait.ErrEmptyKind;
//   - a namespace on a cluster-scoped kind: wait.ErrClusterScope;
//   - a kind the cluster does not serve (a CRD not installed or not yet
//     established, a version not served): wait.ErrUnknownKind, reported
//     once; the kind is looked up again with backoff (at most 2s apart) and
//     the resource is watched as soon as it resolves;
//   - a kind whose CRD is deleted during the wait: wait.ErrKindGone, then
//     looked up again the same way;
//   - a read the API server forbids: the wait moves that resource's group
//     down the permission ladder (all namespaces, one namespace, one object
//     by name, then a GET every poll interval); only when even GET is
//     forbidden does the resource report the Forbidden error;
//   - a server that cannot be reached: the error of each failed list or
//     watch, until the informer's next call succeeds.
func (r *Resolver) WaitForStatus(ctx context.Context, resources []ResourceIdentifier) <-chan Event {
	return r.WaitFor(ctx, resources, Current())
}

// WaitFor is WaitForStatus for any goal: it completes once every resource
// has met g at least once during the wait. Each update still carries the
// resource's kstatus status and message (a Deleted wait shows
// Terminating, then "Resource has been deleted"), and EventResource.Met
// says whether it meets g now.
func (r *Resolver) WaitFor(ctx context.Context, resources []ResourceIdentifier, g Goal) <-chan Event {
	ids := make([]engine.Identifier, len(resources))
	for i, id := range resources {
		ids[i] = fromResourceIdentifier(id)
	}
	return r.wait(ctx, resources, ids, g)
}

// WaitForObjects is WaitFor for objects, which are only used for their
// kind, namespace and name.
func (r *Resolver) WaitForObjects(ctx context.Context, objects []KubernetesObject, g Goal) <-chan Event {
	resourceIDs, ids := fromObjects(objects)
	return r.wait(ctx, resourceIDs, ids, g)
}

// WaitForStatusOfObjects is WaitForStatus for objects, which are only used
// for their kind, namespace and name. A nil object is Unknown with Error set
// (ErrNilObject), and so is one whose apiVersion does not parse
// (wait.ErrBadAPIVersion).
func (r *Resolver) WaitForStatusOfObjects(ctx context.Context, objects []KubernetesObject) <-chan Event {
	return r.WaitForObjects(ctx, objects, Current())
}

func (r *Resolver) wait(ctx context.Context, resourceIDs []ResourceIdentifier, ids []engine.Identifier, g Goal) <-chan Event {
	if r.err != nil || r.engine == nil {
		return brokenWait(ctx, resourceIDs, r.broken())
	}
	return engine.WaitFor(ctx, r.engine, ids, g.g, func(ev engine.Event) Event {
		return fromEngine(ev, resourceIDs)
	})
}

func fromEngine(ev engine.Event, resourceIDs []ResourceIdentifier) Event {
	out := Event{
		AggregateStatus: ev.Aggregate,
		Progress:        Progress(ev.Progress),
		Cause:           ev.Cause,
	}
	switch ev.Type {
	case engine.Completed:
		out.Type = Completed
		return out
	case engine.Aborted:
		out.Type = Aborted
		return out
	case engine.Failed:
		out.Type = Failed
	default:
		out.Type = ResourceUpdate
	}
	out.EventResource = &EventResource{
		ResourceIdentifier: resourceIDs[ev.Index],
		Status:             ev.Status,
		Message:            ev.Message,
		Error:              ev.Err,
		Met:                ev.Met,
	}
	return out
}

// brokenWait reports err on every resource, then waits for ctx: a resolver
// that cannot read never completes a non-empty wait.
func brokenWait(ctx context.Context, resourceIDs []ResourceIdentifier, err error) <-chan Event {
	out := make(chan Event, 1)
	go func() {
		defer close(out)
		if len(resourceIDs) == 0 {
			out <- Event{Type: Completed, AggregateStatus: status.CurrentStatus}
			return
		}
		for i, id := range resourceIDs {
			agg := status.UnknownStatus
			if i == len(resourceIDs)-1 {
				agg = status.InProgressStatus
			}
			select {
			case out <- Event{Type: ResourceUpdate, AggregateStatus: agg, EventResource: &EventResource{
				ResourceIdentifier: id, Status: status.UnknownStatus, Error: err,
			}}:
			case <-ctx.Done():
			}
		}
		<-ctx.Done()
		select {
		case out <- Event{Type: Aborted, AggregateStatus: status.InProgressStatus}:
		default:
		}
	}()
	return out
}

func fromResourceIdentifier(id ResourceIdentifier) engine.Identifier {
	return engine.Identifier{
		GVK:       id.GroupKind.WithVersion(""),
		Namespace: id.Namespace,
		Name:      id.Name,
	}
}

// fromObjects identifies objects. A nil object gets an identifier whose
// resolution fails with ErrNilObject.
func fromObjects(objects []KubernetesObject) ([]ResourceIdentifier, []engine.Identifier) {
	resourceIDs := make([]ResourceIdentifier, len(objects))
	ids := make([]engine.Identifier, len(objects))
	for i, o := range objects {
		if o == nil || isNil(o) {
			ids[i] = engine.Identifier{Invalid: ErrNilObject}
			continue
		}
		gvk := o.GroupVersionKind()
		resourceIDs[i] = ResourceIdentifier{Name: o.GetName(), Namespace: o.GetNamespace(), GroupKind: gvk.GroupKind()}
		ids[i] = engine.Identifier{GVK: gvk, Namespace: o.GetNamespace(), Name: o.GetName()}
		// GroupVersionKind drops an apiVersion it cannot parse, which would
		// look the kind up in the core group instead.
		if a, ok := o.(interface{ GetAPIVersion() string }); ok {
			if _, err := schema.ParseGroupVersion(a.GetAPIVersion()); err != nil {
				ids[i].Invalid = fmt.Errorf("%w: %w", engine.ErrBadAPIVersion, err)
			}
		}
	}
	return resourceIDs, ids
}

// isNil reports whether v holds a nil pointer, map, slice, func or chan.
func isNil(v any) bool {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan, reflect.Interface:
		return rv.IsNil()
	}
	return false
}
