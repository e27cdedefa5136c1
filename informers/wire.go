package informers

import (
	"bytes"
	"context"
	"net/http"
	"unsafe"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
)

// wireKey is the key under which the watch decoder of NewClientForConfig
// leaves, in each decoded object, the JSON it was decoded from; the
// informers' transform takes it out before anything else sees the object.
// No object of the API has a key that starts with a NUL.
const wireKey = "\x00kwait.wire"

// NewClientForConfig is NewDynamicClient for cfg and httpClient, with one
// difference: the objects its watches deliver carry the JSON they arrived
// in, and the informers keep that JSON (stripped, see stripWire) as their
// cached form instead of encoding the decoded object again.
func NewClientForConfig(cfg *rest.Config, httpClient *http.Client) (WatchClient, error) {
	// The dynamic client's REST client, as dynamic.NewForConfigAndClient
	// makes it; listRaw uses it too.
	pc := dynamic.ConfigFor(cfg)
	pc.GroupVersion = nil
	pc.APIPath = "/if-you-see-this-search-for-the-break"
	raw, err := rest.UnversionedRESTClientForConfigAndClient(pc, httpClient)
	if err != nil {
		return nil, err
	}
	wc := rest.CopyConfig(pc)
	wc.NegotiatedSerializer = wireKeeping{pc.NegotiatedSerializer}
	rc, err := rest.UnversionedRESTClientForConfigAndClient(wc, httpClient)
	if err != nil {
		return nil, err
	}
	return wireClient{dynamicClient: dynamicClient{c: dynamic.New(raw)}, watches: dynamicClient{c: dynamic.New(rc)}, raw: raw}, nil
}

// wireClient is a dynamic client whose informers watch through another,
// whose decoder keeps the wire JSON. Its Watch is the plain client's: the
// wire JSON is for the informers' transform only, which takes it out of
// the object; any other watcher (the engine's CRD watch) would get it
// along with the object.
type wireClient struct {
	dynamicClient
	watches dynamicClient
	// raw makes the LISTs of listRaw.
	raw *rest.RESTClient
}

var (
	_ WatchClient = wireClient{}
	_ wireWatcher = wireClient{}
)

// wireWatcher is a WatchClient whose informers watch with watchWire, whose
// objects carry the JSON they arrived in under wireKey.
type wireWatcher interface {
	watchWire(ctx context.Context, res Resource, namespace string, opts metav1.ListOptions) (watch.Interface, error)
}

func (w wireClient) watchWire(ctx context.Context, res Resource, namespace string, opts metav1.ListOptions) (watch.Interface, error) {
	return w.watches.Watch(ctx, res, namespace, opts)
}

// wireKeeping is dynamic's negotiated serializer whose decoders leave the
// JSON of each object they decode under wireKey. Only watches use it: the
// embedded object of each watch event is decoded by
// DecoderToVersion(info.Serializer), from a buffer of its own (the event's
// RawExtension, a fresh copy per event), which nothing writes to after.
type wireKeeping struct{ runtime.NegotiatedSerializer }

func (w wireKeeping) DecoderToVersion(d runtime.Decoder, gv runtime.GroupVersioner) runtime.Decoder {
	return wireDecoder{w.NegotiatedSerializer.DecoderToVersion(d, gv)}
}

type wireDecoder struct{ runtime.Decoder }

func (d wireDecoder) Decode(data []byte, gvk *schema.GroupVersionKind, into runtime.Object) (runtime.Object, *schema.GroupVersionKind, error) {
	obj, kind, err := d.Decoder.Decode(data, gvk, into)
	if err != nil {
		return obj, kind, err
	}
	if u, ok := obj.(*unstructured.Unstructured); ok && len(data) > 0 && data[0] == '{' {
		// A string of the bytes, not a copy; nobody writes to them.
		u.Object[wireKey] = unsafe.String(&data[0], len(data))
	}
	return obj, kind, nil
}

