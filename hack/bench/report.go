package main

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

type results struct {
	// ran are the scenarios that ran, in order.
	ran             []string
	latency         map[string][]time.Duration
	latencyRequests map[string]int64
	fleet, fleet2k  fleetResult
	scale           []scaleResult
	fetchCold       []time.Duration
	fetchWarm       []time.Duration
	fetchColdReq    float64
	fetchWarmReq    float64
	backToBack      map[string][]time.Duration
	backToBackReq   map[string]int64
	selective       map[string]fleetRun
	late            map[string][]lateRun
	cut             map[string][]cutRun
	cutObjects      int
	wall            map[string]time.Duration
	notes           []string
	fetchObjects    int
}

func newResults() *results {
	return &results{
		latency: map[string][]time.Duration{}, latencyRequests: map[string]int64{},
		backToBack: map[string][]time.Duration{}, backToBackReq: map[string]int64{},
		selective: map[string]fleetRun{}, late: map[string][]lateRun{}, cut: map[string][]cutRun{}, wall: map[string]time.Duration{},
	}
}

func percentile(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	i := int(math.Ceil(float64(p)/100*float64(len(s)))) - 1
	return s[max(0, min(i, len(s)-1))]
}

func dur(d time.Duration) string {
	switch {
	case d == 0:
		return "0"
	case d < 0:
		return "-" + dur(-d)
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case d < time.Second:
		return fmt.Sprintf("%.1fms", float64(d)/1e6)
	default:
		return fmt.Sprintf("%.2fs", d.Seconds())
	}
}

func bytesStr(b float64) string {
	switch {
	case b >= 1e6:
		return fmt.Sprintf("%.1f MB", b/1e6)
	case b >= 1e3:
		return fmt.Sprintf("%.1f KB", b/1e3)
	default:
		return fmt.Sprintf("%.0f B", b)
	}
}

