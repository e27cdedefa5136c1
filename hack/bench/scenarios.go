package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kwait-dev/kwait/wait"
)

const (
	writers     = 32
	waitTimeout = 5 * time.Minute
)

// latency flips the status message of one object per waiter and times
// each write's response to the waiter's update carrying it. Each waiter
// runs in a child process of its own, so that no waiter's GC or goroutines
// are in another's samples; the child stamps each update when its adapter
// receives it (the same clock). The watchers run at once and take turns,
// one flip each, so that what else loads the machine meanwhile (the API
// server, other processes) falls on all of them alike; the pollers, whose
// flips take seconds, run one after the other, with fewer flips. With a
// profile folder, each child writes a runtime/trace of its wait there, and
// the parent its samples (trace-….out, latency-….tsv; see tailtrace).
func (b *bench) latency(ctx context.Context) error {
	var runs []*latencyRun
	defer func() {
		for _, r := range runs {
			r.kill()
		}
	}()
	start := func(i int, spec waiterSpec) (*latencyRun, error) {
		ns := fmt.Sprintf("latency-%d", i)
		if err := b.c.namespace(ctx, ns); err != nil {
			return nil, err
		}
		id := objID{Namespace: ns, Name: "flip", GK: gk("Widget")}
		if err := b.c.create(ctx, id); err != nil {
			return nil, err
		}
		if err := b.c.setStatus(ctx, id, inProgress("start")); err != nil {
			return nil, err
		}
		r := &latencyRun{b: b, spec: spec, id: id, n: b.sz.flips, warmup: 10}
		switch {
		case spec.Interval >= 2*time.Second:
			r.n = min(r.n, b.sz.flips2s)
		case spec.Interval > 0:
			r.n = min(r.n, b.sz.flips500ms)
		}
		if spec.Interval > 0 {
			r.warmup = 1
		}
		runs = append(runs, r)
		return r, r.start(ctx)
	}
	// finish ends r's worker and records its figures.
	finish := func(r *latencyRun) error {
		requests, err := r.finish()
		if err != nil {
			return fmt.Errorf("%s: %w", r.spec.Name, err)
		}
		b.res.latency[r.spec.Name] = r.lat
		b.res.latencyRequests[r.spec.Name] = requests
		if b.profileDir != "" {
			var sb strings.Builder
			sb.WriteString("written_unix_ns\tevent_unix_ns\tlatency_ns\n")
			for _, x := range r.samples {
				fmt.Fprintf(&sb, "%d\t%d\t%d\n", x[0].UnixNano(), x[1].UnixNano(), x[1].Sub(x[0]))
			}
			if err := os.WriteFile(filepath.Join(b.profileDir, "latency-"+slug(r.spec.Name)+".tsv"), []byte(sb.String()), 0o644); err != nil {
				return err
			}
		}
		logf("  %-18s %d flips, p50 %s, p90 %s, p99 %s", r.spec.Name, r.n, percentile(r.lat, 50), percentile(r.lat, 90), percentile(r.lat, 99))
		return nil
	}
	var turns []*latencyRun
	for i, spec := range b.specs {
		if spec.Interval > 0 {
			continue
		}
		r, err := start(i, spec)
		if err != nil {
			return fmt.Errorf("%s: %w", spec.Name, err)
		}
		turns = append(turns, r)
	}
	for f := range b.sz.flips + 10 {
		for _, r := range turns {
			if f >= r.warmup+r.n {
				continue
			}
			if err := r.flip(ctx, f); err != nil {
				return fmt.Errorf("%s: %w", r.spec.Name, err)
			}
		}
	}
	for _, r := range turns {
		if err := finish(r); err != nil {
			return err
		}
	}
	for i, spec := range b.specs {
		if spec.Interval == 0 {
			continue
		}
		r, err := start(i, spec)
		if err != nil {
			return fmt.Errorf("%s: %w", spec.Name, err)
		}
		for f := range r.warmup + r.n {
			if err := r.flip(ctx, f); err != nil {
				return fmt.Errorf("%s: %w", spec.Name, err)
			}
		}
		if err := finish(r); err != nil {
			return err
		}
	}
	return nil
}

