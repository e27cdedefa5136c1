package informers

import (
	"errors"
	"fmt"
	"net/url"
)

// ListWatchError is a failed list or watch of a source. Its message leaves
// out the request URL, whose query (timeoutSeconds, resourceVersion)
// changes with every retry, so that the same failure reads the same each
// time; Unwrap gives the client's error, for apierrors.IsForbidden & co.
type ListWatchError struct {
	Resource string
	Scope    Scope
	Err      error
}

func (e *ListWatchError) Error() string {
	cause := e.Err
	var ue *url.Error
	if errors.As(cause, &ue) {
		cause = ue.Err
	}
	return fmt.Sprintf("list/watch %s (%s): %v", e.Resource, e.Scope, cause)
}

func (e *ListWatchError) Unwrap() error { return e.Err }
