package main

import (
	"strings"
	"testing"
)

func TestParseFor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    string // the goal's String
		wantErr string // a part of the error
	}{
		{in: "", want: "Current"},
		{in: "current", want: "Current"},
		{in: "delete", want: "deleted"},
		{in: "create", want: "created"},
		{in: "condition=Ready", want: "condition Ready=True"},
		{in: "condition=Ready=False", want: "condition Ready=False"},
		{in: "condition=Available=true", want: "condition Available=true"},
		{in: "condition=", wantErr: "needs a condition type"},
		{in: "condition=Ready=", wantErr: "needs a status"},
		{in: "jsonpath={.status.phase}=Running", want: "jsonpath {.status.phase}=Running"},
		{in: "jsonpath='{.status.phase}'=Running", want: "jsonpath {.status.phase}=Running"},
		{in: `jsonpath={.status.phase}="Running"`, want: "jsonpath {.status.phase}=Running"},
		{in: "jsonpath={.status.endpoint}", want: "jsonpath {.status.endpoint}"},
		{in: "jsonpath={.metadata.labels.a==b}=x", want: "jsonpath {.metadata.labels.a==b}=x"},
		{in: "jsonpath=", wantErr: "jsonpath wait format"},
		{in: "jsonpath={.a}=b=c", wantErr: "jsonpath wait format"},
		{in: "jsonpath={.a}=", wantErr: "value after the equal sign"},
		{in: "jsonpath={.a[}=1", wantErr: "does not parse"},
		{in: "cel=status.?readyReplicas.orValue(0) >= 2", want: "cel status.?readyReplicas.orValue(0) >= 2"},
		{in: "cel=", wantErr: "needs an expression"},
		{in: "cel=stauts.ready", wantErr: "does not compile"},
		{in: "deleted", wantErr: `unknown value "deleted"`},
		{in: "Ready", wantErr: "want current, delete, create"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			g, err := parseFor(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseFor(%q) = %v, %v; want an error with %q", tt.in, g, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseFor(%q): %v", tt.in, err)
			}
			if got := g.String(); got != tt.want {
				t.Errorf("parseFor(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSplitJSONPathInput(t *testing.T) {
	t.Parallel()
	got := strings.Join(splitJSONPathInput("a.b.c====d.e.f===g.h.i==="), "|")
	if want := "a.b.c====d.e.f==|g.h.i==|"; got != want {
		t.Errorf("split = %q, want %q (kubectl's rule)", got, want)
	}
}
