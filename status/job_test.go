package status_test

import "testing"

func TestJob(t *testing.T) {
	t.Parallel()
	const started = `"startTime":"2026-01-01T00:00:00Z"`
	runComputeCases(t, []computeCase{
		{
			name: "Complete",
			obj:  object("batch/v1", "Job", `{}`, `{`+started+`,"succeeded":1,"conditions":[{"type":"Complete","status":"True"}]}`),
			want: current("Job Completed. succeeded: 1/1"),
		},
		{
			name: "completions default to parallelism",
			obj:  object("batch/v1", "Job", `{"parallelism":3}`, `{`+started+`,"succeeded":3,"conditions":[{"type":"Complete","status":"True"}]}`),
			want: current("Job Completed. succeeded: 3/3"),
		},
		{
			name: "Failed",
			obj: object("batch/v1", "Job", `{"completions":2}`,
				`{`+started+`,"failed":7,"conditions":[{"type":"Complete","status":"False"},{"type":"Failed","status":"True","reason":"BackoffLimitExceeded"}]}`),
			want: failed("JobFailed", "Job Failed. failed: 7/2"),
		},
		{
			name: "running",
			obj:  object("batch/v1", "Job", `{"completions":5}`, `{`+started+`,"active":2,"succeeded":1,"conditions":[{"type":"Failed","status":"False"}]}`),
			want: current("Job in progress. success:1, active: 2, failed: 0"),
		},
		{
			name: "not started",
			obj:  object("batch/v1", "Job", `{}`, `{}`),
			want: inProgress("JobNotStarted", "Job not started"),
		},
		{
			name: "suspended before start",
			obj:  object("batch/v1", "Job", `{"suspend":true}`, `{"conditions":[{"type":"Suspended","status":"True"}]}`),
			want: inProgress("JobSuspended", "Job is suspended"),
		},
		{
			name: "suspended after start",
			obj:  object("batch/v1", "Job", `{"suspend":true}`, `{`+started+`}`),
			want: current("Job in progress. success:0, active: 0, failed: 0"),
		},
		{
			name:        "startTime of the wrong type",
			obj:         object("batch/v1", "Job", `{}`, `{"startTime":1767225600}`),
			wantErrPath: "status.startTime",
		},
		{
			name:        "suspend of the wrong type",
			obj:         object("batch/v1", "Job", `{"suspend":"yes"}`, `{}`),
			wantErrPath: "spec.suspend",
		},
		{
			name:        "parallelism of the wrong type",
			obj:         object("batch/v1", "Job", `{"parallelism":"3"}`, `{}`),
			wantErrPath: "spec.parallelism",
		},
	})
}