func (r *results) markdown(machine string, specs []waiterSpec) string {
	var sb strings.Builder
	sb.WriteString("# kwait benchmark\n\n" + machine + "\n")
	head := "| scenario / metric |"
	sep := "|---|"
	for _, s := range specs {
		head += " " + s.Name + " |"
		sep += "---|"
	}
	sb.WriteString(head + "\n" + sep + "\n")
	row := func(name string, f func(s waiterSpec) string) {
		sb.WriteString("| " + name + " |")
		for _, s := range specs {
			sb.WriteString(" " + f(s) + " |")
		}
		sb.WriteString("\n")
	}
	ran := func(scenario string) bool { return slices.Contains(r.ran, scenario) }
	if ran("latency") {
		row("**1. latency** write response → event: flips", func(s waiterSpec) string { return fmt.Sprint(len(r.latency[s.Name])) })
		for _, p := range []int{50, 90, 99} {
			row(fmt.Sprintf("… p%d", p), func(s waiterSpec) string { return dur(percentile(r.latency[s.Name], p)) })
		}
		row("… requests (whole scenario)", func(s waiterSpec) string { return fmt.Sprint(r.latencyRequests[s.Name]) })
	}
	if ran("fleet") {
		fleetRows(row, "**2. fleet** passes (the rows below are medians)", r.fleet)
	}
	if ran("warm") {
		warm := func(f func(s waiterSpec) string) func(waiterSpec) string {
			return func(s waiterSpec) string {
				if len(r.backToBack[s.Name]) == 0 {
					return "—"
				}
				return f(s)
			}
		}
		row("**3. back-to-back** waits of 1 object, one waiter: median", warm(func(s waiterSpec) string { return dur(percentile(r.backToBack[s.Name], 50)) }))
		row("… p90", warm(func(s waiterSpec) string { return dur(percentile(r.backToBack[s.Name], 90)) }))
		row("… total requests", warm(func(s waiterSpec) string { return fmt.Sprint(r.backToBackReq[s.Name]) }))
	}
	if ran("selective") {
		row("**4. selective** 1 object beside many: start → Completed", func(s waiterSpec) string { return dur(r.selective[s.Name].completedAfter) })
		row("… requests (of which watches)", func(s waiterSpec) string {
			return fmt.Sprintf("%d (%d)", r.selective[s.Name].requests, r.selective[s.Name].watches)
		})
		row("… bytes read", func(s waiterSpec) string { return bytesStr(float64(r.selective[s.Name].bytesRead)) })
		row("… peak heap in use above start (sampled every 100ms)", func(s waiterSpec) string { return bytesStr(float64(r.selective[s.Name].peakHeap)) })
		row("… bytes allocated", func(s waiterSpec) string { return bytesStr(float64(r.selective[s.Name].allocated)) })
	}
	if ran("fleet2k") {
		fleetRows(row, fmt.Sprintf("**5. fleet2k** %s objects in %d namespaces, watchers: passes (medians below)", thousands(r.fleet2k.objects), r.fleet2k.namespaces), r.fleet2k)
	}
	if ran("latecrd") {
		late := func(f func(lateRun) time.Duration, p int) func(waiterSpec) string {
			return func(s waiterSpec) string {
				if len(r.late[s.Name]) == 0 {
					return "—"
				}
				return dur(percentile(durations(r.late[s.Name], f), p))
			}
		}
		firstUpdate := func(l lateRun) time.Duration { return l.firstUpdate }
		completed := func(l lateRun) time.Duration { return l.completed }
		row("**6. late CRD** CRDs installed during the wait", func(s waiterSpec) string {
			if !s.LateKinds || s.Interval > 0 {
				return "—"
			}
			return fmt.Sprint(len(r.late[s.Name]))
		})
		row("… Established → first update without error: median", late(firstUpdate, 50))
		row("… max", late(firstUpdate, 100))
		row("… Established → Completed: median", late(completed, 50))
		row("… max", late(completed, 100))
	}
	if ran("cut") {
		// cut guards f against a waiter that did not run or complete.
		cut := func(f func(waiterSpec) string) func(waiterSpec) string {
			return func(s waiterSpec) string {
				if len(r.cut[s.Name]) == 0 {
					return "—"
				}
				for _, c := range r.cut[s.Name] {
					if c.err != "" {
						return "did not complete: " + c.err
					}
				}
				return f(s)
			}
		}
		med := func(f func(cutRun) string) func(waiterSpec) string {
			return cut(func(s waiterSpec) string { return f(medianCut(r.cut[s.Name])) })
		}
		row(fmt.Sprintf("**7. connection cut** of %s, %d objects Current meanwhile: cuts", dur(cutFor), r.cutObjects), func(s waiterSpec) string {
			if len(r.cut[s.Name]) == 0 {
				return "—"
			}
			return fmt.Sprint(len(r.cut[s.Name]))
		})
		row("… restore → Completed: median", med(func(c cutRun) string { return dur(c.completed) }))
		row("… max", cut(func(s waiterSpec) string {
			return dur(percentile(durations(r.cut[s.Name], func(c cutRun) time.Duration { return c.completed }), 100))
		}))
		row("… restore → first connection again: median", med(func(c cutRun) string { return dur(c.firstConn) }))
		row("… requests from the cut to Completed, failed ones included: median", med(func(c cutRun) string { return fmt.Sprint(c.requests) }))
	}

	if ran("warm") {
		fmt.Fprintf(&sb, "\n**3. FetchAndResolve** of %d objects (kwait, informer resolver; 5 calls each): cold resolver (new `wait.New` per call) median %s, p90 %s, %.1f requests per call; warm resolver median %s, p90 %s, %.1f requests per call.\n",
			r.fetchObjects, dur(percentile(r.fetchCold, 50)), dur(percentile(r.fetchCold, 90)), r.fetchColdReq,
			dur(percentile(r.fetchWarm, 50)), dur(percentile(r.fetchWarm, 90)), r.fetchWarmReq)
	}
	if goals := r.goals(); len(goals) > 0 {
		sb.WriteString("\nGoals, kwait informers against the cli-utils watcher:\n")
		for _, g := range goals {
			sb.WriteString("- " + g + "\n")
		}
	}
	sb.WriteString("\nNotes:\n")
	if ran("latency") {
		sb.WriteString("- Latency: every waiter runs in a child process of its own, on an object of its own; the watchers run at once and take turns, one flip each, the pollers one after the other. Each first makes unmeasured warm-up flips (10 for watchers, 1 for pollers). Pollers flip fewer times (their latency is bounded by the interval, and each flip waits for its event); the flips row says how many.\n")
	}
	sb.WriteString("- Requests are counted per waiter through its own `rest.Config.WrapTransport` (discovery included). In the fleets, the GET, LIST and WATCH requests to the benchmark's API group are also read off the API server's `apiserver_request_total` before and after each pass (the writers only create and patch); a watch is counted there when it ends.\n")
	if ran("fleet") || ran("fleet2k") {
		sb.WriteString("- Fleets: every waiter runs in a child process of its own, so CPU (getrusage, from the wait's start to Completed), heap, live heap held at Completed (after a GC, caches still running), RSS (VmHWM) and bytes allocated are the waiting side's alone; the writers run in the parent. The two watchers run side by side over the same writes, in each of the passes; the three pollers side by side in one pass of their own. fleet2k runs the watchers only.\n")
	}
	for _, f := range []struct {
		name string
		res  fleetResult
	}{{"Fleet", r.fleet}, {"fleet2k", r.fleet2k}} {
		for i, c := range f.res.crossChecks {
			match := "match"
			if c.counted != c.server {
				match = "DIFFER"
			}
			fmt.Fprintf(&sb, "- %s pass %d (%s): reads of the API group counted by the waiters %d, by `apiserver_request_total` %d: %s.\n", f.name, i+1, strings.Join(c.waiters, ", "), c.counted, c.server, match)
		}
	}
	sb.WriteString("- Times are taken when the waiter's adapter goroutine receives the library's event. A negative latency means the watch event reached the waiter before the write's own response reached the writer.\n")
	if ran("latency") {
		sb.WriteString("- Pollers sleep a random part of their interval before each flip, so writes do not lock onto the poll ticks.\n")
	}
	sb.WriteString("- Peak heap is HeapInuse sampled every 100ms above a post-GC start; short passes can miss their peak, so bytes allocated is given too. In the selective scenario the waiter shares the process with the benchmark.\n")
	sb.WriteString("- cli-utils waiters have no Completed event; the benchmark declares Completed when every object's latest status is Current.\n")
	if ran("latecrd") {
		fmt.Fprintf(&sb, "- Late CRD: the wait starts on a custom resource of an API group no CRD serves yet; once it reported `wait.ErrUnknownKind`, the benchmark creates the CRD (repetition i of n waits i×%s/n first, so the creates meet a retrying waiter at different points of its backoff), then the object as soon as the API server serves it. Times start when the benchmark's own watch of the CRD, opened before the create, delivers it with Established True. Every repetition has an API group and a waiter of its own, so discovery is cold. A wait that picks the kind up before the object's create has answered first reports the object absent (Current, \"Resource does not exist\", as kstatus has it) and completes then. cli-utils' watcher is not run: it starts an informer for a kind it could not map only when that kind's CRD is itself among the wait's objects (`ObjectStatusReporter.onCRDAdd`; \"TODO: Watch CRDs & Namespaces, even if not in the set of IDs\"), so a wait on the custom resource alone gets no update of it.\n", dur(lateCRDSpread))
		for _, s := range specs {
			for i, l := range r.late[s.Name] {
				fmt.Fprintf(&sb, "- Late CRD, %s, repetition %d: CRD created %s after ErrUnknownKind; after Established: object created %s, first update %s (%s), Completed %s; %d requests.\n",
					s.Name, i+1, dur(l.delay), dur(l.created), dur(l.firstUpdate), l.firstStatus, dur(l.completed), l.requests)
			}
		}
	}
	if ran("cut") {
		sb.WriteString("- Connection cut: the watchers run side by side in the benchmark process, each talking to the API server through a loopback TCP proxy of its own (TLS passes through). Once each has seen every object and then one more write (its watches are open), every proxy closes its connections and stops listening, so new ones are refused; the objects are set Current meanwhile; after the cut the proxies listen again on the same port. Times start when they do. New waiters every repetition.\n")
	}
	for _, n := range r.notes {
		sb.WriteString("- " + n + "\n")
	}
	sb.WriteString("- wall times: ")
	var parts []string
	for _, k := range append(slices.Clone(r.ran), "total") {
		parts = append(parts, fmt.Sprintf("%s %s", k, r.wall[k].Round(time.Second)))
	}
	sb.WriteString(strings.Join(parts, ", ") + "\n")
	return sb.String()
}

