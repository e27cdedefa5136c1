package status_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kwait-dev/kwait/status"
)

// custom returns a JSON object of apiVersion and kind with the given
// generation (0 for none) and spec and status (JSON; empty for none).
func custom(apiVersion, kind string, generation int, spec, stat string) string {
	meta := `{"name":"x","namespace":"ns"}`
	if generation > 0 {
		meta = fmt.Sprintf(`{"name":"x","namespace":"ns","generation":%d}`, generation)
	}
	doc := `{"apiVersion":"` + apiVersion + `","kind":"` + kind + `","metadata":` + meta
	if spec != "" {
		doc += `,"spec":` + spec
	}
	if stat != "" {
		doc += `,"status":` + stat
	}
	return doc + "}"
}

// celError checks that err is a *CELError for field wrapping want (when
// set).
func celError(t *testing.T, err error, field string, want error) {
	t.Helper()
	var ce *status.CELError
	if !errors.As(err, &ce) {
		t.Fatalf("got error %v, want a *CELError", err)
	}
	if ce.Field != field {
		t.Errorf("CELError.Field = %q, want %q (error: %v)", ce.Field, field, err)
	}
	if want != nil && !errors.Is(err, want) {
		t.Errorf("got error %v, want one matching %v", err, want)
	}
}

// hostile is an expression whose cost is cubic in the length of
// status.items: 200 items make 8 million steps.
const hostile = `status.items.all(a, status.items.all(b, status.items.all(c, a + b + c >= 0)))`

func hostileObject() string {
	items := make([]string, 200)
	for i := range items {
		items[i] = fmt.Sprint(i)
	}
	return custom("example.com/v1", "Widget", 1, ``, `{"items":[`+strings.Join(items, ",")+`]}`)
}

