package engine

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kwait-dev/kwait/informers"
	"github.com/kwait-dev/kwait/status"
)

// lateMapper knows Widgets only once learn is called, like a discovery
// mapper before and after a CRD is established.
type lateMapper struct {
	meta.RESTMapper
	mu    sync.Mutex
	known bool
}

func (m *lateMapper) learn() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.known = true
}

func (m *lateMapper) RESTMapping(gk schema.GroupKind, versions ...string) (*meta.RESTMapping, error) {
	m.mu.Lock()
	known := m.known
	m.mu.Unlock()
	if gk == widgetGVK.GroupKind() && !known {
		return nil, &meta.NoKindMatchError{GroupKind: gk, SearchedVersions: versions}
	}
	return m.RESTMapper.RESTMapping(gk, versions...)
}

func TestWaitPicksUpAKindThatAppearsLater(t *testing.T) {
	t.Parallel()
	mapper := &lateMapper{RESTMapper: testMapper()}
	e := newTestEngine(t, informers.NewDynamicClient(fakeDynamic(widget("ns", "w", "True", "ready"), configMap("ns", "c"))), func(o *Options) {
		o.Mapper = mapper
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ch := Wait(ctx, e, []Identifier{id(widgetGVK, "ns", "w"), id(cmGVK, "ns", "c")}, identity)
	first := map[int]Event{}
	for range 2 {
		ev := <-ch
		first[ev.Index] = ev
	}
	if ev := first[0]; ev.Status != status.UnknownStatus || !errors.Is(ev.Err, ErrUnknownKind) {
		t.Fatalf("first event of the Widget %+v, want Unknown with ErrUnknownKind", steps([]Event{ev}))
	}
	mapper.learn()
	want := []step{
		{Type: ResourceUpdate, Aggregate: current, Index: 0, Status: current, Message: readyMessage},
		{Type: Completed, Aggregate: current},
	}
	if got := steps(collect(t, ch)); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("after the kind appeared got %+v, want %+v", got, want)
	}
}
