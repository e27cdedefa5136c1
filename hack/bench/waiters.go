package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/cli-utils/pkg/kstatus/polling"
	pollevent "sigs.k8s.io/cli-utils/pkg/kstatus/polling/event"
	clistatus "sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/cli-utils/pkg/kstatus/watcher"
	"sigs.k8s.io/cli-utils/pkg/object"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"

	"github.com/kwait-dev/kwait/wait"
)

// objID names one object of the benchmark.
type objID struct {
	Namespace, Name string
	GK              schema.GroupKind
}

func (o objID) key() string { return o.GK.Kind + "/" + o.Namespace + "/" + o.Name }

// update is one waiter event translated to a common form. Completed is set
// once every object of the wait is Current.
type update struct {
	Key     string
	Status  string
	Message string
	// Err is the error the library reported for the object, if any.
	Err       error
	Completed bool
	// At is when the adapter received the library's event.
	At time.Time
}

// waiter is one implementation under test. Start begins one wait; the
// channel is closed when ctx ends or the wait completes.
type waiter interface {
	Start(ctx context.Context, ids []objID) <-chan update
	Close()
}

// waiterSpec builds a waiter from its own rest.Config.
type waiterSpec struct {
	Name string
	// Interval is the poll interval, 0 for watchers.
	Interval time.Duration
	// LateKinds is set when a wait on a kind the cluster does not serve
	// yet picks the kind up once its CRD is installed. cli-utils' watcher
	// does so only when the CRD itself is among the wait's objects.
	LateKinds bool
	// Floor marks the bare watch the others are measured against; it runs
	// in the latency, fleet and selective scenarios only.
	Floor bool
	New   func(cfg *rest.Config) (waiter, error)
}

func waiterSpecs() []waiterSpec {
	return []waiterSpec{
		{Name: "floor (bare watch)", Floor: true, New: newFloor},
		{Name: "kwait informers", LateKinds: true, New: func(cfg *rest.Config) (waiter, error) { return newKwait(cfg, wait.Options{}) }},
		{Name: "kwait poll 2s", Interval: 2 * time.Second, LateKinds: true, New: func(cfg *rest.Config) (waiter, error) {
			return newKwait(cfg, wait.Options{Poll: true, PollInterval: 2 * time.Second})
		}},
		{Name: "kwait poll 500ms", Interval: 500 * time.Millisecond, LateKinds: true, New: func(cfg *rest.Config) (waiter, error) {
			return newKwait(cfg, wait.Options{Poll: true, PollInterval: 500 * time.Millisecond})
		}},
		{Name: "cli-utils watcher", New: newCLIWatcher},
		{Name: "cli-utils poll 2s", Interval: 2 * time.Second, New: func(cfg *rest.Config) (waiter, error) {
			return newCLIPoller(cfg, 2*time.Second)
		}},
	}
}

