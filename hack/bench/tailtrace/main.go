// Command tailtrace reads a latency waiter's runtime/trace and its samples
// (hack/bench.sh --only latency --profile DIR) and tells, for the slowest
// samples and for as many around the median, what the waiting process did
// between the write's response and the waiter's event: GC, stop-the-world
// pauses, goroutines kept waiting for a P, and which goroutines ran.
//
//	go run ./tailtrace DIR/trace-kwait-informers.out DIR/latency-kwait-informers.tsv
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/exp/trace"
)

type sample struct {
	written, event time.Time
	lat            time.Duration
}

// window is what the trace shows between a sample's write and event.
type window struct {
	s           sample
	gc, stw     time.Duration // overlap with GC mark phases and STW
	runnableMax time.Duration // the longest wait of a goroutine for a P
	runnableSum time.Duration
	ran         map[string]time.Duration // running time by goroutine's start function
	assist      time.Duration
	// arrived is when the HTTP/2 read loop (or, over HTTP/1, the watch's
	// stream reader) first ran in the window: the bytes of the event
	// reached the process. Before it, the time is the API server's and the
	// network's; after it, the waiter's.
	arrived time.Time
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: tailtrace TRACE SAMPLES.tsv")
		os.Exit(2)
	}
	samples, err := readSamples(os.Args[2])
	if err != nil {
		fail(err)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fail(err)
	}
	defer f.Close()
	r, err := trace.NewReader(bufio.NewReader(f))
	if err != nil {
		fail(err)
	}
	byLat := slices.Clone(samples)
	slices.SortFunc(byLat, func(a, b sample) int { return int(a.lat - b.lat) })
	const k = 5
	var pick []sample
	pick = append(pick, byLat[max(0, len(byLat)-k):]...)
	mid := len(byLat) / 2
	pick = append(pick, byLat[max(0, mid-k/2):min(len(byLat), mid-k/2+k)]...)
	wins := make([]*window, len(pick))
	for i, s := range pick {
		// Start a millisecond before the response: the watch event can
		// leave the API server before the write's own answer.
		s.written = s.written.Add(-time.Millisecond)
		wins[i] = &window{s: s, ran: map[string]time.Duration{}}
	}

	var wall func(trace.Time) time.Time
	runnableSince := map[trace.GoID]time.Time{}
	runningSince := map[trace.GoID]time.Time{}
	startFn := map[trace.GoID]string{}
	gcSince, stwSince, assistSince := map[string]time.Time{}, map[string]time.Time{}, map[trace.GoID]time.Time{}
	// overlap adds the part of [a,b] inside each window to f's field.
	overlap := func(a, b time.Time, add func(w *window, d time.Duration)) {
		for _, w := range wins {
			lo, hi := maxT(a, w.s.written), minT(b, w.s.event)
			if hi.After(lo) {
				add(w, hi.Sub(lo))
			}
		}
	}
	for {
		ev, err := r.ReadEvent()
		if err == io.EOF {
			break
		}
		if err != nil {
			fail(err)
		}
		if ev.Kind() == trace.EventSync {
			if cs := ev.Sync().ClockSnapshot; cs != nil && wall == nil {
				base, wallBase := cs.Trace, cs.Wall
				wall = func(t trace.Time) time.Time { return wallBase.Add(time.Duration(t - base)) }
			}
			continue
		}
		if wall == nil {
			continue
		}
		at := wall(ev.Time())
		switch ev.Kind() {
		case trace.EventRangeBegin, trace.EventRangeEnd:
			name := ev.Range().Name
			isGC, isSTW := strings.HasPrefix(name, "GC concurrent mark"), strings.HasPrefix(name, "stop-the-world")
			isAssist := strings.HasPrefix(name, "GC mark assist")
			switch {
			case ev.Kind() == trace.EventRangeBegin && isGC:
				gcSince[name] = at
			case ev.Kind() == trace.EventRangeBegin && isSTW:
				stwSince[name] = at
			case ev.Kind() == trace.EventRangeBegin && isAssist:
				assistSince[ev.Goroutine()] = at
			case isGC:
				if t, ok := gcSince[name]; ok {
					overlap(t, at, func(w *window, d time.Duration) { w.gc += d })
				}
			case isSTW:
				if t, ok := stwSince[name]; ok {
					overlap(t, at, func(w *window, d time.Duration) { w.stw += d })
				}
			case isAssist:
				if t, ok := assistSince[ev.Goroutine()]; ok {
					overlap(t, at, func(w *window, d time.Duration) { w.assist += d })
				}
			}
		case trace.EventStateTransition:
			st := ev.StateTransition()
			if st.Resource.Kind != trace.ResourceGoroutine {
				continue
			}
			id := st.Resource.Goroutine()
			from, to := st.Goroutine()
			if from == trace.GoNotExist || from == trace.GoUndetermined {
				if fn := topFunc(st.Stack); fn != "" {
					startFn[id] = fn
				} else if fn := topFunc(ev.Stack()); fn != "" && from == trace.GoNotExist {
					startFn[id] = "created by " + fn
				}
			}
			if from == trace.GoRunnable {
				if t, ok := runnableSince[id]; ok {
					overlap(t, at, func(w *window, d time.Duration) {
						w.runnableSum += d
						w.runnableMax = max(w.runnableMax, d)
					})
					delete(runnableSince, id)
				}
			}
			if from == trace.GoRunning {
				if t, ok := runningSince[id]; ok {
					name := startFn[id]
					if name == "" {
						name = fmt.Sprintf("goroutine %d", id)
					}
					overlap(t, at, func(w *window, d time.Duration) { w.ran[name] += d })
					delete(runningSince, id)
				}
			}
			switch to {
			case trace.GoRunnable:
				runnableSince[id] = at
			case trace.GoRunning:
				runningSince[id] = at
				if fn := startFn[id]; strings.Contains(fn, "readLoop") || strings.Contains(fn, "StreamWatcher).receive") {
					for _, w := range wins {
						if w.arrived.IsZero() && !at.Before(w.s.written) && !at.After(w.s.event) {
							w.arrived = at
						}
					}
				}
			}
		}
	}
	if wall == nil {
		fail(fmt.Errorf("the trace has no clock snapshot (Go 1.25 or later writes one)"))
	}
	for i, w := range wins {
		if i == 0 {
			fmt.Printf("the %d slowest samples:\n", min(k, len(byLat)))
		}
		if i == min(k, len(byLat)) {
			fmt.Printf("%d samples around the median:\n", len(wins)-i)
		}
		inside := "?"
		if !w.arrived.IsZero() {
			inside = w.s.event.Sub(w.arrived).Round(time.Microsecond).String()
		}
		var cpu time.Duration
		for _, d := range w.ran {
			cpu += d
		}
		fmt.Printf("  %s: in the process from the first read %s (running %s); GC mark %s, STW %s, mark assist %s, longest wait for a P %s (sum %s); ran: %s\n",
			w.s.lat.Round(time.Microsecond), inside, cpu.Round(time.Microsecond), w.gc.Round(time.Microsecond), w.stw.Round(time.Microsecond), w.assist.Round(time.Microsecond),
			w.runnableMax.Round(time.Microsecond), w.runnableSum.Round(time.Microsecond), top(w.ran, 4))
	}
}

