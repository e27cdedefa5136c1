package engine

import (
	"context"
	"fmt"
	"sync"

	"github.com/kwait-dev/kwait/informers"
	"github.com/kwait-dev/kwait/status"
)

// FetchResult is the status of one resource of a Fetch.
type FetchResult struct {
	Result *status.Result
	Err    error
}

// Fetch returns the status of each of ids, in input order, read from the
// API server with at most ReadConcurrency requests in flight: one
// consistent LIST for every (resource, namespace) with ListThreshold or
// more of them, a GET each otherwise. A resource that does not exist is
// Current with MessageNotExist.
//
// Fetch never answers from an informer's cache: a cache may lag a write the
// caller just made, and a one-shot read has no later event to correct it.
func (e *Engine) Fetch(ctx context.Context, ids []Identifier) []FetchResult {
	results := make([]FetchResult, len(ids))
	targets := make([]target, len(ids))
	type gk struct {
		res       informers.Resource
		namespace string
	}
	// positions of each unread object, by source.
	toRead := make(map[gk]map[informers.Key][]int)
	var order []gk
	ms := newMappings(e.opts.Mapper)
	for i, id := range ids {
		t := ms.resolve(id)
		targets[i] = t
		if t.err != nil {
			results[i] = e.result(informers.Observation{Err: t.err})
			continue
		}
		k := gk{res: t.res, namespace: t.key.Namespace}
		if toRead[k] == nil {
			toRead[k] = make(map[informers.Key][]int)
			order = append(order, k)
		}
		toRead[k][t.key] = append(toRead[k][t.key], i)
	}

	var mu sync.Mutex
	deliver := func(k gk) func(informers.Observation) {
		return func(o informers.Observation) {
			r := e.result(o)
			mu.Lock()
			defer mu.Unlock()
			for _, i := range toRead[k][o.Key] {
				results[i] = r
			}
		}
	}
	sem := make(chan struct{}, e.opts.ReadConcurrency)
	var wg sync.WaitGroup
	run := func(read func() []informers.Observation, to func(informers.Observation)) {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			for _, o := range read() { // reads fail fast on a done context
				to(o)
			}
			return
		}
		wg.Go(func() {
			defer func() { <-sem }()
			for _, o := range read() {
				to(o)
			}
		})
	}
	for _, k := range order {
		keys := make([]informers.Key, 0, len(toRead[k]))
		for key := range toRead[k] {
			keys = append(keys, key)
		}
		if len(keys) >= e.opts.ListThreshold {
			run(func() []informers.Observation { return e.listKeys(ctx, k.res, k.namespace, keys) }, deliver(k))
			continue
		}
		for _, key := range keys {
			run(func() []informers.Observation { return []informers.Observation{e.get(ctx, k.res, key)} }, deliver(k))
		}
	}
	wg.Wait()
	return results
}

// result is the status of one observation, as Fetch reports it.
func (e *Engine) result(o informers.Observation) FetchResult {
	switch {
	case o.Err != nil:
		return FetchResult{
			Result: &status.Result{Status: status.UnknownStatus, Message: fmt.Sprintf("Error reading resource: %v", o.Err)},
			Err:    o.Err,
		}
	case o.Object == nil:
		return FetchResult{Result: &status.Result{Status: status.CurrentStatus, Message: MessageNotExist}}
	}
	r, err := e.computer.Compute(o.Object)
	if err != nil {
		return FetchResult{Result: &status.Result{Status: status.UnknownStatus, Message: err.Error()}, Err: err}
	}
	return FetchResult{Result: r}
}
