package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/kwait-dev/kwait/wait"
)

const (
	writers     = 32
	waitTimeout = 5 * time.Minute
)

// latency flips the status message of one object and times each write's
// response to the waiter's update carrying it. Pollers flip fewer times.
func (b *bench) latency(ctx context.Context) error {
	for i, spec := range b.specs {
		ns := fmt.Sprintf("latency-%d", i)
		if err := b.c.namespace(ctx, ns); err != nil {
			return err
		}
		id := objID{Namespace: ns, Name: "flip", GK: gk("Widget")}
		if err := b.c.create(ctx, id); err != nil {
			return err
		}
		if err := b.c.setStatus(ctx, id, inProgress("start")); err != nil {
			return err
		}
		n := b.sz.flips
		switch {
		case spec.Interval >= 2*time.Second:
			n = min(n, b.sz.flips2s)
		case spec.Interval > 0:
			n = min(n, b.sz.flips500ms)
		}
		cnt := &counter{}
		w, err := spec.New(cnt.config(b.cfg))
		if err != nil {
			return err
		}
		wctx, cancel := context.WithCancel(ctx)
		ch := w.Start(wctx, []objID{id})
		if _, err := waitFor(ch, waitTimeout, func(u update) bool { return strings.Contains(u.Message, "start") }); err != nil {
			drain(cancel, ch)
			return fmt.Errorf("%s: first update: %w", spec.Name, err)
		}
		lat := make([]time.Duration, 0, n)
		for f := range n {
			msg := fmt.Sprintf("flip %04d.", f)
			if spec.Interval > 0 {
				// A random phase, so that writes do not lock onto the poll ticks.
				time.Sleep(rand.N(spec.Interval))
			}
			if err := b.c.setStatus(ctx, id, inProgress(msg)); err != nil {
				drain(cancel, ch)
				return err
			}
			written := time.Now()
			at, err := waitFor(ch, spec.Interval*3+10*time.Second, func(u update) bool { return strings.Contains(u.Message, msg) })
			if err != nil {
				drain(cancel, ch)
				return fmt.Errorf("%s: flip %d: %w", spec.Name, f, err)
			}
			lat = append(lat, at.Sub(written))
		}
		drain(cancel, ch)
		w.Close()
		b.res.latency[spec.Name] = lat
		b.res.latencyRequests[spec.Name] = cnt.requests.Load()
		logf("  %-18s %d flips, p50 %s", spec.Name, n, percentile(lat, 50))
	}
	return nil
}

// fleetRun is one waiter's pass over the fleet.
type fleetRun struct {
	completedAfter time.Duration
	requests       int64
	watches        int64
	bytesRead      int64
	cpu            time.Duration
	peakHeap       uint64
	allocated      uint64
	observeAll     time.Duration
	err            string
}

