package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
	apiwait "k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kwait-dev/kwait/wait"
)

// demoNamespace holds every resource of the demo.
const demoNamespace = "demo"

// databaseGVK is the demo's custom resource, defined by databaseCRD.
var databaseGVK = schema.GroupVersionKind{Group: "demo.kwait.dev", Version: "v1", Kind: "Database"}

// demoObjects are the resources the demo creates and waits for, in the
// order they are listed in the wait.
var demoObjects = []client.Object{
	newDatabase("orders", "postgres", "20Gi"),
	newDatabase("customers", "postgres", "5Gi"),
	newDatabase("analytics", "clickhouse", "100Gi"),
	newDeployment("api", 2, "registry.example/api:1.4.2"),
	newDeployment("worker", 3, "registry.example/worker:1.4.2"),
	newConfigMap("api-config", map[string]string{"LOG_LEVEL": "info", "DB_HOST": "orders"}),
	newConfigMap("worker-config", map[string]string{"QUEUE": "jobs", "CONCURRENCY": "8"}),
	newService("api", 80, 8080),
}

// databaseCRD defines Database: namespaced, one version, a status
// subresource, and spec and status that keep any fields.
func databaseCRD() *apiextensionsv1.CustomResourceDefinition {
	anyObject := apiextensionsv1.JSONSchemaProps{Type: "object", XPreserveUnknownFields: ptr.To(true)}
	return &apiextensionsv1.CustomResourceDefinition{
		ObjectMeta: metav1.ObjectMeta{Name: "databases." + databaseGVK.Group},
		Spec: apiextensionsv1.CustomResourceDefinitionSpec{
			Group: databaseGVK.Group,
			Scope: apiextensionsv1.NamespaceScoped,
			Names: apiextensionsv1.CustomResourceDefinitionNames{
				Plural:   "databases",
				Singular: "database",
				Kind:     databaseGVK.Kind,
				ListKind: databaseGVK.Kind + "List",
			},
			Versions: []apiextensionsv1.CustomResourceDefinitionVersion{{
				Name:    databaseGVK.Version,
				Served:  true,
				Storage: true,
				Subresources: &apiextensionsv1.CustomResourceSubresources{
					Status: &apiextensionsv1.CustomResourceSubresourceStatus{},
				},
				Schema: &apiextensionsv1.CustomResourceValidation{
					OpenAPIV3Schema: &apiextensionsv1.JSONSchemaProps{
						Type: "object",
						Properties: map[string]apiextensionsv1.JSONSchemaProps{
							"spec":   anyObject,
							"status": anyObject,
						},
					},
				},
			}},
		},
	}
}

// installCRD creates crd and waits until the API server reports it
// Established.
func installCRD(ctx context.Context, c client.Client, crd *apiextensionsv1.CustomResourceDefinition) error {
	if err := c.Create(ctx, crd); err != nil {
		return fmt.Errorf("create CRD %s: %w", crd.Name, err)
	}
	err := apiwait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		if err := c.Get(ctx, client.ObjectKeyFromObject(crd), crd); err != nil {
			return false, err
		}
		for _, cond := range crd.Status.Conditions {
			if cond.Type == apiextensionsv1.Established && cond.Status == apiextensionsv1.ConditionTrue {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		return fmt.Errorf("CRD %s not established: %w", crd.Name, err)
	}
	return nil
}

// createAll creates the namespace and demoObjects. A custom resource
// without conditions is Current by the kstatus rules, so each Database gets
// its first status, Ready=False, right away, as its operator would on
// first sight.
func createAll(ctx context.Context, c client.Client) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: demoNamespace}}
	if err := c.Create(ctx, ns); err != nil {
		return fmt.Errorf("create namespace %s: %w", demoNamespace, err)
	}
	for _, o := range demoObjects {
		// Create fills in o; keep the template clean for identifiers.
		o = o.DeepCopyObject().(client.Object)
		if err := c.Create(ctx, o); err != nil {
			return fmt.Errorf("create %s %s: %w", kindOf(o), o.GetName(), err)
		}
		if u, ok := o.(*unstructured.Unstructured); ok && u.GroupVersionKind() == databaseGVK {
			if err := setDatabaseReady(ctx, c, o.GetName(), false, "Pending", "waiting for a node"); err != nil {
				return err
			}
		}
	}
	return nil
}

// identifiers lists the resources to wait for.
func identifiers(objs []client.Object) []wait.ResourceIdentifier {
	ids := make([]wait.ResourceIdentifier, len(objs))
	for i, o := range objs {
		ids[i] = wait.ResourceIdentifier{
			Name:      o.GetName(),
			Namespace: o.GetNamespace(),
			GroupKind: gvkOf(o).GroupKind(),
		}
	}
	return ids
}

// describe counts objs by kind: "8 resources (3 Database, 2 Deployment, …)".
func describe(objs []client.Object) string {
	var kinds []string
	count := map[string]int{}
	for _, o := range objs {
		k := kindOf(o)
		if count[k] == 0 {
			kinds = append(kinds, k)
		}
		count[k]++
	}
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%d %s", count[k], k)
	}
	return fmt.Sprintf("%d resources (%s)", len(objs), strings.Join(parts, ", "))
}

// gvkOf returns the kind of the demo's objects, which all carry TypeMeta.
func gvkOf(o client.Object) schema.GroupVersionKind {
	return o.GetObjectKind().GroupVersionKind()
}

func kindOf(o client.Object) string { return gvkOf(o).Kind }

func newDatabase(name, engine, storage string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{
		"spec": map[string]any{"engine": engine, "storage": storage},
	}}
	u.SetGroupVersionKind(databaseGVK)
	u.SetNamespace(demoNamespace)
	u.SetName(name)
	return u
}

func newDeployment(name string, replicas int32, image string) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Namespace: demoNamespace, Name: name, Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name:  name,
					Image: image,
				}}},
			},
		},
	}
}

func newConfigMap(name string, data map[string]string) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Namespace: demoNamespace, Name: name},
		Data:       data,
	}
}

func newService(name string, port, targetPort int32) *corev1.Service {
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: metav1.ObjectMeta{Namespace: demoNamespace, Name: name},
		Spec: corev1.ServiceSpec{
			Type:     corev1.ServiceTypeClusterIP,
			Selector: map[string]string{"app": name},
			Ports: []corev1.ServicePort{{
				Name:       "http",
				Port:       port,
				TargetPort: intstr.FromInt32(targetPort),
			}},
		},
	}
}
