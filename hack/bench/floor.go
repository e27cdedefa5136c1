package main

import (
	"context"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/utils/ptr"
)

// floorWaiter is the least any watcher must do, the floor the others are
// measured against: it maps each kind through discovery, opens one
// streaming list+watch (sendInitialEvents) per kind and scope with
// client-go's dynamic client (JSON), and for each event reads the decoded
// object's first condition, nothing else. It keeps no cache and computes
// no kstatus: an object is Current when it has no condition or its first
// is Ready and True, as kstatus judges the benchmark's objects only. Its scopes are kwait's: one
// object alone by name, the objects of one namespace in that namespace,
// otherwise the whole cluster.
type floorWaiter struct {
	dyn    dynamic.Interface
	mapper meta.RESTMapper
}

func newFloor(cfg *rest.Config) (waiter, error) {
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &floorWaiter{dyn: dyn, mapper: restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))}, nil
}

func (f *floorWaiter) Close() {}

// floorScope is one list+watch: a kind in a namespace ("" for all), or one
// object of it when name is set.
type floorScope struct {
	kind            string
	namespace, name string
}

func (f *floorWaiter) Start(ctx context.Context, ids []objID) <-chan update {
	out := make(chan update, 1024)
	events := make(chan update, 1024)
	want := make(map[string]bool, len(ids))
	byKind := map[string][]objID{}
	for _, id := range ids {
		want[id.key()] = true
		byKind[id.GK.Kind] = append(byKind[id.GK.Kind], id)
	}
	var wg sync.WaitGroup
	for kind, kids := range byKind {
		m, err := f.mapper.RESTMapping(kids[0].GK, "v1")
		if err != nil {
			out <- update{Key: kids[0].key(), Err: err, At: time.Now()}
			continue
		}
		sc := floorScope{kind: kind, namespace: kids[0].Namespace}
		for _, id := range kids {
			if id.Namespace != sc.namespace {
				sc.namespace = ""
				break
			}
		}
		if len(kids) == 1 {
			sc.name = kids[0].Name
		}
		ri := f.dyn.Resource(m.Resource)
		var rc dynamic.ResourceInterface = ri
		if sc.namespace != "" {
			rc = ri.Namespace(sc.namespace)
		}
		wg.Go(func() { floorWatch(ctx, rc, sc, events) })
	}
	go func() {
		wg.Wait()
		close(events)
	}()
	go func() {
		defer close(out)
		current := make(map[string]bool, len(want))
		completed := false
		for u := range events {
			if !want[u.Key] {
				continue
			}
			out <- u
			if u.Status == "Current" {
				current[u.Key] = true
			} else {
				delete(current, u.Key)
			}
			if len(current) == len(want) && !completed {
				completed = true
				out <- update{Completed: true, At: time.Now()}
			}
		}
	}()
	return out
}

// floorWatch streams the initial list, then the changes, of one scope into
// events until ctx ends; a watch that ends is opened again from the last
// resourceVersion it delivered.
func floorWatch(ctx context.Context, rc dynamic.ResourceInterface, sc floorScope, events chan<- update) {
	opts := metav1.ListOptions{
		SendInitialEvents:    ptr.To(true),
		ResourceVersionMatch: metav1.ResourceVersionMatchNotOlderThan,
		AllowWatchBookmarks:  true,
	}
	if sc.name != "" {
		opts.FieldSelector = fields.OneTermEqualSelector("metadata.name", sc.name).String()
	}
	for ctx.Err() == nil {
		w, err := rc.Watch(ctx, opts)
		if err != nil {
			select {
			case <-ctx.Done():
			case <-time.After(100 * time.Millisecond):
			}
			continue
		}
		for ev := range w.ResultChan() {
			u, ok := ev.Object.(*unstructured.Unstructured)
			if !ok {
				continue
			}
			opts.ResourceVersion = u.GetResourceVersion()
			if ev.Type == watch.Bookmark {
				continue
			}
			up := update{Key: objID{Namespace: u.GetNamespace(), Name: u.GetName(), GK: u.GroupVersionKind().GroupKind()}.key(), Status: "InProgress"}
			if ev.Type == watch.Deleted {
				up.Status, up.Message = "Current", "deleted"
			} else {
				up.Status, up.Message = floorStatus(u)
			}
			up.At = time.Now()
			select {
			case events <- up:
			case <-ctx.Done():
			}
		}
		w.Stop()
		// A resumed watch starts from opts.ResourceVersion, without the
		// initial list.
		opts.SendInitialEvents, opts.ResourceVersionMatch = nil, ""
	}
}

// floorStatus reads the first condition of u: Current when there is none
// (the selective scenario's objects have no status, which kstatus judges
// Current) or it is Ready and True, InProgress otherwise, and its message.
func floorStatus(u *unstructured.Unstructured) (string, string) {
	conds, _, _ := unstructured.NestedFieldNoCopy(u.Object, "status", "conditions")
	list, _ := conds.([]any)
	if len(list) == 0 {
		return "Current", ""
	}
	c, _ := list[0].(map[string]any)
	msg, _ := c["message"].(string)
	if c["type"] == "Ready" && c["status"] == "True" {
		return "Current", msg
	}
	return "InProgress", msg
}
