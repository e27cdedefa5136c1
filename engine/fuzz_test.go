package engine

import (
	"errors"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// FuzzResolve feeds arbitrary identifiers to resolution: it must never
// panic, and it either fails with a *ResolveError or yields a target whose
// namespace follows the kind's scope.
func FuzzResolve(f *testing.F) {
	for _, seed := range [][5]string{
		{"", "v1", "ConfigMap", "ns", "a"},
		{"", "", "ConfigMap", "", "a"},
		{"", "v1", "Namespace", "", "team"},
		{"", "v1", "Namespace", "ns", "team"},
		{"test.kwait.dev", "v1", "Widget", "ns", "w"},
		{"test.kwait.dev", "v9", "Widget", "ns", "w"},
		{"apps", "v1", "Deployment", "ns", "d"},
		{"", "", "", "", ""},
		{"a/b", "c/d", "Kind With Spaces", "../x", "\x00"},
	} {
		f.Add(seed[0], seed[1], seed[2], seed[3], seed[4])
	}
	mapper := testMapper()
	f.Fuzz(func(t *testing.T, group, version, kind, namespace, name string) {
		id := Identifier{GVK: schema.GroupVersionKind{Group: group, Version: version, Kind: kind}, Namespace: namespace, Name: name}
		tg := resolve(mapper, id)
		if tg.err != nil {
			var re *ResolveError
			if !errors.As(tg.err, &re) {
				t.Fatalf("error %v is not a *ResolveError", tg.err)
			}
			return
		}
		switch {
		case tg.key.Name != name || name == "":
			t.Fatalf("resolved name %q from %q", tg.key.Name, name)
		case tg.res.Namespaced && tg.key.Namespace == "":
			t.Fatalf("namespaced kind resolved without a namespace: %+v", tg)
		case !tg.res.Namespaced && tg.key.Namespace != "":
			t.Fatalf("cluster-scoped kind resolved with namespace %q", tg.key.Namespace)
		case tg.res.GVK.Kind == "" || tg.res.GVR.Resource == "":
			t.Fatalf("incomplete resource %+v", tg.res)
		}
	})
}
