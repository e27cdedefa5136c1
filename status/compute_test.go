package status_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	unstructured "k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/kwait-dev/kwait/status"
)

func TestComputeGeneric(t *testing.T) {
	t.Parallel()
	widget := func(meta, stat string) string {
		doc := `{"apiVersion":"example.com/v1","kind":"Widget","metadata":` + meta
		if stat != "" {
			doc += `,"status":` + stat
		}
		return doc + "}"
	}
	runComputeCases(t, []computeCase{
		{
			name: "empty object",
			obj:  `{}`,
			want: current("Resource is current"),
		},
		{
			name: "deletionTimestamp set is Terminating",
			obj:  widget(`{"generation":2,"deletionTimestamp":"2026-01-01T00:00:00Z"}`, `{"observedGeneration":1,"conditions":[{"type":"Stalled","status":"True"}]}`),
			want: &status.Result{Status: status.TerminatingStatus, Message: "Resource scheduled for deletion"},
		},
		{
			name: "empty deletionTimestamp is not Terminating",
			obj:  widget(`{"deletionTimestamp":""}`, ``),
			want: current("Resource is current"),
		},
		{
			name: "newer generation than observed",
			obj:  widget(`{"generation":2}`, `{"observedGeneration":1,"conditions":[{"type":"Ready","status":"True"}]}`),
			want: inProgress("LatestGenerationNotObserved", "Widget generation is 2, but latest observed generation is 1"),
		},
		{
			name: "newer generation than observed without kind",
			obj:  `{"metadata":{"generation":3},"status":{"observedGeneration":2}}`,
			want: inProgress("LatestGenerationNotObserved", "Resource generation is 3, but latest observed generation is 2"),
		},
		{
			name: "generation without observedGeneration is not checked",
			obj:  widget(`{"generation":2}`, `{}`),
			want: current("Resource is current"),
		},
		{
			name: "observedGeneration without generation is not checked",
			obj:  widget(`{}`, `{"observedGeneration":5}`),
			want: current("Resource is current"),
		},
		{
			name: "Reconciling True",
			obj:  widget(`{}`, `{"conditions":[{"type":"Reconciling","status":"True","reason":"Progressing","message":"step 2/3"}]}`),
			want: inProgress("Progressing", "step 2/3"),
		},
		{
			name: "Stalled True",
			obj:  widget(`{}`, `{"conditions":[{"type":"Stalled","status":"True","reason":"BadConfig","message":"no such image"}]}`),
			want: failed("BadConfig", "no such image"),
		},
		{
			name: "Reconciling and Stalled False are normal",
			obj:  widget(`{}`, `{"conditions":[{"type":"Reconciling","status":"False"},{"type":"Stalled","status":"False"}]}`),
			want: current("Resource is current"),
		},
		{
			name: "first of Reconciling and Stalled wins",
			obj:  widget(`{}`, `{"conditions":[{"type":"Reconciling","status":"True","reason":"R"},{"type":"Stalled","status":"True","reason":"S"}]}`),
			want: inProgress("R", ""),
		},
		{
			name: "Stalled beats the per-kind rule",
			obj:  object("v1", "ConfigMap", ``, `{"conditions":[{"type":"Stalled","status":"True","reason":"S","message":"m"}]}`),
			want: failed("S", "m"),
		},
		{
			name: "Ready True",
			obj:  widget(`{}`, `{"conditions":[{"type":"Other","status":"False"},{"type":"Ready","status":"True"}]}`),
			want: current("Resource is Ready"),
		},
		{
			name: "Ready False",
			obj:  widget(`{}`, `{"conditions":[{"type":"Ready","status":"False","reason":"Waiting","message":"dependency not ready"}]}`),
			want: inProgress("Waiting", "dependency not ready"),
		},
		{
			name: "Ready Unknown",
			obj:  widget(`{}`, `{"conditions":[{"type":"Ready","status":"Unknown","reason":"Checking"}]}`),
			want: inProgress("Checking", ""),
		},
		{
			name: "Ready with a non-standard status is ignored",
			obj:  widget(`{}`, `{"conditions":[{"type":"Ready","status":"Maybe"}]}`),
			want: current("Resource is current"),
		},
		{
			name: "null status and null conditions entries",
			obj:  widget(`{"generation":null}`, `{"conditions":[null,{"type":"Ready","status":"True"}]}`),
			want: current("Resource is Ready"),
		},
		{
			name: "core group kind without a rule uses Ready",
			obj:  object("v1", "Namespace", ``, `{"conditions":[{"type":"Ready","status":"False"}]}`),
			want: inProgress("", ""),
		},
		{name: "status not an object", obj: widget(`{}`, `"ok"`), wantErrPath: "status", wantErr: status.ErrWrongType},
		{name: "conditions not a list", obj: widget(`{}`, `{"conditions":{"type":"Ready"}}`), wantErrPath: "status.conditions"},
		{name: "condition not an object", obj: widget(`{}`, `{"conditions":["Ready"]}`), wantErrPath: "status.conditions[0]"},
		{name: "condition type of the wrong type", obj: widget(`{}`, `{"conditions":[null,{"type":1}]}`), wantErrPath: "status.conditions[1].type"},
		{name: "condition message of the wrong type", obj: widget(`{}`, `{"conditions":[{"type":"Ready","message":{}}]}`), wantErrPath: "status.conditions[0].message"},
		{name: "metadata not an object", obj: `{"kind":"Widget","metadata":"x"}`, wantErrPath: "metadata"},
		{name: "generation a boolean", obj: widget(`{"generation":true}`, ``), wantErrPath: "metadata.generation"},
		{name: "generation not whole", obj: widget(`{"generation":1.5}`, ``), wantErrPath: "metadata.generation"},
		{name: "generation too large", obj: widget(`{"generation":1e30}`, ``), wantErrPath: "metadata.generation"},
		{name: "observedGeneration a string", obj: widget(`{"generation":1}`, `{"observedGeneration":"1"}`), wantErrPath: "status.observedGeneration"},
		{name: "deletionTimestamp a number", obj: widget(`{"deletionTimestamp":0}`, ``), wantErrPath: "metadata.deletionTimestamp"},
		{name: "apiVersion a number", obj: `{"apiVersion":1,"kind":"Widget"}`, wantErrPath: "apiVersion"},
		{name: "kind a list", obj: `{"apiVersion":"v1","kind":["Pod"]}`, wantErrPath: "kind"},
		{name: "apiVersion unparsable", obj: `{"apiVersion":"a/b/c","kind":"Widget"}`, wantErrPath: "apiVersion", wantErr: status.ErrUnexpectedValue},
	})
}

