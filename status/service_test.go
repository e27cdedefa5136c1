package status_test

import "testing"

func TestService(t *testing.T) {
	t.Parallel()
	runComputeCases(t, []computeCase{
		{
			name: "ClusterIP",
			obj:  object("v1", "Service", `{"type":"ClusterIP","clusterIP":"10.0.0.1"}`, `{}`),
			want: current("Service is ready"),
		},
		{
			name: "type defaults to ClusterIP",
			obj:  object("v1", "Service", `{}`, ``),
			want: current("Service is ready"),
		},
		{
			name: "LoadBalancer without status",
			obj:  object("v1", "Service", `{"type":"LoadBalancer","clusterIP":"10.0.0.1"}`, ``),
			want: inProgress("NoIngress", "LoadBalancer ingress not assigned"),
		},
		{
			name: "LoadBalancer with empty ingress",
			obj:  object("v1", "Service", `{"type":"LoadBalancer"}`, `{"loadBalancer":{"ingress":[]}}`),
			want: inProgress("NoIngress", "LoadBalancer ingress not assigned"),
		},
		{
			name: "LoadBalancer with ingress",
			obj:  object("v1", "Service", `{"type":"LoadBalancer"}`, `{"loadBalancer":{"ingress":[{"ip":"203.0.113.7"}]}}`),
			want: current("Service is ready"),
		},
		{
			name:        "type of the wrong type",
			obj:         object("v1", "Service", `{"type":["LoadBalancer"]}`, ``),
			wantErrPath: "spec.type",
		},
		{
			name:        "loadBalancer not an object",
			obj:         object("v1", "Service", `{"type":"LoadBalancer"}`, `{"loadBalancer":"pending"}`),
			wantErrPath: "status.loadBalancer",
		},
		{
			name:        "ingress not a list",
			obj:         object("v1", "Service", `{"type":"LoadBalancer"}`, `{"loadBalancer":{"ingress":{"ip":"203.0.113.7"}}}`),
			wantErrPath: "status.loadBalancer.ingress",
		},
	})
}
