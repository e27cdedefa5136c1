package wait

import (
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kwait-dev/kwait/status"
)

// ResourceIdentifier contains the information needed to uniquely identify a
// resource in a cluster.
type ResourceIdentifier struct {
	Name      string
	Namespace string
	GroupKind schema.GroupKind
}

// Equals compares two ResourceIdentifiers and returns true if they refer to
// the same resource. An empty namespace equals "default", the namespace a
// namespaced resource without one is defaulted to.
func (r ResourceIdentifier) Equals(other ResourceIdentifier) bool {
	return r.Name == other.Name && r.GroupKind == other.GroupKind &&
		defaultNamespace(r.Namespace) == defaultNamespace(other.Namespace)
}

func defaultNamespace(ns string) string {
	if ns == "" {
		return "default"
	}
	return ns
}

// KubernetesObject defines the functions needed to identify a resource in a
// cluster. It is implemented by unstructured.Unstructured.
type KubernetesObject interface {
	GetName() string
	GetNamespace() string
	GroupVersionKind() schema.GroupVersionKind
}

// EventType is the type of an Event.
type EventType string

const (
	// ResourceUpdate means the status/message for a resource has changed.
	// This also means the aggregate status might have changed.
	ResourceUpdate EventType = "ResourceUpdate"
	// Completed means all resources have reached the Current status.
	Completed EventType = "Completed"
	// Aborted means the wait was stopped before all resources could reach
	// the Current status.
	Aborted EventType = "Aborted"
	// Failed means a resource became Failed and Options.FailFast ended the
	// wait (kwait only; never sent without FailFast).
	Failed EventType = "Failed"
)

// Event is returned through the channel returned after a call to
// WaitForStatus. It contains an update to either an individual resource or
// to the aggregate status for the set of resources.
type Event struct {
	// Type defines which type of event this is.
	Type EventType
	// AggregateStatus is the aggregated status for all the provided
	// resources.
	AggregateStatus status.Status
	// EventResource is information about the resource to which this event
	// pertains. This is only populated for ResourceUpdate events, and for
	// Failed ones (the resource that failed).
	EventResource *EventResource
	// Progress says how far the wait is after this event (kwait only).
	Progress Progress
	// Cause is why an Aborted wait ended: its context's cause,
	// context.DeadlineExceeded or context.Canceled unless the caller gave
	// one (kwait only).
	Cause error
}

// Progress counts the resources of a wait.
type Progress struct {
	// Total is the number of resources the wait tracks (a resource listed
	// twice counts once).
	Total int
	// Observed is how many have been observed, or failed to be read.
	Observed int
	// Met is how many have met the wait's goal at least once.
	Met int
}

// EventResource contains information about the resource for which a
// specific Event pertains.
type EventResource struct {
	// ResourceIdentifier identifies which resource this information is
	// about.
	ResourceIdentifier ResourceIdentifier
	// Status is the latest status for the given resource.
	Status status.Status
	// Message is more details about the status.
	Message string
	// Error is set if there was a problem identifying the status of the
	// resource, for example if reading it from the cluster failed.
	Error error
	// Met is whether the resource meets the wait's goal now (kwait only;
	// for WaitForStatus, whether it is Current).
	Met bool
}

// ResourceResult is the status result for a given resource. It provides
// information about the resource if the request was successful and an
// error if something went wrong.
type ResourceResult struct {
	Result             *status.Result
	ResourceIdentifier ResourceIdentifier
	Error              error
}
