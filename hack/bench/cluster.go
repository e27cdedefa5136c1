package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsclientset "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
)

const group = "bench.kwait.dev"

// kinds are the custom resources of the benchmark, one CRD each.
var kinds = []string{"Widget", "Gadget", "Gizmo"}

func gvr(gk schema.GroupKind) schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: gk.Group, Version: "v1", Resource: plural(gk.Kind)}
}

func gk(kind string) schema.GroupKind { return schema.GroupKind{Group: group, Kind: kind} }

func plural(kind string) string {
	b := []byte(kind)
	b[0] += 'a' - 'A'
	return string(b) + "s"
}

// crd defines gk at v1: namespaced, a status subresource, spec and status
// that keep any fields, so the benchmark can play the controller.
func crd(gk schema.GroupKind) *apiextensionsv1.CustomResourceDefinition {
	kind := gk.Kind
	anyObject := apiextensionsv1.JSONSchemaProps{Type: "object", XPreserveUnknownFields: ptr.To(true)}
	return &apiextensionsv1.CustomResourceDefinition{
		ObjectMeta: metav1.ObjectMeta{Name: plural(kind) + "." + gk.Group},
		Spec: apiextensionsv1.CustomResourceDefinitionSpec{
			Group: gk.Group,
			Scope: apiextensionsv1.NamespaceScoped,
			Names: apiextensionsv1.CustomResourceDefinitionNames{
				Plural: plural(kind), Singular: plural(kind)[:len(plural(kind))-1], Kind: kind, ListKind: kind + "List",
			},
			Versions: []apiextensionsv1.CustomResourceDefinitionVersion{{
				Name: "v1", Served: true, Storage: true,
				Subresources: &apiextensionsv1.CustomResourceSubresources{Status: &apiextensionsv1.CustomResourceSubresourceStatus{}},
				Schema: &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: &apiextensionsv1.JSONSchemaProps{
					Type:       "object",
					Properties: map[string]apiextensionsv1.JSONSchemaProps{"spec": anyObject, "status": anyObject},
				}},
			}},
		},
	}
}

// cluster is the writing side: it creates objects and plays their
// controllers by writing status.
type cluster struct {
	dyn  dynamic.Interface
	core kubernetes.Interface
	ext  apiextensionsclientset.Interface
}

func (c *cluster) namespace(ctx context.Context, name string) error {
	_, err := c.core.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	return err
}

// inProgress is a status both kstatus implementations read as InProgress
// with msg as the message; current is one both read as Current.
func inProgress(msg string) []byte {
	b, _ := json.Marshal(map[string]any{"status": map[string]any{"conditions": []any{
		map[string]any{"type": "Reconciling", "status": "True", "reason": "Working", "message": msg},
	}}})
	return b
}

var current = []byte(`{"status":{"conditions":[{"type":"Ready","status":"True","reason":"Done","message":"ready"}]}}`)

func (c *cluster) create(ctx context.Context, id objID) error {
	u := &unstructured.Unstructured{Object: map[string]any{"spec": map[string]any{"size": 1}}}
	u.SetGroupVersionKind(id.GK.WithVersion("v1"))
	u.SetNamespace(id.Namespace)
	u.SetName(id.Name)
	_, err := c.dyn.Resource(gvr(id.GK)).Namespace(id.Namespace).Create(ctx, u, metav1.CreateOptions{})
	return err
}

func (c *cluster) setStatus(ctx context.Context, id objID, patch []byte) error {
	_, err := c.dyn.Resource(gvr(id.GK)).Namespace(id.Namespace).
		Patch(ctx, id.Name, types.MergePatchType, patch, metav1.PatchOptions{}, "status")
	return err
}

// createCRD creates def and returns when the benchmark's own watch of it,
// opened before the create, delivered it with Established True.
func (c *cluster) createCRD(ctx context.Context, def *apiextensionsv1.CustomResourceDefinition, timeout time.Duration) (time.Time, error) {
	crds := c.ext.ApiextensionsV1().CustomResourceDefinitions()
	w, err := crds.Watch(ctx, metav1.ListOptions{FieldSelector: "metadata.name=" + def.Name})
	if err != nil {
		return time.Time{}, err
	}
	defer w.Stop()
	if _, err := crds.Create(ctx, def, metav1.CreateOptions{}); err != nil {
		return time.Time{}, err
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		select {
		case ev, ok := <-w.ResultChan():
			if !ok {
				return time.Time{}, fmt.Errorf("watch of CRD %s ended before it was Established", def.Name)
			}
			if got, ok := ev.Object.(*apiextensionsv1.CustomResourceDefinition); ok && established(got) {
				return time.Now(), nil
			}
		case <-t.C:
			return time.Time{}, fmt.Errorf("CRD %s not Established after %s", def.Name, timeout)
		}
	}
}

func established(def *apiextensionsv1.CustomResourceDefinition) bool {
	for _, c := range def.Status.Conditions {
		if c.Type == apiextensionsv1.Established {
			return c.Status == apiextensionsv1.ConditionTrue
		}
	}
	return false
}

// createServed creates id as soon as the API server serves its kind: an
// Established CRD can answer NotFound for a few milliseconds more.
func (c *cluster) createServed(ctx context.Context, id objID, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		err := c.create(ctx, id)
		if !apierrors.IsNotFound(err) || time.Now().After(deadline) {
			return err
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (c *cluster) deleteCRD(ctx context.Context, name string) error {
	return c.ext.ApiextensionsV1().CustomResourceDefinitions().Delete(ctx, name, metav1.DeleteOptions{})
}

// parallel runs f for every id with workers goroutines; the first error wins.
func parallel(ctx context.Context, ids []objID, workers int, f func(context.Context, objID) error) error {
	ch := make(chan objID)
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range ch {
				if err := f(ctx, id); err != nil {
					once.Do(func() { first = fmt.Errorf("%s: %w", id.key(), err) })
				}
			}
		}()
	}
	for _, id := range ids {
		ch <- id
	}
	close(ch)
	wg.Wait()
	return first
}
