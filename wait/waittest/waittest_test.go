package waittest_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kwait-dev/kwait/status"
	"github.com/kwait-dev/kwait/wait"
	"github.com/kwait-dev/kwait/wait/waittest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var _ waittest.TB = (*testing.T)(nil)
var _ waittest.TB = (*testing.B)(nil)
var _ waittest.TB = (*fakeT)(nil)

// fakeT records what a Waiter does to its test. Fatalf ends the calling
// goroutine, as testing.T's does.
type fakeT struct {
	fatal    []string
	logs     []string
	cleanups []func()
}

func (t *fakeT) Helper()                      {}
func (t *fakeT) Cleanup(f func())             { t.cleanups = append(t.cleanups, f) }
func (t *fakeT) Logf(format string, a ...any) { t.logs = append(t.logs, fmt.Sprintf(format, a...)) }
func (t *fakeT) Fatalf(format string, a ...any) {
	t.fatal = append(t.fatal, fmt.Sprintf(format, a...))
	runtime.Goexit()
}

// run calls f on its own goroutine, so that Fatalf can end it, then runs
// the cleanups.
func (t *fakeT) run(f func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	<-done
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
	t.cleanups = nil
}

// nowhere is a config for an API server that is not there; nothing here
// gets as far as reading it.
var nowhere = &rest.Config{Host: "https://127.0.0.1:1"}

func TestNewFailsOnBadInput(t *testing.T) {
	for name, tc := range map[string]struct {
		cfg  *rest.Config
		opts []waittest.Option
		want string
	}{
		"nil config":   {nil, nil, "waittest: New: nil rest.Config"},
		"zero timeout": {nowhere, []waittest.Option{waittest.WithTimeout(0)}, "waittest: New: WithTimeout(0s): the timeout must be positive"},
		"negative":     {nowhere, []waittest.Option{waittest.WithTimeout(-time.Second)}, "waittest: New: WithTimeout(-1s): the timeout must be positive"},
		"nil scheme":   {nowhere, []waittest.Option{waittest.WithScheme(nil)}, "waittest: New: WithScheme(nil)"},
		"bad options":  {nowhere, []waittest.Option{waittest.WithOptions(wait.Options{PollInterval: -time.Second})}, "waittest: New: "},
	} {
		t.Run(name, func(t *testing.T) {
			ft := &fakeT{}
			ft.run(func() { waittest.New(ft, tc.cfg, tc.opts...) })
			if len(ft.fatal) != 1 || !strings.HasPrefix(ft.fatal[0], tc.want) {
				t.Fatalf("Fatalf calls = %q, want one starting %q", ft.fatal, tc.want)
			}
		})
	}
}

func TestNewClosesTheResolverInCleanup(t *testing.T) {
	ft := &fakeT{}
	ft.run(func() {
		if w := waittest.New(ft, nowhere); w == nil {
			t.Error("New returned nil")
		}
		if len(ft.cleanups) != 1 {
			t.Errorf("New registered %d cleanups, want 1 (closing its resolver)", len(ft.cleanups))
		}
	})
	if len(ft.fatal) != 0 {
		t.Fatalf("Fatalf: %q", ft.fatal)
	}
}

// An object the waiter cannot identify fails the test at once, with a
// message naming which object and why, instead of waiting for the timeout.
func TestObjectsThatCannotBeWaitedOn(t *testing.T) {
	var nilDeployment *appsv1.Deployment
	noKind := &unstructured.Unstructured{}
	noKind.SetName("x")
	for name, tc := range map[string]struct {
		objs []client.Object
		want string
		is   error
	}{
		"nil":               {[]client.Object{configMap("a"), nil}, "waittest: object 2 of 2: nil object", wait.ErrNilObject},
		"nil typed pointer": {[]client.Object{nilDeployment}, "waittest: object 1 of 1: nil object", wait.ErrNilObject},
		"unstructured without kind": {[]client.Object{noKind},
			"waittest: object 1 of 1 (*unstructured.Unstructured x): ", wait.ErrEmptyKind},
		"type not in the scheme": {[]client.Object{&unregistered{ObjectMeta: metav1.ObjectMeta{Name: "u", Namespace: "ns"}}},
			"waittest: object 1 of 1 (*waittest_test.unregistered ns/u): ", wait.ErrEmptyKind},
		"empty name": {[]client.Object{&corev1.ConfigMap{}}, "waittest: object 1 of 1 (ConfigMap): ", wait.ErrEmptyName},
	} {
		t.Run(name, func(t *testing.T) {
			ft := &fakeT{}
			var err error
			ft.run(func() {
				w := waittest.New(ft, nowhere, waittest.WithTimeout(time.Minute))
				err = w.Await(context.Background(), wait.Current(), tc.objs...)
				w.Current(tc.objs...)
			})
			if !errors.Is(err, tc.is) || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("Await = %v, want an error starting %q wrapping %v", err, tc.want, tc.is)
			}
			if len(ft.fatal) != 1 || (err != nil && ft.fatal[0] != err.Error()) {
				t.Errorf("Fatalf calls = %q, want one with Await's error", ft.fatal)
			}
		})
	}
}

// unregistered is a typed object of a kind no scheme knows.
type unregistered struct {
	metav1.TypeMeta
	metav1.ObjectMeta
}

func (u *unregistered) DeepCopyObject() kruntime.Object { c := *u; return &c }

func configMap(name string) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name}}
}

