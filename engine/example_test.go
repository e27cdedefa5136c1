package engine_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/utils/clock"

	"github.com/kwait-dev/kwait/engine"
	"github.com/kwait-dev/kwait/informers"
)

var widgetGVK = schema.GroupVersionKind{Group: "example.com", Version: "v1", Kind: "Widget"}

// exampleClient is a fake cluster holding objs. A real program passes
// informers.NewDynamicClient(dynamic.NewForConfig(cfg)), or
// engine.NewReaderClient of a controller-runtime client.
func exampleClient(objs ...runtime.Object) informers.WatchClient {
	dc := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), map[schema.GroupVersionResource]string{
		{Group: "example.com", Version: "v1", Resource: "widgets"}: "WidgetList",
		// The engine watches CRDs while a wait has a kind it cannot map.
		{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}: "CustomResourceDefinitionList",
	}, objs...)
	return informers.NewDynamicClient(dc)
}

// exampleMapper maps Widgets, preferring v1; real programs use their client's RESTMapper
// or one from discovery.
func exampleMapper() meta.RESTMapper {
	m := meta.NewDefaultRESTMapper([]schema.GroupVersion{widgetGVK.GroupVersion()})
	m.Add(widgetGVK, meta.RESTScopeNamespace)
	return m
}

// exampleOptions sets every field: the engine applies no defaults. The
// values are package wait's defaults, but for Linger.
func exampleOptions(c informers.Client) engine.Options {
	return engine.Options{
		Client:                c,
		Mapper:                exampleMapper(),
		Poll:                  false,
		PollInterval:          2 * time.Second,
		Linger:                0, // stop an informer as soon as no wait holds it
		FinalEventTimeout:     time.Minute,
		Scope:                 engine.ScopeAuto,
		ClusterScopeThreshold: 20,
		ObjectScopeThreshold:  3,
		ListThreshold:         10,
		ReadConcurrency:       8,
		FailFast:              false,
		StatusFuncs:           nil,
		Clock:                 clock.RealClock{},
		// The zero Logger discards logs.
	}
}

// widget is a Widget whose Ready condition is True.
func widget(namespace, name string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(widgetGVK)
	u.SetNamespace(namespace)
	u.SetName(name)
	_ = unstructured.SetNestedSlice(u.Object, []any{map[string]any{
		"type": "Ready", "status": "True", "reason": "Provisioned",
	}}, "status", "conditions")
	return u
}

func ExampleNew() {
	// Every field without "optional" must be set.
	_, err := engine.New(engine.Options{})
	fmt.Println(err)

	e, err := engine.New(exampleOptions(exampleClient()))
	if err != nil {
		panic(err)
	}
	// Close stops every source the engine started and waits for them.
	defer e.Close()
	fmt.Println("running sources:", e.RunningSources())
	// Output:
	// engine: nil client
	// running sources: 0
}

func ExampleWait() {
	e, err := engine.New(exampleOptions(exampleClient(widget("shop", "orders"))))
	if err != nil {
		panic(err)
	}
	defer e.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ids := []engine.Identifier{
		// No version: the RESTMapper's preferred one. No namespace on a
		// namespaced kind means "default".
		{GVK: schema.GroupVersionKind{Group: "example.com", Kind: "Widget"}, Namespace: "shop", Name: "orders"},
	}
	// conv turns each Event into the caller's type; here it keeps it.
	events := engine.Wait(ctx, e, ids, func(ev engine.Event) engine.Event { return ev })
	for ev := range events {
		switch ev.Type {
		case engine.ResourceUpdate:
			// A failed read is data on the event: Unknown, with Err set.
			fmt.Printf("%s #%d: %s %q (aggregate %s)\n", ev.Type, ev.Index, ev.Status, ev.Message, ev.Aggregate)
			if ev.Err != nil {
				fmt.Println("  error:", ev.Err)
			}
		default:
			fmt.Println(ev.Type, ev.Aggregate)
		}
	}
	// Once the channel is closed, the wait has let its sources go.
	fmt.Println("running sources:", e.RunningSources())
	// Output:
	// ResourceUpdate #0: Current "Resource is Ready" (aggregate Current)
	// Completed Current
	// running sources: 0
}

func ExampleEngine_Fetch() {
	e, err := engine.New(exampleOptions(exampleClient(widget("shop", "orders"))))
	if err != nil {
		panic(err)
	}
	defer e.Close()

	ids := []engine.Identifier{
		{GVK: widgetGVK, Namespace: "shop", Name: "orders"},
		{GVK: widgetGVK, Namespace: "shop", Name: "missing"},
		{GVK: schema.GroupVersionKind{Group: "example.com", Kind: "Gadget"}, Namespace: "shop", Name: "g"},
	}
	// One result per identifier, in input order, read live.
	for i, r := range e.Fetch(context.Background(), ids) {
		var re *engine.ResolveError
		switch {
		case errors.Is(r.Err, engine.ErrUnknownKind) && errors.As(r.Err, &re):
			fmt.Printf("%s: %s, kind %s not served\n", ids[i].Name, r.Result.Status, re.Identifier.GVK.Kind)
		case r.Err != nil:
			fmt.Printf("%s: %s, %v\n", ids[i].Name, r.Result.Status, r.Err)
		default:
			fmt.Printf("%s: %s %q\n", ids[i].Name, r.Result.Status, r.Result.Message)
		}
	}
	// Output:
	// orders: Current "Resource is Ready"
	// missing: Current "Resource does not exist"
	// g: Unknown, kind Gadget not served
}
