// Command bench measures kwait side by side with its polling path and with
// cli-utils' kstatus watcher and poller, on a local envtest control plane.
//
//	hack/bench.sh [--quick]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	apiextensionsclientset "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
)

// sizes are the knobs that --quick reduces.
type sizes struct {
	flips, flips500ms, flips2s int
	fleet, fleetNamespaces     int
	waves                      int
	fleetRepeats               int
	backToBack                 int
	fetchObjects               int
	selective                  int
	// fleet2k keeps its size in --quick: its goals are set for that size.
	fleet2k, fleet2kNamespaces int
	lateCRDs                   int
	cutObjects, cutRepeats     int
}

var (
	full = sizes{flips: 200, flips500ms: 50, flips2s: 10, fleet: 10000, fleetNamespaces: 100, waves: 10, fleetRepeats: 3, backToBack: 50, fetchObjects: 100, selective: 5000,
		fleet2k: 2000, fleet2kNamespaces: 20, lateCRDs: 5, cutObjects: 100, cutRepeats: 5}
	quick = sizes{flips: 50, flips500ms: 20, flips2s: 5, fleet: 1000, fleetNamespaces: 10, waves: 5, fleetRepeats: 3, backToBack: 50, fetchObjects: 100, selective: 1000,
		fleet2k: 2000, fleet2kNamespaces: 20, lateCRDs: 3, cutObjects: 100, cutRepeats: 3}
)

func main() {
	q := flag.Bool("quick", false, "smaller sizes, under 3 minutes")
	out := flag.String("out", "results", "folder for results.md and chart.svg")
	profile := flag.String("profile", "", "folder for CPU and allocation profiles of each waiter's first fleet pass")
	only := flag.String("only", "", "comma-separated scenarios to run ("+strings.Join(scenarioNames(), ",")+"); default all")
	waiters := flag.String("waiters", "", "comma-separated waiter names to run (default all; for profiling)")
	reps := flag.Int("reps", 0, "fleet and fleet2k passes per watcher (default 3)")
	worker := flag.Bool("worker", false, "run as a waiting side (internal)")
	scale := flag.Bool("scale", false, "run the scale curve only: the fleet at each of --scale-sizes, watchers only")
	scaleSizes := flag.String("scale-sizes", "1000,10000,100000", "comma-separated object counts of the scale curve, ascending")
	scaleReps := flag.Int("scale-reps", 1, "passes per size of the scale curve")
	flag.Parse()
	ctrllog.SetLogger(logr.Discard())
	klog.SetLogger(logr.Discard())
	if *worker {
		if err := runWorker(); err != nil {
			fmt.Fprintln(os.Stderr, "bench worker:", err)
			os.Exit(1)
		}
		return
	}
	sz := full
	if *q {
		sz = quick
	}
	if *reps > 0 {
		sz.fleetRepeats = *reps
	}
	for _, name := range strings.Split(*only, ",") {
		if name != "" && !slices.Contains(scenarioNames(), name) {
			fmt.Fprintf(os.Stderr, "bench: unknown scenario %q in --only (want %s)\n", name, strings.Join(scenarioNames(), ","))
			os.Exit(2)
		}
	}
	if *waiters != "" {
		keep := strings.Split(*waiters, ",")
		specFilter = func(s waiterSpec) bool { return slices.Contains(keep, s.Name) }
	}
	if *profile != "" {
		if err := os.MkdirAll(*profile, 0o755); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
	}
	if *scale {
		var ns []int
		for _, f := range strings.Split(*scaleSizes, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n <= 0 || (len(ns) > 0 && n <= ns[len(ns)-1]) {
				fmt.Fprintf(os.Stderr, "bench: --scale-sizes %q: want ascending positive counts\n", *scaleSizes)
				os.Exit(2)
			}
			ns = append(ns, n)
		}
		if err := runScale(sz, ns, *scaleReps, *out, *profile); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(sz, *q, *out, *profile, *only); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// scenarios are the benchmark's scenarios in the order they run.
var scenarios = []struct {
	name string
	run  func(*bench, context.Context) error
}{
	{"latency", (*bench).latency},
	{"fleet", (*bench).fleet},
	{"warm", (*bench).warm},
	{"selective", (*bench).selective},
	{"fleet2k", (*bench).fleet2k},
	{"latecrd", (*bench).latecrd},
	{"cut", (*bench).cut},
}

func scenarioNames() []string {
	names := make([]string, len(scenarios))
	for i, s := range scenarios {
		names[i] = s.name
	}
	return names
}

// specFilter picks the waiters of a run (-waiters).
var specFilter = func(waiterSpec) bool { return true }

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s "+format+"\n", append([]any{time.Now().UTC().Format("15:04:05")}, args...)...)
}

// start starts the control plane and returns the bench, its version and
// the control plane's stop.
func start(sz sizes, profileDir string) (*bench, string, func(), error) {
	env := &envtest.Environment{
		ControlPlaneStartTimeout: 60 * time.Second,
		ControlPlaneStopTimeout:  60 * time.Second,
	}
	for _, k := range kinds {
		env.CRDs = append(env.CRDs, crd(gk(k)))
	}
	logf("starting the control plane")
	cfg, err := env.Start()
	if err != nil {
		return nil, "", nil, fmt.Errorf("start envtest: %w", err)
	}
	stop := func() { _ = env.Stop() }
	version, err := discovery.NewDiscoveryClientForConfigOrDie(cfg).ServerVersion()
	if err != nil {
		stop()
		return nil, "", nil, err
	}
	c := &cluster{dyn: dynamic.NewForConfigOrDie(cfg), core: kubernetes.NewForConfigOrDie(cfg), ext: apiextensionsclientset.NewForConfigOrDie(cfg)}
	specs := slices.DeleteFunc(waiterSpecs(), func(s waiterSpec) bool { return !specFilter(s) })
	return &bench{cfg: cfg, c: c, sz: sz, specs: specs, res: newResults(), profileDir: profileDir}, version.GitVersion, stop, nil
}

// runScale runs the scale curve and writes scale.md and scale.svg.
func runScale(sz sizes, sizes []int, repeats int, outDir, profileDir string) error {
	started := time.Now()
	b, version, stop, err := start(sz, profileDir)
	if err != nil {
		return err
	}
	defer stop()
	logf("scenario scale %v", sizes)
	err = b.scale(context.Background(), sizes, repeats)
	b.res.wall["total"] = time.Since(started)
	if len(b.res.scale) == 0 {
		return err
	}
	md := b.res.scaleMarkdown(machine(version, fmt.Sprintf("scale (--scale), sizes %v, %d pass(es) each", sizes, repeats)), b.specs)
	if err != nil {
		md += fmt.Sprintf("\nThe curve stopped: %v\n", err)
	}
	fmt.Print(md)
	if werr := os.MkdirAll(outDir, 0o755); werr != nil {
		return werr
	}
	if werr := os.WriteFile(filepath.Join(outDir, "scale.md"), []byte(md), 0o644); werr != nil {
		return werr
	}
	if werr := os.WriteFile(filepath.Join(outDir, "scale.svg"), []byte(b.res.scaleSVG(b.specs)), 0o644); werr != nil {
		return werr
	}
	return err
}

func run(sz sizes, isQuick bool, outDir, profileDir, only string) error {
	started := time.Now()
	b, version, stop, err := start(sz, profileDir)
	if err != nil {
		return err
	}
	defer stop()
	ctx := context.Background()

	for _, s := range scenarios {
		if only != "" && !slices.Contains(strings.Split(only, ","), s.name) {
			continue
		}
		t0 := time.Now()
		logf("scenario %s", s.name)
		if err := s.run(b, ctx); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		b.res.wall[s.name] = time.Since(t0)
		b.res.ran = append(b.res.ran, s.name)
	}
	b.res.wall["total"] = time.Since(started)

	mode := "full"
	if isQuick {
		mode = "quick (--quick)"
	}
	md := b.res.markdown(machine(version, mode), b.specs)
	fmt.Print(md)
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(outDir, "results.md"), []byte(md), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(outDir, "chart.svg"), []byte(b.res.svg(b.specs)), 0o644)
}

