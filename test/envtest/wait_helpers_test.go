package envtest_test

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/format"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kwait-dev/kwait/status"
	"github.com/kwait-dev/kwait/wait"
)

// eventTimeout bounds how long a spec waits for the next event of a wait.
// Events follow a write within milliseconds; this only turns a hang into a
// failure.
const eventTimeout = 15 * time.Second

// Group kinds of the objects the wait specs use.
var (
	widgetGK      = widgetGVK.GroupKind()
	configMapGK   = schema.GroupKind{Kind: "ConfigMap"}
	deploymentGK  = schema.GroupKind{Group: "apps", Kind: "Deployment"}
	namespaceGK   = schema.GroupKind{Kind: "Namespace"}
	clusterRoleGK = schema.GroupKind{Group: "rbac.authorization.k8s.io", Kind: "ClusterRole"}
)

func init() {
	// Events are compared as one-line strings: show them whole.
	format.TruncatedDiff = false
}

// createNamespace creates a namespace named after prefix and deletes it
// when the spec ends. envtest runs no namespace controller, so the
// namespace and its objects stay behind as Terminating; specs never share
// one.
func createNamespace(ctx context.Context, prefix string) string {
	GinkgoHelper()
	namespace := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: prefix}}
	Expect(k8sClient.Create(ctx, namespace)).To(Succeed())
	DeferCleanup(func(ctx SpecContext) {
		Expect(client.IgnoreNotFound(k8sClient.Delete(ctx, namespace))).To(Succeed())
	})
	return namespace.Name
}

// createWidget creates a Widget and, when ready is not "", writes a Ready
// condition with that status and message for generation 1, so the wait that
// follows starts from a known status. A Widget without status is Current.
func createWidget(ctx context.Context, ns, name, ready, message string) *unstructured.Unstructured {
	GinkgoHelper()
	widget := newWidget(ns, name, map[string]any{"size": int64(1)})
	Expect(k8sClient.Create(ctx, widget)).To(Succeed())
	if ready != "" {
		setWidgetStatus(ctx, widget, widget.GetGeneration(), ready, "Test", message)
	}
	return widget
}

// widgetID identifies widget for a wait.
func widgetID(widget *unstructured.Unstructured) wait.ResourceIdentifier {
	return wait.ResourceIdentifier{Name: widget.GetName(), Namespace: widget.GetNamespace(), GroupKind: widgetGK}
}

// newResolver builds a resolver with wait.New for c and closes it when the
// spec ends.
func newResolver(c *rest.Config, opts wait.Options) *wait.Resolver {
	GinkgoHelper()
	r, err := wait.New(c, opts)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(r.Close)
	return r
}

// nextEvent returns the next event of a wait, failing when the channel
// closes or nothing arrives within eventTimeout.
func nextEvent(events <-chan wait.Event) wait.Event {
	GinkgoHelper()
	t := time.NewTimer(eventTimeout)
	defer t.Stop()
	select {
	case ev, ok := <-events:
		Expect(ok).To(BeTrue(), "the wait's channel closed early")
		return ev
	case <-t.C:
		Fail(fmt.Sprintf("no event within %s", eventTimeout))
	}
	return wait.Event{}
}

// expectUpdate reads the next event and checks that it is a ResourceUpdate
// of id with status st and message msg, no error, and aggregate agg.
func expectUpdate(events <-chan wait.Event, id wait.ResourceIdentifier, st status.Status, msg string, agg status.Status) wait.Event {
	GinkgoHelper()
	ev := nextEvent(events)
	Expect(describeEvent(ev)).To(Equal(describeEvent(wait.Event{
		Type:            wait.ResourceUpdate,
		AggregateStatus: agg,
		EventResource:   &wait.EventResource{ResourceIdentifier: id, Status: st, Message: msg},
	})))
	return ev
}

// expectEnd reads the next event, checks that it is the final one of type
// typ with aggregate agg, and that the channel then closes.
func expectEnd(events <-chan wait.Event, typ wait.EventType, agg status.Status) {
	GinkgoHelper()
	ev := nextEvent(events)
	Expect(describeEvent(ev)).To(Equal(describeEvent(wait.Event{Type: typ, AggregateStatus: agg})))
	expectClosed(events)
}

