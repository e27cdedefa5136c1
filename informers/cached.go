package informers

import (
	"encoding/json"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	utiljson "k8s.io/apimachinery/pkg/util/json"
)

// cachedObject is what an informer's store keeps of an object: its key and
// resourceVersion, which client-go's FIFOs, store and key funcs read through
// metav1.Object, and the stripped object as JSON. A small object's JSON is
// about a sixth of the size of the maps of its *unstructured.Unstructured.
//
// Every field but fresh is set by newCachedObject and never written again,
// so any goroutine may read them.
type cachedObject struct {
	namespace, name, resourceVersion string
	// raw is the stripped object as JSON; nil when err is set.
	raw []byte
	// err is why the object could not be encoded.
	err error
	// fresh is the object raw was encoded from, kept for the watch event
	// that brought it so that delivering the event does not decode; take
	// clears it, so the store keeps only raw. Only the informer's event
	// handler reads or writes it once the transform has returned.
	fresh *unstructured.Unstructured
}

// newCachedObject encodes u, which it keeps as fresh unless u cannot be
// encoded.
func newCachedObject(u *unstructured.Unstructured) *cachedObject {
	return newCachedObjectFrom(u, nil)
}

// newCachedObjectFrom is newCachedObject for a stripped u decoded from
// wire, the JSON it arrived in (nil when unknown): it keeps wire without
// what stripping dropped (see stripWire) instead of encoding u, when it
// can.
func newCachedObjectFrom(u *unstructured.Unstructured, wire []byte) *cachedObject {
	c := &cachedObject{namespace: u.GetNamespace(), name: u.GetName(), resourceVersion: u.GetResourceVersion()}
	if wire != nil {
		if raw, ok := stripWire(wire); ok {
			c.raw, c.fresh = raw, u
			return c
		}
	}
	raw, err := json.Marshal(u.Object)
	if err != nil {
		c.err = &CacheError{Key: c.key(), Err: err}
		return c
	}
	c.raw, c.fresh = raw, u
	return c
}

func (c *cachedObject) key() Key { return Key{Namespace: c.namespace, Name: c.name} }

// take returns the object for the event that carries c: fresh the first
// time, without decoding, and a decoded copy after that. Only the
// informer's event handler may call it.
func (c *cachedObject) take() (*unstructured.Unstructured, error) {
	if u := c.fresh; u != nil {
		c.fresh = nil
		return u, nil
	}
	return c.decode()
}

// decode returns a new object decoded from raw. Any goroutine may call it.
func (c *cachedObject) decode() (*unstructured.Unstructured, error) {
	if c.err != nil {
		return nil, c.err
	}
	var m map[string]any
	if err := utiljson.Unmarshal(c.raw, &m); err != nil {
		return nil, &CacheError{Key: c.key(), Err: err}
	}
	return &unstructured.Unstructured{Object: m}, nil
}

// observation is what c tells subscribers: its object, or why it has none.
func (c *cachedObject) observation(u *unstructured.Unstructured, err error) Observation {
	if err != nil {
		return Observation{Key: c.key(), Err: err}
	}
	return Observation{Key: c.key(), Object: u, ResourceVersion: c.resourceVersion}
}

// CacheError is an object an informer could not keep in its cache or read
// back from it.
type CacheError struct {
	Key Key
	Err error
}

func (e *CacheError) Error() string { return fmt.Sprintf("caching %s: %v", e.Key, e.Err) }

func (e *CacheError) Unwrap() error { return e.Err }

// The methods below make a cachedObject a runtime.Object and a
// metav1.Object, as client-go's FIFOs, store and key funcs need. Only the
// key and resourceVersion are known; other getters return zero values, and
// setters panic since nothing may write to a cached object.

var (
	_ runtime.Object = (*cachedObject)(nil)
	_ metav1.Object  = (*cachedObject)(nil)
)

func (c *cachedObject) GetObjectKind() schema.ObjectKind { return schema.EmptyObjectKind }

// DeepCopyObject copies everything but fresh, which belongs to the event
// handler.
func (c *cachedObject) DeepCopyObject() runtime.Object {
	return &cachedObject{
		namespace: c.namespace, name: c.name, resourceVersion: c.resourceVersion,
		raw: append([]byte(nil), c.raw...), err: c.err,
	}
}

func (c *cachedObject) GetNamespace() string                          { return c.namespace }
func (c *cachedObject) GetName() string                               { return c.name }
func (c *cachedObject) GetResourceVersion() string                    { return c.resourceVersion }
func (c *cachedObject) GetGenerateName() string                       { return "" }
func (c *cachedObject) GetUID() types.UID                             { return "" }
func (c *cachedObject) GetGeneration() int64                          { return 0 }
func (c *cachedObject) GetSelfLink() string                           { return "" }
func (c *cachedObject) GetCreationTimestamp() metav1.Time             { return metav1.Time{} }
func (c *cachedObject) GetDeletionTimestamp() *metav1.Time            { return nil }
func (c *cachedObject) GetDeletionGracePeriodSeconds() *int64         { return nil }
func (c *cachedObject) GetLabels() map[string]string                  { return nil }
func (c *cachedObject) GetAnnotations() map[string]string             { return nil }
func (c *cachedObject) GetFinalizers() []string                       { return nil }
func (c *cachedObject) GetOwnerReferences() []metav1.OwnerReference   { return nil }
func (c *cachedObject) GetManagedFields() []metav1.ManagedFieldsEntry { return nil }
func (c *cachedObject) SetNamespace(string)                           { readOnly() }
func (c *cachedObject) SetName(string)                                { readOnly() }
func (c *cachedObject) SetResourceVersion(string)                     { readOnly() }
func (c *cachedObject) SetGenerateName(string)                        { readOnly() }
func (c *cachedObject) SetUID(types.UID)                              { readOnly() }
func (c *cachedObject) SetGeneration(int64)                           { readOnly() }
func (c *cachedObject) SetSelfLink(string)                            { readOnly() }
func (c *cachedObject) SetCreationTimestamp(metav1.Time)              { readOnly() }
func (c *cachedObject) SetDeletionTimestamp(*metav1.Time)             { readOnly() }
func (c *cachedObject) SetDeletionGracePeriodSeconds(*int64)          { readOnly() }
func (c *cachedObject) SetLabels(map[string]string)                   { readOnly() }
func (c *cachedObject) SetAnnotations(map[string]string)              { readOnly() }
func (c *cachedObject) SetFinalizers([]string)                        { readOnly() }
func (c *cachedObject) SetOwnerReferences([]metav1.OwnerReference)    { readOnly() }
func (c *cachedObject) SetManagedFields([]metav1.ManagedFieldsEntry)  { readOnly() }
func readOnly()                                                       { panic("informers: a cached object is read-only") }
