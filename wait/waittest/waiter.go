package waittest

import (
	"context"
	"fmt"
	"reflect"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"

	"github.com/kwait-dev/kwait/wait"
)

// TB is the subset of testing.TB a Waiter uses. *testing.T, *testing.B and
// ginkgo's GinkgoT() satisfy it.
type TB interface {
	Helper()
	Cleanup(func())
	Logf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// DefaultTimeout is how long a wait lasts unless WithTimeout says otherwise.
const DefaultTimeout = 30 * time.Second

// Option configures a Waiter.
type Option func(*config)

type config struct {
	timeout time.Duration
	scheme  *runtime.Scheme
	opts    wait.Options
}

// WithTimeout sets how long each wait lasts before it fails. Defaults to
// 30s.
func WithTimeout(d time.Duration) Option {
	return func(c *config) { c.timeout = d }
}

// WithScheme sets the scheme that gives typed objects their kind. Defaults
// to client-go's scheme.Scheme, which holds the built-in kinds and the
// types a kubebuilder suite adds to it.
func WithScheme(s *runtime.Scheme) Option {
	return func(c *config) { c.scheme = s }
}

// WithOptions sets the options of the Waiter's resolver, such as
// RequireStatus for custom resources whose controller has not written a
// status yet, StatusFuncs or FailFast. Defaults to wait.Options{}.
func WithOptions(o wait.Options) Option {
	return func(c *config) { c.opts = o }
}

// Waiter waits until objects meet a goal, through one resolver whose
// informers all its waits share. It is safe for concurrent use.
type Waiter struct {
	t        TB
	resolver *wait.Resolver
	scheme   *runtime.Scheme
	timeout  time.Duration
}

// New returns a Waiter on the cluster of cfg. Make one per suite or per
// test: t.Cleanup closes it, and blocks until its informers and goroutines
// have ended, so none is left watching when the control plane stops (in a
// ginkgo suite, create it after DeferCleanup(testEnv.Stop), so that it
// closes first). New fails t on a nil cfg or a bad option.
func New(t TB, cfg *rest.Config, opts ...Option) *Waiter {
	t.Helper()
	c := config{timeout: DefaultTimeout, scheme: scheme.Scheme}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	switch {
	case cfg == nil:
		t.Fatalf("waittest: New: nil rest.Config")
		return nil
	case c.timeout <= 0:
		t.Fatalf("waittest: New: WithTimeout(%s): the timeout must be positive", c.timeout)
		return nil
	case c.scheme == nil:
		t.Fatalf("waittest: New: WithScheme(nil)")
		return nil
	}
	r, err := wait.New(cfg, c.opts)
	if err != nil {
		t.Fatalf("waittest: New: %v", err)
		return nil
	}
	t.Cleanup(r.Close)
	return &Waiter{t: t, resolver: r, scheme: c.scheme, timeout: c.timeout}
}

// Current blocks until every object is Current, and fails the test with
// one line per object that is not when the timeout ends first.
func (w *Waiter) Current(objs ...client.Object) {
	w.t.Helper()
	w.For(wait.Current(), objs...)
}

// Deleted blocks until every object is gone from the cluster, and fails the
// test with one line per object that is not when the timeout ends first.
func (w *Waiter) Deleted(objs ...client.Object) {
	w.t.Helper()
	w.For(wait.Deleted(), objs...)
}

// For blocks until every object has met g, and fails the test with one
// line per object that has not when the timeout ends first. An object
// whose kind cannot be told (no apiVersion and kind, a type the scheme
// does not know), a nil object or one without a name fails the test at
// once.
func (w *Waiter) For(g wait.Goal, objs ...client.Object) {
	w.t.Helper()
	if err := w.Await(context.Background(), g, objs...); err != nil {
		w.t.Fatalf("%v", err)
	}
}

// Await is For that returns its failure instead of failing the test, for
// use inside Eventually, a g Gomega block or a helper of the caller's own.
// It waits until ctx ends or the timeout does, whichever is first. The
// error of a wait that ended unmet wraps a *wait.NotMetError; that of an
// object it could not identify wraps wait.ErrNilObject, wait.ErrEmptyName
// or wait.ErrEmptyKind.
func (w *Waiter) Await(ctx context.Context, g wait.Goal, objs ...client.Object) error {
	ids, err := w.identify(objs)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeoutCause(ctx, w.timeout, timeoutError(w.timeout))
	defer cancel()
	start := time.Now()
	if err := w.resolver.Await(ctx, ids, g); err != nil {
		return fmt.Errorf("waittest: %w", err)
	}
	w.t.Logf("waittest: %d %s %s in %s", len(ids), plural(len(ids), "object", "objects"), metWord(g), time.Since(start).Round(time.Millisecond))
	return nil
}

// timeoutError is the cause of a wait that ran out of the Waiter's
// timeout. It is a context.DeadlineExceeded.
type timeoutError time.Duration

func (e timeoutError) Error() string {
	return fmt.Sprintf("timed out after %s", time.Duration(e))
}

func (timeoutError) Is(target error) bool { return target == context.DeadlineExceeded }

// identify gives each object's identifier, or the first object it cannot
// identify.
func (w *Waiter) identify(objs []client.Object) ([]wait.ResourceIdentifier, error) {
	ids := make([]wait.ResourceIdentifier, 0, len(objs))
	for i, o := range objs {
		if isNil(o) {
			return nil, fmt.Errorf("waittest: object %d of %d: %w", i+1, len(objs), wait.ErrNilObject)
		}
		gvk, err := kindOf(o, w.scheme)
		if err != nil {
			return nil, fmt.Errorf("waittest: object %d of %d (%T %s): %w", i+1, len(objs), o, nameOf(o), err)
		}
		if o.GetName() == "" {
			return nil, fmt.Errorf("waittest: object %d of %d (%s): %w", i+1, len(objs), gvk.Kind, wait.ErrEmptyName)
		}
		ids = append(ids, wait.ResourceIdentifier{GroupKind: gvk.GroupKind(), Namespace: o.GetNamespace(), Name: o.GetName()})
	}
	return ids, nil
}

// isNil reports whether v is nil or a nil pointer in an interface.
func isNil(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && rv.IsNil()
}

// kindOf is the object's own apiVersion and kind when it has them, else
// the kind its type has in s.
func kindOf(o runtime.Object, s *runtime.Scheme) (schema.GroupVersionKind, error) {
	if gvk := o.GetObjectKind().GroupVersionKind(); gvk.Kind != "" {
		return gvk, nil
	}
	if _, ok := o.(runtime.Unstructured); ok {
		return schema.GroupVersionKind{}, fmt.Errorf("%w: set its apiVersion and kind", wait.ErrEmptyKind)
	}
	gvk, err := apiutil.GVKForObject(o, s)
	if err != nil {
		return schema.GroupVersionKind{}, fmt.Errorf("%w: %w (add the type to the scheme, or pass the scheme WithScheme)", wait.ErrEmptyKind, err)
	}
	return gvk, nil
}

// nameOf is "namespace/name", or "name" for an object without namespace.
func nameOf(o client.Object) string {
	if ns := o.GetNamespace(); ns != "" {
		return ns + "/" + o.GetName()
	}
	return o.GetName()
}

// metWord is g as it reads after "3 objects": "Current", "deleted",
// "met condition Ready=True".
func metWord(g wait.Goal) string {
	switch s := g.String(); s {
	case "Current", "deleted", "created":
		return s
	default:
		return "met " + s
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
