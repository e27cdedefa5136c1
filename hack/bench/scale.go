package main

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// scalePerNamespace is how many objects of the scale curve share a
// namespace: 100,000 objects are in 1,000 namespaces.
const scalePerNamespace = 100

// scaleResult is one size of the scale curve.
type scaleResult struct {
	objects, namespaces int
	fleet               fleetResult
	// created is how long creating the objects added for this size took.
	created time.Duration
}

// scale runs the fleet at each of sizes with the watchers (the floor,
// kwait's informers, cli-utils' watcher), smallest first. The objects are
// created once: each size adds to the last one's, 100 per namespace, the
// kinds in turn; every size's wait is on all objects made so far, which are
// all the objects of the benchmark's group in the cluster.
func (b *bench) scale(ctx context.Context, sizes []int, repeats int) error {
	specs := watchers(b.specs)
	var ids []objID
	madeNS := 0
	for _, n := range sizes {
		nsCount := (n + scalePerNamespace - 1) / scalePerNamespace
		for ; madeNS < nsCount; madeNS++ {
			if err := b.c.namespace(ctx, fmt.Sprintf("scale-%04d", madeNS)); err != nil {
				return err
			}
		}
		more := make([]objID, 0, n-len(ids))
		for i := len(ids); i < n; i++ {
			more = append(more, objID{Namespace: fmt.Sprintf("scale-%04d", i/scalePerNamespace), Name: fmt.Sprintf("o-%06d", i), GK: gk(kinds[i%len(kinds)])})
		}
		t0 := time.Now()
		if err := b.createFleet(ctx, fmt.Sprintf("scale %s", thousands(n)), more, nsCount); err != nil {
			return err
		}
		created := time.Since(t0)
		ids = append(ids, more...)
		logf("  scale %s: %d objects in %d namespaces", thousands(n), len(ids), nsCount)
		r, err := b.runFleet(ctx, fleetParams{name: fmt.Sprintf("scale-%d", n), objects: n, namespaces: nsCount, specs: specs,
			profileTag: fmt.Sprintf("scale%d-", n), ids: slices.Clone(ids), repeats: repeats,
			perWrite: created / time.Duration(max(2*len(more), 1))}) // a create and a status write each
		b.res.scale = append(b.res.scale, scaleResult{objects: n, namespaces: nsCount, fleet: r, created: created})
		if err != nil {
			return fmt.Errorf("%s objects: %w", thousands(n), err)
		}
	}
	return nil
}

// scaleMarkdown is the scale curve's table: a row per waiter and metric, a
// column per size.
func (r *results) scaleMarkdown(machine string, specs []waiterSpec) string {
	var sb strings.Builder
	sb.WriteString("# kwait scale curve\n\n" + machine + "\n")
	sb.WriteString("| waiter / metric |")
	sep := "|---|"
	for _, s := range r.scale {
		fmt.Fprintf(&sb, " %s objects (%s ns) |", thousands(s.objects), thousands(s.namespaces))
		sep += "---|"
	}
	sb.WriteString("\n" + sep + "\n")
	metrics := []struct {
		name string
		f    func(f fleetRun, n int) string
	}{
		{"passes", nil},
		{"last write sent → Completed", func(f fleetRun, _ int) string { return dur(f.completedAfter) }},
		{"start → every object observed", func(f fleetRun, _ int) string { return dur(f.observeAll) }},
		{"requests (of which watches)", func(f fleetRun, _ int) string { return fmt.Sprintf("%d (%d)", f.requests, f.watches) }},
		{"CPU seconds", func(f fleetRun, _ int) string { return fmt.Sprintf("%.2f", f.cpu.Seconds()) }},
		{"CPU per update received", func(f fleetRun, _ int) string { return perUpdate(f) }},
		{"peak heap per object", func(f fleetRun, n int) string { return bytesStr(float64(f.peakHeap) / float64(n)) }},
		{"live heap at Completed per object", func(f fleetRun, n int) string { return bytesStr(float64(f.held) / float64(n)) }},
		{"bytes allocated per object", func(f fleetRun, n int) string { return bytesStr(float64(f.allocated) / float64(n)) }},
		{"peak RSS (above its start)", func(f fleetRun, _ int) string {
			return fmt.Sprintf("%s (%s)", bytesStr(float64(f.rssPeak)), bytesStr(float64(f.rssPeak)-float64(f.rssStart)))
		}},
	}
	for _, spec := range specs {
		if spec.Interval > 0 {
			continue
		}
		for i, m := range metrics {
			name := "… " + m.name
			if i == 0 {
				name = "**" + spec.Name + "** " + m.name
			}
			sb.WriteString("| " + name + " |")
			for _, s := range r.scale {
				runs := s.fleet.runs[spec.Name]
				cell := "—"
				switch {
				case len(runs) == 0:
				case m.f == nil:
					cell = fmt.Sprint(len(runs))
				case failed(runs) != "":
					cell = "did not complete: " + failed(runs)
				default:
					cell = m.f(medianRun(runs), s.objects)
				}
				sb.WriteString(" " + cell + " |")
			}
			sb.WriteString("\n")
		}
	}
	sb.WriteString("\nNotes:\n")
	sb.WriteString("- Each size is the fleet scenario over that many objects, 100 per namespace, the 3 kinds in turn; the watchers run side by side, each in a child process of its own, and the rows are medians of their passes. The objects are created once, smallest size first: every size adds to the last, and each wait is on every object made so far, which are all the objects the cluster-wide watches see.\n")
	sb.WriteString("- CPU per update is the waiting process' CPU (getrusage, start → Completed) over the updates it delivered; the initial list is in it. Live heap is after a GC at Completed, caches still running, above the process' start.\n")
	for _, s := range r.scale {
		fmt.Fprintf(&sb, "- %s objects: creating the ones this size added took %s.\n", thousands(s.objects), s.created.Round(time.Second))
		for i, c := range s.fleet.crossChecks {
			match := "match"
			if c.counted != c.server {
				match = "DIFFER"
			}
			fmt.Fprintf(&sb, "- %s objects, pass %d: reads counted by the waiters %d, by `apiserver_request_total` %d: %s.\n", thousands(s.objects), i+1, c.counted, c.server, match)
		}
	}
	sb.WriteString(fmt.Sprintf("- wall time: %s\n", r.wall["total"].Round(time.Second)))
	return sb.String()
}