// fleetRows writes the rows of one fleet scenario; "—" for a waiter it
// did not run.
func fleetRows(row func(string, func(waiterSpec) string), title string, res fleetResult) {
	cell := func(f func(fleetRun) string) func(waiterSpec) string {
		return func(s waiterSpec) string {
			if len(res.runs[s.Name]) == 0 {
				return "—"
			}
			return f(medianRun(res.runs[s.Name]))
		}
	}
	perObject := func(b uint64) string {
		if res.objects == 0 {
			return "—"
		}
		return bytesStr(float64(b) / float64(res.objects))
	}
	row(title, func(s waiterSpec) string {
		if len(res.runs[s.Name]) == 0 {
			return "—"
		}
		return fmt.Sprint(len(res.runs[s.Name]))
	})
	row("… last write sent → Completed", func(s waiterSpec) string {
		for _, f := range res.runs[s.Name] {
			if f.err != "" {
				return "did not complete: " + f.err
			}
		}
		return cell(func(f fleetRun) string { return dur(f.completedAfter) })(s)
	})
	row("… last write's response → Completed", cell(func(f fleetRun) string { return dur(f.completedAfterAnswer) }))
	row("… start → every object observed", cell(func(f fleetRun) string { return dur(f.observeAll) }))
	row("… requests (of which watches)", cell(func(f fleetRun) string { return fmt.Sprintf("%d (%d)", f.requests, f.watches) }))
	row("… reads of the benchmark's API group (GET, LIST, WATCH)", cell(func(f fleetRun) string { return fmt.Sprint(f.resourceRequests) }))
	row("… bytes read from the API server", cell(func(f fleetRun) string { return bytesStr(float64(f.bytesRead)) }))
	row("… CPU seconds of the waiting process", cell(func(f fleetRun) string { return fmt.Sprintf("%.2f", f.cpu.Seconds()) }))
	row("… CPU per update received", cell(func(f fleetRun) string {
		if f.updates == 0 {
			return "—"
		}
		return dur(f.cpu / time.Duration(f.updates))
	}))
	row("… peak heap in use above start", cell(func(f fleetRun) string { return bytesStr(float64(f.peakHeap)) }))
	row("… peak heap per watched object", cell(func(f fleetRun) string { return perObject(f.peakHeap) }))
	row("… live heap held at Completed, per watched object", cell(func(f fleetRun) string { return perObject(f.held) }))
	row("… peak RSS of the waiting process (above its start)", cell(func(f fleetRun) string {
		return fmt.Sprintf("%s (%s)", bytesStr(float64(f.rssPeak)), bytesStr(float64(f.rssPeak)-float64(f.rssStart)))
	}))
	row("… bytes allocated by the waiting process", cell(func(f fleetRun) string { return bytesStr(float64(f.allocated)) }))
}

