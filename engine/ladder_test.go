package engine

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/kwait-dev/kwait/informers"
	"github.com/kwait-dev/kwait/status"
)

// rbacClient forbids what its rules do not allow, as an API server would
// for a user with that RBAC, and counts every request by rung. Its rules
// may change while it serves (set), and cut ends the watches it opened,
// as an API server does only when the connection drops.
type rbacClient struct {
	informers.WatchClient

	mu                              sync.Mutex
	cluster, namespace, object, get bool
	calls                           map[string]int // "list cluster", "watch object", "get", ...
	open                            []watch.Interface
}

// set changes the client's rules.
func (c *rbacClient) set(f func(c *rbacClient)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f(c)
}

// cut ends every watch opened so far.
func (c *rbacClient) cut() {
	c.mu.Lock()
	open := c.open
	c.open = nil
	c.mu.Unlock()
	for _, w := range open {
		w.Stop()
	}
}

func (c *rbacClient) IsWatchListSemanticsUnSupported() bool { return true }

func (c *rbacClient) allow(verb, namespace string, opts metav1.ListOptions) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	scope, ok := "namespace", c.namespace
	switch {
	case namespace == "":
		scope, ok = "cluster", c.cluster
	case opts.FieldSelector != "":
		scope, ok = "object", c.object && strings.HasPrefix(opts.FieldSelector, "metadata.name=")
	}
	c.calls[verb+" "+scope]++
	if !ok {
		return apierrors.NewForbidden(widgetGVR.GroupResource(), "", errors.New("rbac: "+verb+" "+scope))
	}
	return nil
}

func (c *rbacClient) List(ctx context.Context, res informers.Resource, ns string, opts metav1.ListOptions) (*unstructured.UnstructuredList, error) {
	if err := c.allow("list", ns, opts); err != nil {
		return nil, err
	}
	return c.WatchClient.List(ctx, res, ns, opts)
}

func (c *rbacClient) Watch(ctx context.Context, res informers.Resource, ns string, opts metav1.ListOptions) (watch.Interface, error) {
	if err := c.allow("watch", ns, opts); err != nil {
		return nil, err
	}
	w, err := c.WatchClient.Watch(ctx, res, ns, opts)
	if err == nil {
		c.mu.Lock()
		c.open = append(c.open, w)
		c.mu.Unlock()
	}
	return w, err
}

func (c *rbacClient) Get(ctx context.Context, res informers.Resource, ns, name string) (*unstructured.Unstructured, error) {
	c.mu.Lock()
	c.calls["get"]++
	allowed := c.get
	c.mu.Unlock()
	if !allowed {
		return nil, apierrors.NewForbidden(widgetGVR.GroupResource(), name, errors.New("rbac: get"))
	}
	return c.WatchClient.Get(ctx, res, ns, name)
}

func (c *rbacClient) count(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls[key]
}

func TestPermissionLadder(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name                            string
		scope                           Scope
		cluster, namespace, object, get bool
		// the rung whose list must have succeeded, "" for none
		wantList string
	}{
		{name: "cluster forbidden: per namespace", scope: ScopeCluster, namespace: true, object: true, get: true, wantList: "list namespace"},
		{name: "namespace forbidden: per object", scope: ScopeCluster, object: true, get: true, wantList: "list object"},
		{name: "list and watch forbidden: polling", scope: ScopeCluster, get: true},
		{name: "nothing allowed: Forbidden per resource", scope: ScopeCluster},
		// ScopeAuto watches few objects per object from the start: the
		// wider rungs are never asked, allowed or not.
		{name: "auto, few objects: per object", scope: ScopeAuto, cluster: true, namespace: true, object: true, get: true, wantList: "list object"},
		{name: "auto, few objects, object forbidden: polling", scope: ScopeAuto, cluster: true, namespace: true, get: true},
		{name: "auto, few objects, nothing allowed: Forbidden per resource", scope: ScopeAuto},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := &rbacClient{
				WatchClient: informers.NewDynamicClient(fakeDynamic(widget("a", "w1", "True", "ready"), widget("a", "w2", "True", "ready"), widget("b", "w3", "True", "ready"))),
				cluster:     tc.cluster, namespace: tc.namespace, object: tc.object, get: tc.get,
				calls: make(map[string]int),
			}
			e := newTestEngine(t, c, func(o *Options) { o.Scope = tc.scope })
			ids := []Identifier{id(widgetGVK, "a", "w1"), id(widgetGVK, "a", "w2"), id(widgetGVK, "b", "w3")}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			ch := Wait(ctx, e, ids, identity)
			if tc.scope == ScopeAuto {
				defer func() {
					for _, k := range []string{"list cluster", "watch cluster", "list namespace", "watch namespace"} {
						if n := c.count(k); n != 0 {
							t.Errorf("%d × %q: a wider rung than the object was asked: %v", n, k, c.calls)
						}
					}
				}()
			}
			if !tc.get {
				// Even GET is forbidden: each resource reports it; the
				// wait goes on until its context ends.
				for range ids {
					ev := recv(t, ch)
					if ev.Status != status.UnknownStatus || !apierrors.IsForbidden(ev.Err) {
						t.Errorf("event %+v, want Unknown with Forbidden", steps([]Event{ev}))
					}
				}
				cancel()
				evs := collect(t, ch)
				if len(evs) != 1 || evs[0].Type != Aborted {
					t.Errorf("after cancel got %+v, want one Aborted", steps(evs))
				}
				return
			}
			evs := collect(t, ch)
			if last := evs[len(evs)-1]; last.Type != Completed {
				t.Fatalf("got %+v, want Completed", steps(evs))
			}
			for _, ev := range evs[:len(evs)-1] {
				if ev.Err != nil {
					t.Errorf("a lower rung's Forbidden reached the caller: %+v", steps([]Event{ev}))
				}
			}
			if tc.wantList != "" && c.count(tc.wantList) == 0 {
				t.Errorf("no successful %q: %v", tc.wantList, c.calls)
			}
			// One failing request per forbidden rung and source, give or
			// take the reflector's one retry.
			if n := c.count("list cluster") + c.count("watch cluster"); n > 2 {
				t.Errorf("%d cluster-wide requests after the first 403: %v", n, c.calls)
			}
		})
	}
}
