package engine

import "github.com/kwait-dev/kwait/status"

// EventType tells what an Event reports.
type EventType int

const (
	// ResourceUpdate reports a resource's first observation or a change of
	// its status, message or error.
	ResourceUpdate EventType = iota
	// Completed reports that every resource has been Current; it is the
	// last event of a wait.
	Completed
	// Aborted reports that the wait's context ended first; it is the last
	// event of a wait.
	Aborted
	// Failed reports that a resource became Failed while FailFast is set;
	// it is the last event of a wait.
	Failed
)

func (t EventType) String() string {
	switch t {
	case ResourceUpdate:
		return "ResourceUpdate"
	case Completed:
		return "Completed"
	case Aborted:
		return "Aborted"
	case Failed:
		return "Failed"
	}
	return "EventType(?)"
}

// Event is one step of a wait.
type Event struct {
	Type EventType
	// Aggregate is the aggregate status after this event.
	Aggregate status.Status
	// Progress counts the wait's resources after this event.
	Progress Progress
	// Index is the position in the request of the resource a
	// ResourceUpdate is about (its first position when listed twice), and
	// of the resource that ended a wait with Failed.
	Index int
	// Status, Message and Err are the resource's kstatus status, its
	// message, and why it could not be read or judged.
	Status  status.Status
	Message string
	Err     error
	// Met is whether the resource meets the wait's goal now.
	Met bool
	// Cause is why an Aborted wait ended: its context's cause
	// (context.DeadlineExceeded, context.Canceled, or the caller's).
	Cause error
}

// Progress counts a wait's resources.
type Progress struct {
	// Total is the number of resources the wait tracks.
	Total int
	// Observed is how many have been observed (or failed to be read).
	Observed int
	// Met is how many have met the goal at least once.
	Met int
}