// goals states, for the scenarios that ran, the targets kwait is held to
// and whether this run met them.
func (r *results) goals() []string {
	const kw, peer = "kwait informers", "cli-utils watcher"
	met := func(ok bool) string {
		if ok {
			return "met"
		}
		return "NOT met"
	}
	var out []string
	if k, p := r.fleet2k.runs[kw], r.fleet2k.runs[peer]; len(k) > 0 && len(p) > 0 {
		km, pm := medianRun(k), medianRun(p)
		ratio := float64(km.peakHeap) / float64(max(pm.peakHeap, 1))
		out = append(out, fmt.Sprintf("fleet2k (%s objects in %d namespaces, medians): requests %d against %d, goal ≤ %d: %s; peak heap %s against %s = %.2f×, goal ≤ 0.5×: %s.",
			thousands(r.fleet2k.objects), r.fleet2k.namespaces, km.requests, pm.requests, pm.requests+25, met(km.requests <= pm.requests+25),
			bytesStr(float64(km.peakHeap)), bytesStr(float64(pm.peakHeap)), ratio, met(ratio <= 0.5)))
	}
	if l := r.late[kw]; len(l) > 0 {
		d := durations(l, func(x lateRun) time.Duration { return x.firstUpdate })
		worst := percentile(d, 100)
		out = append(out, fmt.Sprintf("late CRD (%d repetitions): Established → first update without error, median %s, max %s, goal max ≤ 250ms: %s (cli-utils not run, see the notes).",
			len(l), dur(percentile(d, 50)), dur(worst), met(worst <= 250*time.Millisecond)))
	}
	if k, p := r.cut[kw], r.cut[peer]; len(k) > 0 && len(p) > 0 {
		km, pm := medianCut(k), medianCut(p)
		out = append(out, fmt.Sprintf("connection cut (%d repetitions, medians): restore → Completed %s against %s = %.2f×, goal ≤ 1×: %s.",
			len(k), dur(km.completed), dur(pm.completed), float64(km.completed)/float64(max(pm.completed, 1)), met(km.completed <= pm.completed)))
	}
	return out
}

