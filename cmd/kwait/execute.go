package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"

	"k8s.io/utils/ptr"

	"github.com/kwait-dev/kwait/status"
	"github.com/kwait-dev/kwait/wait"
)

// redrawInterval is how often a live view may redraw: events in between
// are drawn together, and the clock moves on.
const redrawInterval = 100 * time.Millisecond

// execute waits for the resources o names until they meet s.goal, the
// timeout ends, a resource fails (--fail-fast) or a signal comes; it writes
// the events to stdout and, when the goal is not met, the report of the
// unmet resources to stderr.
func execute(ctx context.Context, o *options, s settings) error {
	cfg, err := o.config.ToRESTConfig()
	if err != nil {
		return &usageError{fmt.Errorf("kubeconfig: %w", err)}
	}
	targets, err := o.targets()
	if err != nil {
		return err
	}
	// Nothing lingers: the command waits once, then exits.
	r, err := wait.New(cfg, wait.Options{FailFast: s.failFast, Linger: ptr.To(time.Duration(0))})
	if err != nil {
		return err
	}
	defer r.Close()

	t := newTracker(s.goal, ids(targets))
	view := newView(s.output, o.streams.Out, t, time.Now().Add(s.timeout))

	// The first SIGINT or SIGTERM ends the wait with the pending report; a
	// second one exits at once.
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case sig := <-sigs:
			cancel(&interruptedError{sig})
		case <-done:
			return
		}
		select {
		case <-sigs:
			view.abandon()
			os.Exit(exitInterrupted)
		case <-done:
		}
	}()

	waitCtx, cancelTimeout := context.WithTimeoutCause(ctx, s.timeout, &timeoutError{s.timeout})
	defer cancelTimeout()
	started := time.Now()
	events := r.WaitFor(waitCtx, ids(targets), s.goal)
	view.start()
	tick := time.NewTicker(redrawInterval)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			view.tick(time.Since(started))
		case ev, ok := <-events:
			if !ok {
				view.abandon()
				return errors.New("the wait ended without a Completed, Aborted or Failed event")
			}
			t.apply(ev)
			view.event(ev, time.Since(started))
			switch ev.Type {
			case wait.Completed:
				view.end(ev, time.Since(started), nil)
				return nil
			case wait.Aborted, wait.Failed:
				report := t.report(ev)
				view.end(ev, time.Since(started), report)
				fmt.Fprintln(o.streams.ErrOut, report.Error())
				return &exitError{exitCode(ev)}
			}
		}
	}
}

func exitCode(ev wait.Event) int {
	var interrupted *interruptedError
	switch {
	case ev.Type == wait.Failed:
		return exitFailed
	case errors.As(ev.Cause, &interrupted):
		return exitInterrupted
	}
	return exitNotMet
}

// timeoutError is the cause of a wait that --timeout ended.
type timeoutError struct{ d time.Duration }

func (e *timeoutError) Error() string { return "timed out after " + e.d.String() }
func (e *timeoutError) Unwrap() error { return context.DeadlineExceeded }

// interruptedError is the cause of a wait a signal ended.
type interruptedError struct{ sig os.Signal }

func (e *interruptedError) Error() string {
	if e.sig == syscall.SIGTERM {
		return "terminated (SIGTERM)"
	}
	return "interrupted (SIGINT)"
}
func (e *interruptedError) Unwrap() error { return context.Canceled }

// tracker keeps the last state of each resource of the wait, in the order
// they were given, for the views and the report.
type tracker struct {
	goal      wait.Goal
	rows      []*row
	byKey     map[wait.ResourceIdentifier]*row
	progress  wait.Progress
	aggregate status.Status
}

// row is one resource's last state.
type row struct {
	wait.ResourceStatus
	// met is whether it has met the goal at least once, which is what the
	// wait counts; metNow whether it meets it now.
	met, metNow bool
}

func newTracker(g wait.Goal, ids []wait.ResourceIdentifier) *tracker {
	t := &tracker{goal: g, byKey: make(map[wait.ResourceIdentifier]*row, len(ids)), aggregate: status.UnknownStatus}
	for _, id := range ids {
		k := trackKey(id)
		if t.byKey[k] == nil {
			r := &row{ResourceStatus: wait.ResourceStatus{ResourceIdentifier: id}}
			t.byKey[k] = r
			t.rows = append(t.rows, r)
		}
	}
	t.progress.Total = len(t.rows)
	return t
}

func (t *tracker) apply(ev wait.Event) {
	t.progress, t.aggregate = ev.Progress, ev.AggregateStatus
	er := ev.EventResource
	if er == nil {
		return
	}
	if r := t.byKey[trackKey(er.ResourceIdentifier)]; r != nil {
		r.Observed, r.Status, r.Message, r.Error = true, er.Status, er.Message, er.Error
		r.metNow = er.Met
		r.met = r.met || er.Met
	}
}

// report is the Await report of a wait that ended with ev: each resource
// that has not met the goal (and the Failed one first), with its last
// status, message and error.
func (t *tracker) report(ev wait.Event) *wait.NotMetError {
	err := &wait.NotMetError{Goal: t.goal, Total: len(t.rows), Cause: ev.Cause}
	var failed *wait.ResourceIdentifier
	if ev.Type == wait.Failed {
		err.Cause = wait.ErrFailed
		if ev.EventResource != nil {
			failed = &ev.EventResource.ResourceIdentifier
		}
	}
	isFailed := func(r wait.ResourceStatus) bool { return failed != nil && r.Equals(*failed) }
	for _, r := range t.rows {
		if !r.met || isFailed(r.ResourceStatus) {
			err.Unmet = append(err.Unmet, r.ResourceStatus)
		}
	}
	slices.SortStableFunc(err.Unmet, func(a, b wait.ResourceStatus) int {
		if fa, fb := isFailed(a), isFailed(b); fa != fb {
			if fa {
				return -1
			}
			return 1
		}
		return cmp.Or(
			cmp.Compare(a.GroupKind.Group, b.GroupKind.Group),
			cmp.Compare(a.GroupKind.Kind, b.GroupKind.Kind),
			cmp.Compare(trackKey(a.ResourceIdentifier).Namespace, trackKey(b.ResourceIdentifier).Namespace),
			cmp.Compare(a.Name, b.Name),
		)
	})
	return err
}

// trackKey is id with the namespace a namespaced kind defaults to, so that
// updates find their row as ResourceIdentifier.Equals would.
func trackKey(id wait.ResourceIdentifier) wait.ResourceIdentifier {
	if id.Namespace == "" {
		id.Namespace = "default"
	}
	return id
}
