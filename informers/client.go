package informers

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
)

// Resource names one kind of object both ways clients address it.
type Resource struct {
	GVR        schema.GroupVersionResource
	GVK        schema.GroupVersionKind
	Namespaced bool
}

// Client is the subset of a Kubernetes client that sources read through.
// Namespace "" lists across all namespaces (or a cluster-scoped resource).
type Client interface {
	Get(ctx context.Context, res Resource, namespace, name string) (*unstructured.Unstructured, error)
	List(ctx context.Context, res Resource, namespace string, opts metav1.ListOptions) (*unstructured.UnstructuredList, error)
}

// WatchClient is a Client that can also watch; only a WatchClient gets
// informers, any other Client is polled.
type WatchClient interface {
	Client
	Watch(ctx context.Context, res Resource, namespace string, opts metav1.ListOptions) (watch.Interface, error)
}

// NewDynamicClient adapts a dynamic client.
func NewDynamicClient(c dynamic.Interface) WatchClient {
	return dynamicClient{c: c}
}

type dynamicClient struct{ c dynamic.Interface }

var _ WatchClient = dynamicClient{}

func (d dynamicClient) resource(res Resource, namespace string) dynamic.ResourceInterface {
	if res.Namespaced && namespace != "" {
		return d.c.Resource(res.GVR).Namespace(namespace)
	}
	return d.c.Resource(res.GVR)
}

func (d dynamicClient) Get(ctx context.Context, res Resource, namespace, name string) (*unstructured.Unstructured, error) {
	return d.resource(res, namespace).Get(ctx, name, metav1.GetOptions{})
}

func (d dynamicClient) List(ctx context.Context, res Resource, namespace string, opts metav1.ListOptions) (*unstructured.UnstructuredList, error) {
	return d.resource(res, namespace).List(ctx, opts)
}

func (d dynamicClient) Watch(ctx context.Context, res Resource, namespace string, opts metav1.ListOptions) (watch.Interface, error) {
	return d.resource(res, namespace).Watch(ctx, opts)
}

// IsWatchListSemanticsUnSupported tells the reflector whether the wrapped
// client can stream the initial list (fake clients cannot).
func (d dynamicClient) IsWatchListSemanticsUnSupported() bool {
	u, ok := d.c.(interface{ IsWatchListSemanticsUnSupported() bool })
	return ok && u.IsWatchListSemanticsUnSupported()
}
