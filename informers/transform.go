package informers

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/cache"
)

// lastAppliedAnnotation is written by kubectl apply; it holds a full copy of
// the object and status computation never reads it.
const lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"

// StripForStatus drops what status computation never reads from a cached
// object: managedFields and the last-applied annotation. It edits in place.
func StripForStatus(obj any) (any, error) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		stripped, err := StripForStatus(d.Obj)
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

var _ cache.TransformFunc = StripForStatus
