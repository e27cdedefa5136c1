package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kwait-dev/kwait/wait"
)

// waitInProcess waits through the library and prints each event (-library).
func waitInProcess(ctx context.Context, p *printer, cfg *rest.Config, c client.Client, timeout time.Duration) int {
	fail := func(err error) int {
		p.errorf("error: %v", err)
		return 1
	}
	ids := identifiers(demoObjects)
	p.columns(ids)
	r, err := wait.New(cfg, wait.Options{})
	if err != nil {
		return fail(err)
	}
	defer r.Close()

	p.info(fmt.Sprintf("waiting for all %d to become Current (timeout %s); the controllers are simulated by writing status", len(ids), timeout))
	p.blank()

	waitCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	started := time.Now()
	ch := r.WaitForStatus(waitCtx, ids)

	// The simulated controllers run until their script ends or the wait
	// does; a failed status write aborts the wait.
	ctrlCtx, stopControllers := context.WithCancel(waitCtx)
	ctrlDone := make(chan struct{})
	var ctrlErr error // set before ctrlDone closes
	go func() {
		defer close(ctrlDone)
		if err := playControllers(ctrlCtx, c, started); err != nil && ctrlCtx.Err() == nil {
			ctrlErr = err
			cancel()
		}
	}()
	defer func() {
		stopControllers()
		<-ctrlDone
	}()

	t := newTally(ids)
	for ev := range ch {
		elapsed := time.Since(started)
		switch ev.Type {
		case wait.ResourceUpdate:
			t.update(ev.EventResource)
			p.update(elapsed, ev.EventResource, t, ev.AggregateStatus)
		case wait.Completed:
			p.completed(elapsed, t)
			return 0
		case wait.Aborted:
			p.aborted(elapsed, t, ev.AggregateStatus, abortReason(ctx, waitCtx, ctrlDone, &ctrlErr))
			return 1
		}
	}
	return fail(errors.New("the event channel closed without a Completed or Aborted event"))
}
