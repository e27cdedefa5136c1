package wait_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/kwait-dev/kwait/engine"
	"github.com/kwait-dev/kwait/status"
	"github.com/kwait-dev/kwait/wait"
)

var configMapKind = schema.GroupKind{Kind: "ConfigMap"}

func TestResourceIdentifierEquals(t *testing.T) {
	t.Parallel()
	base := wait.ResourceIdentifier{Name: "a", Namespace: "default", GroupKind: configMapKind}
	for _, tc := range []struct {
		name  string
		other wait.ResourceIdentifier
		want  bool
	}{
		{"same", base, true},
		{"empty namespace is default", wait.ResourceIdentifier{Name: "a", GroupKind: configMapKind}, true},
		{"other namespace", wait.ResourceIdentifier{Name: "a", Namespace: "x", GroupKind: configMapKind}, false},
		{"other name", wait.ResourceIdentifier{Name: "b", Namespace: "default", GroupKind: configMapKind}, false},
		{"other kind", wait.ResourceIdentifier{Name: "a", Namespace: "default", GroupKind: schema.GroupKind{Kind: "Secret"}}, false},
		{"other group", wait.ResourceIdentifier{Name: "a", Namespace: "default", GroupKind: schema.GroupKind{Group: "x", Kind: "ConfigMap"}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := base.Equals(tc.other); got != tc.want {
				t.Errorf("Equals = %t, want %t", got, tc.want)
			}
			if got := tc.other.Equals(base); got != tc.want {
				t.Errorf("Equals is not symmetric")
			}
		})
	}
}

// TestInvalidResolverReportsPerResource: a resolver made from a nil client
// never panics and never completes a non-empty wait; it reports the error
// on every resource and ends with the context.
func TestInvalidResolverReportsPerResource(t *testing.T) {
	t.Parallel()
	for name, r := range map[string]*wait.Resolver{
		"nil client": wait.NewResolver(nil, mapper, 0),
		"nil mapper": wait.NewResolver(fake.NewClientBuilder().Build(), nil, 0),
		"zero value": {},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			defer r.Close()
			ids := []wait.ResourceIdentifier{{Name: "a", GroupKind: configMapKind}, {Name: "b", GroupKind: configMapKind}}
			for _, res := range r.FetchAndResolve(context.Background(), ids) {
				if res.Error == nil || res.Result.Status != status.UnknownStatus {
					t.Errorf("FetchAndResolve = %+v, want Unknown with an error", res)
				}
			}
			ctx, cancel := context.WithCancel(context.Background())
			ch := r.WaitForStatus(ctx, ids)
			for range ids {
				ev := <-ch
				if ev.Type != wait.ResourceUpdate || ev.EventResource.Error == nil {
					t.Errorf("event %+v, want a ResourceUpdate with an error", ev)
				}
			}
			cancel()
			var last wait.Event
			for ev := range ch {
				last = ev
			}
			if last.Type != wait.Aborted {
				t.Errorf("last event %+v, want Aborted", last)
			}
			empty := collect(t, r.WaitForStatus(context.Background(), nil))
			if len(empty) != 1 || empty[0].Type != wait.Completed {
				t.Errorf("empty wait gave %+v, want one Completed", empty)
			}
		})
	}
}

// readerOnly hides everything but client.Reader: such a reader is polled.
type readerOnly struct{ client.Reader }

func TestPlainReaderIsPolled(t *testing.T) {
	t.Parallel()
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: "default"}}
	c := fake.NewClientBuilder().WithRESTMapper(mapper).WithObjects(cm).Build()
	r := wait.NewResolver(readerOnly{c}, mapper, 10*time.Millisecond)
	defer r.Close()
	// A Pod that is not ready yet, then ready: polling must notice.
	pod := &unstructured.Unstructured{}
	pod.SetGroupVersionKind(schema.GroupVersionKind{Version: "v1", Kind: "Pod"})
	pod.SetNamespace("default")
	pod.SetName("p")
	_ = unstructured.SetNestedField(pod.Object, "Pending", "status", "phase")
	if err := c.Create(context.Background(), pod); err != nil {
		t.Fatal(err)
	}
	ch := r.WaitForStatusOfObjects(context.Background(), []wait.KubernetesObject{pod})
	first := <-ch
	if first.EventResource == nil || first.EventResource.Status != status.InProgressStatus {
		t.Fatalf("first event %+v, want InProgress", first)
	}
	_ = unstructured.SetNestedField(pod.Object, "Succeeded", "status", "phase")
	if err := c.Status().Update(context.Background(), pod); err != nil {
		t.Fatal(err)
	}
	evs := collect(t, ch)
	if len(evs) != 2 || evs[0].EventResource.Status != status.CurrentStatus || evs[1].Type != wait.Completed {
		t.Errorf("got %+v, want Current then Completed", evs)
	}
}

// listRecorder is a client.WithWatch that records the field selector of
// every list.
type listRecorder struct {
	client.WithWatch
	mu        sync.Mutex
	selectors []string
}

