package wait_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/kwait-dev/kwait/status"
	"github.com/kwait-dev/kwait/wait"
)

var podKind = schema.GroupKind{Kind: "Pod"}

// pod is a Pod in default with the given generation, phase and Ready
// condition (readyGen its observedGeneration; ready "" for none).
func pod(name string, generation int64, phase, ready string, readyGen int64) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(schema.GroupVersionKind{Version: "v1", Kind: "Pod"})
	u.SetNamespace("default")
	u.SetName(name)
	u.SetGeneration(generation)
	if phase != "" {
		_ = unstructured.SetNestedField(u.Object, phase, "status", "phase")
	}
	if ready != "" {
		_ = unstructured.SetNestedSlice(u.Object, []any{map[string]any{
			"type": "Ready", "status": ready, "observedGeneration": readyGen,
		}}, "status", "conditions")
	}
	return u
}

// must is g, for goals written in the test that compile.
func must(g wait.Goal, err error) wait.Goal {
	if err != nil {
		panic(err)
	}
	return g
}

// TestGoals: each goal against objects that meet it and objects that do
// not; an absent object meets Current and Deleted only.
func TestGoals(t *testing.T) {
	t.Parallel()
	running := pod("running", 2, "Running", "True", 2)
	stale := pod("stale", 3, "Running", "True", 2) // Ready for generation 2 of 3
	pending := pod("pending", 1, "Pending", "False", 1)
	for _, tc := range []struct {
		name string
		goal wait.Goal
		met  []string // of running, stale, pending, absent
	}{
		// kstatus reads no condition's observedGeneration: stale is Current.
		{"Current", wait.Current(), []string{"running", "stale", "absent"}},
		{"Deleted", wait.Deleted(), []string{"absent"}},
		{"Exists", wait.Exists(), []string{"running", "stale", "pending"}},
		{"Condition", wait.Condition("Ready", metav1.ConditionTrue), []string{"running"}},
		{"Condition False", wait.Condition("Ready", metav1.ConditionFalse), []string{"pending"}},
		{"JSONPath with a value", must(wait.JSONPath("{.status.phase}", "Running")), []string{"running", "stale"}},
		{"JSONPath without braces", must(wait.JSONPath(".status.phase", "Pending")), []string{"pending"}},
		{"JSONPath, any value", must(wait.JSONPath("{.status.phase}", "")), []string{"running", "stale", "pending"}},
		{"CEL", must(wait.CEL(`status.phase == "Running" && metadata.generation > 2`)), []string{"stale"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newFake().WithObjects(running.DeepCopy(), stale.DeepCopy(), pending.DeepCopy()).Build()
			r := wait.NewResolver(c, mapper, 0)
			defer r.Close()
			var got []string
			for _, name := range []string{"running", "stale", "pending", "absent"} {
				ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
				err := r.Await(ctx, []wait.ResourceIdentifier{{Name: name, Namespace: "default", GroupKind: podKind}}, tc.goal)
				cancel()
				if err == nil {
					got = append(got, name)
				} else if !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("%s: %v, want nil or a deadline", name, err)
				}
			}
			if d := cmp.Diff(tc.met, got); d != "" {
				t.Errorf("met (-want +got):\n%s", d)
			}
		})
	}
}

func TestGoalCompileErrors(t *testing.T) {
	t.Parallel()
	if _, err := wait.JSONPath("{.status[", ""); err == nil {
		t.Error("a JSONPath that does not parse was accepted")
	}
	if _, err := wait.CEL("status.phase =="); err == nil {
		t.Error("a CEL expression that does not compile was accepted")
	}
}

// TestExistsWaitsForCreation: Exists completes once the object is created
// during the wait; events count progress.
func TestExistsWaitsForCreation(t *testing.T) {
	t.Parallel()
	c := &watchSignal{WithWatch: newFake().Build(), watches: make(chan struct{}, 10)}
	r := wait.NewResolver(c, mapper, 0)
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ch := r.WaitFor(ctx, []wait.ResourceIdentifier{{Name: "p", Namespace: "default", GroupKind: podKind}}, wait.Exists())
	first := <-ch
	// The fake cannot replay what happened before its watch started.
	select {
	case <-c.watches:
	case <-ctx.Done():
		t.Fatal("no watch")
	}
	if er := first.EventResource; er == nil || er.Met || er.Message != "Resource does not exist" || first.Progress != (wait.Progress{Total: 1, Observed: 1}) {
		t.Fatalf("first event %+v (%+v), want an unmet absence, 1 of 1 observed", first, first.EventResource)
	}
	if err := c.Create(ctx, pod("p", 1, "Pending", "", 0)); err != nil {
		t.Fatal(err)
	}
	evs := collect(t, ch)
	if len(evs) != 2 || !evs[0].EventResource.Met || evs[1].Type != wait.Completed || evs[1].Progress.Met != 1 {
		t.Errorf("after the create %+v, want a met update then Completed", evs)
	}
}

// TestAwaitErrorNamesTheUnmet: the error counts, names each resource that
// did not meet the goal on a line of its own, sorted, and none that did.
func TestAwaitErrorNamesTheUnmet(t *testing.T) {
	t.Parallel()
	c := newFake().WithObjects(pod("b", 1, "Pending", "False", 1), pod("a", 1, "Pending", "False", 1), pod("ok", 1, "Running", "True", 1)).Build()
	r := wait.NewResolver(c, mapper, 0)
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	ids := []wait.ResourceIdentifier{
		{Name: "b", Namespace: "default", GroupKind: podKind},
		{Name: "ok", GroupKind: podKind},
		{Name: "a", Namespace: "default", GroupKind: podKind},
		{Name: "x", GroupKind: schema.GroupKind{Group: "nope.example.com", Kind: "Nope"}},
	}
	err := r.Await(ctx, ids, wait.Condition("Ready", metav1.ConditionTrue))
	var nm *wait.NotMetError
	if !errors.As(err, &nm) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Await = %v, want a *NotMetError wrapping the deadline", err)
	}
	lines := strings.Split(err.Error(), "\n")
	want := []string{
		"3 of 4 resources not meeting condition Ready=True (context deadline exceeded):",
		"  Pod default/a: InProgress: Pod is in the Pending phase",
		"  Pod default/b: InProgress: Pod is in the Pending phase",
		"  Nope.nope.example.com x: Unknown (error: ",
	}
	if len(lines) != len(want) {
		t.Fatalf("error:\n%s\nwant %d lines", err, len(want))
	}
	for i := range want {
		if !strings.HasPrefix(lines[i], want[i]) {
			t.Errorf("line %d: %q, want it to start with %q", i, lines[i], want[i])
		}
	}
	if nm.Unmet[0].Status != status.InProgressStatus {
		t.Errorf("first unmet %+v", nm.Unmet[0])
	}
}

// newFake is a fake client with a scheme of its own: the fake adds the
// unstructured kinds it is asked for (CRDs, when a wait has an unknown
// kind) to its scheme, which must not be client-go's global one while
// other tests read it.
func newFake() *fake.ClientBuilder {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		panic(err)
	}
	return fake.NewClientBuilder().WithScheme(s).WithRESTMapper(mapper)
}

// watchSignal signals each watch it opens.
type watchSignal struct {
	client.WithWatch
	watches chan struct{}
}

func (c *watchSignal) Watch(ctx context.Context, list client.ObjectList, opts ...client.ListOption) (watch.Interface, error) {
	w, err := c.WithWatch.Watch(ctx, list, opts...)
	c.watches <- struct{}{}
	return w, err
}
