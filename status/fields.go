package status

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
)

// The accessors below read unstructured content without panicking. An absent
// field and a JSON null are "not found"; a field (or a parent on its path) of
// the wrong type is a *FieldError naming the path.

// lookup returns the value at keys in m. prefix is prepended to the path in
// errors, for maps found inside lists.
func lookup(m map[string]any, prefix string, keys ...string) (any, bool, error) {
	cur := m
	for i, key := range keys {
		v, ok := cur[key]
		if !ok || v == nil {
			return nil, false, nil
		}
		if i == len(keys)-1 {
			return v, true, nil
		}
		next, ok := v.(map[string]any)
		if !ok {
			return nil, false, wrongType(joinPath(prefix, keys[:i+1]), v, "object")
		}
		cur = next
	}
	return m, m != nil, nil
}

func joinPath(prefix string, keys []string) string {
	p := strings.Join(keys, ".")
	if prefix == "" {
		return p
	}
	return prefix + "." + p
}

func wrongType(path string, v any, want string) error {
	return &FieldError{Path: path, Err: fmt.Errorf("%w: got %T, want %s", ErrWrongType, v, want)}
}

// nestedInt reads an integer: any Go integer type, a whole float64 or float32
// (as decoded by encoding/json), or a json.Number.
func nestedInt(m map[string]any, keys ...string) (int64, bool, error) {
	v, found, err := lookup(m, "", keys...)
	if !found || err != nil {
		return 0, false, err
	}
	n, ok := toInt64(v)
	if !ok {
		return 0, false, wrongType(joinPath("", keys), v, "integer")
	}
	return n, true, nil
}

// stringAt reads a string at keys below m; prefix is m's own path.
func stringAt(m map[string]any, prefix string, keys ...string) (string, bool, error) {
	v, found, err := lookup(m, prefix, keys...)
	if !found || err != nil {
		return "", false, err
	}
	s, ok := v.(string)
	if !ok {
		return "", false, wrongType(joinPath(prefix, keys), v, "string")
	}
	return s, true, nil
}

func nestedString(m map[string]any, keys ...string) (string, bool, error) {
	return stringAt(m, "", keys...)
}

func nestedBool(m map[string]any, keys ...string) (bool, bool, error) {
	v, found, err := lookup(m, "", keys...)
	if !found || err != nil {
		return false, false, err
	}
	b, ok := v.(bool)
	if !ok {
		return false, false, wrongType(joinPath("", keys), v, "boolean")
	}
	return b, true, nil
}

// sliceAt reads a list at keys below m; prefix is m's own path.
func sliceAt(m map[string]any, prefix string, keys ...string) ([]any, bool, error) {
	v, found, err := lookup(m, prefix, keys...)
	if !found || err != nil {
		return nil, false, err
	}
	s, ok := v.([]any)
	if !ok {
		return nil, false, wrongType(joinPath(prefix, keys), v, "list")
	}
	return s, true, nil
}

// mapAt reads an object at keys below m; prefix is m's own path.
func mapAt(m map[string]any, prefix string, keys ...string) (map[string]any, bool, error) {
	v, found, err := lookup(m, prefix, keys...)
	if !found || err != nil {
		return nil, false, err
	}
	o, ok := v.(map[string]any)
	if !ok {
		return nil, false, wrongType(joinPath(prefix, keys), v, "object")
	}
	return o, true, nil
}

func toInt64(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case int32:
		return int64(n), true
	case int16:
		return int64(n), true
	case int8:
		return int64(n), true
	case uint64:
		return int64(n), n <= math.MaxInt64
	case uint:
		return int64(n), uint64(n) <= math.MaxInt64
	case uint32:
		return int64(n), true
	case uint16:
		return int64(n), true
	case uint8:
		return int64(n), true
	case float64:
		return floatToInt64(n)
	case float32:
		return floatToInt64(float64(n))
	case json.Number:
		if i, err := n.Int64(); err == nil {
			return i, true
		}
		f, err := n.Float64()
		if err != nil {
			return 0, false
		}
		return floatToInt64(f)
	}
	return 0, false
}

// floatToInt64 accepts whole numbers in the int64 range; NaN and ±Inf fail.
func floatToInt64(f float64) (int64, bool) {
	if f != math.Trunc(f) || f < -(1<<63) || f >= 1<<63 {
		return 0, false
	}
	return int64(f), true
}

// reader reads many fields of one object and keeps the first error, so that
// rules can read all their inputs and check once (as bufio.Scanner does).
type reader struct {
	obj map[string]any
	err error
}

// int returns the integer at keys, or def when absent or after an error.
func (r *reader) int(def int64, keys ...string) int64 {
	if r.err != nil {
		return def
	}
	n, found, err := nestedInt(r.obj, keys...)
	if err != nil {
		r.err = err
	}
	if !found {
		return def
	}
	return n
}

// string returns the string at keys, or def when absent or after an error.
func (r *reader) string(def string, keys ...string) string {
	if r.err != nil {
		return def
	}
	s, found, err := nestedString(r.obj, keys...)
	if err != nil {
		r.err = err
	}
	if !found {
		return def
	}
	return s
}
