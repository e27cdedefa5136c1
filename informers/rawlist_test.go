package informers

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"
	"k8s.io/utils/clock"
)

// listCases are LISTs as an API server may send them, and some it would
// not; fail is set where scanList must leave the list to the decoder.
var listCases = []struct {
	name string
	raw  string
	fail bool
}{
	{name: "custom resources", raw: `{"apiVersion":"bench.kwait.dev/v1","items":[` + wireCases[0].raw + `,{"apiVersion":"bench.kwait.dev/v1","kind":"Widget","metadata":{"name":"o-2","namespace":"fleet-001","resourceVersion":"1240"},"status":{"n":12345678901234}}],"kind":"WidgetList","metadata":{"continue":"","resourceVersion":"1300"}}`},
	{name: "typed list: items without apiVersion and kind", raw: `{"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"77"},"items":[{"metadata":{"name":"a","namespace":"ns","resourceVersion":"5"},"data":{"k":"v"}},{"metadata":{"name":"b","namespace":"ns","resourceVersion":"6"}}]}`},
	{name: "cluster-scoped", raw: `{"kind":"NamespaceList","apiVersion":"v1","metadata":{"resourceVersion":"9"},"items":[{"metadata":{"name":"default","resourceVersion":"3"}}]}`},
	{name: "empty", raw: `{"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"77"},"items":[]}`},
	{name: "spaces and newlines", raw: "{\n \"kind\" : \"ConfigMapList\" ,\n \"apiVersion\": \"v1\",\n \"metadata\": { \"resourceVersion\" : \"8\" },\n \"items\" : [\n  { \"metadata\" : { \"name\" : \"a\" , \"namespace\": \"ns\", \"resourceVersion\": \"4\" } } ,\n  {\"metadata\":{\"name\":\"b\",\"namespace\":\"ns\"}, \"x\": [ 1, {\"metadata\":{\"name\":\"no\"}} ] }\n ]\n}\n"},
	{name: "strings with brackets and escapes", raw: `{"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"8"},"items":[{"metadata":{"name":"a","namespace":"ns","resourceVersion":"4","annotations":{"x":"]}\"{["}},"data":{"k":"caf\u00e9 \"x\""}}]}`},
	{name: "no list metadata", raw: `{"kind":"ConfigMapList","apiVersion":"v1","items":[{"metadata":{"name":"a","namespace":"ns"}}]}`},
	{name: "items null", raw: `{"kind":"ConfigMapList","apiVersion":"v1","metadata":{},"items":null}`, fail: true},
	{name: "no items", raw: `{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"a"}}`, fail: true},
	{name: "an item without metadata", raw: `{"kind":"ConfigMapList","apiVersion":"v1","items":[{"data":{}}]}`, fail: true},
	{name: "an empty item", raw: `{"kind":"ConfigMapList","apiVersion":"v1","items":[{}]}`, fail: true},
	{name: "escaped name", raw: `{"kind":"ConfigMapList","apiVersion":"v1","items":[{"metadata":{"name":"\u0061","namespace":"ns"}}]}`, fail: true},
	{name: "name twice", raw: `{"kind":"ConfigMapList","apiVersion":"v1","items":[{"metadata":{"name":"a","name":"b"}}]}`, fail: true},
	{name: "items twice", raw: `{"kind":"ConfigMapList","apiVersion":"v1","items":[],"items":[{"metadata":{"name":"a"}}]}`, fail: true},
	{name: "escaped key", raw: `{"kind":"ConfigMapList","apiVersion":"v1","it\u0065ms":[]}`, fail: true},
	{name: "a name that is not a string", raw: `{"kind":"ConfigMapList","apiVersion":"v1","items":[{"metadata":{"name":7}}]}`, fail: true},
	{name: "an item that is not an object", raw: `{"kind":"ConfigMapList","apiVersion":"v1","items":[1]}`, fail: true},
	{name: "truncated", raw: `{"kind":"ConfigMapList","apiVersion":"v1","items":[{"metadata":{"name":"a"}}`, fail: true},
}

// listed is what a list says, decoded: its resourceVersion and its items
// by namespace/name.
type listed struct {
	ResourceVersion string
	Items           map[string]map[string]any
	RVs             map[string]string
}

// decodedList is what client-go's decoder makes of raw.
func decodedList(raw []byte) (listed, error) {
	l := &unstructured.UnstructuredList{}
	if err := l.UnmarshalJSON(raw); err != nil {
		return listed{}, err
	}
	out := listed{ResourceVersion: l.GetResourceVersion(), Items: map[string]map[string]any{}, RVs: map[string]string{}}
	for _, u := range l.Items {
		k := u.GetNamespace() + "/" + u.GetName()
		out.Items[k], out.RVs[k] = u.Object, u.GetResourceVersion()
	}
	return out, nil
}

