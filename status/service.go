package status

import corev1 "k8s.io/api/core/v1"

// serviceStatus: a LoadBalancer Service is InProgress until the load balancer
// reports an ingress point; every other Service is Current. cli-utils only
// checks that spec.clusterIP is set, which the API server does at creation.
func serviceStatus(o *object) (*Result, error) {
	typ, _, err := nestedString(o.obj, "spec", "type")
	if err != nil {
		return nil, err
	}
	if corev1.ServiceType(typ) == corev1.ServiceTypeLoadBalancer {
		ingress, _, err := sliceAt(o.obj, "", "status", "loadBalancer", "ingress")
		if err != nil {
			return nil, err
		}
		if len(ingress) == 0 {
			return inProgress("NoIngress", "LoadBalancer ingress not assigned"), nil
		}
	}
	return current("Service is ready"), nil
}
