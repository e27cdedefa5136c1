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
	// Index is the position in the request of the resource a
	// ResourceUpdate is about (its first position when listed twice).
	Index   int
	Status  status.Status
	Message string
	Err     error
}
