package informers

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/go-logr/logr"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/clock"
)

// wireList is a Client whose LIST decodes the same JSON every call, as a
// dynamic client decodes the API server's answer.
type wireList struct {
	Client
	raw []byte
}

func (w wireList) List(context.Context, Resource, string, metav1.ListOptions) (*unstructured.UnstructuredList, error) {
	l := &unstructured.UnstructuredList{}
	if err := l.UnmarshalJSON(w.raw); err != nil {
		return nil, err
	}
	return l, nil
}

// wireRawList is a wireList that lists raw JSON, as NewClientForConfig's
// client does.
type wireRawList struct{ wireList }

func (w wireRawList) listRaw(context.Context, Resource, string, metav1.ListOptions) ([]byte, error) {
	return w.raw, nil
}

// BenchmarkPollerRound is one poll round of 1,000 unchanged fleet objects
// of a namespace, read with one LIST: decoding the list and delivering to
// a subscriber; decoded through a Client's List, raw through a rawLister,
// which skips the unchanged objects before decoding them. deliveries/op is what the subscriber (the engine, which
// computes each delivered object's status) receives per round.
func BenchmarkPollerRound(b *testing.B) {
	const n = 1000
	items := make([]any, n)
	keys := make([]Key, n)
	for i := range items {
		u := fleetObject("ns", fmt.Sprintf("widget-%04d", i), 1000+i)
		_, _ = stripForStatus(u)
		items[i] = u.Object
		keys[i] = Key{Namespace: "ns", Name: u.GetName()}
	}
	raw, err := json.Marshal(map[string]any{"apiVersion": "v1", "kind": "ConfigMapList", "metadata": map[string]any{"resourceVersion": "5000"}, "items": items})
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		c    Client
	}{
		{"decoded", wireList{raw: raw}},
		{"raw", wireRawList{wireList{raw: raw}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			p := newPoller(newReader(bc.c, 10, 4, clock.RealClock{}), cmRes, "ns", pollTestInterval, clock.RealClock{}, logr.Discard())
			deliveries := 0
			p.Subscribe(keys, func(Observation) { deliveries++ }, nil)
			ctx := context.Background()
			p.poll(ctx, keys) // the first round delivers every key
			if deliveries != n {
				b.Fatalf("first round delivered %d, want %d", deliveries, n)
			}
			deliveries = 0
			b.ReportAllocs()
			for b.Loop() {
				p.poll(ctx, keys)
			}
			b.ReportMetric(float64(deliveries)/float64(b.N), "deliveries/op")
		})
	}
}