func slug(name string) string {
	return strings.NewReplacer(" ", "-", "(", "", ")", "").Replace(name)
}

// latencyRun is one waiter's latency wait on id in a worker: warmup
// unmeasured flips, which warm the path (connections, caches, the API
// server's own), then n measured ones.
type latencyRun struct {
	b         *bench
	spec      waiterSpec
	id        objID
	n, warmup int
	p         *workerProc
	lat       []time.Duration
	// samples are (write answered, event received).
	samples [][2]time.Time
	done    bool
}

func (r *latencyRun) start(ctx context.Context) error {
	a := workerArgs{Spec: r.spec.Name, IDs: []objID{r.id}, Latency: true}
	if r.b.profileDir != "" {
		a.TraceFile = filepath.Join(r.b.profileDir, "trace-"+slug(r.spec.Name)+".out")
	}
	p, err := startWorkerWith(ctx, r.b.cfg, a, "", "")
	if err != nil {
		return err
	}
	r.p = p
	if _, err := p.nextMatch("update", waitTimeout, withMessage("start")); err != nil {
		return fmt.Errorf("first update: %w", err)
	}
	return nil
}

func withMessage(msg string) func(workerMsg) bool {
	return func(m workerMsg) bool { return strings.Contains(m.Message, msg) }
}

// flip makes flip f and waits for the waiter's update of it.
func (r *latencyRun) flip(ctx context.Context, f int) error {
	msg := fmt.Sprintf("flip %04d.", f)
	if r.spec.Interval > 0 {
		// A random phase, so that writes do not lock onto the poll ticks.
		time.Sleep(rand.N(r.spec.Interval))
	}
	if err := r.b.c.setStatus(ctx, r.id, inProgress(msg)); err != nil {
		return err
	}
	written := time.Now()
	m, err := r.p.nextMatch("update", r.spec.Interval*3+10*time.Second, withMessage(msg))
	if err != nil {
		return fmt.Errorf("flip %d: %w", f, err)
	}
	if f >= r.warmup {
		at := time.Unix(0, m.At)
		r.lat = append(r.lat, at.Sub(written))
		r.samples = append(r.samples, [2]time.Time{written, at})
	}
	return nil
}

// finish stops the worker and returns the requests it made.
func (r *latencyRun) finish() (int64, error) {
	r.p.stop()
	m, err := r.p.next("result", 30*time.Second)
	if err != nil {
		return 0, err
	}
	if err := r.p.wait(30 * time.Second); err != nil {
		return 0, fmt.Errorf("worker: %w", err)
	}
	r.done = true
	return m.Result.Requests, nil
}