func TestNewCELFunc(t *testing.T) {
	t.Parallel()
	const (
		yes = `true`
		no  = `false`
	)
	widget := func(generation int, stat string) string {
		return custom("example.com/v1", "Widget", generation, `{"size":3}`, stat)
	}
	for _, tc := range []struct {
		name      string
		rule      status.CELRule
		obj       string
		want      *status.Result
		wantField string // expect a *CELError for this field
		wantErr   error
	}{
		{
			name: "inProgress wins over failed and current",
			rule: status.CELRule{InProgress: yes, Failed: yes, Current: yes},
			obj:  widget(1, `{}`),
			want: inProgress("CELInProgress", "Widget is in progress"),
		},
		{
			name: "failed wins over current",
			rule: status.CELRule{InProgress: no, Failed: yes, Current: yes},
			obj:  widget(1, `{}`),
			want: failed("CELFailed", "Widget has failed"),
		},
		{
			name: "current",
			rule: status.CELRule{InProgress: no, Failed: no, Current: yes},
			obj:  widget(1, `{}`),
			want: current("Widget is current"),
		},
		{
			name: "none true is InProgress",
			rule: status.CELRule{InProgress: no, Failed: no, Current: no},
			obj:  widget(1, `{}`),
			want: inProgress("CELNotCurrent", "Widget is not current yet"),
		},
		{
			name: "empty inProgress and failed are skipped",
			rule: status.CELRule{Current: `status.phase == 'Ready'`},
			obj:  widget(1, `{"phase":"Ready"}`),
			want: current("Widget is current"),
		},
		{
			name: "observedGeneration behind generation comes first",
			rule: status.CELRule{Failed: yes, Current: yes},
			obj:  widget(3, `{"observedGeneration":2}`),
			want: inProgress("LatestGenerationNotObserved", "Widget generation is 3, but latest observed generation is 2"),
		},
		{
			name: "observedGeneration behind: expressions do not run",
			rule: status.CELRule{Current: `status.missing`},
			obj:  widget(3, `{"observedGeneration":2}`),
			want: inProgress("LatestGenerationNotObserved", "Widget generation is 3, but latest observed generation is 2"),
		},
		{
			name: "observedGeneration equal to generation",
			rule: status.CELRule{Current: `status.observedGeneration == metadata.generation`},
			obj:  widget(3, `{"observedGeneration":3}`),
			want: current("Widget is current"),
		},
		{
			name: "observedGeneration a string is left to the expressions",
			rule: status.CELRule{Current: `status.observedGeneration == string(metadata.generation)`},
			obj:  widget(3, `{"observedGeneration":"3"}`),
			want: current("Widget is current"),
		},
		{
			name: "observedGeneration without generation is skipped",
			rule: status.CELRule{Current: yes},
			obj:  widget(0, `{"observedGeneration":4}`),
			want: current("Widget is current"),
		},
		{
			name:      "evaluation error: a missing field",
			rule:      status.CELRule{Current: `status.phase == 'Ready'`},
			obj:       widget(1, `{}`),
			wantField: "current",
		},
		{
			name:      "evaluation error: no status at all",
			rule:      status.CELRule{Current: `status.phase == 'Ready'`},
			obj:       widget(1, ``),
			wantField: "current",
		},
		{
			name:      "evaluation error stops the order",
			rule:      status.CELRule{InProgress: `status.count > 1`, Current: yes},
			obj:       widget(1, `{"count":"many"}`),
			wantField: "inProgress",
		},
		{
			name:      "non-boolean result",
			rule:      status.CELRule{Current: `status.phase`},
			obj:       widget(1, `{"phase":"Ready"}`),
			wantField: "current",
			wantErr:   status.ErrCELResultType,
		},
		{
			name:      "null result",
			rule:      status.CELRule{Failed: `status`, Current: yes},
			obj:       widget(1, ``),
			wantField: "failed",
			wantErr:   status.ErrCELResultType,
		},
		{
			name:      "cost limit",
			rule:      status.CELRule{Current: hostile},
			obj:       hostileObject(),
			wantField: "current",
			wantErr:   status.ErrCELCostLimit,
		},
		{
			name: "optional fields on an absent status",
			rule: status.CELRule{Current: `status.?conditions.orValue([]).exists(c, c.type == 'Ready' && c.status == 'True')`},
			obj:  widget(1, ``),
			want: inProgress("CELNotCurrent", "Widget is not current yet"),
		},
		{
			name: "optional fields on a status without them",
			rule: status.CELRule{Current: `status.?conditions.orValue([]).exists(c, c.type == 'Ready' && c.status == 'True')`},
			obj:  widget(1, `{"phase":"Starting"}`),
			want: inProgress("CELNotCurrent", "Widget is not current yet"),
		},
		{
			name: "optional fields present",
			rule: status.CELRule{Current: `status.?conditions.orValue([]).exists(c, c.type == 'Ready' && c.status == 'True')`},
			obj:  widget(1, `{"conditions":[{"type":"Ready","status":"True"}]}`),
			want: current("Widget is current"),
		},
		{
			name: "nested optional with a default",
			rule: status.CELRule{Current: `status.?health.?status.orValue('Unknown') == 'Healthy'`, Failed: `status.?health.?status.orValue('Unknown') == 'Unknown'`},
			obj:  widget(1, `{"health":{}}`),
			want: failed("CELFailed", "Widget has failed"),
		},
		{
			name: "has on an absent status is false",
			rule: status.CELRule{InProgress: `!has(status.phase)`, Current: yes},
			obj:  widget(1, ``),
			want: inProgress("CELInProgress", "Widget is in progress"),
		},
		{
			name: "an absent status is null",
			rule: status.CELRule{InProgress: `status == null`, Current: yes},
			obj:  widget(1, ``),
			want: inProgress("CELInProgress", "Widget is in progress"),
		},
		{
			name: "other top-level fields through self",
			rule: status.CELRule{Current: `self.?phase.orValue('') == 'Done' && self.kind == kind`},
			obj:  `{"apiVersion":"example.com/v1","kind":"Widget","phase":"Done"}`,
			want: current("Widget is current"),
		},
		{
			name: "cross-type numeric comparisons",
			rule: status.CELRule{Current: `status.ready >= spec.size && status.ratio < 1 && status.ready == 3.0 && size(status.list) < 2.5`},
			obj:  widget(1, `{"ready":3,"ratio":0.5,"list":[1,2]}`),
			want: current("Widget is current"),
		},
		{
			name: "strings extension",
			rule: status.CELRule{Current: `status.phase.lowerAscii().startsWith('run') && status.phase.split('-').size() == 2`},
			obj:  widget(1, `{"phase":"Running-2"}`),
			want: current("Widget is current"),
		},
		{
			name: "sets extension",
			rule: status.CELRule{Current: `sets.contains(status.ready, ['a', 'b'])`},
			obj:  widget(1, `{"ready":["b","c","a"]}`),
			want: current("Widget is current"),
		},
		{
			name: "encoders extension",
			rule: status.CELRule{Current: `base64.decode(status.token) == b'ok'`},
			obj:  widget(1, `{"token":"b2s="}`),
			want: current("Widget is current"),
		},
		{
			name: "message expression",
			rule: status.CELRule{Failed: yes, Current: yes, Message: `'phase ' + status.phase`},
			obj:  widget(1, `{"phase":"Broken"}`),
			want: failed("CELFailed", "phase Broken"),
		},
		{
			name: "message evaluation error keeps the default",
			rule: status.CELRule{Current: yes, Message: `'phase ' + status.phase`},
			obj:  widget(1, `{}`),
			want: current("Widget is current"),
		},
		{
			name: "empty message keeps the default",
			rule: status.CELRule{Current: no, Message: `status.?phase.orValue('')`},
			obj:  widget(1, `{}`),
			want: inProgress("CELNotCurrent", "Widget is not current yet"),
		},
		{
			name: "non-string message keeps the default",
			rule: status.CELRule{Current: yes, Message: `status.phase`},
			obj:  widget(1, `{"phase":7}`),
			want: current("Widget is current"),
		},
		{
			name: "object without kind",
			rule: status.CELRule{Current: no},
			obj:  `{"metadata":{}}`,
			want: inProgress("CELNotCurrent", "Resource is not current yet"),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fn, err := status.NewCELFunc(tc.rule)
			if err != nil {
				t.Fatalf("NewCELFunc: %v", err)
			}
			got, err := fn(fromJSON(t, tc.obj))
			if tc.wantField != "" {
				if got != nil {
					t.Errorf("got result %+v, want nil", got)
				}
				celError(t, err, tc.wantField, tc.wantErr)
				return
			}
			checkResult(t, got, err, tc.want, "", nil)
		})
	}
}