// machine describes where and with what the run happened.
func machine(apiserver, mode string) string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "model name") {
				model = strings.TrimSpace(strings.SplitN(l, ":", 2)[1])
				break
			}
		}
	}
	var mods []string
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			switch d.Path {
			case "sigs.k8s.io/cli-utils", "k8s.io/client-go", "sigs.k8s.io/controller-runtime", "github.com/kwait-dev/kwait":
				v := d.Version
				if d.Replace != nil {
					v += " => " + d.Replace.Path
				}
				mods = append(mods, d.Path+" "+v)
			}
		}
	}
	return fmt.Sprintf("- date: %s\n- mode: %s\n- machine: %d CPUs (%s), %s/%s\n- Go: %s\n- kube-apiserver: %s (envtest, local)\n- modules: %s\n",
		time.Now().UTC().Format(time.RFC3339), mode, runtime.NumCPU(), model, runtime.GOOS, runtime.GOARCH,
		runtime.Version(), apiserver, strings.Join(mods, ", "))
}

// cpuTime is the process' user+system CPU time. The waiters run in this
// process, so it includes the writing side too; scenarios subtract a
// baseline pass without a waiter.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// heapSampler records the peak HeapInuse above the level at its start.
type heapSampler struct {
	base, peak uint64
	alloc0     uint64
	allocated  uint64
	stop       chan struct{}
	done       chan struct{}
}

func startHeap() *heapSampler {
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	h := &heapSampler{base: ms.HeapInuse, peak: ms.HeapInuse, alloc0: ms.TotalAlloc, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(h.done)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			h.peak = max(h.peak, ms.HeapInuse)
			select {
			case <-h.stop:
				return
			case <-t.C:
			}
		}
	}()
	return h
}

// Stop returns the peak above the start, in bytes.
func (h *heapSampler) Stop() uint64 {
	close(h.stop)
	<-h.done
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	h.peak = max(h.peak, ms.HeapInuse)
	h.allocated = ms.TotalAlloc - h.alloc0
	return h.peak - h.base
}

// waitFor reads ch until match, and returns when it was read.
func waitFor(ch <-chan update, timeout time.Duration, match func(update) bool) (time.Time, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		select {
		case u, ok := <-ch:
			if !ok {
				return time.Time{}, fmt.Errorf("stream ended")
			}
			if match(u) {
				return u.At, nil
			}
		case <-t.C:
			return time.Time{}, fmt.Errorf("timed out after %s", timeout)
		}
	}
}

// waitForAll reads ch until every one of ids has had an update that
// matches.
func waitForAll(ch <-chan update, ids []objID, timeout time.Duration, match func(update) bool) error {
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id.key()] = true
	}
	_, err := waitFor(ch, timeout, func(u update) bool {
		if match(u) {
			delete(want, u.Key)
		}
		return len(want) == 0
	})
	if err != nil {
		return fmt.Errorf("%d of %d objects still to see: %w", len(want), len(ids), err)
	}
	return nil
}

func drain(cancel context.CancelFunc, ch <-chan update) {
	cancel()
	for range ch {
	}
}

type bench struct {
	cfg        *rest.Config
	c          *cluster
	sz         sizes
	specs      []waiterSpec
	res        *results
	profileDir string
}
