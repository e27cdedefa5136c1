package status_test

import (
	"testing"

	"github.com/kwait-dev/kwait/status"
)

func TestAggregateStatus(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		agg  status.Aggregate
		want status.Status
	}{
		{name: "empty set", agg: status.Aggregate{}, want: status.CurrentStatus},
		{name: "none observed", agg: status.Aggregate{Total: 3}, want: status.UnknownStatus},
		{name: "some observed", agg: status.Aggregate{Total: 3, Observed: 2, EverCurrent: 2}, want: status.UnknownStatus},
		{name: "all observed, some current", agg: status.Aggregate{Total: 3, Observed: 3, EverCurrent: 2}, want: status.InProgressStatus},
		{name: "all observed, none current", agg: status.Aggregate{Total: 3, Observed: 3}, want: status.InProgressStatus},
		{name: "all current once", agg: status.Aggregate{Total: 3, Observed: 3, EverCurrent: 3}, want: status.CurrentStatus},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.agg.Status(); got != tc.want {
				t.Errorf("%+v.Status() = %s, want %s", tc.agg, got, tc.want)
			}
		})
	}
}

func TestAggregateStatusList(t *testing.T) {
	t.Parallel()
	const (
		cur  = status.CurrentStatus
		ip   = status.InProgressStatus
		fail = status.FailedStatus
		unk  = status.UnknownStatus
		nf   = status.NotFoundStatus
		term = status.TerminatingStatus
	)
	for _, tc := range []struct {
		name     string
		statuses []status.Status
		desired  status.Status
		want     status.Status
	}{
		{name: "empty is desired", statuses: nil, desired: nf, want: nf},
		{name: "all desired", statuses: []status.Status{cur, cur}, desired: cur, want: cur},
		{name: "any Failed", statuses: []status.Status{cur, unk, fail}, desired: cur, want: fail},
		{name: "any Unknown", statuses: []status.Status{cur, ip, unk}, desired: cur, want: unk},
		{name: "mixed", statuses: []status.Status{cur, term}, desired: cur, want: ip},
		{name: "all NotFound desired", statuses: []status.Status{nf, nf}, desired: nf, want: nf},
		{name: "Current while waiting for NotFound", statuses: []status.Status{nf, cur}, desired: nf, want: ip},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := status.AggregateStatus(tc.statuses, tc.desired); got != tc.want {
				t.Errorf("AggregateStatus(%v, %s) = %s, want %s", tc.statuses, tc.desired, got, tc.want)
			}
		})
	}
}
