package main

// The waiting side of the fleets and of the latency scenario runs in a
// child process of its own: its CPU time, peak RSS, GC and profiles are
// then its own, not shared with the 32 writers that play the controllers
// in the parent, nor with the waiter measured before it.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"strconv"
	"strings"
	"time"

	"k8s.io/client-go/rest"
)

// workerArgs is what the parent hands a worker, as a JSON file.
type workerArgs struct {
	Spec string  `json:"spec"`
	IDs  []objID `json:"ids"`
	// Latency makes the worker report every update, not only "observed"
	// and "result", and wait until its stdin ends rather than until
	// Completed.
	Latency bool `json:"latency,omitempty"`
	// TraceFile, when set, receives a runtime/trace of the latency wait.
	TraceFile string `json:"traceFile,omitempty"`
	// Timeout is how long a fleet wait may take from its start to
	// Completed; 0 for waitTimeout.
	Timeout time.Duration `json:"timeout,omitempty"`
	// Where to write profiles of the wait; empty for none.
	CPUProfile  string `json:"cpuProfile,omitempty"`
	HeapProfile string `json:"heapProfile,omitempty"`
	// The API server and the credentials of envtest's admin user.
	Host     string  `json:"host"`
	CAData   []byte  `json:"caData"`
	CertData []byte  `json:"certData"`
	KeyData  []byte  `json:"keyData"`
	QPS      float32 `json:"qps"`
	Burst    int     `json:"burst"`
}

func (a workerArgs) config() *rest.Config {
	return &rest.Config{
		Host:            a.Host,
		TLSClientConfig: rest.TLSClientConfig{CAData: a.CAData, CertData: a.CertData, KeyData: a.KeyData},
		QPS:             a.QPS,
		Burst:           a.Burst,
	}
}

// workerMsg is one line a worker writes to its stdout.
type workerMsg struct {
	// Kind is "observed" once every object has had an update, then
	// "result" once the wait completed or failed; in latency mode,
	// "update" for every update, then "result".
	Kind string `json:"kind"`
	At   int64  `json:"at"` // Unix nanoseconds
	// Message is the update's, in latency mode.
	Message string        `json:"message,omitempty"`
	Result  *workerResult `json:"result,omitempty"`
}

// workerResult is what a worker measured of its wait, from the call that
// started it to Completed.
type workerResult struct {
	StartedAt   int64  `json:"startedAt"`   // Unix nanoseconds
	CompletedAt int64  `json:"completedAt"` // Unix nanoseconds
	Err         string `json:"err,omitempty"`
	Requests    int64  `json:"requests"`
	Watches     int64  `json:"watches"`
	// ResourceRequests are the requests to the benchmark's API group, the
	// ones apiserver_request_total can be checked against.
	ResourceRequests int64  `json:"resourceRequests"`
	Bytes            int64  `json:"bytes"`
	CPU              int64  `json:"cpuNanos"`
	PeakHeap         uint64 `json:"peakHeap"`
	Allocated        uint64 `json:"allocated"`
	RSSStart         uint64 `json:"rssStart"`
	RSSPeak          uint64 `json:"rssPeak"`
	Updates          int64  `json:"updates"`
	// Held is the live heap at Completed above the live heap at the start,
	// both after a GC: what the waiter keeps while it runs.
	Held uint64 `json:"held"`
}