// thousands writes n with a comma every three digits.
func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

var palette = []string{"#7f7f7f", "#1f77b4", "#2ca02c", "#98df8a", "#d62728", "#ff9896"}

// svg draws two panels: requests per scenario per waiter (log scale) and
// latency p50/p99 per waiter (log scale).
func (r *results) svg(specs []waiterSpec) string {
	const w, h = 1000, 420
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="11">`+"\n", w, h)
	sb.WriteString(`<rect width="100%" height="100%" fill="white"/>` + "\n")
	// Panel geometry.
	type panel struct{ x, y, w, h float64 }
	left := panel{60, 40, 520, 300}
	right := panel{680, 40, 290, 300}
	logY := func(p panel, v, maxV float64) float64 {
		if v < 1 {
			v = 1
		}
		top := math.Ceil(math.Log10(maxV))
		if top < 1 {
			top = 1
		}
		return p.y + p.h - p.h*math.Log10(v)/top
	}
	axis := func(p panel, maxV float64, unit, title string) {
		fmt.Fprintf(&sb, `<text x="%.0f" y="%.0f" font-size="13" font-weight="bold">%s</text>`+"\n", p.x, p.y-15, title)
		top := math.Ceil(math.Log10(maxV))
		if top < 1 {
			top = 1
		}
		for e := 0.0; e <= top; e++ {
			y := p.y + p.h - p.h*e/top
			fmt.Fprintf(&sb, `<line x1="%.0f" x2="%.0f" y1="%.1f" y2="%.1f" stroke="#ddd"/>`+"\n", p.x, p.x+p.w, y, y)
			fmt.Fprintf(&sb, `<text x="%.0f" y="%.1f" text-anchor="end">%s%s</text>`+"\n", p.x-4, y+4, fmt.Sprint(math.Pow(10, e)), unit)
		}
		fmt.Fprintf(&sb, `<line x1="%.0f" x2="%.0f" y1="%.0f" y2="%.0f" stroke="black"/>`+"\n", p.x, p.x+p.w, p.y+p.h, p.y+p.h)
	}
	bar := func(p panel, x, bw, v, maxV float64, color, label string) {
		y := logY(p, v, maxV)
		fmt.Fprintf(&sb, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s</title></rect>`+"\n", x, y, bw, p.y+p.h-y, color, label)
	}

	// Requests per scenario.
	groups := []struct {
		name string
		v    func(string) float64
	}{
		{"1. latency", func(n string) float64 { return float64(r.latencyRequests[n]) }},
		{"2. fleet", func(n string) float64 { return float64(medianRun(r.fleet.runs[n]).requests) }},
		{"3. 50 waits", func(n string) float64 { return float64(r.backToBackReq[n]) }},
		{"4. selective", func(n string) float64 { return float64(r.selective[n].requests) }},
	}
	maxReq := 10.0
	for _, g := range groups {
		for _, s := range specs {
			maxReq = max(maxReq, g.v(s.Name))
		}
	}
	axis(left, maxReq, "", "API requests of the waiting side (log)")
	gw := left.w / float64(len(groups))
	bw := (gw - 20) / float64(len(specs))
	for gi, g := range groups {
		x0 := left.x + float64(gi)*gw + 10
		for si, s := range specs {
			v := g.v(s.Name)
			bar(left, x0+float64(si)*bw, bw-2, v, maxReq, palette[si%len(palette)], fmt.Sprintf("%s %s: %.0f", g.name, s.Name, v))
		}
		fmt.Fprintf(&sb, `<text x="%.1f" y="%.0f" text-anchor="middle">%s</text>`+"\n", x0+(gw-20)/2, left.y+left.h+15, g.name)
	}

	// Latency p50 and p99 in µs.
	maxLat := 10.0
	for _, s := range specs {
		maxLat = max(maxLat, float64(percentile(r.latency[s.Name], 99).Microseconds()))
	}
	axis(right, maxLat, "µs", "latency p50 (solid) / p99 (light), log")
	lw := right.w / float64(len(specs))
	for si, s := range specs {
		x := right.x + float64(si)*lw + 4
		p50 := float64(percentile(r.latency[s.Name], 50).Microseconds())
		p99 := float64(percentile(r.latency[s.Name], 99).Microseconds())
		c := palette[si%len(palette)]
		bar(right, x, lw/2-4, p50, maxLat, c, fmt.Sprintf("%s p50 %s", s.Name, dur(percentile(r.latency[s.Name], 50))))
		fmt.Fprintf(&sb, `<g opacity="0.45">`)
		bar(right, x+lw/2-4, lw/2-4, p99, maxLat, c, fmt.Sprintf("%s p99 %s", s.Name, dur(percentile(r.latency[s.Name], 99))))
		sb.WriteString("</g>\n")
	}
	// Legend.
	for si, s := range specs {
		x := 20 + float64(si)*160
		fmt.Fprintf(&sb, `<rect x="%.0f" y="%d" width="12" height="12" fill="%s"/><text x="%.0f" y="%d">%s</text>`+"\n", x, h-40, palette[si%len(palette)], x+16, h-30, s.Name)
	}
	sb.WriteString("</svg>\n")
	return sb.String()
}

