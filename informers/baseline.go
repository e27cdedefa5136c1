package informers

import (
	"context"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/resourceversion"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/clock"
)

// baselineBackoff paces retries of a failed live read.
var baselineBackoff = wait.Backoff{Duration: 200 * time.Millisecond, Factor: 2, Jitter: 0.1, Steps: 8, Cap: 5 * time.Second}

// consistent is a subscription to a source that was running before it: the
// source's cache may lag a write the subscriber just made, so each key is
// first read live, and what the source delivers for a key before that read
// is held, then dropped where the read is newer.
type consistent struct {
	mu      sync.Mutex
	h       Handler
	pending map[Key]bool // keys whose live read has not succeeded
	held    map[Key]Observation
}

// subscribeConsistent subscribes h and health to src with a live baseline
// of keys read through m's reader. Cancel stops the reads and the
// subscription and returns once neither handler can run again.
func (m *Manager) subscribeConsistent(src Source, res Resource, scope Scope, keys []Key, h Handler, health HealthHandler) func() {
	c := &consistent{h: h, pending: make(map[Key]bool, len(keys)), held: make(map[Key]Observation)}
	for _, k := range keys {
		c.pending[k] = true
	}
	ctx, cancel := context.WithCancel(m.ctx)
	unsubscribe := src.Subscribe(keys, c.fromSource, health)
	done := make(chan struct{})
	m.wg.Go(func() {
		defer close(done)
		c.read(ctx, m, res, keys, scope.Namespace == "" && scope.Name == "")
	})
	var once sync.Once
	return func() {
		once.Do(func() {
			// Shutdown order: end the live reads (which call h), then the
			// source's subscription.
			cancel()
			<-done
			unsubscribe()
		})
	}
}

func (c *consistent) fromSource(o Observation) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pending[o.Key] {
		c.held[o.Key] = o // the newest wins: the read will judge it
		return
	}
	c.h(o)
}

// read reads keys live until each has been read or ctx ends, retrying the
// failed ones with backoff.
func (c *consistent) read(ctx context.Context, m *Manager, res Resource, keys []Key, across bool) {
	b := baselineBackoff
	for len(keys) > 0 {
		m.reader.read(ctx, res, keys, across, func(o Observation) {
			if ctx.Err() == nil {
				c.settle(o)
			}
		})
		keys = c.stillPending(keys)
		if len(keys) == 0 || !sleep(ctx, m.opts.Clock, b.Step()) {
			return
		}
	}
}

// settle delivers the live read o, then what the source held for its key
// unless o is newer.
func (c *consistent) settle(o Observation) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.pending[o.Key] {
		return
	}
	if o.Err != nil && !apierrors.IsForbidden(o.Err) {
		c.h(o) // still pending: retried
		return
	}
	delete(c.pending, o.Key)
	held, ok := c.held[o.Key]
	delete(c.held, o.Key)
	if o.Err == nil {
		// A read the API server forbids leaves only the source to trust.
		c.h(o)
		if !ok || !newerThan(held, o) {
			return
		}
	}
	if ok {
		c.h(held)
	}
}

// newerThan reports whether the source's held state may be newer than the
// live read o.
func newerThan(held, o Observation) bool {
	switch {
	case held.Err != nil:
		return false // the read succeeded since
	case held.Object == nil && !held.Deleted:
		// The cache lacks an object: newer only as a deletion, which comes
		// as Deleted, or if the read found nothing either.
		return false
	case held.Object != nil && o.Object == nil && o.ResourceVersion == "":
		// A GET found nothing, with no version to compare: the object may
		// have been created right after it.
		return true
	}
	if held.ResourceVersion == "" || o.ResourceVersion == "" {
		return false
	}
	cmp, err := resourceversion.CompareResourceVersion(held.ResourceVersion, o.ResourceVersion)
	return err == nil && cmp > 0
}

func (c *consistent) stillPending(keys []Key) []Key {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []Key
	for _, k := range keys {
		if c.pending[k] {
			out = append(out, k)
		}
	}
	return out
}

// sleep waits d on clk; false when ctx ended first.
func sleep(ctx context.Context, clk clock.Clock, d time.Duration) bool {
	t := clk.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C():
		return true
	}
}
