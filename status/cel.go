package status

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/ext"
	"github.com/google/cel-go/interpreter"
	unstructured "k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// CELCostLimit bounds the work of one evaluation of one CEL expression, in
// cel-go cost units (about one per operation, list element or byte
// compared). The rule pack's expressions cost 10 to 400 on realistic
// objects; the limit is about 30 ms of CPU. An evaluation that exceeds it
// stops with an error wrapping ErrCELCostLimit, so a hostile or runaway
// expression cannot stall a wait.
const CELCostLimit = 100_000

// celVariables are the top-level fields declared as variables of type dyn.
// One the object lacks (or holds null) is null, so optional syntax works on
// it: status.?conditions.orValue([]) is [] and has(status.phase) is false
// before the controller has written a status. Other top-level fields are
// reached through self, the whole object.
var celVariables = []string{
	"apiVersion", "kind", "metadata", "spec", "status",
	"data", "binaryData", "stringData", "immutable",
	"rules", "subjects", "roleRef", "webhooks", "secrets",
}

var celDeclared = func() map[string]bool {
	m := make(map[string]bool, len(celVariables))
	for _, name := range celVariables {
		m[name] = true
	}
	return m
}()

// celEnv is the environment every expression compiles in: the options of
// Flux's runtime/cel (RFC-0009), plus declared variables so expressions are
// type-checked when they are compiled.
var celEnv = sync.OnceValues(func() (*cel.Env, error) {
	opts := []cel.EnvOption{
		cel.HomogeneousAggregateLiterals(),
		cel.EagerlyValidateDeclarations(true),
		cel.DefaultUTCTimeZone(true),
		cel.CrossTypeNumericComparisons(true),
		cel.OptionalTypes(),
		ext.Strings(),
		ext.Sets(),
		ext.Encoders(),
		cel.Variable("self", cel.DynType),
	}
	for _, name := range celVariables {
		opts = append(opts, cel.Variable(name, cel.DynType))
	}
	return cel.NewEnv(opts...)
})

// celActivation resolves the variables of one evaluation from the object's
// content without copying it.
type celActivation map[string]any

var _ interpreter.Activation = celActivation(nil)

func (a celActivation) ResolveName(name string) (any, bool) {
	if name == "self" {
		return map[string]any(a), true
	}
	if v, ok := a[name]; ok {
		return v, true
	}
	// A declared variable the object lacks is null.
	return nil, celDeclared[name]
}

func (a celActivation) Parent() interpreter.Activation { return nil }

// CELExpr is a compiled CEL expression over one object, in the environment
// of CELRule. It is safe for concurrent use.
type CELExpr struct {
	text string
	prg  cel.Program
}

// NewCELExpr compiles expr, which must have type bool (or dyn, checked when
// evaluated). A syntax error, an undeclared variable or function, a result
// type other than bool, or an empty expr is a *CELError.
func NewCELExpr(expr string) (*CELExpr, error) {
	return compileCEL("", expr, cel.BoolType)
}

// Eval evaluates e on u. An evaluation error (a missing field read without
// optional syntax, a type mismatch, the cost limit) or a non-boolean result
// is a *CELError; Eval never panics.
func (e *CELExpr) Eval(u *unstructured.Unstructured) (bool, error) {
	if u == nil {
		return false, ErrNilObject
	}
	return e.evalBool(u.Object, "")
}

// String returns the expression's text.
func (e *CELExpr) String() string { return e.text }

func compileCEL(field, expr string, want *cel.Type) (*CELExpr, error) {
	if strings.TrimSpace(expr) == "" {
		return nil, &CELError{Field: field, Expr: expr, Err: errors.New("empty expression")}
	}
	env, err := celEnv()
	if err != nil {
		return nil, &CELError{Field: field, Expr: expr, Err: err}
	}
	ast, iss := env.Compile(expr)
	if err := iss.Err(); err != nil {
		return nil, &CELError{Field: field, Expr: expr, Err: err}
	}
	if out := ast.OutputType(); !out.IsExactType(want) && !out.IsExactType(cel.DynType) {
		return nil, &CELError{Field: field, Expr: expr, Err: fmt.Errorf("%w: has type %s, want %s", ErrCELResultType, ast.OutputType(), want)}
	}
	prg, err := env.Program(ast, cel.EvalOptions(cel.OptOptimize), cel.CostLimit(CELCostLimit))
	if err != nil {
		return nil, &CELError{Field: field, Expr: expr, Err: err}
	}
	return &CELExpr{text: expr, prg: prg}, nil
}

// eval runs the program on obj; field names the CELRule field in errors.
func (e *CELExpr) eval(obj map[string]any, field string) (any, error) {
	val, _, err := e.prg.Eval(celActivation(obj))
	if err != nil {
		var cancelled interpreter.EvalCancelledError
		if errors.As(err, &cancelled) && cancelled.Cause == interpreter.CostLimitExceeded {
			err = fmt.Errorf("%w (%d)", ErrCELCostLimit, CELCostLimit)
		}
		return nil, &CELError{Field: field, Expr: e.text, Err: err}
	}
	return val.Value(), nil
}

