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
