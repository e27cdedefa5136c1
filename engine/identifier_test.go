package engine

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// countingMapper counts RESTMapping calls per kind.
type countingMapper struct {
	meta.RESTMapper
	calls atomic.Int64
}

func (m *countingMapper) RESTMapping(gk schema.GroupKind, versions ...string) (*meta.RESTMapping, error) {
	m.calls.Add(1)
	return m.RESTMapper.RESTMapping(gk, versions...)
}

func TestResolveAsksTheMapperOncePerKindAndVersion(t *testing.T) {
	var ids []Identifier
	for i := range 50 {
		ids = append(ids,
			Identifier{GVK: widgetGVK, Namespace: "ns", Name: fmt.Sprintf("w-%d", i)},
			Identifier{GVK: cmGVK, Namespace: "ns", Name: fmt.Sprintf("c-%d", i)},
			Identifier{GVK: schema.GroupVersionKind{Group: "nope.dev", Version: "v1", Kind: "Nope"}, Name: fmt.Sprintf("n-%d", i)},
		)
	}
	// The same kind without a version is a lookup of its own (which this
	// mapper, having no default versions, cannot answer).
	ids = append(ids, Identifier{GVK: widgetGVK.GroupKind().WithVersion(""), Namespace: "ns", Name: "w-0"})

	m := &countingMapper{RESTMapper: testMapper()}
	e := newTestEngine(t, newWatchingClient(fakeDynamic()), func(o *Options) { o.Mapper = m })
	res := e.Fetch(context.Background(), ids)
	if got := m.calls.Load(); got != 4 {
		t.Errorf("Fetch of %d identifiers of 3 kinds + 1 unversioned made %d RESTMapping calls, want 4", len(ids), got)
	}
	for i, r := range res {
		unknown := errors.Is(r.Err, ErrUnknownKind)
		if want := ids[i].GVK.Kind == "Nope" || ids[i].GVK.Version == ""; unknown != want {
			t.Errorf("%v %s: unknown kind = %v (err %v), want %v", ids[i].GVK, ids[i].Name, unknown, r.Err, want)
		}
	}
}
