package wait

import (
	"github.com/kwait-dev/kwait/engine"
	"github.com/kwait-dev/kwait/informers"
)

// Errors a resource of a wait or fetch may carry in EventResource.Error or
// ResourceResult.Error, wrapped in a *ResolveError where they come from
// resolving the resource's identifier; match them with errors.Is.
var (
	// ErrNilObject: a nil KubernetesObject was given.
	ErrNilObject = engine.ErrNilObject
	// ErrEmptyName: the identifier has no name.
	ErrEmptyName = engine.ErrEmptyName
	// ErrEmptyKind: the identifier has no kind.
	ErrEmptyKind = engine.ErrEmptyKind
	// ErrBadAPIVersion: the object's apiVersion does not parse.
	ErrBadAPIVersion = engine.ErrBadAPIVersion
	// ErrClusterScope: a namespace was given for a cluster-scoped kind.
	ErrClusterScope = engine.ErrClusterScope
	// ErrUnknownKind: the cluster does not serve the kind (yet); the wait
	// looks it up again until it does.
	ErrUnknownKind = engine.ErrUnknownKind
	// ErrKindGone: the kind stopped being served during the wait (its CRD
	// was deleted); the wait looks it up again until it is served.
	ErrKindGone = engine.ErrKindGone
)

// ResolveError is the error of a resource whose identifier could not be
// resolved; Unwrap gives the cause (one of the errors above, or the
// RESTMapper's).
type ResolveError = engine.ResolveError

// ListWatchError is the error of every resource an informer reads while
// its list or watch fails (the API server unreachable, say); it clears on
// the informer's next successful call. Unwrap gives the client's error,
// for apierrors.IsForbidden and the like.
type ListWatchError = informers.ListWatchError

// CacheError is the error of an object an informer could not keep in its
// cache or read back from it.
type CacheError = informers.CacheError
