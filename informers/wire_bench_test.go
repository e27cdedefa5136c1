package informers

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
)

// BenchmarkWatchEvent is an informer's path per watch event, from the
// bytes on the wire to the object the engine computes status from: the
// watch stream's decoding, the transform (strip, keep as JSON) and take,
// over a loopback watch of 1,000 fleet objects as the API server sends
// them (managedFields included). client=dynamic is NewDynamicClient,
// which encodes the stripped object again; client=wire is
// NewClientForConfig, which keeps the bytes it received. The engine gets
// the same decoded object either way (TestWireClientCachesWhatItReceived),
// so status.Compute costs the same after both.
func BenchmarkWatchEvent(b *testing.B) {
	const events = 1000
	var stream strings.Builder
	for i := range events {
		obj := strings.Replace(wireCases[0].raw, `"resourceVersion":"1234"`, fmt.Sprintf(`"resourceVersion":"%d"`, 2000+i), 1)
		obj = strings.Replace(obj, `"name":"o-00001"`, fmt.Sprintf(`"name":"o-%05d"`, i), 1)
		fmt.Fprintf(&stream, "{\"type\":\"MODIFIED\",\"object\":%s}\n", obj)
	}
	body := []byte(stream.String())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	defer srv.Close()
	cfg := &rest.Config{Host: srv.URL}
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		b.Fatal(err)
	}
	dc, err := dynamic.NewForConfigAndClient(cfg, hc)
	if err != nil {
		b.Fatal(err)
	}
	wire, err := NewClientForConfig(cfg, hc)
	if err != nil {
		b.Fatal(err)
	}
	gvr := schema.GroupVersionResource{Group: "bench.kwait.dev", Version: "v1", Resource: "widgets"}
	res := Resource{GVR: gvr, GVK: gvr.GroupVersion().WithKind("Widget"), Namespaced: true}
	for _, bc := range []struct {
		name string
		c    WatchClient
	}{
		{"client=dynamic", NewDynamicClient(dc)},
		{"client=wire", wire},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			var kept, n int
			for b.Loop() {
				w, err := informerWatch(bc.c)(context.Background(), res, "fleet-001", metav1.ListOptions{})
				if err != nil {
					b.Fatal(err)
				}
				for ev := range w.ResultChan() {
					o, _ := compactKeeping(ev.Object, true)
					c := o.(*cachedObject)
					if _, err := c.take(); err != nil {
						b.Fatal(err)
					}
					kept += len(c.raw)
					n++
				}
				w.Stop()
			}
			if n != b.N*events {
				b.Fatalf("%d events, want %d", n, b.N*events)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/event")
			b.ReportMetric(float64(kept)/float64(n), "cached-B/event")
		})
	}
}

// BenchmarkTransform is the part of BenchmarkWatchEvent the wire client
// changes, alone: the transform of one decoded fleet object, which
// encodes the stripped object again (from=decoded) or cuts the fields out
// of the JSON it was decoded from (from=wire).
func BenchmarkTransform(b *testing.B) {
	raw := []byte(wireCases[0].raw)
	for _, bc := range []struct {
		name string
		wire bool
	}{{"from=decoded", false}, {"from=wire", true}} {
		b.Run(bc.name, func(b *testing.B) {
			const batch = 1000
			objs := make([]*unstructured.Unstructured, batch)
			fill := func() {
				for i := range objs {
					objs[i] = &unstructured.Unstructured{Object: decodeJSON(b, raw)}
					if bc.wire {
						objs[i].Object[wireKey] = string(raw)
					}
				}
			}
			b.ReportAllocs()
			i := batch
			for b.Loop() {
				if i == batch {
					b.StopTimer()
					fill()
					i = 0
					b.StartTimer()
				}
				if _, err := compactKeeping(objs[i], true); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
