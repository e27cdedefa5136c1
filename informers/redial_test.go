package informers

import (
	"context"
	"errors"
	"net"
	"net/url"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/go-logr/logr"
	clocktesting "k8s.io/utils/clock/testing"
)

// refused is the error a request gets from a port nobody listens on.
var refused = &url.Error{Op: "Get", URL: "https://127.0.0.1:1/apis", Err: &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}}

func TestRedialRetriesRefusedConnectionsItself(t *testing.T) {
	t.Parallel()
	clk := clocktesting.NewFakeClock(time.Now())
	inf := newInformer(fakeClient(), cmRes, Scope{Namespace: "ns"}, logr.Discard(), clk, func() {})
	calls := 0
	done := make(chan error, 1)
	go func() {
		_, err := redial(context.Background(), inf, func() (int, error) {
			calls++
			if calls < 4 {
				return 0, refused
			}
			return 1, nil
		})
		done <- err
	}()
	for {
		select {
		case err := <-done:
			if err != nil || calls != 4 {
				t.Fatalf("redial = %v after %d calls, want nil after 4", err, calls)
			}
			if inf.health.State != Healthy {
				t.Errorf("health %v after the connection succeeded, want Healthy", inf.health.State)
			}
			return
		default:
		}
		if clk.HasWaiters() {
			clk.Step(redialBackoff.Cap * 2)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestRedialHandsOtherErrorsToTheReflector(t *testing.T) {
	t.Parallel()
	inf := newInformer(fakeClient(), cmRes, Scope{Namespace: "ns"}, logr.Discard(), clocktesting.NewFakeClock(time.Now()), func() {})
	boom := errors.New("boom")
	calls := 0
	if _, err := redial(context.Background(), inf, func() (int, error) { calls++; return 0, boom }); !errors.Is(err, boom) || calls != 1 {
		t.Errorf("redial = %v after %d calls, want boom after 1", err, calls)
	}
}

func TestRedialReturnsTheRefusalWhenCanceled(t *testing.T) {
	t.Parallel()
	inf := newInformer(fakeClient(), cmRes, Scope{Namespace: "ns"}, logr.Discard(), clocktesting.NewFakeClock(time.Now()), func() {})
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	_, err := redial(ctx, inf, func() (int, error) { calls++; cancel(); return 0, refused })
	if !errors.Is(err, syscall.ECONNREFUSED) || calls != 1 {
		t.Errorf("redial = %v after %d calls, want the refusal after 1", err, calls)
	}
}
