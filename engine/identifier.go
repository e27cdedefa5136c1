package engine

import (
	"errors"
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kwait-dev/kwait/informers"
)

// Identifier names one object to resolve. GVK.Version is optional: when
// empty, the RESTMapper's preferred version is used.
type Identifier struct {
	GVK       schema.GroupVersionKind
	Namespace string
	Name      string
	// Invalid, when set, is reported as the identifier's resolution error:
	// callers use it for input they could not turn into an identifier.
	Invalid error
}

// Errors of identifier resolution; match them with errors.Is.
var (
	ErrNilObject     = errors.New("nil object")
	ErrEmptyName     = errors.New("empty name")
	ErrEmptyKind     = errors.New("empty kind")
	ErrUnknownKind   = errors.New("unknown kind")
	ErrClusterScope  = errors.New("namespace set on a cluster-scoped kind")
	ErrBadAPIVersion = errors.New("apiVersion does not parse")
	ErrKindGone      = errors.New("kind no longer served")
)

// ResolveError is a per-resource resolution failure.
type ResolveError struct {
	Identifier Identifier
	Err        error
}

func (e *ResolveError) Error() string {
	return fmt.Sprintf("resolve %s %q: %v", e.Identifier.GVK.GroupKind(), e.Identifier.Name, e.Err)
}

func (e *ResolveError) Unwrap() error { return e.Err }

// target is a resolved identifier.
type target struct {
	res informers.Resource
	key informers.Key
	err error
}

// id is what makes two targets the same object.
func (t target) id() objectID {
	return objectID{gr: t.res.GVR.GroupResource(), key: t.key}
}

type objectID struct {
	gr  schema.GroupResource
	key informers.Key
}

// resolve maps id to a resource with the RESTMapper and defaults the
// namespace of namespaced kinds to "default".
func resolve(mapper meta.RESTMapper, id Identifier) target {
	fail := func(err error) target {
		return target{err: &ResolveError{Identifier: id, Err: err}}
	}
	switch {
	case id.Invalid != nil:
		return fail(id.Invalid)
	case id.GVK.Kind == "":
		return fail(ErrEmptyKind)
	case id.Name == "":
		return fail(ErrEmptyName)
	}
	var versions []string
	if id.GVK.Version != "" {
		versions = []string{id.GVK.Version}
	}
	m, err := mapper.RESTMapping(id.GVK.GroupKind(), versions...)
	if err != nil {
		if meta.IsNoMatchError(err) {
			return fail(fmt.Errorf("%w: %w", ErrUnknownKind, err))
		}
		return fail(err)
	}
	namespaced := m.Scope.Name() == meta.RESTScopeNameNamespace
	ns := id.Namespace
	switch {
	case namespaced && ns == "":
		ns = metav1.NamespaceDefault
	case !namespaced && ns != "":
		return fail(fmt.Errorf("%w: %s is cluster-scoped, namespace %q given", ErrClusterScope, m.GroupVersionKind.Kind, ns))
	}
	return target{
		res: informers.Resource{GVR: m.Resource, GVK: m.GroupVersionKind, Namespaced: namespaced},
		key: informers.Key{Namespace: ns, Name: id.Name},
	}
}
