package engine

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kwait-dev/kwait/informers"
	"github.com/kwait-dev/kwait/status"
)

// lateMapper knows Widgets only once learn is called, like a discovery
// mapper before and after a CRD is established. Each Widget lookup it
// refuses is signalled on refused, when set, if there is room.
type lateMapper struct {
	meta.RESTMapper
	gk      schema.GroupKind // the late kind; Widget when unset
	mu      sync.Mutex
	known   bool
	refused chan struct{}
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
	late := m.gk
	if late.Kind == "" {
		late = widgetGVK.GroupKind()
	}
	if gk == late && !known {
		select {
		case m.refused <- struct{}{}:
		default:
		}
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
		ev := recv(t, ch)
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

// TestWaitGroupsTheTargetsOfALateKindTogether makes a kind known while a
// wait on four of its objects in one namespace retries: the four are
// grouped as at the start of a wait, so they share one namespace informer
// instead of getting an object informer each.
func TestWaitGroupsTheTargetsOfALateKindTogether(t *testing.T) {
	t.Parallel()
	mapper := &lateMapper{RESTMapper: testMapper(), refused: make(chan struct{}, 100)}
	var ids []Identifier
	var objs []runtime.Object
	for _, name := range []string{"w0", "w1", "w2", "w3"} {
		objs = append(objs, widget("ns", name, "True", "ready"))
		ids = append(ids, id(widgetGVK, "ns", name))
	}
	c := newWatchingClient(fakeDynamic(objs...))
	linger := time.Hour
	e := newTestEngine(t, c, func(o *Options) { o.Mapper, o.Linger = mapper, linger })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ch := Wait(ctx, e, ids, identity)
	// Learn only once the first retry has been refused (a wait looks each
	// kind up once at the start and once per retry), so that one retry
	// resolves all four.
	for range 2 {
		select {
		case <-mapper.refused:
		case <-ctx.Done():
			t.Fatal("the wait did not look the kind up again")
		}
	}
	mapper.learn()
	evs := collect(t, ch)
	if last := evs[len(evs)-1]; last.Type != Completed {
		t.Fatalf("got %+v, want Completed", steps(evs))
	}
	// The wait may complete on its first GET of the kind (read first) before
	// the informer's watch is open.
	widgetsOnly := func() []request {
		return slices.DeleteFunc(c.requests("list", "watch"), func(r request) bool { return r.Resource != "widgets" })
	}
	eventually(t, func() bool { return len(widgetsOnly()) >= 2 })
	widgets := widgetsOnly()
	if d := cmp.Diff(informerOn("widgets", "ns", ""), sortedUnique(widgets)); d != "" {
		t.Errorf("lists and watches (-want +got):\n%s", d)
	}
	if n := e.RunningSources(); n != 1 {
		t.Errorf("%d sources, want 1", n)
	}
}
