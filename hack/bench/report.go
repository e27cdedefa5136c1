package main

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

type results struct {
	latency         map[string][]time.Duration
	latencyRequests map[string]int64
	fleet           map[string][]fleetRun
	crossChecks     []crossCheck
	fetchCold       []time.Duration
	fetchWarm       []time.Duration
	fetchColdReq    float64
	fetchWarmReq    float64
	backToBack      map[string][]time.Duration
	backToBackReq   map[string]int64
	selective       map[string]fleetRun
	wall            map[string]time.Duration
	notes           []string
	fleetSize       int
	fetchObjects    int
}

func newResults() *results {
	return &results{
		latency: map[string][]time.Duration{}, latencyRequests: map[string]int64{},
		fleet: map[string][]fleetRun{}, backToBack: map[string][]time.Duration{}, backToBackReq: map[string]int64{},
		selective: map[string]fleetRun{}, wall: map[string]time.Duration{},
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
	row("**1. latency** write response → event: flips", func(s waiterSpec) string { return fmt.Sprint(len(r.latency[s.Name])) })
	for _, p := range []int{50, 90, 99} {
		row(fmt.Sprintf("… p%d", p), func(s waiterSpec) string { return dur(percentile(r.latency[s.Name], p)) })
	}
	row("… requests (whole scenario)", func(s waiterSpec) string { return fmt.Sprint(r.latencyRequests[s.Name]) })
	fleet := func(name string) fleetRun { return medianRun(r.fleet[name]) }
	row("**2. fleet** passes (the rows below are medians)", func(s waiterSpec) string { return fmt.Sprint(len(r.fleet[s.Name])) })
	row("… last write sent → Completed", func(s waiterSpec) string {
		for _, f := range r.fleet[s.Name] {
			if f.err != "" {
				return "did not complete: " + f.err
			}
		}
		return dur(fleet(s.Name).completedAfter)
	})
	row("… last write's response → Completed", func(s waiterSpec) string { return dur(fleet(s.Name).completedAfterAnswer) })
	row("… start → every object observed", func(s waiterSpec) string { return dur(fleet(s.Name).observeAll) })
	row("… requests (of which watches)", func(s waiterSpec) string {
		f := fleet(s.Name)
		return fmt.Sprintf("%d (%d)", f.requests, f.watches)
	})
	row("… reads of the benchmark's API group (GET, LIST, WATCH)", func(s waiterSpec) string {
		return fmt.Sprint(fleet(s.Name).resourceRequests)
	})
	row("… bytes read from the API server", func(s waiterSpec) string { return bytesStr(float64(fleet(s.Name).bytesRead)) })
	row("… CPU seconds of the waiting process", func(s waiterSpec) string {
		return fmt.Sprintf("%.2f", fleet(s.Name).cpu.Seconds())
	})
	row("… CPU per update received", func(s waiterSpec) string {
		f := fleet(s.Name)
		if f.updates == 0 {
			return "—"
		}
		return dur(f.cpu / time.Duration(f.updates))
	})
	row("… peak heap in use above start", func(s waiterSpec) string { return bytesStr(float64(fleet(s.Name).peakHeap)) })
	row("… peak heap per watched object", func(s waiterSpec) string {
		if r.fleetSize == 0 {
			return "—"
		}
		return bytesStr(float64(fleet(s.Name).peakHeap) / float64(r.fleetSize))
	})
	row("… live heap held at Completed, per watched object", func(s waiterSpec) string {
		if r.fleetSize == 0 {
			return "—"
		}
		return bytesStr(float64(fleet(s.Name).held) / float64(r.fleetSize))
	})
	row("… peak RSS of the waiting process (above its start)", func(s waiterSpec) string {
		f := fleet(s.Name)
		return fmt.Sprintf("%s (%s)", bytesStr(float64(f.rssPeak)), bytesStr(float64(f.rssPeak)-float64(f.rssStart)))
	})
	row("… bytes allocated by the waiting process", func(s waiterSpec) string { return bytesStr(float64(fleet(s.Name).allocated)) })
	row(fmt.Sprintf("**3. back-to-back** waits of 1 object, one waiter: median"), func(s waiterSpec) string { return dur(percentile(r.backToBack[s.Name], 50)) })
	row("… p90", func(s waiterSpec) string { return dur(percentile(r.backToBack[s.Name], 90)) })
	row("… total requests", func(s waiterSpec) string { return fmt.Sprint(r.backToBackReq[s.Name]) })
	row("**4. selective** 1 object beside many: start → Completed", func(s waiterSpec) string { return dur(r.selective[s.Name].completedAfter) })
	row("… requests (of which watches)", func(s waiterSpec) string {
		return fmt.Sprintf("%d (%d)", r.selective[s.Name].requests, r.selective[s.Name].watches)
	})
	row("… bytes read", func(s waiterSpec) string { return bytesStr(float64(r.selective[s.Name].bytesRead)) })
	row("… peak heap in use above start (sampled every 100ms)", func(s waiterSpec) string { return bytesStr(float64(r.selective[s.Name].peakHeap)) })
	row("… bytes allocated", func(s waiterSpec) string { return bytesStr(float64(r.selective[s.Name].allocated)) })

	fmt.Fprintf(&sb, "\n**3. FetchAndResolve** of %d objects (kwait, informer resolver; 5 calls each): cold resolver (new `wait.New` per call) median %s, p90 %s, %.1f requests per call; warm resolver median %s, p90 %s, %.1f requests per call.\n",
		r.fetchObjects, dur(percentile(r.fetchCold, 50)), dur(percentile(r.fetchCold, 90)), r.fetchColdReq,
		dur(percentile(r.fetchWarm, 50)), dur(percentile(r.fetchWarm, 90)), r.fetchWarmReq)
	sb.WriteString("\nNotes:\n")
	sb.WriteString("- Latency: the waiters run one after the other in the benchmark process; each first makes unmeasured warm-up flips (10 for watchers, 1 for pollers). Pollers flip fewer times (their latency is bounded by the interval, and each flip waits for its event); the flips row says how many.\n")
	sb.WriteString("- Requests are counted per waiter through its own `rest.Config.WrapTransport` (discovery included). In the fleet, the GET, LIST and WATCH requests to the benchmark's API group are also read off the API server's `apiserver_request_total` before and after each pass (the writers only create and patch); a watch is counted there when it ends.\n")
	sb.WriteString("- Fleet: every waiter runs in a child process of its own, so CPU (getrusage, from the wait's start to Completed), heap, live heap held at Completed (after a GC, caches still running), RSS (VmHWM) and bytes allocated are the waiting side's alone; the writers run in the parent. The two watchers run side by side over the same writes, in each of the passes; the three pollers side by side in one pass of their own.\n")
	for i, c := range r.crossChecks {
		match := "match"
		if c.counted != c.server {
			match = "DIFFER"
		}
		fmt.Fprintf(&sb, "- Fleet pass %d (%s): reads of the API group counted by the waiters %d, by `apiserver_request_total` %d: %s.\n", i+1, strings.Join(c.waiters, ", "), c.counted, c.server, match)
	}
	sb.WriteString("- Times are taken when the waiter's adapter goroutine receives the library's event. A negative latency means the watch event reached the waiter before the write's own response reached the writer.\n")
	sb.WriteString("- Pollers sleep a random part of their interval before each flip, so writes do not lock onto the poll ticks.\n")
	sb.WriteString("- Peak heap is HeapInuse sampled every 100ms above a post-GC start; short passes can miss their peak, so bytes allocated is given too. In the selective scenario the waiter shares the process with the benchmark.\n")
	sb.WriteString("- cli-utils waiters have no Completed event; the benchmark declares Completed when every object's latest status is Current.\n")
	for _, n := range r.notes {
		sb.WriteString("- " + n + "\n")
	}
	sb.WriteString("- wall times: ")
	var parts []string
	for _, k := range []string{"latency", "fleet", "warm", "selective", "total"} {
		parts = append(parts, fmt.Sprintf("%s %s", k, r.wall[k].Round(time.Second)))
	}
	sb.WriteString(strings.Join(parts, ", ") + "\n")
	return sb.String()
}

var palette = []string{"#1f77b4", "#2ca02c", "#98df8a", "#d62728", "#ff9896"}

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
		{"2. fleet", func(n string) float64 { return float64(medianRun(r.fleet[n]).requests) }},
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
		x := 60 + float64(si)*180
		fmt.Fprintf(&sb, `<rect x="%.0f" y="%d" width="12" height="12" fill="%s"/><text x="%.0f" y="%d">%s</text>`+"\n", x, h-40, palette[si%len(palette)], x+16, h-30, s.Name)
	}
	sb.WriteString("</svg>\n")
	return sb.String()
}

// medianRun is the per-field median of runs.
func medianRun(runs []fleetRun) fleetRun {
	if len(runs) == 0 {
		return fleetRun{}
	}
	med := func(f func(fleetRun) int64) int64 {
		v := make([]int64, len(runs))
		for i, r := range runs {
			v[i] = f(r)
		}
		slices.Sort(v)
		return v[(len(v)-1)/2]
	}
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
