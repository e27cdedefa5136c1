package envtest_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kwait-dev/kwait/wait"
)

// byteCounter counts the response bytes of requests on widgets.
type byteCounter struct{ n atomic.Int64 }

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

func (c *byteCounter) config(base *rest.Config) *rest.Config {
	out := rest.CopyConfig(base)
	out.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
			resp, err := rt.RoundTrip(req)
			if err == nil && strings.Contains(req.URL.Path, "/widgets") {
				resp.Body = countingBody{ReadCloser: resp.Body, n: &c.n}
			}
			return resp, err
		})
	})
	return out
}

// The scope choice of ScopeAuto, measured: namespace-scoped informers read
// only the namespaces in play, cluster-wide ones make one list+watch for
// any number of namespaces.
var _ = Describe("Scope", Label("measure"), func() {
	report := func(name, value string) {
		AddReportEntry(name, value)
		GinkgoWriter.Printf("%s: %s\n", name, value)
	}
	// waitOnce runs one wait with a fresh resolver and returns its time to
	// Completed, the requests made and the widget bytes read.
	waitOnce := func(ctx SpecContext, opts wait.Options, ids []wait.ResourceIdentifier) (time.Duration, *requestCounter, int64) {
		GinkgoHelper()
		requests, bytes := newRequestCounter(), &byteCounter{}
		r := newResolver(bytes.config(requests.config(cfg)), opts)
		start := time.Now()
		events := collectEvents(r.WaitForStatus(ctx, ids))
		took := time.Since(start)
		Expect(events[len(events)-1].Type).To(Equal(wait.Completed))
		r.Close()
		return took, requests, bytes.n.Load()
	}

	It("one object beside 2,000 others of its kind in another namespace", func(ctx SpecContext) {
		busy, quiet := createNamespace(ctx, "scope-busy-"), createNamespace(ctx, "scope-quiet-")
		createInParallel(ctx, 2000, 16, func(i int) client.Object {
			return newWidget(busy, fmt.Sprintf("w-%04d", i), map[string]any{"size": int64(i)})
		})
		ids := []wait.ResourceIdentifier{widgetID(createWidget(ctx, quiet, "only", "True", "ready"))}
		for _, sc := range []struct {
			name  string
			scope wait.Scope
			path  string
		}{
			{"namespace", wait.ScopeNamespace, widgetsPath(quiet)},
			{"cluster", wait.ScopeCluster, "/apis/test.kwait.dev/v1/widgets"},
		} {
			var times []time.Duration
			var read int64
			for range 5 {
				took, requests, bytes := waitOnce(ctx, wait.Options{Scope: sc.scope}, ids)
				Expect(requests.total(verbWatchList) + requests.total(verbList)).To(Equal(1))
				Expect(requests.count(verbWatchList, sc.path)+requests.count(verbList, sc.path)).To(Equal(1), "%s", requests)
				times, read = append(times, took), bytes
			}
			report("scope "+sc.name+", 1 of 2,001 widgets", fmt.Sprintf("Completed %s; %d bytes of widgets read", summarise(times), read))
		}
	})

	It("one object in each of 20 namespaces", func(ctx SpecContext) {
		var ids []wait.ResourceIdentifier
		for range 20 {
			ids = append(ids, widgetID(createWidget(ctx, createNamespace(ctx, "scope-many-"), "only", "True", "ready")))
		}
		for _, sc := range []struct {
			name  string
			scope wait.Scope
			lists int
		}{
			{"namespace", wait.ScopeNamespace, 20},
			{"cluster", wait.ScopeCluster, 1},
			// One count of the kind (a LIST with limit 1): 20 of its
			// 2,000 and more objects, so per namespace.
			{"auto", wait.ScopeAuto, 21},
		} {
			var times []time.Duration
			var total int
			for range 5 {
				// This measures namespace against cluster scope: with its
				// default ObjectScopeThreshold, ScopeAuto would watch each
				// of these single objects alone (wait_objectscope_test.go).
				took, requests, _ := waitOnce(ctx, wait.Options{Scope: sc.scope, ObjectScopeThreshold: -1}, ids)
				lists := requests.total(verbWatchList) + requests.total(verbList)
				Expect(lists).To(Equal(sc.lists), "%s", requests)
				times, total = append(times, took), lists+requests.total(verbWatch)
			}
			report("scope "+sc.name+", 20 namespaces", fmt.Sprintf("Completed %s; %d list/watch requests", summarise(times), total))
		}
	})
})