func TestComputeNil(t *testing.T) {
	t.Parallel()
	got, err := status.Compute(nil)
	if got != nil || !errors.Is(err, status.ErrNilObject) {
		t.Errorf("Compute(nil) = %v, %v; want nil, ErrNilObject", got, err)
	}
	got, err = (*status.Computer)(nil).Compute(&unstructured.Unstructured{})
	if err != nil || got.Status != status.CurrentStatus {
		t.Errorf("nil Computer on an empty object = %v, %v; want Current", got, err)
	}
}

// TestComputeNumberEncodings checks that every integer representation that
// reaches unstructured content (int64 from the API machinery, float64 from
// encoding/json, Go ints from hand-built maps) reads the same.
func TestComputeNumberEncodings(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		gen      any
		observed any
		want     status.Status
	}{
		{name: "int64", gen: int64(2), observed: int64(1), want: status.InProgressStatus},
		{name: "int", gen: 2, observed: 2, want: status.CurrentStatus},
		{name: "int32 vs int64", gen: int32(2), observed: int64(2), want: status.CurrentStatus},
		{name: "float64", gen: float64(2), observed: float64(1), want: status.InProgressStatus},
		{name: "float64 vs int64", gen: float64(2), observed: int64(2), want: status.CurrentStatus},
		{name: "float32", gen: float32(2), observed: 2, want: status.CurrentStatus},
		{name: "json.Number", gen: json.Number("2"), observed: json.Number("2.0"), want: status.CurrentStatus},
		{name: "uints", gen: uint(2), observed: uint64(1), want: status.InProgressStatus},
		{name: "small ints", gen: int8(2), observed: int16(2), want: status.CurrentStatus},
		{name: "small uints", gen: uint8(2), observed: uint16(2), want: status.CurrentStatus},
		{name: "uint32", gen: uint32(2), observed: 1, want: status.InProgressStatus},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			u := &unstructured.Unstructured{Object: map[string]any{
				"apiVersion": "example.com/v1",
				"kind":       "Widget",
				"metadata":   map[string]any{"generation": tc.gen},
				"status":     map[string]any{"observedGeneration": tc.observed},
			}}
			got, err := status.Compute(u)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != tc.want {
				t.Errorf("got %s (%s), want %s", got.Status, got.Message, tc.want)
			}
		})
	}
}

// TestComputeDoesNotModify checks that Compute only reads its input.
func TestComputeDoesNotModify(t *testing.T) {
	t.Parallel()
	u := fromJSON(t, deployment(`{"replicas":3}`, 1, 1, 1, 1, deployHealthyConds))
	before := u.DeepCopy()
	if _, err := status.Compute(u); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before.Object, u.Object, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("Compute modified its input (-before +after):\n%s", diff)
	}
}
