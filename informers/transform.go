package informers

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/cache"
)

// lastAppliedAnnotation is written by kubectl apply; it holds a full copy of
// the object and status computation never reads it.
const lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"

// stripForStatus drops what status computation never reads from a cached
// object: managedFields and the last-applied annotation. It edits in place.
// Informers of this package apply it, then keep the object compact (see
// compactKeeping).
func stripForStatus(obj any) (any, error) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		stripped, err := stripForStatus(d.Obj)
		d.Obj = stripped
		return d, err
	}
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return obj, nil
	}
	meta, ok := u.Object["metadata"].(map[string]any)
	if !ok {
		return u, nil
	}
	delete(meta, "managedFields")
	if ann, ok := meta["annotations"].(map[string]any); ok {
		delete(ann, lastAppliedAnnotation)
		if len(ann) == 0 {
			delete(meta, "annotations")
		}
	}
	return u, nil
}

// compactKeeping is the informers' transform: it strips an object with
// stripForStatus and replaces it by a cachedObject, which keeps it as JSON
// (the JSON it arrived in, when the watch kept it: see NewClientForConfig)
// and, when keepFresh is set, for the event that brought it, as the decoded
// object too (see cachedObject.take). It is idempotent and never fails: an
// object that cannot be encoded becomes a cachedObject whose error every
// subscriber receives, since a failing transform would fail a whole list or
// drop a watch event unseen.
func compactKeeping(obj any, keepFresh bool) (any, error) {
	switch o := obj.(type) {
	case cache.DeletedFinalStateUnknown:
		o.Obj, _ = compactKeeping(o.Obj, false)
		return o, nil
	case *unstructured.Unstructured:
		wire := takeWire(o)
		_, _ = stripForStatus(o)
		c := newCachedObjectFrom(o, wire)
		if !keepFresh {
			c.fresh = nil
		}
		return c, nil
	}
	return obj, nil // a cachedObject already, as a resync passes
}

var _ cache.TransformFunc = stripForStatus