// expectQuiet checks that the wait sends nothing for d: no event, no close.
func expectQuiet(events <-chan wait.Event, d time.Duration, format string, args ...any) {
	GinkgoHelper()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case ev, ok := <-events:
		got := "the channel closed"
		if ok {
			got = describeEvent(ev)
		}
		Fail(fmt.Sprintf(format, args...) + ": " + got)
	case <-t.C:
	}
}

// expectClosed checks that the channel closes with no further event.
func expectClosed(events <-chan wait.Event) {
	GinkgoHelper()
	t := time.NewTimer(eventTimeout)
	defer t.Stop()
	select {
	case ev, ok := <-events:
		Expect(ok).To(BeFalse(), "an event after the final one: %s", describeEvent(ev))
	case <-t.C:
		Fail(fmt.Sprintf("the channel did not close within %s", eventTimeout))
	}
}

// collectEvents reads events until the channel closes.
func collectEvents(events <-chan wait.Event) []wait.Event {
	GinkgoHelper()
	var out []wait.Event
	t := time.NewTimer(eventTimeout)
	defer t.Stop()
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				return out
			}
			out = append(out, ev)
		case <-t.C:
			Fail(fmt.Sprintf("the channel did not close within %s; events so far:\n%s", eventTimeout, describeEvents(out)))
		}
	}
}

// describeEvent renders an event on one line, for readable failures and
// for comparing events without their error values.
func describeEvent(ev wait.Event) string {
	s := fmt.Sprintf("%s aggregate=%s", ev.Type, ev.AggregateStatus)
	if r := ev.EventResource; r != nil {
		id := r.ResourceIdentifier
		s += fmt.Sprintf(" %s %s/%s: %s %q", id.GroupKind, id.Namespace, id.Name, r.Status, r.Message)
		if r.Error != nil {
			s += fmt.Sprintf(" error=%q", r.Error)
		}
	}
	return s
}

func describeEvents(events []wait.Event) string {
	lines := make([]string, len(events))
	for i, ev := range events {
		lines[i] = fmt.Sprintf("  %2d %s", i, describeEvent(ev))
	}
	return strings.Join(lines, "\n")
}

// update is what the contract fixes about one ResourceUpdate of a resource.
type update struct {
	Status  status.Status
	Message string
}

// updatesByResource groups the ResourceUpdates of events by resource, in
// the order they arrived.
func updatesByResource(events []wait.Event) map[wait.ResourceIdentifier][]update {
	out := make(map[wait.ResourceIdentifier][]update)
	for _, ev := range events {
		if r := ev.EventResource; r != nil {
			out[r.ResourceIdentifier] = append(out[r.ResourceIdentifier], update{r.Status, r.Message})
		}
	}
	return out
}

