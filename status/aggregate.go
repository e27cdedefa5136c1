package status

// Aggregate counts the resources of one wait so that the wait's status is
// O(1) to update and to read.
type Aggregate struct {
	// Total is the number of resources waited on.
	Total int
	// Observed is how many have been seen at least once.
	Observed int
	// EverCurrent is how many have been Current at least once (sticky).
	EverCurrent int
}

// Status is the wait contract's aggregate status: Current for an empty set,
// Unknown until every resource has been observed, Current once every
// resource has been Current at least once, InProgress otherwise.
func (a Aggregate) Status() Status {
	switch {
	case a.Total <= 0:
		return CurrentStatus
	case a.Observed < a.Total:
		return UnknownStatus
	case a.EverCurrent >= a.Total:
		return CurrentStatus
	}
	return InProgressStatus
}

// AggregateStatus reduces statuses as cli-utils' aggregator does, first rule
// first:
//   - no statuses: desired;
//   - any Failed: Failed;
//   - any Unknown: Unknown;
//   - all equal to desired: desired;
//   - otherwise InProgress.
func AggregateStatus(statuses []Status, desired Status) Status {
	if len(statuses) == 0 {
		return desired
	}
	allDesired, anyUnknown := true, false
	for _, s := range statuses {
		switch s {
		case FailedStatus:
			return FailedStatus
		case UnknownStatus:
			anyUnknown = true
		}
		if s != desired {
			allDesired = false
		}
	}
	switch {
	case anyUnknown:
		return UnknownStatus
	case allDesired:
		return desired
	}
	return InProgressStatus
}
