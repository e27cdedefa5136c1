package status

import (
	"errors"
	"fmt"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	// ErrNilObject is returned for a nil object.
	ErrNilObject = errors.New("status: nil object")
	// ErrWrongType is wrapped by a *FieldError whose field has a type the
	// rules cannot read, e.g. status.replicas "three".
	ErrWrongType = errors.New("wrong type")
	// ErrUnexpectedValue is wrapped by a *FieldError whose field is well typed
	// but holds a value the rules do not know, e.g. an unknown Pod phase.
	ErrUnexpectedValue = errors.New("unexpected value")
	// ErrInvalidStatus reports text or a Func result that is not one of the
	// six statuses.
	ErrInvalidStatus = errors.New("invalid status")
	// ErrStatusFunc matches (errors.Is) every *FuncError.
	ErrStatusFunc = errors.New("status func failed")
)

// FieldError reports a field of the object that cannot be interpreted.
// Compute returns it, never a panic, for malformed objects.
type FieldError struct {
	// Path is the field, e.g. "status.conditions[1].type".
	Path string
	// Err wraps ErrWrongType or ErrUnexpectedValue.
	Err error
}

func (e *FieldError) Error() string { return "status: field " + e.Path + ": " + e.Err.Error() }

func (e *FieldError) Unwrap() error { return e.Err }

// FuncError reports a registered Func that returned an error, returned a nil
// or invalid Result, or panicked. It matches ErrStatusFunc.
type FuncError struct {
	GroupKind schema.GroupKind
	Err       error
}

func (e *FuncError) Error() string {
	return fmt.Sprintf("status: func for %s: %v", e.GroupKind, e.Err)
}

func (e *FuncError) Unwrap() error { return e.Err }

// Is reports whether target is ErrStatusFunc.
func (e *FuncError) Is(target error) bool { return target == ErrStatusFunc }

var (
	// ErrCELCostLimit is wrapped by a *CELError whose evaluation exceeded
	// CELCostLimit.
	ErrCELCostLimit = errors.New("CEL cost limit exceeded")
	// ErrCELResultType is wrapped by a *CELError whose expression has, or
	// evaluated to, a type other than the one wanted (bool; string for a
	// CELRule's Message).
	ErrCELResultType = errors.New("CEL result of the wrong type")
)

// CELError reports a CEL expression that did not compile or did not
// evaluate to a boolean.
type CELError struct {
	// Field is the CELRule field of the expression ("current",
	// "inProgress", "failed" or "message"), "" for a CELExpr.
	Field string
	// Expr is the expression's text.
	Expr string
	// Err is cel-go's error, or wraps ErrCELCostLimit or ErrCELResultType.
	Err error
}

func (e *CELError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("status: CEL expression %q: %v", e.Expr, e.Err)
	}
	return fmt.Sprintf("status: CEL %s expression %q: %v", e.Field, e.Expr, e.Err)
}

func (e *CELError) Unwrap() error { return e.Err }