func TestNewCELFuncNil(t *testing.T) {
	t.Parallel()
	fn, err := status.NewCELFunc(status.CELRule{Current: `true`})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := fn(nil); got != nil || !errors.Is(err, status.ErrNilObject) {
		t.Errorf("fn(nil) = %v, %v; want nil, ErrNilObject", got, err)
	}
}

func TestNewCELFuncCompileErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		rule      status.CELRule
		wantField string
		wantErr   error
	}{
		{name: "current is required", rule: status.CELRule{InProgress: `true`}, wantField: "current"},
		{name: "blank current is empty", rule: status.CELRule{Current: " \n\t"}, wantField: "current"},
		{name: "syntax error", rule: status.CELRule{Current: `true`, Failed: `status.phase ==`}, wantField: "failed"},
		{name: "undeclared variable", rule: status.CELRule{Current: `stauts.phase == 'Ready'`}, wantField: "current"},
		{name: "unknown function", rule: status.CELRule{Current: `true`, InProgress: `status.phase.shout()`}, wantField: "inProgress"},
		{name: "function on the wrong type", rule: status.CELRule{Current: `size(1)`}, wantField: "current"},
		{name: "static result not a boolean", rule: status.CELRule{Current: `1 + 1`}, wantField: "current", wantErr: status.ErrCELResultType},
		{name: "mixed list literal", rule: status.CELRule{Current: `status.phase in ['a', 1]`}, wantField: "current"},
		{name: "message not a string", rule: status.CELRule{Current: `true`, Message: `1`}, wantField: "message", wantErr: status.ErrCELResultType},
		{name: "message syntax error", rule: status.CELRule{Current: `true`, Message: `'a' +`}, wantField: "message"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fn, err := status.NewCELFunc(tc.rule)
			if fn != nil {
				t.Error("got a Func, want nil")
			}
			celError(t, err, tc.wantField, tc.wantErr)
		})
	}
}

// TestNewCELFuncInComputer checks how a Computer reports a CEL Func: an
// evaluation error as a *FuncError wrapping the *CELError, a deleted
// object as Terminating without running the expressions.
func TestNewCELFuncInComputer(t *testing.T) {
	t.Parallel()
	fn, err := status.NewCELFunc(status.CELRule{Current: `status.phase == 'Ready'`})
	if err != nil {
		t.Fatal(err)
	}
	c := status.NewComputer(map[schema.GroupKind]status.Func{widgetGK: fn})

	_, err = c.Compute(fromJSON(t, custom("example.com/v1", "Widget", 1, ``, `{}`)))
	var fe *status.FuncError
	if !errors.As(err, &fe) || fe.GroupKind != widgetGK {
		t.Errorf("got %v, want a *FuncError for %s", err, widgetGK)
	}
	celError(t, err, "current", nil)

	got, err := c.Compute(fromJSON(t, `{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"deletionTimestamp":"2026-01-01T00:00:00Z"}}`))
	checkResult(t, got, err, &status.Result{Status: status.TerminatingStatus, Message: "Resource scheduled for deletion"}, "", nil)
}

