package status

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
)

// Status is the kstatus status of a resource.
type Status string

// The statuses a resource can have.
const (
	// InProgressStatus: the resource is being reconciled and is not yet as desired.
	InProgressStatus Status = "InProgress"
	// FailedStatus: reconciling the resource failed and needs intervention.
	FailedStatus Status = "Failed"
	// CurrentStatus: the resource is fully reconciled.
	CurrentStatus Status = "Current"
	// TerminatingStatus: the resource has a deletionTimestamp.
	TerminatingStatus Status = "Terminating"
	// NotFoundStatus: the resource does not exist. Compute never returns it;
	// callers that fail to find an object use it.
	NotFoundStatus Status = "NotFound"
	// UnknownStatus: the status cannot be determined.
	UnknownStatus Status = "Unknown"
)

// String returns the status as a string.
func (s Status) String() string { return string(s) }

// valid reports whether s is one of the six statuses.
func (s Status) valid() bool {
	switch s {
	case InProgressStatus, FailedStatus, CurrentStatus, TerminatingStatus, NotFoundStatus, UnknownStatus:
		return true
	}
	return false
}

// FromString parses one of the six statuses. Other text returns an error
// wrapping ErrInvalidStatus.
func FromString(text string) (Status, error) {
	if s := Status(text); s.valid() {
		return s, nil
	}
	return "", fmt.Errorf("%w %q", ErrInvalidStatus, text)
}

// FromStringOrDie is FromString for text known to be valid: it panics if
// text is not one of the six statuses.
func FromStringOrDie(text string) Status {
	s, err := FromString(text)
	if err != nil {
		panic(err)
	}
	return s
}

// ConditionType is the type of a Condition.
type ConditionType string

// The standard kstatus conditions. They are "abnormal-true": True reports a
// problem, and an absent condition means all is well.
const (
	// ConditionReconciling is True while the resource is InProgress.
	ConditionReconciling ConditionType = "Reconciling"
	// ConditionStalled is True when the resource has Failed.
	ConditionStalled ConditionType = "Stalled"
)

// String returns the condition type as a string.
func (c ConditionType) String() string { return string(c) }

// Condition is a status condition in the common Kubernetes shape.
type Condition struct {
	Type    ConditionType          `json:"type,omitempty"`
	Status  corev1.ConditionStatus `json:"status,omitempty"`
	Reason  string                 `json:"reason,omitempty"`
	Message string                 `json:"message,omitempty"`
}

// Result is the computed status of a resource.
type Result struct {
	// Status is one of the six statuses.
	Status Status
	// Message says why the resource has Status.
	Message string
	// Conditions are the standard conditions Augment writes: Reconciling True
	// for InProgress, Stalled True for Failed, none otherwise.
	Conditions []Condition
}

// inProgress returns an InProgress result with a Reconciling condition.
func inProgress(reason, message string) *Result {
	return &Result{
		Status:     InProgressStatus,
		Message:    message,
		Conditions: []Condition{{Type: ConditionReconciling, Status: corev1.ConditionTrue, Reason: reason, Message: message}},
	}
}

// failed returns a Failed result with a Stalled condition.
func failed(reason, message string) *Result {
	return &Result{
		Status:     FailedStatus,
		Message:    message,
		Conditions: []Condition{{Type: ConditionStalled, Status: corev1.ConditionTrue, Reason: reason, Message: message}},
	}
}

// current returns a Current result.
func current(message string) *Result {
	return &Result{Status: CurrentStatus, Message: message}
}
