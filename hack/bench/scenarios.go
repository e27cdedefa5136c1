package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
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
		// The first flips warm the path (connections, caches, the API
		// server's own) and are not counted; watchers get 10, pollers 1.
		warmup := 10
		if spec.Interval > 0 {
			warmup = 1
		}
		lat := make([]time.Duration, 0, n)
		for f := range warmup + n {
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
			if f >= warmup {
				lat = append(lat, at.Sub(written))
			}
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
	// completedAfter is from the last write's request being sent,
	// completedAfterAnswer from its response, to Completed.
	completedAfter       time.Duration
	completedAfterAnswer time.Duration
	observeAll           time.Duration
	requests             int64
	watches              int64
	// resourceRequests are the requests to the benchmark's API group as
	// the waiter counted them.
	resourceRequests int64
	bytesRead        int64
	cpu              time.Duration
	updates          int64
	peakHeap         uint64
	allocated        uint64
	rssStart         uint64
	rssPeak          uint64
	held             uint64
	err              string
}

// crossCheck compares the reads of the benchmark's API group that the
// waiters of one fleet pass counted with what apiserver_request_total
// counted meanwhile.
type crossCheck struct {
	waiters         []string
	counted, server int64
}

// fleet spreads objects over namespaces and kinds, then, pass after pass,
// sets them InProgress, starts waiters on all of them, each in a process of
// its own, sets them Current in waves and times the last write to
// Completed. The watchers get fleetRepeats passes and the table gives
// their medians; the pollers get one.
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

	round := 0
	// pass runs the waiters of specs side by side, each in a process of
	// its own, over the same writes.
	pass := func(specs []waiterSpec, profile bool) ([]fleetRun, error) {
		if round > 0 {
			msg := fmt.Sprintf("reset %d", round)
			if err := parallel(ctx, ids, writers, func(ctx context.Context, id objID) error {
				return b.c.setStatus(ctx, id, inProgress(msg))
			}); err != nil {
				return nil, err
			}
		}
		round++
		reads0, err := b.c.settledServerReads(ctx)
		if err != nil {
			return nil, err
		}
		dir := ""
		if profile {
			dir = b.profileDir
		}
		procs := make([]*workerProc, 0, len(specs))
		kill := func(err error) error {
			for _, p := range procs {
				_ = p.cmd.Process.Kill()
				err = errors.Join(err, p.wait(time.Second))
			}
			return err
		}
		for _, spec := range specs {
			p, err := startWorker(ctx, b.cfg, spec, ids, dir)
			if err != nil {
				return nil, kill(err)
			}
			procs = append(procs, p)
		}
		observed := make([]workerMsg, len(procs))
		for i, p := range procs {
			if observed[i], err = p.next("observed", waitTimeout); err != nil {
				return nil, kill(fmt.Errorf("%s: %w", specs[i].Name, err))
			}
		}
		// The last write is the one sent last; its response can reach the
		// writer after the watch event reached the waiters.
		var mu sync.Mutex
		var lastSent, lastAnswered time.Time
		wave := (len(ids) + b.sz.waves - 1) / b.sz.waves
		for i := 0; i < len(ids); i += wave {
			if err := parallel(ctx, ids[i:min(i+wave, len(ids))], writers, func(ctx context.Context, id objID) error {
				sent := time.Now()
				err := b.c.setStatus(ctx, id, current)
				answered := time.Now()
				mu.Lock()
				if sent.After(lastSent) {
					lastSent, lastAnswered = sent, answered
				}
				mu.Unlock()
				return err
			}); err != nil {
				return nil, kill(err)
			}
		}
		runs := make([]fleetRun, len(procs))
		var counted int64
		for i, p := range procs {
			m, err := p.next("result", waitTimeout)
			if err != nil {
				return nil, kill(fmt.Errorf("%s: %w", specs[i].Name, err))
			}
			if err := p.wait(30 * time.Second); err != nil {
				return nil, kill(fmt.Errorf("%s: worker: %w", specs[i].Name, err))
			}
			w := m.Result
			r := fleetRun{
				requests: w.Requests, watches: w.Watches, resourceRequests: w.ResourceRequests, bytesRead: w.Bytes,
				cpu: time.Duration(w.CPU), updates: w.Updates, peakHeap: w.PeakHeap, allocated: w.Allocated,
				rssStart: w.RSSStart, rssPeak: w.RSSPeak, held: w.Held, err: w.Err,
				observeAll: time.Unix(0, observed[i].At).Sub(time.Unix(0, w.StartedAt)),
			}
			if w.Err == "" {
				r.completedAfter = time.Unix(0, w.CompletedAt).Sub(lastSent)
				r.completedAfterAnswer = time.Unix(0, w.CompletedAt).Sub(lastAnswered)
			}
			counted += w.ResourceRequests
			runs[i] = r
		}
		reads1, err := b.c.settledServerReads(ctx)
		if err != nil {
			return nil, err
		}
		names := make([]string, len(specs))
		for i, s := range specs {
			names[i] = s.Name
		}
		b.res.crossChecks = append(b.res.crossChecks, crossCheck{waiters: names, counted: counted, server: reads1 - reads0})
		return runs, nil
	}

	// The watchers run side by side, fleetRepeats passes; the pollers,
	// which would load the machine under the watchers, side by side in
	// one pass of their own.
	var watchers, pollers []waiterSpec
	for _, s := range b.specs {
		if s.Interval > 0 {
			pollers = append(pollers, s)
		} else {
			watchers = append(watchers, s)
		}
	}
	var passes [][]waiterSpec
	for range b.sz.fleetRepeats {
		if len(watchers) > 0 {
			passes = append(passes, watchers)
		}
	}
	if len(pollers) > 0 {
		passes = append(passes, pollers)
	}
	for i, specs := range passes {
		runs, err := pass(specs, b.profileDir != "" && (i == 0 || i == len(passes)-1))
		if err != nil {
			return err
		}
		for j, r := range runs {
			name := specs[j].Name
			b.res.fleet[name] = append(b.res.fleet[name], r)
			logf("  %-18s completed +%s, %d requests, cpu %s, heap %.1f MB, held %.1f KB/object, rss %.1f MB %s", name,
				r.completedAfter.Round(time.Millisecond), r.requests, r.cpu.Round(time.Millisecond),
				float64(r.peakHeap)/1e6, float64(r.held)/float64(n)/1e3, float64(r.rssPeak)/1e6, r.err)
		}
		cc := b.res.crossChecks[len(b.res.crossChecks)-1]
		logf("  pass %d: reads counted by the waiters %d, by apiserver_request_total %d", i+1, cc.counted, cc.server)
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
