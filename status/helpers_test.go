package status_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	corev1 "k8s.io/api/core/v1"
	unstructured "k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utiljson "k8s.io/apimachinery/pkg/util/json"

	"github.com/kwait-dev/kwait/status"
)

// computeCase is one row of a Compute table test.
type computeCase struct {
	name string
	// obj is the object as JSON; whole numbers decode to int64 as the API
	// machinery decodes them.
	obj  string
	want *status.Result
	// wantErrPath, when set, expects a *FieldError for this path and no result.
	wantErrPath string
	// wantErr, when set, is checked with errors.Is.
	wantErr error
}

func runComputeCases(t *testing.T, cases []computeCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := status.Compute(fromJSON(t, tc.obj))
			checkResult(t, got, err, tc.want, tc.wantErrPath, tc.wantErr)
		})
	}
}

func checkResult(t *testing.T, got *status.Result, err error, want *status.Result, wantErrPath string, wantErr error) {
	t.Helper()
	if wantErrPath != "" || wantErr != nil {
		if got != nil {
			t.Errorf("got result %+v, want nil", got)
		}
		if wantErr != nil && !errors.Is(err, wantErr) {
			t.Errorf("got error %v, want one matching %v", err, wantErr)
		}
		if wantErrPath != "" {
			var fe *status.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("got error %v, want a *FieldError", err)
			}
			if fe.Path != wantErrPath {
				t.Errorf("got FieldError path %q, want %q (error: %v)", fe.Path, wantErrPath, err)
			}
		}
		return
	}
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("result mismatch (-want +got):\n%s", diff)
	}
}

func fromJSON(t testing.TB, doc string) *unstructured.Unstructured {
	t.Helper()
	var m map[string]any
	if err := utiljson.Unmarshal([]byte(doc), &m); err != nil {
		t.Fatalf("bad test JSON %s: %v", doc, err)
	}
	return &unstructured.Unstructured{Object: m}
}

// object returns a JSON object of apiVersion and kind with generation 1 and
// the given spec and status (JSON; empty for none).
func object(apiVersion, kind, spec, stat string) string {
	doc := `{"apiVersion":"` + apiVersion + `","kind":"` + kind + `","metadata":{"name":"x","namespace":"ns","generation":1}`
	if spec != "" {
		doc += `,"spec":` + spec
	}
	if stat != "" {
		doc += `,"status":` + stat
	}
	return doc + "}"
}

func inProgress(reason, message string) *status.Result {
	return &status.Result{
		Status:     status.InProgressStatus,
		Message:    message,
		Conditions: []status.Condition{{Type: status.ConditionReconciling, Status: corev1.ConditionTrue, Reason: reason, Message: message}},
	}
}

func failed(reason, message string) *status.Result {
	return &status.Result{
		Status:     status.FailedStatus,
		Message:    message,
		Conditions: []status.Condition{{Type: status.ConditionStalled, Status: corev1.ConditionTrue, Reason: reason, Message: message}},
	}
}

func current(message string) *status.Result {
	return &status.Result{Status: status.CurrentStatus, Message: message}
}