// counter counts the requests and response bytes of one rest.Config.
type counter struct {
	requests, watches, bytes atomic.Int64
	// resource counts the requests to the benchmark's API group.
	resource atomic.Int64
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

type countingBody struct {
	io.ReadCloser
	c *counter
}

func (b countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.c.bytes.Add(int64(n))
	return n, err
}

// config returns a copy of cfg whose requests c counts.
func (c *counter) config(cfg *rest.Config) *rest.Config {
	out := rest.CopyConfig(cfg)
	prev := out.WrapTransport
	out.WrapTransport = func(rt http.RoundTripper) http.RoundTripper {
		if prev != nil {
			rt = prev(rt)
		}
		return roundTripperFunc(func(r *http.Request) (*http.Response, error) {
			c.requests.Add(1)
			if strings.HasPrefix(r.URL.Path, "/apis/"+group+"/") {
				c.resource.Add(1)
			}
			if r.URL.Query().Get("watch") == "true" || r.URL.Query().Get("watch") == "1" {
				c.watches.Add(1)
			}
			resp, err := rt.RoundTrip(r)
			if resp != nil && resp.Body != nil {
				resp.Body = countingBody{ReadCloser: resp.Body, c: c}
			}
			return resp, err
		})
	}
	return out
}

// kwaitWaiter is kwait's wait.Resolver.
type kwaitWaiter struct{ r *wait.Resolver }

func newKwait(cfg *rest.Config, opts wait.Options) (waiter, error) {
	r, err := wait.New(cfg, opts)
	if err != nil {
		return nil, err
	}
	return &kwaitWaiter{r: r}, nil
}

func (k *kwaitWaiter) Close() { k.r.Close() }

func (k *kwaitWaiter) Start(ctx context.Context, ids []objID) <-chan update {
	rids := make([]wait.ResourceIdentifier, len(ids))
	for i, id := range ids {
		rids[i] = wait.ResourceIdentifier{Name: id.Name, Namespace: id.Namespace, GroupKind: id.GK}
	}
	events := k.r.WaitForStatus(ctx, rids)
	out := make(chan update, 1024)
	go func() {
		defer close(out)
		for ev := range events {
			switch ev.Type {
			case wait.ResourceUpdate:
				r := ev.EventResource
				id := objID{Namespace: r.ResourceIdentifier.Namespace, Name: r.ResourceIdentifier.Name, GK: r.ResourceIdentifier.GroupKind}
				out <- update{Key: id.key(), Status: string(r.Status), Message: r.Message, Err: r.Error, At: time.Now()}
			case wait.Completed:
				out <- update{Completed: true, At: time.Now()}
			}
		}
	}()
	return out
}

// tracker turns a cli-utils event stream into updates with a Completed at
// the first moment every object is Current at once.
func track(ctx context.Context, ids []objID, in <-chan pollevent.Event) <-chan update {
	out := make(chan update, 1024)
	want := map[string]bool{}
	for _, id := range ids {
		want[id.key()] = true
	}
	go func() {
		defer close(out)
		current := map[string]bool{}
		completed := false
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-in:
				if !ok {
					return
				}
				if ev.Type != pollevent.ResourceUpdateEvent || ev.Resource == nil {
					continue
				}
				r := ev.Resource
				id := objID{Namespace: r.Identifier.Namespace, Name: r.Identifier.Name, GK: r.Identifier.GroupKind}
				k := id.key()
				if !want[k] {
					continue
				}
				out <- update{Key: k, Status: r.Status.String(), Message: r.Message, Err: r.Error, At: time.Now()}
				if r.Status == clistatus.CurrentStatus {
					current[k] = true
				} else {
					delete(current, k)
				}
				// Completed once; the watcher keeps running until ctx
				// ends, as a caller's would, so what it holds can be
				// measured.
				if len(current) == len(want) && !completed {
					completed = true
					out <- update{Completed: true, At: time.Now()}
				}
			}
		}
	}()
	return out
}

func objMetadata(ids []objID) object.ObjMetadataSet {
	set := make(object.ObjMetadataSet, len(ids))
	for i, id := range ids {
		set[i] = object.ObjMetadata{Namespace: id.Namespace, Name: id.Name, GroupKind: id.GK}
	}
	return set
}

// cliWatcher is cli-utils' DefaultStatusWatcher, one Watch per wait.
type cliWatcher struct{ w *watcher.DefaultStatusWatcher }

func newCLIWatcher(cfg *rest.Config) (waiter, error) {
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, err
	}
	mapper, err := apiutil.NewDynamicRESTMapper(cfg, hc)
	if err != nil {
		return nil, err
	}
	return &cliWatcher{w: watcher.NewDefaultStatusWatcher(dyn, mapper)}, nil
}

func (c *cliWatcher) Close() {}

func (c *cliWatcher) Start(ctx context.Context, ids []objID) <-chan update {
	ctx, cancel := context.WithCancel(ctx)
	in := c.w.Watch(ctx, objMetadata(ids), watcher.Options{})
	out := track(ctx, ids, in)
	return endWith(cancel, in, out)
}

// cliPoller is cli-utils' polling StatusPoller.
type cliPoller struct {
	p        *polling.StatusPoller
	interval time.Duration
}

func newCLIPoller(cfg *rest.Config, interval time.Duration) (waiter, error) {
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, err
	}
	mapper, err := apiutil.NewDynamicRESTMapper(cfg, hc)
	if err != nil {
		return nil, err
	}
	c, err := client.New(cfg, client.Options{HTTPClient: hc, Mapper: mapper})
	if err != nil {
		return nil, err
	}
	return &cliPoller{p: polling.NewStatusPoller(c, mapper, polling.Options{}), interval: interval}, nil
}

func (c *cliPoller) Close() {}

func (c *cliPoller) Start(ctx context.Context, ids []objID) <-chan update {
	ctx, cancel := context.WithCancel(ctx)
	in := c.p.Poll(ctx, objMetadata(ids), polling.PollOptions{PollInterval: c.interval})
	out := track(ctx, ids, in)
	return endWith(cancel, in, out)
}

// endWith forwards out and, when it ends, cancels the cli-utils stream and
// drains it so its goroutines end.
func endWith(cancel context.CancelFunc, in <-chan pollevent.Event, out <-chan update) <-chan update {
	res := make(chan update, 1024)
	go func() {
		defer close(res)
		for u := range out {
			res <- u
		}
		cancel()
		for range in {
		}
	}()
	return res
}