func perUpdate(f fleetRun) string {
	if f.updates == 0 {
		return "—"
	}
	return dur(f.cpu / time.Duration(f.updates))
}

func failed(runs []fleetRun) string {
	for _, f := range runs {
		if f.err != "" {
			return f.err
		}
	}
	return ""
}

// scaleSVG draws cost against object count, both axes log: CPU per update
// received and live heap per object at Completed, a line per watcher.
func (r *results) scaleSVG(specs []waiterSpec) string {
	const w, h = 1000, 420
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="11">`+"\n", w, h)
	sb.WriteString(`<rect width="100%" height="100%" fill="white"/>` + "\n")
	type panel struct{ x, y, w, h float64 }
	var ws []waiterSpec
	for _, s := range specs {
		if s.Interval == 0 {
			ws = append(ws, s)
		}
	}
	if len(r.scale) == 0 {
		return ""
	}
	minN, maxN := float64(r.scale[0].objects), float64(r.scale[len(r.scale)-1].objects)
	if maxN <= minN {
		maxN = minN * 10
	}
	draw := func(p panel, title, unit string, v func(fleetRun, int) float64) {
		lo, hi := math.Inf(1), 0.0
		for _, s := range r.scale {
			for _, spec := range ws {
				if runs := s.fleet.runs[spec.Name]; len(runs) > 0 && failed(runs) == "" {
					x := v(medianRun(runs), s.objects)
					lo, hi = min(lo, x), max(hi, x)
				}
			}
		}
		if hi <= 0 {
			return
		}
		eLo, eHi := math.Floor(math.Log10(max(lo, 1e-9))), math.Ceil(math.Log10(hi))
		if eHi <= eLo {
			eHi = eLo + 1
		}
		px := func(n float64) float64 {
			return p.x + p.w*(math.Log10(n)-math.Log10(minN))/(math.Log10(maxN)-math.Log10(minN))
		}
		py := func(x float64) float64 {
			return p.y + p.h - p.h*(math.Log10(max(x, 1e-9))-eLo)/(eHi-eLo)
		}
		fmt.Fprintf(&sb, `<text x="%.0f" y="%.0f" font-size="13" font-weight="bold">%s</text>`+"\n", p.x, p.y-15, title)
		for e := eLo; e <= eHi; e++ {
			y := py(math.Pow(10, e))
			fmt.Fprintf(&sb, `<line x1="%.0f" x2="%.0f" y1="%.1f" y2="%.1f" stroke="#ddd"/>`+"\n", p.x, p.x+p.w, y, y)
			fmt.Fprintf(&sb, `<text x="%.0f" y="%.1f" text-anchor="end">%s</text>`+"\n", p.x-4, y+4, scaleLabel(math.Pow(10, e), unit))
		}
		for _, s := range r.scale {
			x := px(float64(s.objects))
			fmt.Fprintf(&sb, `<text x="%.1f" y="%.0f" text-anchor="middle">%s</text>`+"\n", x, p.y+p.h+15, thousands(s.objects))
		}
		fmt.Fprintf(&sb, `<text x="%.0f" y="%.0f" text-anchor="middle">objects (log)</text>`+"\n", p.x+p.w/2, p.y+p.h+30)
		for _, spec := range ws {
			c := palette[slices.IndexFunc(specs, func(s waiterSpec) bool { return s.Name == spec.Name })%len(palette)]
			var pts []string
			for _, s := range r.scale {
				runs := s.fleet.runs[spec.Name]
				if len(runs) == 0 || failed(runs) != "" {
					continue
				}
				x, y := px(float64(s.objects)), py(v(medianRun(runs), s.objects))
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, y))
				fmt.Fprintf(&sb, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"><title>%s, %s objects: %s</title></circle>`+"\n", x, y, c, spec.Name, thousands(s.objects), scaleLabel(v(medianRun(runs), s.objects), unit))
			}
			fmt.Fprintf(&sb, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>`+"\n", c, strings.Join(pts, " "))
		}
	}
	draw(panel{70, 40, 380, 300}, "CPU per update received (log)", "s", func(f fleetRun, _ int) float64 {
		if f.updates == 0 {
			return 0
		}
		return f.cpu.Seconds() / float64(f.updates)
	})
	draw(panel{580, 40, 380, 300}, "live heap per object at Completed (log)", "B", func(f fleetRun, n int) float64 {
		return float64(f.held) / float64(n)
	})
	for si, s := range ws {
		x := 70 + float64(si)*200
		c := palette[slices.IndexFunc(specs, func(o waiterSpec) bool { return o.Name == s.Name })%len(palette)]
		fmt.Fprintf(&sb, `<rect x="%.0f" y="%d" width="12" height="12" fill="%s"/><text x="%.0f" y="%d">%s</text>`+"\n", x, h-30, c, x+16, h-20, s.Name)
	}
	sb.WriteString("</svg>\n")
	return sb.String()
}

// scaleLabel writes v in unit with an SI prefix.
func scaleLabel(v float64, unit string) string {
	switch unit {
	case "s":
		return dur(time.Duration(v * 1e9))
	case "B":
		return bytesStr(v)
	}
	return fmt.Sprint(v)
}
