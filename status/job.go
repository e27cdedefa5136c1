package status

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
)

// jobStatus follows cli-utils: a Job is Current once it has started
// (status.startTime set) and stays Current while running and after Complete;
// Failed=True is Failed. A Job that has not started, including one created
// with spec.suspend, is InProgress: suspension is not a terminal state and
// whoever waits on the Job waits for it to be admitted and start.
func jobStatus(o *object) (*Result, error) {
	r := reader{obj: o.obj}
	parallelism := r.int(1, "spec", "parallelism")
	completions := r.int(parallelism, "spec", "completions")
	succeeded := r.int(0, "status", "succeeded")
	active := r.int(0, "status", "active")
	failedPods := r.int(0, "status", "failed")
	startTime := r.string("", "status", "startTime")
	if r.err != nil {
		return nil, r.err
	}

	for _, c := range o.conditions {
		if c.Status != corev1.ConditionTrue {
			continue
		}
		switch c.Type {
		case "Complete":
			return current(fmt.Sprintf("Job Completed. succeeded: %d/%d", succeeded, completions)), nil
		case "Failed":
			return failed("JobFailed", fmt.Sprintf("Job Failed. failed: %d/%d", failedPods, completions)), nil
		}
	}

	if startTime == "" {
		suspended, _, err := nestedBool(o.obj, "spec", "suspend")
		if err != nil {
			return nil, err
		}
		if suspended {
			return inProgress("JobSuspended", "Job is suspended"), nil
		}
		return inProgress("JobNotStarted", "Job not started"), nil
	}
	return current(fmt.Sprintf("Job in progress. success:%d, active: %d, failed: %d", succeeded, active, failedPods)), nil
}