// kill ends a worker that did not finish.
func (r *latencyRun) kill() {
	if r.p != nil && !r.done {
		_ = r.p.cmd.Process.Kill()
		_ = r.p.wait(time.Second)
	}
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

// fleetParams shape one fleet scenario.
type fleetParams struct {
	// name prefixes the scenario's namespaces and notes.
	name                string
	objects, namespaces int
	specs               []waiterSpec
	// profileTag starts the file names of the passes' profiles.
	profileTag string
	// ids, when set, are the fleet's objects, created already: the
	// scenario creates none.
	ids []objID
	// repeats are the watchers' passes; 0 for sizes.fleetRepeats.
	repeats int
	// perWrite, when set, is how long one of the fleet's writes took
	// while it was created (the writers in parallel, no waiter watching):
	// a waiter's timeout then grows by writeMargin of it per object, so
	// that a fleet whose status writes alone take longer than waitTimeout
	// can still complete.
	perWrite time.Duration
}

// writeMargin is how much slower than while the fleet was created its
// status writes may go once the waiters watch (the API server sends every
// write to each of them) before a waiter times out.
const writeMargin = 3

// workerTimeout is how long a waiter of fp may take from its start to
// Completed: waitTimeout, plus writeMargin times the fleet's writes at
// fp.perWrite each.
func (fp fleetParams) workerTimeout(objects int) time.Duration {
	return waitTimeout + writeMargin*time.Duration(objects)*fp.perWrite
}

// fleetResult is what one fleet scenario measured.
type fleetResult struct {
	objects, namespaces int
	// runs are the passes of each waiter, by name.
	runs        map[string][]fleetRun
	crossChecks []crossCheck
}

// fleet is the full-size fleet with every waiter.
func (b *bench) fleet(ctx context.Context) error {
	r, err := b.runFleet(ctx, fleetParams{name: "fleet", objects: b.sz.fleet, namespaces: b.sz.fleetNamespaces, specs: b.specs})
	b.res.fleet = r
	return err
}

// fleet2k is a fleet of 2,000 objects in 20 namespaces for the watchers
// alone: a mid-sized wait spread over namespaces, where one informer per
// namespace costs requests and heap that a cluster-wide watch would not.
func (b *bench) fleet2k(ctx context.Context) error {
	r, err := b.runFleet(ctx, fleetParams{name: "fleet2k", objects: b.sz.fleet2k, namespaces: b.sz.fleet2kNamespaces, specs: watchers(peers(b.specs)), profileTag: "fleet2k-"})
	b.res.fleet2k = r
	return err
}

// peers are the specs but the floor.
func peers(specs []waiterSpec) []waiterSpec {
	var out []waiterSpec
	for _, s := range specs {
		if !s.Floor {
			out = append(out, s)
		}
	}
	return out
}

// watchers are the specs that do not poll.
func watchers(specs []waiterSpec) []waiterSpec {
	var out []waiterSpec
	for _, s := range specs {
		if s.Interval == 0 {
			out = append(out, s)
		}
	}
	return out
}

// runFleet spreads objects over namespaces and kinds, then, pass after
// pass, sets them InProgress, starts waiters on all of them, each in a
// process of its own, sets them Current in waves and times the last write
// to Completed. The watchers get fleetRepeats passes and the table gives
// their medians; the pollers get one.
func (b *bench) runFleet(ctx context.Context, fp fleetParams) (fleetResult, error) {
	n, nsCount := fp.objects, fp.namespaces
	res := fleetResult{objects: n, namespaces: nsCount, runs: map[string][]fleetRun{}}
	ids := fp.ids
	if ids == nil {
		for i := range nsCount {
			if err := b.c.namespace(ctx, fmt.Sprintf("%s-%03d", fp.name, i)); err != nil {
				return res, err
			}
		}
		ids = make([]objID, n)
		for i := range ids {
			ids[i] = objID{Namespace: fmt.Sprintf("%s-%03d", fp.name, i%nsCount), Name: fmt.Sprintf("o-%05d", i), GK: gk(kinds[(i/nsCount)%len(kinds)])}
		}
		if err := b.createFleet(ctx, fp.name, ids, nsCount); err != nil {
			return res, err
		}
	}

	round := 0
	if fp.ids != nil {
		round = 1 // objects made for another scenario: reset them first
	}
	// pass runs the waiters of specs side by side, each in a process of
	// its own, over the same writes.
	pass := func(specs []waiterSpec, profile bool) ([]fleetRun, error) {
		if round > 0 {
			msg := fmt.Sprintf("%s reset %d", fp.name, round)
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
			p, err := startWorkerWith(ctx, b.cfg, workerArgs{Spec: spec.Name, IDs: ids, Timeout: fp.workerTimeout(len(ids))}, dir, fp.profileTag)
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
		res.crossChecks = append(res.crossChecks, crossCheck{waiters: names, counted: counted, server: reads1 - reads0})
		return runs, nil
	}

	// The watchers run side by side, fleetRepeats passes; the pollers,
	// which would load the machine under the watchers, side by side in
	// one pass of their own.
	var pollers []waiterSpec
	for _, s := range fp.specs {
		if s.Interval > 0 {
			pollers = append(pollers, s)
		}
	}
	var passes [][]waiterSpec
	repeats := fp.repeats
	if repeats == 0 {
		repeats = b.sz.fleetRepeats
	}
	if ws := watchers(fp.specs); len(ws) > 0 {
		for range repeats {
			passes = append(passes, ws)
		}
	}
	if len(pollers) > 0 {
		passes = append(passes, pollers)
	}
	// Profiles are of each waiter's first pass.
	profiled := map[string]bool{}
	for i, specs := range passes {
		profile := false
		for _, s := range specs {
			profile = profile || (b.profileDir != "" && !profiled[s.Name])
			profiled[s.Name] = true
		}
		runs, err := pass(specs, profile)
		if err != nil {
			return res, err
		}
		for j, r := range runs {
			name := specs[j].Name
			res.runs[name] = append(res.runs[name], r)
			logf("  %-18s completed +%s, %d requests, cpu %s, heap %.1f MB, held %.1f KB/object, rss %.1f MB %s", name,
				r.completedAfter.Round(time.Millisecond), r.requests, r.cpu.Round(time.Millisecond),
				float64(r.peakHeap)/1e6, float64(r.held)/float64(n)/1e3, float64(r.rssPeak)/1e6, r.err)
		}
		cc := res.crossChecks[len(res.crossChecks)-1]
		logf("  pass %d: reads counted by the waiters %d, by apiserver_request_total %d", i+1, cc.counted, cc.server)
	}
	return res, nil
}

// createFleet creates ids, each with an InProgress status.
func (b *bench) createFleet(ctx context.Context, name string, ids []objID, nsCount int) error {
	t0 := time.Now()
	if err := parallel(ctx, ids, writers, func(ctx context.Context, id objID) error {
		if err := b.c.create(ctx, id); err != nil {
			return err
		}
		return b.c.setStatus(ctx, id, inProgress("initial"))
	}); err != nil {
		return err
	}
	b.res.notes = append(b.res.notes, fmt.Sprintf("%s: created %d objects in %d namespaces (+ status) in %s with %d writers", name, len(ids), nsCount, time.Since(t0).Round(time.Millisecond), writers))
	logf("  created %d objects in %s", len(ids), time.Since(t0).Round(time.Millisecond))
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
	for _, spec := range peers(b.specs) {
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

// lateRun is one repetition of the late-CRD scenario. Times are from the
// moment the benchmark's watch saw the CRD Established.
type lateRun struct {
	// delay is from the wait's report of the unknown kind to the CRD's
	// create.
	delay time.Duration
	// created is when the create of the object answered.
	created time.Duration
	// firstUpdate is the wait's first update of the object without an
	// error, firstStatus its status and message.
	firstUpdate time.Duration
	firstStatus string
	completed   time.Duration
	requests    int64
}

const (
	// lateCRDSpread spreads the repetitions' CRD creates over this long
	// after the wait reported the kind unknown, so that they meet a
	// retrying waiter at different points of its backoff.
	lateCRDSpread = 3 * time.Second
	lateTimeout   = 30 * time.Second
)

// latecrd starts a wait on a custom resource whose CRD does not exist,
// then creates the CRD and the object, and times the wait from the moment
// the benchmark's own watch of the CRD sees it Established. Every
// repetition uses an API group of its own, so no discovery cache knows it.
// Only waiters with LateKinds run it.
func (b *bench) latecrd(ctx context.Context) error {
	var specs []waiterSpec
	for _, s := range watchers(b.specs) {
		if s.LateKinds {
			specs = append(specs, s)
		}
	}
	ns := "latecrd"
	if err := b.c.namespace(ctx, ns); err != nil {
		return err
	}
	var crds []string
	defer func() {
		for _, name := range crds {
			_ = b.c.deleteCRD(ctx, name)
		}
	}()
	for si, spec := range specs {
		for i := range b.sz.lateCRDs {
			id := objID{Namespace: ns, Name: "late", GK: schema.GroupKind{Group: fmt.Sprintf("late%d-%d.%s", si, i, group), Kind: "Late"}}
			crds = append(crds, crd(id.GK).Name)
			delay := lateCRDSpread * time.Duration(i) / time.Duration(b.sz.lateCRDs)
			r, err := b.lateCRD(ctx, spec, id, delay)
			if err != nil {
				return fmt.Errorf("%s, repetition %d: %w", spec.Name, i+1, err)
			}
			b.res.late[spec.Name] = append(b.res.late[spec.Name], r)
			logf("  %-18s CRD created %s after ErrUnknownKind; after Established: object created %s, first update %s (%s), Completed %s, %d requests",
				spec.Name, dur(r.delay), dur(r.created), dur(r.firstUpdate), r.firstStatus, dur(r.completed), r.requests)
		}
	}
	return nil
}

// lateCRD is one repetition of latecrd: the CRD of id is created delay
// after the wait reported its kind unknown.
func (b *bench) lateCRD(ctx context.Context, spec waiterSpec, id objID, delay time.Duration) (lateRun, error) {
	cnt := &counter{}
	w, err := spec.New(cnt.config(b.cfg))
	if err != nil {
		return lateRun{}, err
	}
	defer w.Close()
	wctx, cancel := context.WithCancel(ctx)
	ch := w.Start(wctx, []objID{id})
	defer drain(cancel, ch)
	var got update
	if _, err := waitFor(ch, lateTimeout, func(u update) bool { got = u; return true }); err != nil {
		return lateRun{}, fmt.Errorf("first update: %w", err)
	}
	if !errors.Is(got.Err, wait.ErrUnknownKind) {
		return lateRun{}, fmt.Errorf("first update: want %v, got %s %q (error %v)", wait.ErrUnknownKind, got.Status, got.Message, got.Err)
	}
	time.Sleep(delay)
	est, err := b.c.createCRD(ctx, crd(id.GK), lateTimeout)
	if err != nil {
		return lateRun{}, err
	}
	if err := b.c.createServed(ctx, id, lateTimeout); err != nil {
		return lateRun{}, fmt.Errorf("create %s: %w", id.key(), err)
	}
	created := time.Now()
	var first update
	done, err := waitFor(ch, lateTimeout, func(u update) bool {
		if first.At.IsZero() && !u.Completed && u.Err == nil {
			first = u
		}
		got = u
		return u.Completed
	})
	if err != nil {
		return lateRun{}, fmt.Errorf("Completed (last update %s %q, error %v): %w", got.Status, got.Message, got.Err, err)
	}
	if first.At.IsZero() {
		first.At = done
	}
	return lateRun{
		delay: delay, created: created.Sub(est), firstUpdate: first.At.Sub(est), firstStatus: first.Status + " " + first.Message,
		completed: done.Sub(est), requests: cnt.requests.Load(),
	}, nil
}

// cutRun is one waiter's recovery from one connection cut.
type cutRun struct {
	// completed is from the restore to Completed, firstConn from the
	// restore to the first connection the waiter opened again.
	completed, firstConn time.Duration
	// requests are those from the cut to Completed, failed ones included.
	requests int64
	err      string
}

const (
	// cutFor is how long a connection cut lasts.
	cutFor     = 3 * time.Second
	cutTimeout = time.Minute
)

// cut waits on cutObjects objects with every watcher side by side, each in
// this process through a loopback proxy of its own. Once every watch is
// open, it cuts every connection and refuses new ones for cutFor, sets the
// objects Current meanwhile, restores the proxies and times each waiter
// from the restore to Completed; cutRepeats times, new waiters each time.
func (b *bench) cut(ctx context.Context) error {
	ns := "cut"
	if err := b.c.namespace(ctx, ns); err != nil {
		return err
	}
	ids := make([]objID, b.sz.cutObjects)
	for i := range ids {
		ids[i] = objID{Namespace: ns, Name: fmt.Sprintf("c-%03d", i), GK: gk("Widget")}
	}
	if err := parallel(ctx, ids, writers, b.c.create); err != nil {
		return err
	}
	u, err := url.Parse(b.cfg.Host)
	if err != nil {
		return err
	}
	specs := watchers(peers(b.specs))
	b.res.cutObjects = len(ids)
	for rep := range b.sz.cutRepeats {
		runs, err := b.cutOnce(ctx, specs, ids, u.Host, rep)
		if err != nil {
			return fmt.Errorf("repetition %d: %w", rep+1, err)
		}
		for i, r := range runs {
			b.res.cut[specs[i].Name] = append(b.res.cut[specs[i].Name], r)
			logf("  %-18s restore → first connection %s, → Completed %s, %d requests since the cut %s",
				specs[i].Name, dur(r.firstConn), dur(r.completed), r.requests, r.err)
		}
	}
	return nil
}

// cutOnce is one repetition of cut, through proxies to target.
func (b *bench) cutOnce(ctx context.Context, specs []waiterSpec, ids []objID, target string, rep int) ([]cutRun, error) {
	msg := fmt.Sprintf("cut %d.", rep)
	if err := parallel(ctx, ids, writers, func(ctx context.Context, id objID) error {
		return b.c.setStatus(ctx, id, inProgress(msg))
	}); err != nil {
		return nil, err
	}
	type side struct {
		p      *proxy
		cnt    *counter
		w      waiter
		ch     <-chan update
		cancel context.CancelFunc
	}
	// On return the waits end (which ends wg's readers of their streams),
	// then the waiters, then the proxies they talk through.
	var wg sync.WaitGroup
	defer wg.Wait()
	var sides []side
	defer func() {
		for _, s := range sides {
			drain(s.cancel, s.ch)
			s.w.Close()
			s.p.Close()
		}
	}()
	for _, spec := range specs {
		p, err := startProxy(target)
		if err != nil {
			return nil, err
		}
		cfg, err := p.config(b.cfg)
		if err != nil {
			p.Close()
			return nil, err
		}
		cnt := &counter{}
		w, err := spec.New(cnt.config(cfg))
		if err != nil {
			p.Close()
			return nil, err
		}
		wctx, cancel := context.WithCancel(ctx)
		sides = append(sides, side{p: p, cnt: cnt, w: w, ch: w.Start(wctx, ids), cancel: cancel})
	}
	// Every waiter has seen every object, then a write made after that:
	// its watches are open when the cut comes.
	for i, s := range sides {
		if err := waitForAll(s.ch, ids, cutTimeout, func(u update) bool { return strings.Contains(u.Message, msg) }); err != nil {
			return nil, fmt.Errorf("%s: %w", specs[i].Name, err)
		}
	}
	armed := fmt.Sprintf("cut %d armed.", rep)
	if err := b.c.setStatus(ctx, ids[0], inProgress(armed)); err != nil {
		return nil, err
	}
	for i, s := range sides {
		if _, err := waitFor(s.ch, cutTimeout, func(u update) bool { return strings.Contains(u.Message, armed) }); err != nil {
			return nil, fmt.Errorf("%s: %w", specs[i].Name, err)
		}
	}

	// Each waiter's stream is read from here on, so that the errors it
	// reports during the cut never hold its Completed back.
	type completion struct {
		at       time.Time
		requests int64
		err      error
	}
	done := make([]completion, len(sides))
	for i, s := range sides {
		wg.Go(func() {
			at, err := waitFor(s.ch, cutFor+cutTimeout, func(u update) bool { return u.Completed })
			done[i] = completion{at: at, requests: s.cnt.requests.Load(), err: err}
		})
	}
	cutAt := time.Now()
	requests0 := make([]int64, len(sides))
	for i, s := range sides {
		s.p.cut()
		requests0[i] = s.cnt.requests.Load()
	}
	if err := parallel(ctx, ids, writers, func(ctx context.Context, id objID) error {
		return b.c.setStatus(ctx, id, current)
	}); err != nil {
		return nil, err
	}
	time.Sleep(time.Until(cutAt.Add(cutFor)))
	restored := make([]time.Time, len(sides))
	for i, s := range sides {
		var err error
		if restored[i], err = s.p.restore(); err != nil {
			return nil, err
		}
	}
	wg.Wait()
	runs := make([]cutRun, len(sides))
	for i, s := range sides {
		d := done[i]
		r := cutRun{requests: d.requests - requests0[i], completed: d.at.Sub(restored[i])}
		switch {
		case d.err != nil:
			r.err = d.err.Error()
		case r.completed < 0:
			r.err = "Completed during the cut"
		}
		if fc := s.p.firstConnection(); !fc.IsZero() {
			r.firstConn = fc.Sub(restored[i])
		}
		runs[i] = r
	}
	return runs, nil
}
