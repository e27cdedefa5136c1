package status_test

import (
	"errors"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kwait-dev/kwait/status"
)

func TestFromString(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		text    string
		want    status.Status
		wantErr bool
	}{
		{text: "InProgress", want: status.InProgressStatus},
		{text: "Failed", want: status.FailedStatus},
		{text: "Current", want: status.CurrentStatus},
		{text: "Terminating", want: status.TerminatingStatus},
		{text: "NotFound", want: status.NotFoundStatus},
		{text: "Unknown", want: status.UnknownStatus},
		{text: "current", wantErr: true},
		{text: "", wantErr: true},
	} {
		t.Run(tc.text, func(t *testing.T) {
			t.Parallel()
			got, err := status.FromString(tc.text)
			if tc.wantErr {
				if !errors.Is(err, status.ErrInvalidStatus) {
					t.Errorf("FromString(%q) error = %v, want ErrInvalidStatus", tc.text, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("FromString(%q) = %q, %v; want %q", tc.text, got, err, tc.want)
			}
			if got.String() != tc.text {
				t.Errorf("String() = %q, want %q", got.String(), tc.text)
			}
		})
	}
}

func TestFromStringOrDie(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		text      string
		wantPanic bool
	}{
		{name: "valid", text: "NotFound"},
		{name: "invalid", text: "Bogus", wantPanic: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			defer func() {
				r := recover()
				if (r != nil) != tc.wantPanic {
					t.Errorf("panic = %v, want panic %v", r, tc.wantPanic)
				}
			}()
			if got := status.FromStringOrDie(tc.text); string(got) != tc.text {
				t.Errorf("FromStringOrDie(%q) = %q", tc.text, got)
			}
		})
	}
}

func TestConditionTypeString(t *testing.T) {
	t.Parallel()
	for _, ct := range []status.ConditionType{status.ConditionReconciling, status.ConditionStalled} {
		if ct.String() != string(ct) {
			t.Errorf("String() = %q, want %q", ct.String(), string(ct))
		}
	}
}

func TestErrorMessages(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{
			name: "FieldError",
			err:  &status.FieldError{Path: "status.replicas", Err: status.ErrWrongType},
			want: "status: field status.replicas: wrong type",
		},
		{
			name: "FuncError",
			err:  &status.FuncError{GroupKind: schema.GroupKind{Group: "example.com", Kind: "Widget"}, Err: errors.New("boom")},
			want: "status: func for Widget.example.com: boom",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.err.Error(); got != tc.want {
				t.Errorf("Error() = %q, want %q", got, tc.want)
			}
		})
	}
}