// scannedList is what scanList and decode make of raw.
func scannedList(t testing.TB, raw []byte) (listed, bool) {
	l, ok := scanList(raw)
	if !ok {
		return listed{}, false
	}
	out := listed{ResourceVersion: l.resourceVersion, Items: map[string]map[string]any{}, RVs: map[string]string{}}
	for _, it := range l.items {
		u, err := l.decode(it)
		if err != nil {
			t.Fatalf("%q: scanned item %s/%s does not decode: %v", raw, it.namespace, it.name, err)
		}
		k := it.namespace + "/" + it.name
		if u.GetNamespace()+"/"+u.GetName() != k || u.GetResourceVersion() != it.resourceVersion {
			t.Errorf("%q: item scanned as %s at %q decodes as %s/%s at %q", raw, k, it.resourceVersion, u.GetNamespace(), u.GetName(), u.GetResourceVersion())
		}
		out.Items[k], out.RVs[k] = u.Object, it.resourceVersion
	}
	return out, true
}

// TestScanListIsTheDecoder: what scanList finds of a list and decodes of
// its items is what client-go's list decoder makes of it, item by item;
// where it cannot tell, it says so.
func TestScanListIsTheDecoder(t *testing.T) {
	t.Parallel()
	for _, tc := range listCases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := scannedList(t, []byte(tc.raw))
			if ok == tc.fail {
				t.Fatalf("scanList ok = %v, want %v", ok, !tc.fail)
			}
			if !ok {
				return
			}
			want, err := decodedList([]byte(tc.raw))
			if err != nil {
				t.Fatalf("the decoder refuses what scanList read: %v", err)
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("(-decoder +scanList):\n%s", d)
			}
		})
	}
}

func FuzzScanList(f *testing.F) {
	for _, tc := range listCases {
		f.Add([]byte(tc.raw))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		want, err := decodedList(raw)
		if err != nil {
			return // the reader then reports the decoder's error
		}
		got, ok := scannedList(t, raw)
		if !ok {
			return
		}
		// Two items of one key: the decoded map keeps the last, and so
		// does the reader's lookup.
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%q: (-decoder +scanList):\n%s", raw, d)
		}
	})
}

// rawListClient is a Client whose LISTs answer raw, fixed JSON and whose
// GETs find nothing.
type rawListClient struct {
	Client
	raw string
}

func (c rawListClient) listRaw(context.Context, Resource, string, metav1.ListOptions) ([]byte, error) {
	return []byte(c.raw), nil
}

func (c rawListClient) Get(_ context.Context, res Resource, _, name string) (*unstructured.Unstructured, error) {
	return nil, apierrors.NewNotFound(res.GVR.GroupResource(), name)
}

// readAll reads keys through a reader of c, skipping what has says, and
// returns the observations by key.
func readAll(t *testing.T, c Client, keys []Key, has func(Key, string) bool) map[Key]state {
	t.Helper()
	var mu sync.Mutex
	got := make(map[Key]state)
	r := newReader(c, 1, 4, clock.RealClock{})
	r.readSkipping(context.Background(), cmRes, keys, false, has, func(o Observation) {
		mu.Lock()
		defer mu.Unlock()
		if _, dup := got[o.Key]; dup {
			t.Errorf("%s delivered twice", o.Key)
		}
		got[o.Key] = stateOf(o)
	})
	return got
}