// fleet spreads objects over namespaces and kinds, starts each waiter on all
// of them while InProgress, sets them Current in waves and times the last
// write's response to Completed. A first pass without a waiter measures the
// CPU of the writing side.
func (b *bench) fleet(ctx context.Context) error {
	n, nsCount := b.sz.fleet, b.sz.fleetNamespaces
	for i := range nsCount {
		if err := b.c.namespace(ctx, fmt.Sprintf("fleet-%03d", i)); err != nil {
			return err
		}
	}
	ids := make([]objID, n)
	for i := range ids {
		ids[i] = objID{Namespace: fmt.Sprintf("fleet-%03d", i%nsCount), Name: fmt.Sprintf("o-%05d", i), GK: gk(kinds[(i/nsCount)%len(kinds)])}
	}
	b.res.fleetSize = n
	t0 := time.Now()
	if err := parallel(ctx, ids, writers, func(ctx context.Context, id objID) error {
		if err := b.c.create(ctx, id); err != nil {
			return err
		}
		return b.c.setStatus(ctx, id, inProgress("initial"))
	}); err != nil {
		return err
	}
	b.res.notes = append(b.res.notes, fmt.Sprintf("fleet: created %d objects (+ status) in %s with %d writers", n, time.Since(t0).Round(time.Millisecond), writers))
	logf("  created %d objects in %s", n, time.Since(t0).Round(time.Millisecond))

	pass := func(spec *waiterSpec, round int) (fleetRun, error) {
		var r fleetRun
		if round > 0 {
			msg := fmt.Sprintf("reset %d", round)
			if err := parallel(ctx, ids, writers, func(ctx context.Context, id objID) error {
				return b.c.setStatus(ctx, id, inProgress(msg))
			}); err != nil {
				return r, err
			}
		}
		heap := startHeap()
		cpu0 := cpuTime()
		cnt := &counter{}
		var ch <-chan update
		var w waiter
		cancel := context.CancelFunc(func() {})
		if spec != nil {
			var err error
			w, err = spec.New(cnt.config(b.cfg))
			if err != nil {
				return r, err
			}
			var wctx context.Context
			wctx, cancel = context.WithCancel(ctx)
			defer cancel()
			ch = w.Start(wctx, ids)
			seen := map[string]bool{}
			st := time.Now()
			if _, err := waitFor(ch, waitTimeout, func(u update) bool {
				if u.Key != "" {
					seen[u.Key] = true
				}
				return len(seen) == len(ids)
			}); err != nil {
				drain(cancel, ch)
				w.Close()
				return r, fmt.Errorf("observing all: %w (%d seen)", err, len(seen))
			}
			r.observeAll = time.Since(st)
		}
		wave := (len(ids) + b.sz.waves - 1) / b.sz.waves
		for i := 0; i < len(ids); i += wave {
			if err := parallel(ctx, ids[i:min(i+wave, len(ids))], writers, func(ctx context.Context, id objID) error {
				return b.c.setStatus(ctx, id, current)
			}); err != nil {
				drain(cancel, ch)
				return r, err
			}
		}
		lastWrite := time.Now()
		if spec != nil {
			at, err := waitFor(ch, waitTimeout, func(u update) bool { return u.Completed })
			if err != nil {
				r.err = err.Error()
			} else {
				r.completedAfter = at.Sub(lastWrite)
			}
		}
		r.cpu = cpuTime() - cpu0
		r.peakHeap = heap.Stop()
		r.allocated = heap.allocated
		r.requests, r.watches, r.bytesRead = cnt.requests.Load(), cnt.watches.Load(), cnt.bytes.Load()
		if spec != nil {
			drain(cancel, ch)
			w.Close()
		}
		return r, nil
	}

	base, err := pass(nil, 0)
	if err != nil {
		return err
	}
	b.res.fleetBaselineCPU = base.cpu
	logf("  baseline (writes only): cpu %s", base.cpu.Round(time.Millisecond))
	for i := range b.specs {
		spec := &b.specs[i]
		r, err := pass(spec, i+1)
		if err != nil {
			return fmt.Errorf("%s: %w", spec.Name, err)
		}
		r.cpu -= base.cpu
		b.res.fleet[spec.Name] = r
		logf("  %-18s completed +%s, %d requests, cpu %s, heap %.1f MB %s", spec.Name, r.completedAfter.Round(time.Millisecond), r.requests, r.cpu.Round(time.Millisecond), float64(r.peakHeap)/1e6, r.err)
	}
	return nil
}