// takeWire removes the wire JSON from u and returns it, nil when u has
// none.
func takeWire(u *unstructured.Unstructured) []byte {
	s, ok := u.Object[wireKey].(string)
	if !ok {
		return nil
	}
	delete(u.Object, wireKey)
	if s == "" {
		return nil
	}
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// stripWire returns raw, the JSON of one object, without what
// stripForStatus drops: metadata.managedFields, the last-applied
// annotation, and the annotations when none is left. It returns raw
// itself when there is nothing to drop, a new slice otherwise, and false
// when it cannot tell (a key written with escapes, a key twice): the
// caller then encodes the decoded object instead. raw must be valid JSON,
// as the decoder that accepted it proved; stripWire never writes to it.
func stripWire(raw []byte) ([]byte, bool) {
	// The members of the object, its metadata and its annotations, in
	// buffers on the stack: most objects have fewer than 16 of each.
	var topBuf, metaBuf, annBuf [16]member
	top, ok := members(raw, skipSpace(raw, 0), topBuf[:0])
	if !ok {
		return nil, false
	}
	mi, ok := unique(raw, top, "metadata")
	if !ok {
		return nil, false
	}
	if mi < 0 || raw[top[mi].val] != '{' {
		return raw, true // no metadata object: nothing to drop
	}
	meta, ok := members(raw, top[mi].val, metaBuf[:0])
	if !ok {
		return nil, false
	}
	fi, ok := unique(raw, meta, "managedFields")
	if !ok {
		return nil, false
	}
	ai, ok := unique(raw, meta, "annotations")
	if !ok {
		return nil, false
	}
	// What the annotations become: -1 kept as they are, 0 dropped,
	// 1 rewritten without the last-applied one.
	annotations, li := -1, -1
	var ann []member
	if ai >= 0 && raw[meta[ai].val] == '{' {
		if ann, ok = members(raw, meta[ai].val, annBuf[:0]); !ok {
			return nil, false
		}
		if li, ok = unique(raw, ann, lastAppliedAnnotation); !ok {
			return nil, false
		}
		switch {
		case len(ann) == 0 || (li >= 0 && len(ann) == 1):
			annotations = 0
		case li >= 0:
			annotations = 1
		}
	}
	if fi < 0 && annotations < 0 {
		return raw, true
	}
	// The pieces of the result, then one allocation of its exact size: the
	// cache keeps the result, and a slice of the wire's size would keep
	// the bytes of the dropped fields too.
	var buf [48][]byte
	parts := buf[:0]
	comma, open, closing := []byte{','}, []byte{'{'}, []byte{'}'}
	parts = append(parts, raw[:top[mi].val], open)
	first := true
	for i, m := range meta {
		if i == fi || (i == ai && annotations == 0) {
			continue
		}
		if !first {
			parts = append(parts, comma)
		}
		first = false
		if i != ai || annotations < 0 {
			parts = append(parts, raw[m.key:m.end])
			continue
		}
		parts = append(parts, raw[m.key:m.val], open)
		firstAnn := true
		for j, a := range ann {
			if j == li {
				continue
			}
			if !firstAnn {
				parts = append(parts, comma)
			}
			firstAnn = false
			parts = append(parts, raw[a.key:a.end])
		}
		parts = append(parts, closing)
	}
	parts = append(parts, closing, raw[top[mi].end:])
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	out := make([]byte, 0, n)
	for _, p := range parts {
		out = append(out, p...)
	}
	return out, true
}

// member is one member of a JSON object: its key is b[key:keyEnd], quotes
// included, its value starts at val and ends before end.
type member struct{ key, keyEnd, val, end int }

// members appends to out the members of the object at b[i], which must
// be '{'.
func members(b []byte, i int, out []member) ([]member, bool) {
	if i >= len(b) || b[i] != '{' {
		return nil, false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return out, true
	}
	for i < len(b) {
		var m member
		m.key = i
		j, ok := skipString(b, i)
		if !ok {
			return nil, false
		}
		m.keyEnd = j
		j = skipSpace(b, j)
		if j >= len(b) || b[j] != ':' {
			return nil, false
		}
		m.val = skipSpace(b, j+1)
		if m.end, ok = skipValue(b, m.val); !ok {
			return nil, false
		}
		out = append(out, m)
		i = skipSpace(b, m.end)
		if i >= len(b) {
			return nil, false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return out, true
		default:
			return nil, false
		}
	}
	return nil, false
}

// unique returns the index of the member whose key is name, -1 when there
// is none, and false when it cannot tell: name twice, or a key with an
// escape that might spell it.
func unique(b []byte, ms []member, name string) (int, bool) {
	at := -1
	for i, m := range ms {
		k := b[m.key+1 : m.keyEnd-1]
		if bytes.IndexByte(k, '\\') >= 0 {
			return -1, false
		}
		if string(k) == name {
			if at >= 0 {
				return -1, false
			}
			at = i
		}
	}
	return at, true
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// skipString returns the index after the string at b[i].
func skipString(b []byte, i int) (int, bool) {
	if i >= len(b) || b[i] != '"' {
		return 0, false
	}
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1, true
		}
	}
	return 0, false
}

// skipValue returns the index after the value at b[i].
func skipValue(b []byte, i int) (int, bool) {
	if i >= len(b) {
		return 0, false
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				j, ok := skipString(b, i)
				if !ok {
					return 0, false
				}
				i = j - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1, true
				}
			}
		}
		return 0, false
	}
	// A number, true, false or null.
	j := i
	for j < len(b) && !isSpace(b[j]) && b[j] != ',' && b[j] != '}' && b[j] != ']' {
		j++
	}
	return j, j > i
}