// TestReaderDecodesOnlyWhatItDelivers: from a raw LIST the reader decodes
// the objects asked for and not had, nothing else. The other objects'
// JSON here fails to decode (a number out of range), so decoding one of
// them would show as an error.
func TestReaderDecodesOnlyWhatItDelivers(t *testing.T) {
	t.Parallel()
	bad := func(name, rv string) string {
		return `{"metadata":{"name":"` + name + `","namespace":"ns","resourceVersion":"` + rv + `"},"data":{"n":1e999}}`
	}
	good := `{"metadata":{"name":"wanted","namespace":"ns","resourceVersion":"5"},"data":{"k":"v"}}`
	c := rawListClient{raw: `{"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"90"},"items":[` +
		bad("other", "3") + "," + good + "," + bad("had", "7") + "," + bad("stale", "8") + `]}`}
	wanted, had, stale, missing := Key{"ns", "wanted"}, Key{"ns", "had"}, Key{"ns", "stale"}, Key{"ns", "missing"}
	has := func(k Key, rv string) bool {
		return (k == had && rv == "7") || (k == stale && rv == "2")
	}
	got := readAll(t, c, []Key{wanted, had, stale, missing}, has)
	decodeErr := got[stale].Err
	if decodeErr == "" {
		t.Errorf("stale, listed at another resourceVersion than the caller has, was not decoded: %+v", got[stale])
	}
	want := map[Key]state{
		wanted:  {Present: true, ResourceVersion: "5"},
		stale:   {Err: decodeErr},
		missing: {ResourceVersion: "90"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("observations (-want +got):\n%s", d)
	}

	// Without has, every key asked for is delivered; "other" never is.
	got = readAll(t, c, []Key{wanted, had}, nil)
	if got[had].Err == "" || !got[wanted].Present || len(got) != 2 {
		t.Errorf("without has: %+v, want wanted present and had's decode error", got)
	}
}

// TestReaderRawListTheDecoderRefuses: a list scanList cannot read alone
// goes to the decoder, whose error each key gets.
func TestReaderRawListTheDecoderRefuses(t *testing.T) {
	t.Parallel()
	k := Key{"ns", "a"}
	got := readAll(t, rawListClient{raw: `{"kind":"ConfigMapList","apiVersion":"v1","items":[{"metadata":{"name":"a","namespace":"ns"}}`}, []Key{k}, nil)
	if got[k].Err == "" || got[k].Present {
		t.Errorf("truncated list: %+v, want the decoder's error", got[k])
	}
	got = readAll(t, rawListClient{raw: `{"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"4"},"items":[{"metadata":{"name":"\u0061","namespace":"ns","resourceVersion":"3"}}]}`}, []Key{k}, nil)
	if d := cmp.Diff(state{Present: true, ResourceVersion: "3"}, got[k]); d != "" {
		t.Errorf("escaped name, decoded whole (-want +got):\n%s", d)
	}
}

// TestWireClientListRaw: NewClientForConfig's raw LIST is the dynamic
// client's request (path, query), and its errors are API errors: a
// refused LIST makes the reader GET instead.
func TestWireClientListRaw(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var requests []string
	body := `{"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"12"},"items":[{"metadata":{"name":"a","namespace":"ns","resourceVersion":"11"}}]}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		requests = append(requests, r.Method+" "+r.URL.String())
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/api/v1/namespaces/ns/configmaps":
			_, _ = w.Write([]byte(body))
		case strings.HasPrefix(r.URL.Path, "/api/v1/namespaces/locked/configmaps/"):
			_, _ = fmt.Fprintf(w, `{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":%q,"namespace":"locked","resourceVersion":"2"}}`, r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:])
		default:
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Forbidden","code":403,"message":"configmaps is forbidden"}`))
		}
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
	raw, err := c.(rawLister).listRaw(context.Background(), cmRes, "ns", metav1.ListOptions{LabelSelector: "a=b"})
	if err != nil || string(raw) != body {
		t.Fatalf("listRaw = %q, %v; want the body", raw, err)
	}
	if _, err := c.(rawLister).listRaw(context.Background(), cmRes, "other", metav1.ListOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("listRaw of a forbidden list: %v, want Forbidden", err)
	}

	got := readAll(t, c, []Key{{"ns", "a"}, {"ns", "b"}}, nil)
	if d := cmp.Diff(map[Key]state{{"ns", "a"}: {Present: true, ResourceVersion: "11"}, {"ns", "b"}: {ResourceVersion: "12"}}, got); d != "" {
		t.Errorf("read through the raw LIST (-want +got):\n%s", d)
	}
	got = readAll(t, c, []Key{{"locked", "x"}, {"locked", "y"}}, nil)
	if d := cmp.Diff(map[Key]state{{"locked", "x"}: {Present: true, ResourceVersion: "2"}, {"locked", "y"}: {Present: true, ResourceVersion: "2"}}, got); d != "" {
		t.Errorf("read after a forbidden LIST (-want +got):\n%s", d)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []string{
		"GET /api/v1/namespaces/ns/configmaps?labelSelector=a%3Db",
		"GET /api/v1/namespaces/other/configmaps",
		"GET /api/v1/namespaces/ns/configmaps",
		"GET /api/v1/namespaces/locked/configmaps",
	}
	if d := cmp.Diff(want, requests[:4]); d != "" || len(requests) != 6 {
		t.Errorf("requests (-want +got):\n%s\nall: %q", d, requests)
	}
}
