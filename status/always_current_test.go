package status_test

import "testing"

func TestAlwaysCurrent(t *testing.T) {
	t.Parallel()
	const notReady = `{"conditions":[{"type":"Ready","status":"False"}]}`
	runComputeCases(t, []computeCase{
		{
			name: "ConfigMap",
			obj:  `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},"data":{"k":"v"}}`,
			want: current("Resource is always ready"),
		},
		{
			name: "Secret",
			obj:  `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"x"},"type":"Opaque"}`,
			want: current("Resource is always ready"),
		},
		{
			name: "CronJob",
			obj:  object("batch/v1", "CronJob", `{"schedule":"* * * * *"}`, `{}`),
			want: current("Resource is always ready"),
		},
		{
			name: "the rule beats a Ready condition",
			obj:  object("batch/v1", "CronJob", `{}`, notReady),
			want: current("Resource is always ready"),
		},
	})
}
