package engine

import (
	"context"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/kwait-dev/kwait/informers"
)

// listPageSize is the page size of LISTs.
const listPageSize = 500

// resolveBackoff paces re-resolution of unknown kinds: a CRD applied after
// the wait started is picked up within its cap.
var resolveBackoff = wait.Backoff{Duration: 100 * time.Millisecond, Factor: 2, Jitter: 0.1, Steps: 5, Cap: 2 * time.Second}

// baselineBackoff paces retries of a failed baseline read.
var baselineBackoff = wait.Backoff{Duration: 200 * time.Millisecond, Factor: 2, Jitter: 0.1, Steps: 8, Cap: 5 * time.Second}

// readBaselines reads the current state of every key of groups straight from
// the API server (a consistent GET, or one LIST for a large group) and pushes
// each result as a baseline. Failed reads are pushed as errors and retried
// with backoff until they succeed or ctx ends.
func (e *Engine) readBaselines(ctx context.Context, groups []*group, push func(int, informers.Observation, bool)) {
	sem := make(chan struct{}, e.opts.ReadConcurrency)
	var wg sync.WaitGroup
	defer wg.Wait()
	for _, g := range groups {
		jobs := []func(context.Context) []informers.Observation{}
		if len(g.keys) >= e.opts.ListThreshold {
			jobs = append(jobs, func(ctx context.Context) []informers.Observation {
				return e.listKeys(ctx, g.res, g.scope.Namespace, g.keys)
			})
		} else {
			for _, k := range g.keys {
				jobs = append(jobs, func(ctx context.Context) []informers.Observation {
					return []informers.Observation{e.get(ctx, g.res, k)}
				})
			}
		}
		for _, job := range jobs {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			wg.Go(func() {
				defer func() { <-sem }()
				e.retry(ctx, job, func(o informers.Observation) { push(g.pos[o.Key], o, true) })
			})
		}
	}
}

// retry runs read until none of its observations is an error, pushing every
// observation of every attempt.
func (e *Engine) retry(ctx context.Context, read func(context.Context) []informers.Observation, push func(informers.Observation)) {
	b := baselineBackoff
	for {
		failed := false
		for _, o := range read(ctx) {
			if ctx.Err() != nil {
				return
			}
			// Forbidden is final: the wait then trusts its source.
			failed = failed || (o.Err != nil && !apierrors.IsForbidden(o.Err))
			push(o)
		}
		if !failed {
			return
		}
		t := e.opts.Clock.NewTimer(b.Step())
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C():
		}
	}
}

// get reads one object; NotFound is an observation, not an error.
func (e *Engine) get(ctx context.Context, res informers.Resource, k informers.Key) informers.Observation {
	obj, err := e.opts.Client.Get(ctx, res, k.Namespace, k.Name)
	switch {
	case err == nil:
		return informers.Observation{Key: k, Object: obj, ResourceVersion: obj.GetResourceVersion()}
	case apierrors.IsNotFound(err):
		return informers.Observation{Key: k}
	default:
		return informers.Observation{Key: k, Err: err}
	}
}

// listKeys reads keys with one consistent, paginated LIST. Keys missing from
// it are observations of absence as of the list's resourceVersion.
func (e *Engine) listKeys(ctx context.Context, res informers.Resource, namespace string, keys []informers.Key) []informers.Observation {
	want := make(map[informers.Key]bool, len(keys))
	for _, k := range keys {
		want[k] = true
	}
	found := make(map[informers.Key]informers.Observation, len(keys))
	var listRV string
	opts := metav1.ListOptions{Limit: listPageSize}
	for {
		l, err := e.opts.Client.List(ctx, res, namespace, opts)
		if err != nil {
			out := make([]informers.Observation, 0, len(keys))
			for _, k := range keys {
				out = append(out, informers.Observation{Key: k, Err: err})
			}
			return out
		}
		if listRV == "" {
			listRV = l.GetResourceVersion()
		}
		for i := range l.Items {
			u := &l.Items[i]
			k := informers.Key{Namespace: u.GetNamespace(), Name: u.GetName()}
			if want[k] {
				found[k] = informers.Observation{Key: k, Object: u, ResourceVersion: u.GetResourceVersion()}
			}
		}
		if opts.Continue = l.GetContinue(); opts.Continue == "" {
			break
		}
	}
	out := make([]informers.Observation, 0, len(keys))
	for _, k := range keys {
		o, ok := found[k]
		if !ok {
			o = informers.Observation{Key: k, ResourceVersion: listRV}
		}
		out = append(out, o)
	}
	return out
}
