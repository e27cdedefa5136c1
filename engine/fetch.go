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
// API server through the read planner: one consistent LIST for every
// (resource, namespace) with ListThreshold or more of them, a GET each
// otherwise, at most ReadConcurrency requests in flight per resource. A
// resource that does not exist is Current with MessageNotExist.
//
// Fetch never answers from an informer's cache: a cache may lag a write the
// caller just made, and a one-shot read has no later event to correct it.
func (e *Engine) Fetch(ctx context.Context, ids []Identifier) []FetchResult {
	results := make([]FetchResult, len(ids))
	byRes := make(map[informers.Resource][]int) // positions to read, per resource
	var order []informers.Resource
	ms := newMappings(e.opts.Mapper)
	targets := make([]target, len(ids))
	for i, id := range ids {
		t := ms.resolve(id)
		targets[i] = t
		if t.err != nil {
			results[i] = e.result(informers.Observation{Err: t.err})
			continue
		}
		if byRes[t.res] == nil {
			order = append(order, t.res)
		}
		byRes[t.res] = append(byRes[t.res], i)
	}
	var wg sync.WaitGroup
	for _, res := range order {
		wg.Go(func() {
			positions := byRes[res]
			keys := make([]informers.Key, len(positions))
			for j, p := range positions {
				keys[j] = targets[p].key
			}
			for j, o := range e.sources.Read(ctx, res, keys) {
				results[positions[j]] = e.result(o)
			}
		})
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