func (e *CELExpr) evalBool(obj map[string]any, field string) (bool, error) {
	v, err := e.eval(obj, field)
	if err != nil {
		return false, err
	}
	b, ok := v.(bool)
	if !ok {
		return false, &CELError{Field: field, Expr: e.text, Err: fmt.Errorf("%w: got %s, want bool", ErrCELResultType, typeName(v))}
	}
	return b, nil
}

func typeName(v any) string {
	if v == nil {
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

// CELRule is a health check in CEL, with the fields and meaning of a Flux
// Kustomization's healthCheckExprs (RFC-0009), so a Flux rule can be pasted
// as it is. Each expression is a boolean over the object's top-level fields
// (status, metadata, spec, …; self is the whole object).
type CELRule struct {
	// Current is true when the object is ready. Required.
	Current string `json:"current"`
	// InProgress is true while the object is being reconciled. Optional.
	InProgress string `json:"inProgress,omitempty"`
	// Failed is true when reconciling the object has failed. Optional.
	Failed string `json:"failed,omitempty"`
	// Message, a kwait extension, is a string expression whose value
	// becomes the Result's message once the status is decided; empty, an
	// evaluation error or "" keeps the default message. Optional.
	Message string `json:"message,omitempty"`
}

// celFunc is a compiled CELRule.
type celFunc struct {
	current, inProgress, failed, message *CELExpr
}

// NewCELFunc compiles rule into a Func; every compile error is returned
// here, as a *CELError naming the field. The Func decides as Flux does:
//  1. status.observedGeneration set (as an integer) and different from
//     metadata.generation: InProgress, before any expression runs;
//  2. then InProgress, Failed, Current in that order: the first true wins
//     (an empty InProgress or Failed is skipped);
//  3. none true: InProgress.
//
// An evaluation error or a non-boolean result is returned as a *CELError
// (a Computer wraps it in a *FuncError; a wait reports the object Unknown
// with that error). The Func does not check deletion: a Computer reports a
// deleted object Terminating before it calls a Func.
func NewCELFunc(rule CELRule) (Func, error) {
	if strings.TrimSpace(rule.Current) == "" {
		return nil, &CELError{Field: "current", Err: errors.New("expression is required")}
	}
	var f celFunc
	for _, e := range []struct {
		field string
		expr  string
		want  *cel.Type
		dst   **CELExpr
	}{
		{"current", rule.Current, cel.BoolType, &f.current},
		{"inProgress", rule.InProgress, cel.BoolType, &f.inProgress},
		{"failed", rule.Failed, cel.BoolType, &f.failed},
		{"message", rule.Message, cel.StringType, &f.message},
	} {
		if strings.TrimSpace(e.expr) == "" {
			continue
		}
		c, err := compileCEL(e.field, e.expr, e.want)
		if err != nil {
			return nil, err
		}
		*e.dst = c
	}
	return f.compute, nil
}

func (f *celFunc) compute(u *unstructured.Unstructured) (*Result, error) {
	if u == nil {
		return nil, ErrNilObject
	}
	kind := "Resource"
	if k, _, _ := nestedString(u.Object, "kind"); k != "" {
		kind = k
	}
	if res := generationNotObserved(u.Object, kind); res != nil {
		return res, nil
	}
	for _, step := range []struct {
		field string
		expr  *CELExpr
	}{
		{"inProgress", f.inProgress},
		{"failed", f.failed},
		{"current", f.current},
	} {
		if step.expr == nil {
			continue
		}
		ok, err := step.expr.evalBool(u.Object, step.field)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		switch step.field {
		case "inProgress":
			return inProgress("CELInProgress", f.messageOr(u.Object, kind+" is in progress")), nil
		case "failed":
			return failed("CELFailed", f.messageOr(u.Object, kind+" has failed")), nil
		}
		return current(f.messageOr(u.Object, kind+" is current")), nil
	}
	return inProgress("CELNotCurrent", f.messageOr(u.Object, kind+" is not current yet")), nil
}

// messageOr evaluates the Message expression, falling back to def.
func (f *celFunc) messageOr(obj map[string]any, def string) string {
	if f.message == nil {
		return def
	}
	v, err := f.message.eval(obj, "message")
	if err != nil {
		return def
	}
	if s, ok := v.(string); ok && s != "" {
		return s
	}
	return def
}

// generationNotObserved is the Flux pre-check: InProgress when
// status.observedGeneration and metadata.generation are both integers and
// differ. Fields of other types are skipped, not errors (some CRDs keep
// observedGeneration as a string), leaving them to the expressions.
func generationNotObserved(obj map[string]any, kind string) *Result {
	observed, found, err := nestedInt(obj, "status", "observedGeneration")
	if err != nil || !found {
		return nil
	}
	gen, found, err := nestedInt(obj, "metadata", "generation")
	if err != nil || !found || gen == observed {
		return nil
	}
	return inProgress("LatestGenerationNotObserved",
		fmt.Sprintf("%s generation is %d, but latest observed generation is %d", kind, gen, observed))
}