func top(m map[string]time.Duration, n int) string {
	type kv struct {
		k string
		v time.Duration
	}
	var all []kv
	for k, v := range m {
		all = append(all, kv{k, v})
	}
	slices.SortFunc(all, func(a, b kv) int { return int(b.v - a.v) })
	var parts []string
	for i, x := range all {
		if i == n {
			break
		}
		parts = append(parts, fmt.Sprintf("%s %s", x.k, x.v.Round(time.Microsecond)))
	}
	return strings.Join(parts, ", ")
}

func topFunc(s trace.Stack) string {
	var last string
	for f := range s.Frames() {
		last = f.Func
	}
	return last
}

func readSamples(path string) ([]sample, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []sample
	for i, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if i == 0 {
			continue
		}
		f := strings.Split(l, "\t")
		if len(f) < 2 {
			continue
		}
		w, err1 := strconv.ParseInt(f[0], 10, 64)
		e, err2 := strconv.ParseInt(f[1], 10, 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("%s: line %d: %q", path, i+1, l)
		}
		out = append(out, sample{written: time.Unix(0, w), event: time.Unix(0, e), lat: time.Duration(e - w)})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no samples", path)
	}
	return out, nil
}

func maxT(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minT(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "tailtrace:", err)
	os.Exit(1)
}
