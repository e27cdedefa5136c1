package informers

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
)

// wireCases are objects as an API server may send them, and some it would
// not, with what stripWire must make of them: ok false where it must give
// up (the caller encodes the decoded object then).
var wireCases = []struct {
	name string
	raw  string
	// same is set when there is nothing to drop: stripWire returns raw.
	same, fail bool
}{
	{name: "fleet object", raw: `{"apiVersion":"bench.kwait.dev/v1","kind":"Widget","metadata":{"creationTimestamp":"2026-12-02T10:00:00Z","generation":1,"managedFields":[{"apiVersion":"bench.kwait.dev/v1","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{".":{},"f:size":{}}},"manager":"bench","operation":"Update","time":"2026-12-02T10:00:00Z"},{"apiVersion":"bench.kwait.dev/v1","fieldsType":"FieldsV1","fieldsV1":{"f:status":{".":{},"f:conditions":{}}},"manager":"bench","operation":"Update","subresource":"status","time":"2026-12-02T10:00:01Z"}],"name":"o-00001","namespace":"fleet-001","resourceVersion":"1234","uid":"0b6f3c1e-7f4a-4c2d-9a8e-000000001234"},"spec":{"size":1},"status":{"conditions":[{"message":"ready","reason":"Done","status":"True","type":"Ready"}]}}`},
	{name: "managedFields first", raw: `{"metadata":{"managedFields":[{"manager":"a"}],"name":"x"},"spec":{}}`},
	{name: "managedFields alone", raw: `{"kind":"K","metadata":{"managedFields":[]}}`},
	{name: "last-applied and another annotation", raw: `{"metadata":{"annotations":{"keep":"me","kubectl.kubernetes.io/last-applied-configuration":"{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\"}\n","z":"}"},"name":"x"}}`},
	{name: "last-applied only", raw: `{"metadata":{"name":"x","annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{}"},"labels":{"a":"b"}}}`},
	{name: "empty annotations", raw: `{"metadata":{"name":"x","annotations":{}}}`},
	{name: "null annotations", raw: `{"metadata":{"name":"x","annotations":null}}`, same: true},
	{name: "annotations without last-applied", raw: `{"metadata":{"name":"x","annotations":{"a":"b"}}}`, same: true},
	{name: "nothing to drop", raw: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x","namespace":"ns","resourceVersion":"7"},"data":{"k":"v"}}`, same: true},
	{name: "no metadata", raw: `{"kind":"K","spec":{"managedFields":[1]}}`, same: true},
	{name: "null metadata", raw: `{"kind":"K","metadata":null}`, same: true},
	{name: "managedFields elsewhere stay", raw: `{"managedFields":[1],"metadata":{"name":"x","labels":{"managedFields":"y"}},"spec":{"managedFields":{"a":1}},"status":{"metadata":{"managedFields":2}}}`, same: true},
	{name: "spaces and newlines", raw: "{\n  \"metadata\" : {\n    \"name\": \"x\",\n    \"managedFields\" : [ {\"m\": \"a\"} ] ,\n    \"annotations\": { \"kubectl.kubernetes.io/last-applied-configuration\" : \"{}\" , \"b\" : \"c\" }\n  } ,\n  \"spec\": { \"n\": 1.5e3, \"f\": 1.0, \"t\": true, \"z\": null }\n}\n"},
	{name: "strings with quotes, braces and escapes", raw: `{"metadata":{"name":"x","managedFields":[{"f":"\"}]{["}],"annotations":{"q":"a\\\"b}","kubectl.kubernetes.io/last-applied-configuration":"\\"}},"status":{"message":"caf\u00e9 \"done\" {}"}}`},
	{name: "managedFields twice", raw: `{"metadata":{"managedFields":[],"name":"x","managedFields":[1]}}`, fail: true},
	{name: "metadata twice", raw: `{"metadata":{"name":"x"},"metadata":{"name":"y","managedFields":[]}}`, fail: true},
	{name: "escaped key", raw: `{"metadata":{"name":"x","managed\u0046ields":[]}}`, fail: true},
	{name: "last-applied twice", raw: `{"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"a","kubectl.kubernetes.io/last-applied-configuration":"b"}}}`, fail: true},
}

// decodeJSON decodes raw as the cache does.
func decodeJSON(t testing.TB, raw []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := utiljson.Unmarshal(raw, &m); err != nil {
		t.Fatalf("decode %q: %v", raw, err)
	}
	return m
}

// TestStripWireIsStripForStatus: what stripWire keeps decodes to what
// stripForStatus leaves of the decoded object, in exactly the bytes it
// needs.
func TestStripWireIsStripForStatus(t *testing.T) {
	t.Parallel()
	for _, tc := range wireCases {
		t.Run(tc.name, func(t *testing.T) {
			raw := []byte(tc.raw)
			got, ok := stripWire(raw)
			if ok == tc.fail {
				t.Fatalf("ok %v, want %v", ok, !tc.fail)
			}
			if !ok {
				return
			}
			want := &unstructured.Unstructured{Object: decodeJSON(t, raw)}
			_, _ = stripForStatus(want)
			if d := cmp.Diff(want.Object, decodeJSON(t, got)); d != "" {
				t.Errorf("stripped wire (-stripForStatus +stripWire):\n%s\nwire out: %s", d, got)
			}
			if same := len(got) > 0 && unsafe.SliceData(got) == unsafe.SliceData(raw); same != tc.same {
				t.Errorf("returned the wire itself: %v, want %v", same, tc.same)
			}
			if !tc.same && cap(got) != len(got) {
				t.Errorf("cap %d for %d bytes: the cache would keep the difference", cap(got), len(got))
			}
		})
	}
}

// FuzzStripWire: stripWire never panics, and whenever it answers, its
// answer decodes to what stripForStatus leaves.
func FuzzStripWire(f *testing.F) {
	for _, tc := range wireCases {
		f.Add([]byte(tc.raw))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var m map[string]any
		if utiljson.Unmarshal(raw, &m) != nil || m == nil {
			return // stripWire is only given what the decoder accepted
		}
		got, ok := stripWire(raw)
		if !ok {
			return
		}
		want := &unstructured.Unstructured{Object: m}
		_, _ = stripForStatus(want)
		if d := cmp.Diff(want.Object, decodeJSON(t, got)); d != "" {
			t.Errorf("%q: (-stripForStatus +stripWire):\n%s", raw, d)
		}
	})
}