// median is the median of f over runs.
func median[T any](runs []T, f func(T) int64) int64 {
	if len(runs) == 0 {
		return 0
	}
	v := make([]int64, len(runs))
	for i, r := range runs {
		v[i] = f(r)
	}
	slices.Sort(v)
	return v[(len(v)-1)/2]
}

// durations is f of every run.
func durations[T any](runs []T, f func(T) time.Duration) []time.Duration {
	d := make([]time.Duration, len(runs))
	for i, r := range runs {
		d[i] = f(r)
	}
	return d
}

// medianRun is the per-field median of runs.
func medianRun(runs []fleetRun) fleetRun {
	med := func(f func(fleetRun) int64) int64 { return median(runs, f) }
	return fleetRun{
		completedAfter:       time.Duration(med(func(r fleetRun) int64 { return int64(r.completedAfter) })),
		completedAfterAnswer: time.Duration(med(func(r fleetRun) int64 { return int64(r.completedAfterAnswer) })),
		observeAll:           time.Duration(med(func(r fleetRun) int64 { return int64(r.observeAll) })),
		requests:             med(func(r fleetRun) int64 { return r.requests }),
		watches:              med(func(r fleetRun) int64 { return r.watches }),
		resourceRequests:     med(func(r fleetRun) int64 { return r.resourceRequests }),
		bytesRead:            med(func(r fleetRun) int64 { return r.bytesRead }),
		cpu:                  time.Duration(med(func(r fleetRun) int64 { return int64(r.cpu) })),
		updates:              med(func(r fleetRun) int64 { return r.updates }),
		peakHeap:             uint64(med(func(r fleetRun) int64 { return int64(r.peakHeap) })),
		allocated:            uint64(med(func(r fleetRun) int64 { return int64(r.allocated) })),
		rssStart:             uint64(med(func(r fleetRun) int64 { return int64(r.rssStart) })),
		rssPeak:              uint64(med(func(r fleetRun) int64 { return int64(r.rssPeak) })),
		held:                 uint64(med(func(r fleetRun) int64 { return int64(r.held) })),
	}
}

// medianCut is the per-field median of runs.
func medianCut(runs []cutRun) cutRun {
	med := func(f func(cutRun) int64) int64 { return median(runs, f) }
	return cutRun{
		completed: time.Duration(med(func(r cutRun) int64 { return int64(r.completed) })),
		firstConn: time.Duration(med(func(r cutRun) int64 { return int64(r.firstConn) })),
		requests:  med(func(r cutRun) int64 { return r.requests }),
	}
}