// runWorker is the child's main: one wait, with its args read from the
// first JSON value of stdin and its messages written to stdout.
func runWorker() error {
	in := json.NewDecoder(os.Stdin)
	var a workerArgs
	if err := in.Decode(&a); err != nil {
		return fmt.Errorf("worker args: %w", err)
	}
	var spec *waiterSpec
	for _, s := range waiterSpecs() {
		if s.Name == a.Spec {
			spec = &s
			break
		}
	}
	if spec == nil {
		return fmt.Errorf("unknown waiter %q", a.Spec)
	}
	out := json.NewEncoder(os.Stdout)
	cnt := &counter{}
	w, err := spec.New(cnt.config(a.config()))
	if err != nil {
		return err
	}
	defer w.Close()
	if a.Latency {
		return latencyWorker(a, w, cnt, out, io.MultiReader(in.Buffered(), os.Stdin))
	}
	if a.CPUProfile != "" {
		f, err := os.Create(a.CPUProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}

	heap := startHeap()
	live0 := liveHeap()
	rssStart := procStatus("VmRSS")
	cpu0 := cpuTime()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	res := workerResult{StartedAt: time.Now().UnixNano()}
	ch := w.Start(ctx, a.IDs)
	seen := make(map[string]bool, len(a.IDs))
	limit := a.Timeout
	if limit <= 0 {
		limit = waitTimeout
	}
	timeout := time.NewTimer(limit)
	defer timeout.Stop()
loop:
	for {
		select {
		case u, ok := <-ch:
			if !ok {
				res.Err = "stream ended before Completed"
				break loop
			}
			if u.Completed {
				res.CompletedAt = u.At.UnixNano()
				break loop
			}
			res.Updates++
			if !seen[u.Key] {
				seen[u.Key] = true
				if len(seen) == len(a.IDs) {
					if err := out.Encode(workerMsg{Kind: "observed", At: u.At.UnixNano()}); err != nil {
						return err
					}
				}
			}
		case <-timeout.C:
			res.Err = fmt.Sprintf("timed out after %s (%d of %d objects seen)", limit.Round(time.Second), len(seen), len(a.IDs))
			break loop
		}
	}
	res.CPU = int64(cpuTime() - cpu0)
	if a.CPUProfile != "" {
		pprof.StopCPUProfile()
	}
	res.PeakHeap = heap.Stop()
	live := liveHeap()
	res.Held = live - min(live0, live)
	res.Allocated = heap.allocated
	res.RSSStart, res.RSSPeak = rssStart, procStatus("VmHWM")
	res.Requests, res.Watches, res.Bytes = cnt.requests.Load(), cnt.watches.Load(), cnt.bytes.Load()
	res.ResourceRequests = cnt.resource.Load()
	if a.HeapProfile != "" {
		// The allocs profile holds every sampled allocation since the
		// process started: the wait and the waiter's construction.
		f, err := os.Create(a.HeapProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		runtime.GC()
		if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
			return err
		}
	}
	cancel()
	for range ch {
	}
	return out.Encode(workerMsg{Kind: "result", At: time.Now().UnixNano(), Result: &res})
}

// latencyWorker reports every update of one wait until stdin ends, then
// the requests it made.
func latencyWorker(a workerArgs, w waiter, cnt *counter, out *json.Encoder, stdin io.Reader) error {
	if a.TraceFile != "" {
		f, err := os.Create(a.TraceFile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := trace.Start(f); err != nil {
			return err
		}
		defer trace.Stop()
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		_, _ = io.Copy(io.Discard, stdin)
		cancel()
	}()
	res := workerResult{StartedAt: time.Now().UnixNano()}
	for u := range w.Start(ctx, a.IDs) {
		if u.Completed {
			continue
		}
		if err := out.Encode(workerMsg{Kind: "update", At: u.At.UnixNano(), Message: u.Message}); err != nil {
			return err
		}
	}
	res.Requests, res.Watches, res.Bytes = cnt.requests.Load(), cnt.watches.Load(), cnt.bytes.Load()
	return out.Encode(workerMsg{Kind: "result", At: time.Now().UnixNano(), Result: &res})
}

// liveHeap is the heap that survives a GC.
func liveHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// procStatus reads a size field of /proc/self/status in bytes; 0 where
// there is no /proc.
func procStatus(field string) uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for l := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// workerProc is a running worker as the parent sees it.
type workerProc struct {
	cmd *exec.Cmd
	// stdin is open while a latency worker should run.
	stdin io.WriteCloser
	msgs  chan workerMsg
	errc  chan error
}

// startWorkerWith starts a worker with a, completed with cfg's server and
// credentials; profiles go to profileDir when it is set, their file names
// tagged with profileTag. A latency worker runs until its stdin is closed (stop).
func startWorkerWith(ctx context.Context, cfg *rest.Config, a workerArgs, profileDir, profileTag string) (*workerProc, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	a.Host, a.CAData, a.CertData, a.KeyData, a.QPS, a.Burst = cfg.Host, cfg.CAData, cfg.CertData, cfg.KeyData, cfg.QPS, cfg.Burst
	if profileDir != "" && !a.Latency {
		tag := profileTag + slug(a.Spec)
		a.CPUProfile = filepath.Join(profileDir, "cpu-"+tag+".pprof")
		a.HeapProfile = filepath.Join(profileDir, "allocs-"+tag+".pprof")
	}
	b, err := json.Marshal(a)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, exe, "-worker")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	if _, err := stdin.Write(b); err != nil {
		_ = cmd.Process.Kill()
		return nil, err
	}
	if !a.Latency {
		_ = stdin.Close()
	}
	p := &workerProc{cmd: cmd, stdin: stdin, msgs: make(chan workerMsg, 1024), errc: make(chan error, 1)}
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
		for sc.Scan() {
			var m workerMsg
			if err := json.Unmarshal(bytes.TrimSpace(sc.Bytes()), &m); err != nil {
				continue
			}
			p.msgs <- m
		}
		close(p.msgs)
		p.errc <- cmd.Wait()
	}()
	return p, nil
}

// next returns the worker's next message of kind.
func (p *workerProc) next(kind string, timeout time.Duration) (workerMsg, error) {
	return p.nextMatch(kind, timeout, func(workerMsg) bool { return true })
}

// stop closes a latency worker's stdin, on which it ends its wait.
func (p *workerProc) stop() { _ = p.stdin.Close() }

// nextMatch returns the worker's next message of kind that match accepts.
func (p *workerProc) nextMatch(kind string, timeout time.Duration, match func(workerMsg) bool) (workerMsg, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		select {
		case m, ok := <-p.msgs:
			if !ok {
				err := <-p.errc
				p.errc <- err
				return workerMsg{}, fmt.Errorf("worker ended before %q: %v", kind, err)
			}
			if m.Kind == kind && match(m) {
				return m, nil
			}
		case <-t.C:
			return workerMsg{}, fmt.Errorf("no %q from the worker after %s", kind, timeout)
		}
	}
}

// wait returns how the worker ended, killing it after timeout.
func (p *workerProc) wait(timeout time.Duration) error {
	t := time.AfterFunc(timeout, func() { _ = p.cmd.Process.Kill() })
	defer t.Stop()
	for range p.msgs {
	}
	return <-p.errc
}
