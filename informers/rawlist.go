package informers

import (
	"bytes"
	"context"
	"strings"
	"unsafe"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utiljson "k8s.io/apimachinery/pkg/util/json"
)

// rawLister is a Client that can hand over the JSON of a LIST undecoded.
// The read planner then decodes only the listed objects its caller asked
// for, and of those none whose resourceVersion the caller already has: a
// poll round of a large, settled wait decodes next to nothing, where a
// decoded list costs a full JSON decode of every object (two, in
// client-go's unstructured list decoder).
type rawLister interface {
	listRaw(ctx context.Context, res Resource, namespace string, opts metav1.ListOptions) ([]byte, error)
}

var _ rawLister = wireClient{}

// listRaw is the dynamic client's LIST, the same request, without the
// decode.
func (w wireClient) listRaw(ctx context.Context, res Resource, namespace string, opts metav1.ListOptions) ([]byte, error) {
	return w.raw.Get().
		AbsPath(resourcePath(res, namespace)...).
		SpecificallyVersionedParams(&opts, metav1.ParameterCodec, metav1.SchemeGroupVersion).
		Do(ctx).
		Raw()
}

// resourcePath is the path of res's collection in namespace, as the
// dynamic client builds it; namespace "" or a cluster-scoped res is the
// collection across all namespaces.
func resourcePath(res Resource, namespace string) []string {
	p := make([]string, 0, 6)
	if res.GVR.Group == "" {
		p = append(p, "api")
	} else {
		p = append(p, "apis", res.GVR.Group)
	}
	p = append(p, res.GVR.Version)
	if res.Namespaced && namespace != "" {
		p = append(p, "namespaces", namespace)
	}
	return append(p, res.GVR.Resource)
}

// rawList is a LIST's JSON with the place of each item: enough to find an
// item by key and tell its resourceVersion without decoding it.
type rawList struct {
	raw []byte
	// resourceVersion is the list's; apiVersion and itemKind what its
	// items without a kind of their own are (a typed list's items carry
	// none: client-go's decoder gives them the list's, so does decode).
	resourceVersion, apiVersion, itemKind string
	items                                 []rawItem
}

// rawItem is one listed object: raw[start:end] in its list. Its strings
// point into the list's bytes: they live as long as the list, and are
// copied wherever they must outlive it.
type rawItem struct {
	namespace, name, resourceVersion string
	start, end                       int
}

// scanList finds the items of the LIST raw. It returns false when it
// cannot tell them apart without decoding (a member written with escapes,
// a member twice, not a list): the caller then decodes the whole list,
// whose decoder has the last word on what raw holds.
func scanList(raw []byte) (rawList, bool) {
	l := rawList{raw: raw}
	var topBuf [8]member
	top, ok := members(raw, skipSpace(raw, 0), topBuf[:0])
	if !ok {
		return l, false
	}
	var kind string
	for _, f := range []struct {
		name string
		to   *string
	}{{"apiVersion", &l.apiVersion}, {"kind", &kind}} {
		i, ok := unique(raw, top, f.name)
		if !ok {
			return l, false
		}
		if i >= 0 {
			if *f.to, ok = plainString(raw, top[i]); !ok {
				return l, false
			}
		}
	}
	l.itemKind = strings.TrimSuffix(kind, "List")
	mi, ok := unique(raw, top, "metadata")
	if !ok {
		return l, false
	}
	if mi >= 0 {
		var metaBuf [8]member
		meta, ok := members(raw, top[mi].val, metaBuf[:0])
		if !ok {
			return l, false
		}
		ri, ok := unique(raw, meta, "resourceVersion")
		if !ok {
			return l, false
		}
		if ri >= 0 {
			if l.resourceVersion, ok = plainString(raw, meta[ri]); !ok {
				return l, false
			}
		}
	}
	ii, ok := unique(raw, top, "items")
	if !ok || ii < 0 {
		return l, false
	}
	for i, m := range top {
		// client-go finds the items with encoding/json, which matches
		// member names regardless of case.
		if i != ii && bytes.EqualFold(raw[m.key+1:m.keyEnd-1], []byte("items")) {
			return l, false
		}
	}
	i := top[ii].val
	if raw[i] != '[' {
		return l, false // null or not a list: the decoder decides
	}
	var itemBuf, itemMetaBuf [16]member
	for i = skipSpace(raw, i+1); i < len(raw) && raw[i] != ']'; {
		item, ok := members(raw, i, itemBuf[:0])
		if !ok {
			return l, false
		}
		if len(item) == 0 {
			return l, false // an object without metadata
		}
		// members saw the '}' after the last member.
		end := skipSpace(raw, item[len(item)-1].end) + 1
		it := rawItem{start: i, end: end}
		mi, ok := unique(raw, item, "metadata")
		if !ok || mi < 0 {
			return l, false
		}
		meta, ok := members(raw, item[mi].val, itemMetaBuf[:0])
		if !ok {
			return l, false
		}
		for _, f := range []struct {
			name string
			to   *string
		}{{"namespace", &it.namespace}, {"name", &it.name}, {"resourceVersion", &it.resourceVersion}} {
			fi, ok := unique(raw, meta, f.name)
			if !ok {
				return l, false
			}
			if fi >= 0 {
				if *f.to, ok = plainString(raw, meta[fi]); !ok {
					return l, false
				}
			}
		}
		l.items = append(l.items, it)
		i = skipSpace(raw, end)
		if i < len(raw) && raw[i] == ',' {
			i = skipSpace(raw, i+1)
		} else if i >= len(raw) || raw[i] != ']' {
			return l, false
		}
	}
	return l, true
}

// plainString is the value of m, a JSON string of printable ASCII without
// escapes, as a string pointing into b; false for any other value (the
// decoder would change invalid UTF-8, say, where scanList cannot).
// Names, namespaces and resourceVersions are all plain.
func plainString(b []byte, m member) (string, bool) {
	if b[m.val] != '"' {
		return "", false
	}
	s := b[m.val+1 : m.end-1]
	for _, c := range s {
		if c == '\\' || c < 0x20 || c >= 0x80 {
			return "", false
		}
	}
	if len(s) == 0 {
		return "", true
	}
	return unsafe.String(&s[0], len(s)), true
}

// decode decodes one item as client-go's list decoder does: a JSON object
// of its own (copied out of the list's bytes), with the list's apiVersion
// and kind when it has neither.
func (l *rawList) decode(it rawItem) (*unstructured.Unstructured, error) {
	u := &unstructured.Unstructured{Object: make(map[string]any)}
	if err := utiljson.Unmarshal(l.raw[it.start:it.end], &u.Object); err != nil {
		return nil, err
	}
	if u.GetKind() == "" && u.GetAPIVersion() == "" {
		u.SetKind(l.itemKind)
		u.SetAPIVersion(l.apiVersion)
	}
	return u, nil
}
