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
	// never finding it.
	Deleted bool
	// ResourceVersion is Object's resourceVersion, or that of the deletion
	// when known; "" when unknown.
	ResourceVersion string
	// Err is set when the source could not read the object; Object is nil.
	Err error
}

// Handler receives observations. It is called synchronously from the
// source's goroutine (or from Subscribe) and must neither block nor do I/O:
// hand the observation to a queue and return.
type Handler func(Observation)

// Source delivers the state of objects of one resource in one scope.
type Source interface {
	// Subscribe delivers to h the state of each key as soon as it is known
	// (at once when the source has synced), then every later change, until
	// the returned cancel is called. Cancel is idempotent; after it returns,
	// h is not called again.
	Subscribe(keys []Key, h Handler) (cancel func())
}