func (r *listRecorder) List(ctx context.Context, list client.ObjectList, opts ...client.ListOption) error {
	lo := (&client.ListOptions{}).ApplyOptions(opts)
	sel := ""
	if lo.Raw != nil {
		sel = lo.Raw.FieldSelector
	}
	r.mu.Lock()
	r.selectors = append(r.selectors, sel)
	r.mu.Unlock()
	return r.WithWatch.List(ctx, list, opts...)
}

func (r *listRecorder) lists() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.selectors)
}

// TestObjectScopeThreshold: by default a wait on one object lists it by
// name; a negative threshold lists its namespace.
func TestObjectScopeThreshold(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		threshold int
		want      string
	}{
		{"default: the object", 0, "metadata.name=a"},
		{"negative: the namespace", -1, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: "default"}}
			c := &listRecorder{WithWatch: fake.NewClientBuilder().WithRESTMapper(mapper).WithObjects(cm).Build()}
			r, err := wait.NewFromClient(c, mapper, wait.Options{ObjectScopeThreshold: tc.threshold})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			evs := collect(t, r.WaitForStatus(context.Background(), []wait.ResourceIdentifier{{Name: "a", Namespace: "default", GroupKind: configMapKind}}))
			if len(evs) == 0 || evs[len(evs)-1].Type != wait.Completed {
				t.Fatalf("got %+v, want Completed", evs)
			}
			if got := c.lists(); len(got) == 0 || slices.ContainsFunc(got, func(s string) bool { return s != tc.want }) {
				t.Errorf("lists with field selectors %q, want each %q", got, tc.want)
			}
		})
	}
}

func TestFetchAndResolveObjectsKeepsInputOrder(t *testing.T) {
	t.Parallel()
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: "default"}}
	c := fake.NewClientBuilder().WithRESTMapper(mapper).WithObjects(cm).Build()
	r := wait.NewResolver(c, mapper, 0)
	defer r.Close()
	obj := func(kind, name string) wait.KubernetesObject {
		u := &unstructured.Unstructured{}
		u.SetGroupVersionKind(schema.GroupVersionKind{Version: "v1", Kind: kind})
		u.SetName(name)
		return u
	}
	var nilObj *unstructured.Unstructured
	res := r.FetchAndResolveObjects(context.Background(), []wait.KubernetesObject{
		obj("ConfigMap", "missing"), nilObj, obj("ConfigMap", "a"), nil, obj("ConfigMap", "a"), obj("", "no-kind"),
	})
	want := []struct {
		status status.Status
		err    error
	}{
		{status.CurrentStatus, nil}, {status.UnknownStatus, wait.ErrNilObject}, {status.CurrentStatus, nil},
		{status.UnknownStatus, wait.ErrNilObject}, {status.CurrentStatus, nil}, {status.UnknownStatus, nil},
	}
	if len(res) != len(want) {
		t.Fatalf("%d results for %d objects", len(res), len(want))
	}
	for i, w := range want {
		if res[i].Result.Status != w.status || (w.err != nil && !errors.Is(res[i].Error, w.err)) {
			t.Errorf("result %d = %v %v, want %v %v", i, res[i].Result.Status, res[i].Error, w.status, w.err)
		}
	}
	if res[5].Error == nil {
		t.Error("an object without kind has no error")
	}
	if res[0].Result.Message != "Resource does not exist" || res[0].ResourceIdentifier.Name != "missing" {
		t.Errorf("result 0 = %+v", res[0])
	}
}

func collect(t *testing.T, ch <-chan wait.Event) []wait.Event {
	t.Helper()
	var evs []wait.Event
	timeout := time.After(30 * time.Second)
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				return evs
			}
			evs = append(evs, ev)
		case <-timeout:
			t.Fatalf("wait did not end: %+v", evs)
		}
	}
}

func TestBadAPIVersionIsAPerResourceError(t *testing.T) {
	t.Parallel()
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: "default"}}
	c := fake.NewClientBuilder().WithRESTMapper(mapper).WithObjects(cm).Build()
	r := wait.NewResolver(c, mapper, 0)
	defer r.Close()
	bad := &unstructured.Unstructured{}
	bad.SetAPIVersion("a/b/c")
	bad.SetKind("ConfigMap")
	bad.SetName("a")
	good := &unstructured.Unstructured{}
	good.SetAPIVersion("v1")
	good.SetKind("ConfigMap")
	good.SetName("a")
	res := r.FetchAndResolveObjects(context.Background(), []wait.KubernetesObject{bad, good})
	if !errors.Is(res[0].Error, engine.ErrBadAPIVersion) {
		t.Errorf("bad apiVersion: error %v, want ErrBadAPIVersion", res[0].Error)
	}
	if res[1].Error != nil || res[1].Result.Status != status.CurrentStatus {
		t.Errorf("good object: %+v, want Current", res[1])
	}
}
