package informers

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Key names one object within a source.
type Key struct {
	Namespace string
	Name      string
}

// String returns namespace/name, or name for cluster-scoped objects.
func (k Key) String() string {
	if k.Namespace == "" {
		return k.Name
	}
	return k.Namespace + "/" + k.Name
}

// Observation is what a source learned about one object.
type Observation struct {
	Key Key
	// Object is the newest state, nil when the object does not exist. It
	// may be shared with the other subscribers of the key: read-only.
	Object *unstructured.Unstructured
	// Deleted is true when the source saw the object go away, as opposed to
	// not finding it.
	Deleted bool
	// ResourceVersion is Object's resourceVersion; for an absence, the
	// resourceVersion as of which the object is known not to exist. ""
	// when unknown, as after a GET that found nothing: such an absence is
	// a live read, newer than anything cached.
	ResourceVersion string
	// Err is set when the object could not be read; Object is nil. It is
	// about this object only: a failure of the whole source is reported
	// through its HealthHandler instead.
	Err error
}

// Handler receives observations. It is called synchronously from the
// source's goroutine (or from Subscribe) and must neither block nor do I/O:
// hand the observation to a queue and return.
type Handler func(Observation)

// HealthState is the condition of a source as a whole.
type HealthState int

const (
	// Healthy: the source's last list or watch succeeded.
	Healthy HealthState = iota
	// Failing: the source's list or watch fails (Health.Err says why); it
	// retries by itself and reports Healthy once a call succeeds.
	Failing
	// Forbidden: the API server refused to let the source list or watch.
	// The source makes no more requests and is never handed to another
	// Acquire; its holders should Discard their lease.
	Forbidden
	// Gone: the API server does not serve the resource any more (its CRD
	// was deleted). Like Forbidden, the source is finished.
	Gone
)

func (s HealthState) String() string {
	switch s {
	case Healthy:
		return "Healthy"
	case Failing:
		return "Failing"
	case Forbidden:
		return "Forbidden"
	case Gone:
		return "Gone"
	}
	return "HealthState(?)"
}

// Health is a change of a source's condition.
type Health struct {
	State HealthState
	// Err is the failure, nil when Healthy. It is a *ListWatchError for
	// informers.
	Err error
}

// HealthHandler receives a source's health: once per change of state or
// of the failure's message, not once per key. Like Handler, it must
// neither block nor do I/O.
type HealthHandler func(Health)

// Source delivers the state of objects of one resource in one scope.
type Source interface {
	// Subscribe delivers to h the state of each key as soon as it is known
	// (at once when the source has synced), then every later change, and
	// to health every change of the source's condition (at once when it is
	// not Healthy), until the returned cancel is called. health may be
	// nil. Cancel is idempotent; after it returns, neither handler is
	// called again.
	Subscribe(keys []Key, h Handler, health HealthHandler) (cancel func())
}
