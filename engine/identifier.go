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
	// retry: err came from the RESTMapper (a kind not served yet, or
	// discovery failing), and a later lookup may succeed. Bad input never
	// does.
	retry bool
}

// unresolvedID is what makes two identifiers of a kind that does not
// resolve yet the same object: the namespace is not defaulted yet, but ""
// and "default" name the same one.
type unresolvedID struct {
	gk              schema.GroupKind
	namespace, name string
}

func unresolvedOf(id Identifier) unresolvedID {
	ns := id.Namespace
	if ns == "" {
		ns = metav1.NamespaceDefault
	}
	return unresolvedID{gk: id.GVK.GroupKind(), namespace: ns, name: id.Name}
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
	return newMappings(mapper).resolve(id)
}

// mappings resolves the identifiers of one call, asking the RESTMapper once
// per kind and version: a mapper lookup allocates a few KB (errors of the
// mappers it tries first, slices of candidates), which for a 10,000-object
// wait of three kinds was a quarter of the wait's own allocations. Answers
// are kept for one call only, so a kind that appears later is seen.
type mappings struct {
	mapper meta.RESTMapper
	memo   map[mappingKey]mappingAnswer
}

type mappingKey struct {
	gk      schema.GroupKind
	version string
}

type mappingAnswer struct {
	m   *meta.RESTMapping
	err error
}

func newMappings(mapper meta.RESTMapper) *mappings {
	return &mappings{mapper: mapper, memo: make(map[mappingKey]mappingAnswer)}
}

func (ms *mappings) mapping(gk schema.GroupKind, version string) (*meta.RESTMapping, error) {
	k := mappingKey{gk: gk, version: version}
	if a, ok := ms.memo[k]; ok {
		return a.m, a.err
	}
	var versions []string
	if version != "" {
		versions = []string{version}
	}
	m, err := ms.mapper.RESTMapping(gk, versions...)
	ms.memo[k] = mappingAnswer{m: m, err: err}
	return m, err
}

// resolve is resolve through the call's memo.
func (ms *mappings) resolve(id Identifier) target {
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
	m, err := ms.mapping(id.GVK.GroupKind(), id.GVK.Version)
	if err != nil {
		// Every mapper error may pass: a kind whose CRD comes later, or
		// discovery failing while the API server is unreachable.
		t := fail(err)
		if meta.IsNoMatchError(err) {
			t = fail(fmt.Errorf("%w: %w", ErrUnknownKind, err))
		}
		t.retry = true
		return t
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
