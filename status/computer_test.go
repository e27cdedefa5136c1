package status_test

import (
	"errors"
	"fmt"
	"testing"

	unstructured "k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kwait-dev/kwait/status"
)

var (
	widgetGK  = schema.GroupKind{Group: "example.com", Kind: "Widget"}
	serviceGK = schema.GroupKind{Kind: "Service"}
	errWidget = errors.New("widget exploded")
)

// phaseFunc reads status.phase of a Widget: "Done" is Current.
func phaseFunc(u *unstructured.Unstructured) (*status.Result, error) {
	phase, _, err := unstructured.NestedString(u.Object, "status", "phase")
	if err != nil {
		return nil, err
	}
	if phase == "Done" {
		return &status.Result{Status: status.CurrentStatus, Message: "done"}, nil
	}
	return &status.Result{Status: status.InProgressStatus, Message: "phase " + phase}, nil
}

func constFunc(res *status.Result, err error) status.Func {
	return func(*unstructured.Unstructured) (*status.Result, error) { return res, err }
}

func TestComputer(t *testing.T) {
	t.Parallel()
	funcs := map[schema.GroupKind]status.Func{
		widgetGK:                                 phaseFunc,
		serviceGK:                                constFunc(&status.Result{Status: status.FailedStatus, Message: "custom"}, nil),
		{Group: "example.com", Kind: "Errs"}:     constFunc(nil, errWidget),
		{Group: "example.com", Kind: "NilNil"}:   constFunc(nil, nil),
		{Group: "example.com", Kind: "Invalid"}:  constFunc(&status.Result{Status: "Bogus"}, nil),
		{Group: "example.com", Kind: "PanicStr"}: func(*unstructured.Unstructured) (*status.Result, error) { panic("boom") },
		{Group: "example.com", Kind: "PanicErr"}: func(*unstructured.Unstructured) (*status.Result, error) { panic(errWidget) },
		{Group: "", Kind: "ConfigMap"}:           nil,
	}
	c := status.NewComputer(funcs)
	// The Computer holds a copy: later changes to the map do not reach it.
	funcs[serviceGK] = constFunc(nil, errWidget)
	delete(funcs, widgetGK)

	const custom = `{"apiVersion":"example.com/v1","kind":"%s","metadata":{"name":"x"}}`
	for _, tc := range []struct {
		name        string
		computer    *status.Computer
		obj         string
		want        *status.Result
		wantErr     error
		wantErrPath string
	}{
		{
			name:     "registered Func",
			computer: c,
			obj:      `{"apiVersion":"example.com/v1","kind":"Widget","status":{"phase":"Done"}}`,
			want:     &status.Result{Status: status.CurrentStatus, Message: "done"},
		},
		{
			name:     "registered Func replaces the generic checks",
			computer: c,
			obj: `{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"generation":2},
				"status":{"observedGeneration":1,"phase":"Done","conditions":{"malformed":true}}}`,
			want: &status.Result{Status: status.CurrentStatus, Message: "done"},
		},
		{
			name:     "registered Func does not run for a deleted object",
			computer: c,
			obj:      `{"apiVersion":"example.com/v1","kind":"Errs","metadata":{"deletionTimestamp":"2026-01-01T00:00:00Z"}}`,
			want:     &status.Result{Status: status.TerminatingStatus, Message: "Resource scheduled for deletion"},
		},
		{
			name:     "registered Func replaces a built-in rule",
			computer: c,
			obj:      `{"apiVersion":"v1","kind":"Service","spec":{"type":"ClusterIP"}}`,
			want:     &status.Result{Status: status.FailedStatus, Message: "custom"},
		},
		{
			name:     "same kind in another group is not matched",
			computer: c,
			obj:      `{"apiVersion":"other.example.com/v1","kind":"Widget","status":{"phase":"Done"}}`,
			want:     current("Resource is current"),
		},
		{
			name:     "nil Func registers nothing",
			computer: c,
			obj:      `{"apiVersion":"v1","kind":"ConfigMap"}`,
			want:     current("Resource is always ready"),
		},
		{
			name:     "nil Computer uses the built-in rules",
			computer: nil,
			obj:      `{"apiVersion":"example.com/v1","kind":"Widget","status":{"phase":"Done"}}`,
			want:     current("Resource is current"),
		},
		{
			name:     "Computer from a nil map uses the built-in rules",
			computer: status.NewComputer(nil),
			obj:      `{"apiVersion":"v1","kind":"Service","spec":{"type":"ClusterIP"}}`,
			want:     current("Service is ready"),
		},
		{name: "Func error", computer: c, obj: fmt.Sprintf(custom, "Errs"), wantErr: errWidget},
		{name: "Func nil result", computer: c, obj: fmt.Sprintf(custom, "NilNil"), wantErr: status.ErrStatusFunc},
		{name: "Func invalid status", computer: c, obj: fmt.Sprintf(custom, "Invalid"), wantErr: status.ErrInvalidStatus},
		{name: "Func panics with a string", computer: c, obj: fmt.Sprintf(custom, "PanicStr"), wantErr: status.ErrStatusFunc},
		{name: "Func panics with an error", computer: c, obj: fmt.Sprintf(custom, "PanicErr"), wantErr: errWidget},
		{name: "malformed apiVersion before lookup", computer: c, obj: `{"apiVersion":"a/b/c","kind":"Widget"}`, wantErrPath: "apiVersion"},
		{name: "nil object", computer: c, obj: "", wantErr: status.ErrNilObject},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var u *unstructured.Unstructured
			if tc.obj != "" {
				u = fromJSON(t, tc.obj)
			}
			got, err := tc.computer.Compute(u)
			checkResult(t, got, err, tc.want, tc.wantErrPath, tc.wantErr)
			if tc.wantErr != nil && !errors.Is(tc.wantErr, status.ErrNilObject) {
				var fe *status.FuncError
				if !errors.As(err, &fe) || !errors.Is(err, status.ErrStatusFunc) {
					t.Errorf("got %v, want a *FuncError matching ErrStatusFunc", err)
				}
			}
		})
	}
}