func TestCELExpr(t *testing.T) {
	t.Parallel()
	obj := custom("example.com/v1", "Widget", 2, `{"replicas":3}`,
		`{"observedGeneration":2,"readyReplicas":3,"conditions":[{"type":"Ready","status":"True"}]}`)
	for _, tc := range []struct {
		name    string
		expr    string
		obj     string
		want    bool
		wantErr error // with a *CELError of Field ""
	}{
		{name: "true", expr: `status.readyReplicas == spec.replicas`, obj: obj, want: true},
		{name: "false", expr: `status.readyReplicas > spec.replicas`, obj: obj, want: false},
		{name: "conditions", expr: `status.conditions.exists(c, c.type == 'Ready' && c.status == 'True')`, obj: obj, want: true},
		{name: "absent status with optional syntax", expr: `status.?readyReplicas.orValue(0) >= 1`, obj: custom("example.com/v1", "Widget", 1, ``, ``), want: false},
		{name: "metadata", expr: `metadata.name == 'x' && metadata.namespace == 'ns'`, obj: obj, want: true},
		{name: "evaluation error", expr: `status.missing == 1`, obj: obj},
		{name: "non-boolean result", expr: `status.conditions[0].status`, obj: obj, wantErr: status.ErrCELResultType},
		{name: "cost limit", expr: hostile, obj: hostileObject(), wantErr: status.ErrCELCostLimit},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, err := status.NewCELExpr(tc.expr)
			if err != nil {
				t.Fatalf("NewCELExpr: %v", err)
			}
			if e.String() != tc.expr {
				t.Errorf("String() = %q, want %q", e.String(), tc.expr)
			}
			got, err := e.Eval(fromJSON(t, tc.obj))
			if tc.name == "evaluation error" || tc.wantErr != nil {
				celError(t, err, "", tc.wantErr)
				return
			}
			if err != nil {
				t.Fatalf("Eval: %v", err)
			}
			if got != tc.want {
				t.Errorf("Eval = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCELExprErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		expr     string
		wantErr  error
		wantText string
	}{
		{name: "empty", expr: "", wantText: "empty expression"},
		{name: "syntax error", expr: `status.(`},
		{name: "undeclared variable", expr: `object.status.ready`},
		{name: "static result not a boolean", expr: `'ready'`, wantErr: status.ErrCELResultType},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, err := status.NewCELExpr(tc.expr)
			if e != nil {
				t.Error("got a CELExpr, want nil")
			}
			celError(t, err, "", tc.wantErr)
			if !strings.Contains(err.Error(), tc.wantText) {
				t.Errorf("error %q does not contain %q", err, tc.wantText)
			}
		})
	}

	e, err := status.NewCELExpr(`true`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Eval(nil); !errors.Is(err, status.ErrNilObject) {
		t.Errorf("Eval(nil) = %v, want ErrNilObject", err)
	}
}

func TestCELErrorText(t *testing.T) {
	t.Parallel()
	inner := errors.New("boom")
	for _, tc := range []struct {
		err  *status.CELError
		want string
	}{
		{&status.CELError{Field: "failed", Expr: "a.b", Err: inner}, `status: CEL failed expression "a.b": boom`},
		{&status.CELError{Expr: "a.b", Err: inner}, `status: CEL expression "a.b": boom`},
	} {
		if diff := cmp.Diff(tc.want, tc.err.Error()); diff != "" {
			t.Errorf("Error() mismatch (-want +got):\n%s", diff)
		}
		if !errors.Is(tc.err, inner) {
			t.Errorf("%v does not wrap its Err", tc.err)
		}
	}
}

// TestCELConcurrent evaluates one Func from many goroutines, for -race.
func TestCELConcurrent(t *testing.T) {
	t.Parallel()
	fn, err := status.NewCELFunc(status.CELRule{Current: `status.?conditions.orValue([]).exists(c, c.type == 'Ready' && c.status == 'True')`})
	if err != nil {
		t.Fatal(err)
	}
	u := fromJSON(t, custom("example.com/v1", "Widget", 1, ``, `{"conditions":[{"type":"Ready","status":"True"}]}`))
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			var err error
			for range 50 {
				var res *status.Result
				if res, err = fn(u); err == nil && res.Status != status.CurrentStatus {
					err = fmt.Errorf("got %s", res.Status)
				}
				if err != nil {
					break
				}
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