// warm measures FetchAndResolve with a cold and a warm resolver, and
// back-to-back waits of one object each on one long-lived waiter.
func (b *bench) warm(ctx context.Context) error {
	ns := "warm"
	if err := b.c.namespace(ctx, ns); err != nil {
		return err
	}
	ids := make([]objID, b.sz.fetchObjects)
	rids := make([]wait.ResourceIdentifier, len(ids))
	for i := range ids {
		ids[i] = objID{Namespace: ns, Name: fmt.Sprintf("w-%03d", i), GK: gk("Widget")}
		rids[i] = wait.ResourceIdentifier{Namespace: ns, Name: ids[i].Name, GroupKind: ids[i].GK}
	}
	if err := parallel(ctx, ids, writers, b.c.create); err != nil {
		return err
	}
	const reps = 5
	var cold, warm []time.Duration
	var coldReq, warmReq int64
	for range reps {
		cnt := &counter{}
		r, err := wait.New(cnt.config(b.cfg), wait.Options{})
		if err != nil {
			return err
		}
		t0 := time.Now()
		res := r.FetchAndResolve(ctx, rids)
		cold = append(cold, time.Since(t0))
		r.Close()
		coldReq += cnt.requests.Load()
		if err := checkFetch(res); err != nil {
			return err
		}
	}
	cnt := &counter{}
	r, err := wait.New(cnt.config(b.cfg), wait.Options{})
	if err != nil {
		return err
	}
	_ = r.FetchAndResolve(ctx, rids)
	before := cnt.requests.Load()
	for range reps {
		t0 := time.Now()
		res := r.FetchAndResolve(ctx, rids)
		warm = append(warm, time.Since(t0))
		if err := checkFetch(res); err != nil {
			return err
		}
	}
	warmReq = cnt.requests.Load() - before
	r.Close()
	b.res.fetchCold, b.res.fetchWarm = cold, warm
	b.res.fetchObjects = len(ids)
	b.res.fetchColdReq, b.res.fetchWarmReq = float64(coldReq)/reps, float64(warmReq)/reps

	one := []objID{ids[0]}
	for _, spec := range b.specs {
		cnt := &counter{}
		w, err := spec.New(cnt.config(b.cfg))
		if err != nil {
			return err
		}
		var d []time.Duration
		for range b.sz.backToBack {
			wctx, cancel := context.WithCancel(ctx)
			t0 := time.Now()
			ch := w.Start(wctx, one)
			if _, err := waitFor(ch, waitTimeout, func(u update) bool { return u.Completed }); err != nil {
				drain(cancel, ch)
				return fmt.Errorf("%s: %w", spec.Name, err)
			}
			d = append(d, time.Since(t0))
			drain(cancel, ch)
		}
		w.Close()
		b.res.backToBack[spec.Name] = d
		b.res.backToBackReq[spec.Name] = cnt.requests.Load()
		logf("  %-18s %d waits, median %s, %d requests", spec.Name, len(d), percentile(d, 50), cnt.requests.Load())
	}
	return nil
}

func checkFetch(res []wait.ResourceResult) error {
	for _, r := range res {
		if r.Error != nil {
			return fmt.Errorf("FetchAndResolve %s: %w", r.ResourceIdentifier.Name, r.Error)
		}
	}
	return nil
}

// selective waits on one object in a namespace holding many of its kind.
func (b *bench) selective(ctx context.Context) error {
	ns := "selective"
	if err := b.c.namespace(ctx, ns); err != nil {
		return err
	}
	ids := make([]objID, b.sz.selective)
	for i := range ids {
		ids[i] = objID{Namespace: ns, Name: fmt.Sprintf("s-%05d", i), GK: gk("Widget")}
	}
	t0 := time.Now()
	if err := parallel(ctx, ids, writers, b.c.create); err != nil {
		return err
	}
	logf("  created %d objects in %s", len(ids), time.Since(t0).Round(time.Millisecond))
	one := []objID{ids[len(ids)/2]}
	for _, spec := range b.specs {
		heap := startHeap()
		cnt := &counter{}
		w, err := spec.New(cnt.config(b.cfg))
		if err != nil {
			return err
		}
		wctx, cancel := context.WithCancel(ctx)
		st := time.Now()
		ch := w.Start(wctx, one)
		_, err = waitFor(ch, waitTimeout, func(u update) bool { return u.Completed })
		took := time.Since(st)
		drain(cancel, ch)
		w.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", spec.Name, err)
		}
		peak := heap.Stop()
		b.res.selective[spec.Name] = fleetRun{completedAfter: took, requests: cnt.requests.Load(), watches: cnt.watches.Load(), bytesRead: cnt.bytes.Load(), peakHeap: peak, allocated: heap.allocated}
		logf("  %-18s completed in %s, %d requests, %d bytes", spec.Name, took.Round(time.Millisecond), cnt.requests.Load(), cnt.bytes.Load())
	}
	return nil
}