// checkContract replays events against the event contract for a wait on
// ids (each listed once): only ResourceUpdates of ids, each changing its
// resource's (status, message, error); the aggregate after each update is
// Unknown until every resource has been observed, Current once every
// resource has been Current at least once, InProgress otherwise; the
// stream ends with exactly one Completed (right after the aggregate first
// becomes Current) or one Aborted (with the last aggregate).
func checkContract(ids []wait.ResourceIdentifier, events []wait.Event) {
	GinkgoHelper()
	all := describeEvents(events)
	Expect(events).NotTo(BeEmpty(), "no events")
	type state struct {
		update
		err         string
		everCurrent bool
	}
	seen := make(map[wait.ResourceIdentifier]*state, len(ids))
	want := make(map[wait.ResourceIdentifier]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	everCurrent := 0
	agg := status.UnknownStatus
	for i, ev := range events[:len(events)-1] {
		Expect(ev.Type).To(Equal(wait.ResourceUpdate), "event %d is not the last one:\n%s", i, all)
		Expect(agg).NotTo(Equal(status.CurrentStatus), "event %d follows a Current aggregate:\n%s", i, all)
		r := ev.EventResource
		Expect(r).NotTo(BeNil(), "event %d has no resource:\n%s", i, all)
		Expect(want).To(HaveKey(r.ResourceIdentifier), "event %d is about a resource not waited for:\n%s", i, all)
		errText := ""
		if r.Error != nil {
			errText = r.Error.Error()
		}
		s := seen[r.ResourceIdentifier]
		if s == nil {
			s = &state{}
			seen[r.ResourceIdentifier] = s
		} else {
			unchanged := s.update == update{r.Status, r.Message} && s.err == errText
			Expect(unchanged).To(BeFalse(), "event %d repeats its resource's state:\n%s", i, all)
		}
		s.update, s.err = update{r.Status, r.Message}, errText
		if r.Status == status.CurrentStatus && !s.everCurrent {
			s.everCurrent = true
			everCurrent++
		}
		switch {
		case len(seen) < len(ids):
			agg = status.UnknownStatus
		case everCurrent == len(ids):
			agg = status.CurrentStatus
		default:
			agg = status.InProgressStatus
		}
		Expect(ev.AggregateStatus).To(Equal(agg), "aggregate of event %d:\n%s", i, all)
	}
	last := events[len(events)-1]
	Expect(last.EventResource).To(BeNil(), "last event:\n%s", all)
	switch last.Type {
	case wait.Completed:
		Expect(agg).To(Equal(status.CurrentStatus), "Completed before every resource was Current:\n%s", all)
		Expect(last.AggregateStatus).To(Equal(status.CurrentStatus), "Completed's aggregate:\n%s", all)
	case wait.Aborted:
		Expect(agg).NotTo(Equal(status.CurrentStatus), "Aborted after every resource was Current:\n%s", all)
		Expect(last.AggregateStatus).To(Equal(agg), "Aborted's aggregate:\n%s", all)
	default:
		Fail(fmt.Sprintf("the last event is neither Completed nor Aborted:\n%s", all))
	}
}

// Verbs the request counter tells apart.
const (
	verbList      = "LIST"      // GET on a collection
	verbWatch     = "WATCH"     // GET on a collection with watch=true
	verbWatchList = "WATCHLIST" // a watch with sendInitialEvents=true: a streaming list
	verbGet       = "GET"       // GET on a named object
	verbDiscovery = "DISCOVERY" // /api, /apis, /openapi and group-version documents
)

// requestKey is one kind of request to one collection.
type requestKey struct {
	Verb string
	// Path is the collection's path, without the object's name or
	// subresource: /apis/test.kwait.dev/v1/namespaces/ns/widgets.
	Path string
}

// requestCounter counts the requests made through configs it wraps.
type requestCounter struct {
	mu     sync.Mutex
	counts map[requestKey]int
}

func newRequestCounter() *requestCounter {
	return &requestCounter{counts: make(map[requestKey]int)}
}

// config returns a copy of base whose requests c counts.
func (c *requestCounter) config(base *rest.Config) *rest.Config {
	out := rest.CopyConfig(base)
	prev := out.WrapTransport
	out.WrapTransport = func(rt http.RoundTripper) http.RoundTripper {
		if prev != nil {
			rt = prev(rt)
		}
		return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
			c.record(req)
			return rt.RoundTrip(req)
		})
	}
	return out
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

func (c *requestCounter) record(req *http.Request) {
	k := classifyRequest(req)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts[k]++
}

// classifyRequest names a request's verb and collection.
func classifyRequest(req *http.Request) requestKey {
	path := strings.Trim(req.URL.Path, "/")
	segs := strings.Split(path, "/")
	prefix := 0
	switch segs[0] {
	case "api":
		prefix = 2 // api/v1
	case "apis":
		prefix = 3 // apis/group/version
	}
	if prefix == 0 || len(segs) <= prefix {
		return requestKey{Verb: verbDiscovery, Path: "/" + path}
	}
	rest := segs[prefix:]
	collection := 1 // segments of rest naming the collection
	if rest[0] == "namespaces" && len(rest) >= 3 {
		collection = 3
	}
	named := len(rest) > collection
	key := requestKey{Path: "/" + strings.Join(segs[:prefix+collection], "/")}
	q := req.URL.Query()
	switch {
	case req.Method != http.MethodGet:
		key.Verb = req.Method
	case q.Get("watch") == "true" || q.Get("watch") == "1":
		key.Verb = verbWatch
		if q.Get("sendInitialEvents") == "true" {
			key.Verb = verbWatchList
		}
	case named:
		key.Verb = verbGet
	default:
		key.Verb = verbList
	}
	return key
}

// count returns how many requests of verb went to the collection at path.
func (c *requestCounter) count(verb, path string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts[requestKey{verb, path}]
}

// total returns how many requests of verb were made, whatever the path.
func (c *requestCounter) total(verb string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for k, v := range c.counts {
		if k.Verb == verb {
			n += v
		}
	}
	return n
}