func deployment(generation, observed int64, replicas, updated, ready, available int32) *appsv1.Deployment {
	r := replicas
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "api", Generation: generation},
		Spec:       appsv1.DeploymentSpec{Replicas: &r},
		Status: appsv1.DeploymentStatus{
			ObservedGeneration: observed, Replicas: replicas, UpdatedReplicas: updated,
			ReadyReplicas: ready, AvailableReplicas: available,
			Conditions: []appsv1.DeploymentCondition{{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue}},
		},
	}
}

// The matchers judge typed and unstructured objects alike, and their
// messages name the object with its status and message, never its dump.
func TestMatchers(t *testing.T) {
	ready := deployment(2, 2, 3, 3, 3, 3)
	rolling := deployment(2, 2, 3, 1, 1, 1)
	stale := deployment(3, 2, 3, 3, 3, 3)
	cr := &unstructured.Unstructured{}
	cr.SetAPIVersion("example.com/v1")
	cr.SetKind("Gadget")
	cr.SetNamespace("default")
	cr.SetName("g")
	failedCR := cr.DeepCopy()
	if err := unstructured.SetNestedSlice(failedCR.Object, []any{map[string]any{"type": "Stalled", "status": "True", "message": "quota exceeded"}}, "status", "conditions"); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		actual   any
		wantOK   bool
		wantFail string // FailureMessage
		wantNeg  string // NegatedFailureMessage
	}{
		"current deployment": {actual: ready, wantOK: true,
			wantNeg: "expected Deployment.apps default/api not to be Current, but it is Current: Deployment is available. Replicas: 3"},
		"rolling deployment": {actual: rolling,
			wantFail: "expected Deployment.apps default/api to be Current, but it is InProgress: Updated: 1/3"},
		"generation not observed": {actual: stale,
			wantFail: "expected Deployment.apps default/api to be Current, but it is InProgress: "},
		"unstructured without status": {actual: cr, wantOK: true},
		"unstructured value":          {actual: *failedCR, wantFail: "expected Gadget.example.com default/g to be Current, but it is Failed: quota exceeded"},
		"stalled custom resource":     {actual: failedCR, wantFail: "expected Gadget.example.com default/g to be Current, but it is Failed: quota exceeded"},
	} {
		t.Run(name, func(t *testing.T) {
			m := waittest.BeCurrent()
			ok, err := m.Match(tc.actual)
			if err != nil {
				t.Fatalf("Match: %v", err)
			}
			if ok != tc.wantOK {
				t.Errorf("Match = %v, want %v (%s)", ok, tc.wantOK, m.FailureMessage(tc.actual))
			}
			if tc.wantFail != "" && !strings.HasPrefix(m.FailureMessage(tc.actual), tc.wantFail) {
				t.Errorf("FailureMessage =\n  %q\nwant it to start\n  %q", m.FailureMessage(tc.actual), tc.wantFail)
			}
			if tc.wantNeg != "" && !strings.HasPrefix(m.NegatedFailureMessage(tc.actual), tc.wantNeg) {
				t.Errorf("NegatedFailureMessage =\n  %q\nwant it to start\n  %q", m.NegatedFailureMessage(tc.actual), tc.wantNeg)
			}
			for _, msg := range []string{m.FailureMessage(tc.actual), m.NegatedFailureMessage(tc.actual)} {
				if strings.Contains(msg, "metadata") || strings.Contains(msg, "\n") {
					t.Errorf("message dumps the object: %q", msg)
				}
			}
		})
	}
}

// HaveStatus matches the one status it is given.
func TestHaveStatus(t *testing.T) {
	rolling := deployment(2, 2, 3, 1, 1, 1)
	for _, s := range []status.Status{status.InProgressStatus, status.CurrentStatus, status.FailedStatus} {
		ok, err := waittest.HaveStatus(s).Match(rolling)
		if err != nil {
			t.Fatal(err)
		}
		if want := s == status.InProgressStatus; ok != want {
			t.Errorf("HaveStatus(%s).Match(rolling deployment) = %v, want %v", s, ok, want)
		}
	}
}

// What is not an object is an error of the matcher (gomega reports it as
// such), naming what it got.
func TestMatchersRejectNonObjects(t *testing.T) {
	var nilDeployment *appsv1.Deployment
	var nilU *unstructured.Unstructured
	for name, tc := range map[string]struct {
		actual any
		want   string
	}{
		"nil":                  {nil, "waittest: expected a Kubernetes object, got nil"},
		"nil typed":            {nilDeployment, "waittest: expected a Kubernetes object, got a nil *v1.Deployment"},
		"nil unstructured":     {nilU, "waittest: expected a Kubernetes object, got a nil *unstructured.Unstructured"},
		"unstructured no kind": {&unstructured.Unstructured{Object: map[string]any{}}, "waittest: the object has no kind"},
		"not an object":        {"api", "waittest: expected a Kubernetes object (typed, or *unstructured.Unstructured), got string"},
		"unregistered type":    {&unregistered{}, "waittest: *waittest_test.unregistered: "},
	} {
		t.Run(name, func(t *testing.T) {
			m := waittest.BeCurrent()
			ok, err := m.Match(tc.actual)
			if ok || err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("Match = %v, %v; want false and an error starting %q", ok, err, tc.want)
			}
			if msg := m.FailureMessage(tc.actual); !strings.HasPrefix(msg, tc.want) {
				t.Errorf("FailureMessage = %q, want it to start %q", msg, tc.want)
			}
		})
	}
}
