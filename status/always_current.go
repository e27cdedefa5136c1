package status

// alwaysCurrent is the rule for kinds with nothing to reconcile or no status
// to read: ConfigMap, Secret and CronJob.
func alwaysCurrent(*object) (*Result, error) {
	return current("Resource is always ready"), nil
}