// String lists the counts, one "VERB path: n" per line, sorted.
func (c *requestCounter) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	lines := make([]string, 0, len(c.counts))
	for k, v := range c.counts {
		lines = append(lines, fmt.Sprintf("%s %s: %d", k.Verb, k.Path, v))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func widgetsPath(ns string) string { return "/apis/test.kwait.dev/v1/namespaces/" + ns + "/widgets" }

func configMapsPath(ns string) string { return "/api/v1/namespaces/" + ns + "/configmaps" }

// createInParallel creates n objects made by newObject with a pool of
// workers, and returns how long it took.
func createInParallel(ctx context.Context, n, workers int, newObject func(i int) client.Object) time.Duration {
	GinkgoHelper()
	started := time.Now()
	var next atomic.Int64
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			defer GinkgoRecover()
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := k8sClient.Create(ctx, newObject(i)); err != nil {
					errs[w] = fmt.Errorf("object %d: %w", i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		Expect(err).NotTo(HaveOccurred())
	}
	return time.Since(started)
}

// percentiles summarises durations as median, p90 and p99 (nearest rank).
type percentiles struct {
	N                int
	Median, P90, P99 time.Duration
	Min, Max         time.Duration
}

func summarise(ds []time.Duration) percentiles {
	s := slices.Clone(ds)
	slices.Sort(s)
	rank := func(p float64) time.Duration {
		i := int(math.Ceil(p*float64(len(s)))) - 1
		return s[max(i, 0)]
	}
	return percentiles{N: len(s), Median: rank(0.5), P90: rank(0.9), P99: rank(0.99), Min: s[0], Max: s[len(s)-1]}
}

func (p percentiles) String() string {
	r := func(d time.Duration) time.Duration { return d.Round(10 * time.Microsecond) }
	return fmt.Sprintf("n=%d median=%s p90=%s p99=%s (min %s, max %s)", p.N, r(p.Median), r(p.P90), r(p.P99), r(p.Min), r(p.Max))
}

// slowAPI plays a slow API server for configs it wraps: every watch stream
// hands each chunk it reads on after watchLag, as a lagging watch cache
// would, and GETs of the object named slowGet answer getDelay after the
// API server did. Once such a GET has been answered, slowGetDone closes.
type slowAPI struct {
	watchLag    time.Duration
	slowGet     string
	getDelay    time.Duration
	slowGetDone chan struct{}
	doneOnce    sync.Once
}

// config returns a copy of base whose requests s slows down.
func (s *slowAPI) config(base *rest.Config) *rest.Config {
	if s.slowGetDone == nil {
		s.slowGetDone = make(chan struct{})
	}
	out := rest.CopyConfig(base)
	prev := out.WrapTransport
	out.WrapTransport = func(rt http.RoundTripper) http.RoundTripper {
		if prev != nil {
			rt = prev(rt)
		}
		return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
			resp, err := rt.RoundTrip(req)
			if err != nil {
				return resp, err
			}
			switch k := classifyRequest(req); {
			case (k.Verb == verbWatch || k.Verb == verbWatchList) && s.watchLag > 0:
				resp.Body = &laggingBody{ReadCloser: resp.Body, ctx: req.Context(), lag: s.watchLag, closed: make(chan struct{})}
			case k.Verb == verbGet && s.slowGet != "" && strings.HasSuffix(req.URL.Path, "/"+s.slowGet):
				t := time.NewTimer(s.getDelay)
				defer t.Stop()
				select {
				case <-t.C:
				case <-req.Context().Done():
				}
				s.doneOnce.Do(func() { close(s.slowGetDone) })
			}
			return resp, nil
		})
	}
	return out
}

// laggingBody delays each read of a watch stream by lag.
type laggingBody struct {
	io.ReadCloser
	ctx       context.Context
	lag       time.Duration
	closed    chan struct{}
	closeOnce sync.Once
}

func (b *laggingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		t := time.NewTimer(b.lag)
		defer t.Stop()
		select {
		case <-t.C:
		case <-b.ctx.Done():
		case <-b.closed:
		}
	}
	return n, err
}

func (b *laggingBody) Close() error {
	b.closeOnce.Do(func() { close(b.closed) })
	return b.ReadCloser.Close()
}

// finalOf is the seed's part of a final event (Completed, Aborted,
// Failed): its type and aggregate. kwait adds progress, the abort's cause
// and the Failed resource, which specs of those check on their own.
func finalOf(ev wait.Event) wait.Event {
	return wait.Event{Type: ev.Type, AggregateStatus: ev.AggregateStatus}
}
