package status_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kwait-dev/kwait/status"
)

func TestAugment(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.FixedZone("CEST", 2*60*60))
	const ts = "2026-05-01T10:00:00Z"
	for _, tc := range []struct {
		name        string
		obj         string
		want        string // the whole object after Augment; "" means unchanged
		wantErrPath string
	}{
		{
			name: "InProgress appends Reconciling",
			obj:  object("apps/v1", "Deployment", `{"replicas":2}`, `{"replicas":1,"conditions":[{"type":"Available","status":"True"}]}`),
			want: object("apps/v1", "Deployment", `{"replicas":2}`, `{"replicas":1,"conditions":[{"type":"Available","status":"True"},
				{"type":"Reconciling","status":"True","reason":"LessReplicas","message":"Replicas: 1/2","lastTransitionTime":"`+ts+`","lastUpdateTime":"`+ts+`"}]}`),
		},
		{
			name: "InProgress updates a Reconciling False",
			obj: object("v1", "PersistentVolumeClaim", `{}`,
				`{"phase":"Pending","conditions":[null,{"type":"Reconciling","status":"False","reason":"Old","lastTransitionTime":"2020-01-01T00:00:00Z","extra":1}]}`),
			want: object("v1", "PersistentVolumeClaim", `{}`,
				`{"phase":"Pending","conditions":[null,{"type":"Reconciling","status":"True","reason":"NotBound","message":"PVC is not Bound. phase: Pending","lastTransitionTime":"`+ts+`","lastUpdateTime":"`+ts+`","extra":1}]}`),
		},
		{
			name: "unchanged status keeps lastTransitionTime",
			obj: object("example.com/v1", "Widget", ``,
				`{"conditions":[{"type":"Reconciling","status":"True","reason":"R","message":"m","lastTransitionTime":"2020-01-01T00:00:00Z"}]}`),
			want: object("example.com/v1", "Widget", ``,
				`{"conditions":[{"type":"Reconciling","status":"True","reason":"R","message":"m","lastTransitionTime":"2020-01-01T00:00:00Z","lastUpdateTime":"`+ts+`"}]}`),
		},
		{
			name: "Current writes nothing",
			obj:  object("example.com/v1", "Widget", ``, `{"conditions":[{"type":"Ready","status":"True"}]}`),
		},
		{
			name: "Failed appends Stalled",
			obj:  object("v1", "Pod", ``, `{"phase":"Failed"}`),
			want: object("v1", "Pod", ``, `{"phase":"Failed","conditions":[
				{"type":"Stalled","status":"True","reason":"PodFailed","message":"Pod has completed, but not successfully","lastTransitionTime":"`+ts+`","lastUpdateTime":"`+ts+`"}]}`),
		},
		{
			name: "creates status when missing",
			obj:  object("v1", "Pod", `{}`, ``),
			want: object("v1", "Pod", `{}`, `{"conditions":[
				{"type":"Reconciling","status":"True","reason":"PodNotObserved","message":"Pod phase not available","lastTransitionTime":"`+ts+`","lastUpdateTime":"`+ts+`"}]}`),
		},
		{
			name: "Terminating writes nothing",
			obj:  `{"apiVersion":"v1","kind":"Pod","metadata":{"deletionTimestamp":"2026-01-01T00:00:00Z"}}`,
		},
		{
			name:        "compute error is returned",
			obj:         object("v1", "Pod", ``, `{"phase":7}`),
			wantErrPath: "status.phase",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			u := fromJSON(t, tc.obj)
			err := status.AugmentAt(u, now)
			if tc.wantErrPath != "" {
				var fe *status.FieldError
				if !errors.As(err, &fe) || fe.Path != tc.wantErrPath {
					t.Fatalf("got error %v, want a *FieldError at %s", err, tc.wantErrPath)
				}
			} else if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			want := tc.want
			if want == "" {
				want = tc.obj
			}
			if diff := cmp.Diff(fromJSON(t, want).Object, u.Object); diff != "" {
				t.Errorf("object mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAugmentNow(t *testing.T) {
	t.Parallel()
	u := fromJSON(t, object("v1", "Pod", `{}`, `{"phase":"Pending"}`))
	before := time.Now().UTC().Truncate(time.Second)
	if err := status.Augment(u); err != nil {
		t.Fatal(err)
	}
	got, err := status.Compute(u)
	if err != nil || got.Status != status.InProgressStatus {
		t.Fatalf("Compute after Augment = %v, %v; want InProgress", got, err)
	}
	conds := u.Object["status"].(map[string]any)["conditions"].([]any)
	ts, err := time.Parse(time.RFC3339, conds[0].(map[string]any)["lastUpdateTime"].(string))
	if err != nil || ts.Before(before) {
		t.Errorf("lastUpdateTime = %v (%v), want a time at or after %v", ts, err, before)
	}
}

func TestAugmentNil(t *testing.T) {
	t.Parallel()
	if err := status.Augment(nil); !errors.Is(err, status.ErrNilObject) {
		t.Errorf("Augment(nil) = %v, want ErrNilObject", err)
	}
}
