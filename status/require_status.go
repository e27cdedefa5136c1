package status

// builtinGroups are the API groups kube-apiserver serves itself. An object
// of any other group is a custom resource (a CRD or an aggregated API).
var builtinGroups = map[string]bool{
	"":                             true,
	"admissionregistration.k8s.io": true,
	"apiextensions.k8s.io":         true,
	"apiregistration.k8s.io":       true,
	"apps":                         true,
	"authentication.k8s.io":        true,
	"authorization.k8s.io":         true,
	"autoscaling":                  true,
	"batch":                        true,
	"certificates.k8s.io":          true,
	"coordination.k8s.io":          true,
	"discovery.k8s.io":             true,
	"events.k8s.io":                true,
	"extensions":                   true,
	"flowcontrol.apiserver.k8s.io": true,
	"internal.apiserver.k8s.io":    true,
	"lifecycle.k8s.io":             true,
	"networking.k8s.io":            true,
	"node.k8s.io":                  true,
	"policy":                       true,
	"rbac.authorization.k8s.io":    true,
	"resource.k8s.io":              true,
	"scheduling.k8s.io":            true,
	"storage.k8s.io":               true,
	"storagemigration.k8s.io":      true,
}

// checkStatusWritten returns InProgress for a custom resource whose
// controller has not written a status yet: no status, or a status with
// neither observedGeneration nor a condition. nil means the status is
// written, or o is not a custom resource.
func checkStatusWritten(o *object, group string) *Result {
	if builtinGroups[group] {
		return nil
	}
	if len(o.conditions) > 0 {
		return nil
	}
	if _, found, _ := lookup(o.obj, "", "status", "observedGeneration"); found {
		return nil
	}
	return inProgress("StatusNotWritten", o.kindOrResource()+" is waiting for its controller to write a status")
}
