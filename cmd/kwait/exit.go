package main

import (
	"errors"
	"fmt"
)

// The exit codes of kwait; other tooling is written against them.
const (
	// exitMet: every resource met the goal.
	exitMet = 0
	// exitNotMet: the timeout ended the wait, or it could not run; stderr
	// names each unmet resource.
	exitNotMet = 1
	// exitUsage: a usage or input error; nothing was waited on.
	exitUsage = 2
	// exitFailed: --fail-fast stopped the wait on a Failed resource.
	exitFailed = 3
	// exitInterrupted: SIGINT or SIGTERM ended the wait (128 + SIGINT, as
	// shells report it); stderr names each pending resource.
	exitInterrupted = 130
)

// usageError is an error in the flags, arguments or manifests: kwait exits
// with exitUsage before it waits on anything.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

func isUsage(err error) bool {
	var u *usageError
	return errors.As(err, &u)
}
