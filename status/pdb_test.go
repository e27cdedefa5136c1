package status_test

import "testing"

func TestPodDisruptionBudget(t *testing.T) {
	t.Parallel()
	runComputeCases(t, []computeCase{
		{
			name: "observed",
			obj:  object("policy/v1", "PodDisruptionBudget", `{"minAvailable":2}`, `{"observedGeneration":1,"currentHealthy":1,"desiredHealthy":2}`),
			want: current("AllowedDisruptions has been computed."),
		},
		{
			name: "newer generation not observed",
			obj:  object("policy/v1", "PodDisruptionBudget", `{"minAvailable":2}`, `{"observedGeneration":0}`),
			want: inProgress("LatestGenerationNotObserved", "PodDisruptionBudget generation is 1, but latest observed generation is 0"),
		},
		{
			name: "no status yet",
			obj:  object("policy/v1", "PodDisruptionBudget", `{"minAvailable":2}`, ``),
			want: current("AllowedDisruptions has been computed."),
		},
	})
}
