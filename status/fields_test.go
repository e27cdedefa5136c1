package status

import (
	"encoding/json"
	"errors"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestToInt64(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		in     any
		want   int64
		wantOK bool
	}{
		{name: "int64", in: int64(-7), want: -7, wantOK: true},
		{name: "int", in: 7, want: 7, wantOK: true},
		{name: "int32", in: int32(7), want: 7, wantOK: true},
		{name: "int16", in: int16(7), want: 7, wantOK: true},
		{name: "int8", in: int8(7), want: 7, wantOK: true},
		{name: "uint", in: uint(7), want: 7, wantOK: true},
		{name: "uint64", in: uint64(7), want: 7, wantOK: true},
		{name: "uint64 overflow", in: uint64(math.MaxUint64)},
		{name: "uint32", in: uint32(7), want: 7, wantOK: true},
		{name: "uint16", in: uint16(7), want: 7, wantOK: true},
		{name: "uint8", in: uint8(7), want: 7, wantOK: true},
		{name: "whole float64", in: 7.0, want: 7, wantOK: true},
		{name: "negative whole float64", in: -7.0, want: -7, wantOK: true},
		{name: "fractional float64", in: 7.5},
		{name: "NaN", in: math.NaN()},
		{name: "+Inf", in: math.Inf(1)},
		{name: "-Inf", in: math.Inf(-1)},
		{name: "float64 at 2^63", in: float64(1 << 63)},
		{name: "float64 at -2^63", in: -float64(1 << 63), want: math.MinInt64, wantOK: true},
		{name: "whole float32", in: float32(7), want: 7, wantOK: true},
		{name: "json.Number int", in: json.Number("7"), want: 7, wantOK: true},
		{name: "json.Number exponent", in: json.Number("7e2"), want: 700, wantOK: true},
		{name: "json.Number fraction", in: json.Number("7.5")},
		{name: "json.Number garbage", in: json.Number("seven")},
		{name: "string", in: "7"},
		{name: "bool", in: true},
		{name: "nil", in: nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := toInt64(tc.in)
			if ok != tc.wantOK || (tc.wantOK && got != tc.want) {
				t.Errorf("toInt64(%#v) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

func TestLookup(t *testing.T) {
	t.Parallel()
	obj := map[string]any{
		"a":    map[string]any{"b": map[string]any{"c": "x"}, "null": nil},
		"list": []any{1},
		"str":  "s",
		"bool": true,
	}
	for _, tc := range []struct {
		name      string
		get       func() (any, bool, error)
		want      any
		wantFound bool
		wantPath  string
	}{
		{name: "nested", get: func() (any, bool, error) { return lookup(obj, "", "a", "b", "c") }, want: "x", wantFound: true},
		{name: "top level", get: func() (any, bool, error) { return lookup(obj, "", "str") }, want: "s", wantFound: true},
		{name: "absent", get: func() (any, bool, error) { return lookup(obj, "", "a", "x", "c") }},
		{name: "null parent", get: func() (any, bool, error) { return lookup(obj, "", "a", "null", "c") }},
		{name: "nil map", get: func() (any, bool, error) { return lookup(nil, "", "a") }},
		{name: "string parent", get: func() (any, bool, error) { return lookup(obj, "", "str", "x") }, wantPath: "str"},
		{name: "list parent with prefix", get: func() (any, bool, error) { return lookup(obj, "items[0]", "list", "x") }, wantPath: "items[0].list"},
		{name: "bool", get: func() (any, bool, error) { b, ok, err := nestedBool(obj, "bool"); return b, ok, err }, want: true, wantFound: true},
		{name: "bool absent", get: func() (any, bool, error) { b, ok, err := nestedBool(obj, "none"); return b, ok, err }, want: false},
		{name: "bool wrong type", get: func() (any, bool, error) { b, ok, err := nestedBool(obj, "str"); return b, ok, err }, want: false, wantPath: "str"},
		{name: "map wrong type", get: func() (any, bool, error) { m, ok, err := mapAt(obj, "", "list"); return m, ok, err }, want: map[string]any(nil), wantPath: "list"},
		{name: "map absent", get: func() (any, bool, error) { m, ok, err := mapAt(obj, "", "none"); return m, ok, err }, want: map[string]any(nil)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, found, err := tc.get()
			if tc.wantPath != "" {
				var fe *FieldError
				if !errors.As(err, &fe) || fe.Path != tc.wantPath || !errors.Is(err, ErrWrongType) {
					t.Fatalf("got error %v, want a wrong-type *FieldError at %s", err, tc.wantPath)
				}
			} else if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if found != tc.wantFound {
				t.Errorf("found = %v, want %v", found, tc.wantFound)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("value mismatch (-want +got):\n%s", diff)
			}
		})
	}
	if got, found, err := lookup(obj, ""); !found || err != nil || got == nil {
		t.Errorf("lookup with no keys = %v, %v, %v; want the map", got, found, err)
	}
}
