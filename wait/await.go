package wait

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/kwait-dev/kwait/status"
)

// ErrFailed is the cause of an Await that Options.FailFast ended because a
// resource became Failed.
var ErrFailed = errors.New("a resource is Failed")

// Await waits, as WaitFor does, until every resource has met g at least
// once, and returns nil then. Otherwise, when ctx ends first (or, with
// Options.FailFast, a resource becomes Failed), it returns a *NotMetError
// that names every resource that has not met g, with its last status,
// message and error; its Unwrap gives the cause (context.DeadlineExceeded,
// context.Canceled, ErrFailed).
func (r *Resolver) Await(ctx context.Context, resources []ResourceIdentifier, g Goal) error {
	type state struct {
		ResourceStatus
		met bool
	}
	byID := make(map[ResourceIdentifier]*state, len(resources))
	var order []*state
	for _, id := range resources {
		k := awaitKey(id)
		if byID[k] == nil {
			s := &state{ResourceStatus: ResourceStatus{ResourceIdentifier: id}}
			byID[k] = s
			order = append(order, s)
		}
	}
	var last Event
	for ev := range r.WaitFor(ctx, resources, g) {
		last = ev
		if er := ev.EventResource; er != nil {
			if s := byID[awaitKey(er.ResourceIdentifier)]; s != nil {
				s.Observed, s.Status, s.Message, s.Error = true, er.Status, er.Message, er.Error
				s.met = s.met || er.Met
			}
		}
	}
	err := &NotMetError{Goal: g, Total: len(order)}
	switch last.Type {
	case Completed:
		return nil
	case Failed:
		err.Cause = ErrFailed
	default:
		err.Cause = last.Cause
		if err.Cause == nil {
			err.Cause = context.Cause(ctx)
		}
	}
	var failed *ResourceIdentifier
	if last.Type == Failed && last.EventResource != nil {
		failed = &last.EventResource.ResourceIdentifier
	}
	for _, s := range order {
		// The resource that failed is named even if it had met the goal
		// (Exists, say): it is why the wait ended.
		if !s.met || (failed != nil && s.Equals(*failed)) {
			err.Unmet = append(err.Unmet, s.ResourceStatus)
		}
	}
	slices.SortStableFunc(err.Unmet, func(a, b ResourceStatus) int {
		if failed != nil {
			switch {
			case a.ResourceIdentifier.Equals(*failed) && !b.ResourceIdentifier.Equals(*failed):
				return -1
			case b.ResourceIdentifier.Equals(*failed) && !a.ResourceIdentifier.Equals(*failed):
				return 1
			}
		}
		return cmp.Or(
			cmp.Compare(a.GroupKind.Group, b.GroupKind.Group),
			cmp.Compare(a.GroupKind.Kind, b.GroupKind.Kind),
			cmp.Compare(defaultNamespace(a.Namespace), defaultNamespace(b.Namespace)),
			cmp.Compare(a.Name, b.Name),
		)
	})
	return err
}

// awaitKey is id with the namespace a namespaced kind defaults to, so that
// Await matches updates to their resource as ResourceIdentifier.Equals
// does.
func awaitKey(id ResourceIdentifier) ResourceIdentifier {
	id.Namespace = defaultNamespace(id.Namespace)
	return id
}

// ResourceStatus is the last known state of one resource of a wait.
type ResourceStatus struct {
	ResourceIdentifier
	// Observed is false for a resource the wait never got to see.
	Observed bool
	Status   status.Status
	Message  string
	Error    error
}

// NotMetError is the error of an Await that ended before every resource
// met its goal.
type NotMetError struct {
	Goal Goal
	// Cause is why the wait ended.
	Cause error
	// Total is the number of resources waited on.
	Total int
	// Unmet are the resources that had not met Goal, and the Failed one
	// when FailFast ended the wait, first; then by group, kind, namespace,
	// name.
	Unmet []ResourceStatus
}

// Error is one line with the count, the goal and the cause, then one line
// per resource that had not met the goal.
func (e *NotMetError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d of %d resources not %s", len(e.Unmet), e.Total, goalWord(e.Goal))
	if e.Cause != nil {
		fmt.Fprintf(&b, " (%v)", e.Cause)
	}
	b.WriteString(":")
	for _, r := range e.Unmet {
		b.WriteString("\n  ")
		b.WriteString(r.String())
	}
	return b.String()
}

func (e *NotMetError) Unwrap() error { return e.Cause }

// String is "Kind.group namespace/name: Status: message (error: …)".
func (r ResourceStatus) String() string {
	var b strings.Builder
	b.WriteString(r.GroupKind.String())
	b.WriteString(" ")
	if r.Namespace != "" {
		b.WriteString(r.Namespace + "/")
	}
	b.WriteString(r.Name)
	b.WriteString(": ")
	if !r.Observed {
		b.WriteString("not observed yet")
		return b.String()
	}
	b.WriteString(string(r.Status))
	if r.Message != "" {
		b.WriteString(": " + r.Message)
	}
	if r.Error != nil {
		fmt.Fprintf(&b, " (error: %v)", r.Error)
	}
	return b.String()
}

// goalWord is the goal as it reads after "not": "Current", "deleted".
func goalWord(g Goal) string {
	switch s := g.String(); s {
	case "Current", "deleted", "created":
		return s
	default:
		return "meeting " + s
	}
}