// TestWireClientCachesWhatItReceived: through NewClientForConfig, a watched
// object comes with the JSON it was sent in, which the transform keeps
// (stripped), and the cache reads back exactly what the dynamic client's
// path caches: the same fresh object, the same decoded state.
func TestWireClientCachesWhatItReceived(t *testing.T) {
	t.Parallel()
	// The keys are not in the order an encoder of the decoded map writes
	// them, so the cached bytes tell which path made them.
	obj := `{"spec":{"size":1},` + strings.Replace(wireCases[0].raw[1:], `"spec":{"size":1},`, "", 1)
	events := fmt.Sprintf("{\"type\":\"ADDED\",\"object\":%s}\n{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"Widget\",\"apiVersion\":\"bench.kwait.dev/v1\",\"metadata\":{\"resourceVersion\":\"1300\"}}}\n{\"type\":\"MODIFIED\",\"object\":%s}\n",
		obj, strings.Replace(obj, `"resourceVersion":"1234"`, `"resourceVersion":"1299"`, 1))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("watch") != "true" {
			http.Error(w, "watch only", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(events))
	}))
	defer srv.Close()
	cfg := &rest.Config{Host: srv.URL}
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	wire, err := NewClientForConfig(cfg, hc)
	if err != nil {
		t.Fatal(err)
	}
	dc, err := dynamic.NewForConfigAndClient(cfg, hc)
	if err != nil {
		t.Fatal(err)
	}
	plain := NewDynamicClient(dc)
	gvr := schema.GroupVersionResource{Group: "bench.kwait.dev", Version: "v1", Resource: "widgets"}
	res := Resource{GVR: gvr, GVK: gvr.GroupVersion().WithKind("Widget"), Namespaced: true}
	collect := func(c WatchClient) []*cachedObject {
		t.Helper()
		w, err := informerWatch(c)(context.Background(), res, "fleet-001", metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Stop()
		var out []*cachedObject
		for ev := range w.ResultChan() {
			if ev.Type == "BOOKMARK" {
				continue
			}
			c, _ := compactKeeping(ev.Object, true)
			out = append(out, c.(*cachedObject))
		}
		return out
	}
	got := collect(wire)
	want := collect(plain)
	if len(got) != 2 || len(want) != 2 {
		t.Fatalf("%d and %d objects, want 2 each", len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if _, has := g.fresh.Object[wireKey]; has {
			t.Errorf("object %d: the fresh object still holds the wire JSON", i)
		}
		if d := cmp.Diff(w.fresh.Object, g.fresh.Object); d != "" {
			t.Errorf("object %d: fresh (-dynamic +wire):\n%s", i, d)
		}
		gd, err1 := g.decode()
		wd, err2 := w.decode()
		if err1 != nil || err2 != nil {
			t.Fatalf("decode: %v, %v", err1, err2)
		}
		if d := cmp.Diff(wd.Object, gd.Object); d != "" {
			t.Errorf("object %d: cached (-encoded again +wire):\n%s", i, d)
		}
		if g.resourceVersion != w.resourceVersion || g.key() != w.key() {
			t.Errorf("object %d: %s at %s, want %s at %s", i, g.key(), g.resourceVersion, w.key(), w.resourceVersion)
		}
		if strings.Contains(string(g.raw), "managedFields") {
			t.Errorf("object %d: cached JSON keeps managedFields: %s", i, g.raw)
		}
		if !strings.HasPrefix(string(g.raw), `{"spec":{"size":1},"apiVersion"`) {
			t.Errorf("object %d: cached JSON %s is not the wire's", i, g.raw)
		}
	}
}

// TestWireClientWatchDeliversAPIObjects: the wire JSON is for the
// informers' transform only. Any other caller of Watch (the engine's CRD
// watch) gets objects as the API server sent them, without wireKey, which
// holds the whole event's JSON and would show wherever the object is read
// or encoded.
func TestWireClientWatchDeliversAPIObjects(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, "{\"type\":\"ADDED\",\"object\":%s}\n", wireCases[0].raw)
	}))
	defer srv.Close()
	cfg := &rest.Config{Host: srv.URL}
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewClientForConfig(cfg, hc)
	if err != nil {
		t.Fatal(err)
	}
	gvr := schema.GroupVersionResource{Group: "bench.kwait.dev", Version: "v1", Resource: "widgets"}
	w, err := c.Watch(context.Background(), Resource{GVR: gvr, GVK: gvr.GroupVersion().WithKind("Widget"), Namespaced: true}, "fleet-001", metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	n := 0
	for ev := range w.ResultChan() {
		n++
		u, ok := ev.Object.(*unstructured.Unstructured)
		if !ok {
			t.Fatalf("event %d: %T, want *unstructured.Unstructured", n, ev.Object)
		}
		if d := cmp.Diff(decodeJSON(t, []byte(wireCases[0].raw)), u.Object); d != "" {
			t.Errorf("event %d: object (-sent +got):\n%s", n, d)
		}
	}
	if n != 1 {
		t.Errorf("%d events, want 1", n)
	}
}
