package status

// pdbStatus: a PodDisruptionBudget is Current once the disruption controller
// has observed its generation, which the generic observedGeneration check has
// already ensured. As in cli-utils, currentHealthy vs desiredHealthy is not
// compared: it measures the selected Pods, not whether the budget is
// reconciled, and would keep the budget InProgress while its Pods roll.
func pdbStatus(*object) (*Result, error) {
	return current("AllowedDisruptions has been computed."), nil
}
