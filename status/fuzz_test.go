package status_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	unstructured "k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kwait-dev/kwait/status"
)

// FuzzCompute checks that Compute and Augment never panic, that Compute
// returns a valid status or a *FieldError and does not modify its input, and
// that Augment keeps the computed status.
func FuzzCompute(f *testing.F) {
	seeds := []string{
		`{}`,
		`null`,
		`{"status":"ok"}`,
		`{"metadata":"x","status":[]}`,
		`{"metadata":{"generation":2,"deletionTimestamp":"2026-01-01T00:00:00Z"}}`,
		`{"metadata":{"generation":2.5},"status":{"observedGeneration":true}}`,
		`{"metadata":{"generation":1e300},"status":{"observedGeneration":-1e300}}`,
		`{"apiVersion":1,"kind":{}}`,
		`{"apiVersion":"a/b/c","kind":"Widget"}`,
		`{"apiVersion":"example.com/v1","kind":"Widget","status":{"conditions":[{"type":"Ready","status":"False","reason":"R","message":"m"}]}}`,
		`{"apiVersion":"example.com/v1","kind":"Widget","status":{"conditions":[null,{"type":"Reconciling","status":"True"},{"type":"Stalled","status":"True"}]}}`,
		`{"apiVersion":"example.com/v1","kind":"Widget","status":{"conditions":{"type":"Ready"}}}`,
		`{"apiVersion":"example.com/v1","kind":"Widget","status":{"conditions":["Ready",1,true]}}`,
		`{"apiVersion":"example.com/v1","kind":"Widget","status":{"conditions":[{"type":1,"status":[]}]}}`,
		`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"generation":1},"spec":{"replicas":3,"progressDeadlineSeconds":600},"status":{"observedGeneration":1,"replicas":3,"updatedReplicas":3,"readyReplicas":3,"availableReplicas":3,"conditions":[{"type":"Progressing","status":"True","reason":"NewReplicaSetAvailable"},{"type":"Available","status":"True"}]}}`,
		`{"apiVersion":"apps/v1","kind":"Deployment","spec":{"replicas":"three"},"status":{"replicas":{}}}`,
		`{"apiVersion":"apps/v1","kind":"Deployment","status":{"conditions":[{"type":"Progressing","status":"False","reason":"ProgressDeadlineExceeded"}]}}`,
		`{"apiVersion":"apps/v1","kind":"StatefulSet","spec":{"replicas":3,"updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"partition":1}}},"status":{"replicas":3,"readyReplicas":3,"updatedReplicas":1}}`,
		`{"apiVersion":"apps/v1","kind":"StatefulSet","spec":{"updateStrategy":"OnDelete"}}`,
		`{"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"generation":1},"status":{"observedGeneration":1,"desiredNumberScheduled":2,"numberReady":"2"}}`,
		`{"apiVersion":"apps/v1","kind":"ReplicaSet","spec":{"replicas":2},"status":{"conditions":[{"type":"ReplicaFailure","status":"True"}]}}`,
		`{"apiVersion":"v1","kind":"Pod","status":{"phase":"Running","containerStatuses":[{"name":"a","state":{"waiting":{"reason":"CrashLoopBackOff"}}}]}}`,
		`{"apiVersion":"v1","kind":"Pod","status":{"phase":"Pending","initContainerStatuses":["x"],"containerStatuses":{"a":1}}}`,
		`{"apiVersion":"v1","kind":"Pod","status":{"phase":"Pending","conditions":[{"type":"PodScheduled","status":"False","reason":"Unschedulable"}]}}`,
		`{"apiVersion":"v1","kind":"Pod","status":{"phase":"Exploded"}}`,
		`{"apiVersion":"v1","kind":"Pod","status":{"phase":"Unknown"}}`,
		`{"apiVersion":"v1","kind":"PersistentVolumeClaim","status":{"phase":"Bound"}}`,
		`{"apiVersion":"v1","kind":"Service","spec":{"type":"LoadBalancer"},"status":{"loadBalancer":{"ingress":"x"}}}`,
		`{"apiVersion":"v1","kind":"ConfigMap","data":{"a":"b"}}`,
		`{"apiVersion":"v1","kind":"Secret","status":{"conditions":[{"type":"Stalled","status":"True"}]}}`,
		`{"apiVersion":"policy/v1","kind":"PodDisruptionBudget","metadata":{"generation":2},"status":{"observedGeneration":1}}`,
		`{"apiVersion":"batch/v1","kind":"Job","spec":{"suspend":"yes","parallelism":2},"status":{"startTime":5}}`,
		`{"apiVersion":"batch/v1","kind":"Job","status":{"conditions":[{"type":"Failed","status":"True"}]}}`,
		`{"apiVersion":"batch/v1","kind":"CronJob"}`,
		`{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","status":{"conditions":[{"type":"NamesAccepted","status":"False"}]}}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var obj map[string]any
		if err := json.Unmarshal(data, &obj); err != nil {
			return
		}
		u := &unstructured.Unstructured{Object: obj}
		before := u.DeepCopy()

		res, err := status.Compute(u)
		if !reflect.DeepEqual(before.Object, u.Object) {
			t.Fatalf("Compute modified its input")
		}
		if err != nil {
			var fe *status.FieldError
			if res != nil || !errors.As(err, &fe) {
				t.Fatalf("Compute = %v, %v; want nil and a *FieldError", res, err)
			}
		} else if res == nil {
			t.Fatal("Compute returned nil result and nil error")
		} else if _, perr := status.FromString(string(res.Status)); perr != nil {
			t.Fatalf("Compute returned invalid status %q", res.Status)
		}

		augErr := status.Augment(u)
		if (augErr != nil) != (err != nil) {
			t.Fatalf("Augment error %v, Compute error %v: want both or neither", augErr, err)
		}
		if err != nil {
			return
		}
		again, err := status.Compute(u)
		if err != nil {
			t.Fatalf("Compute after Augment: %v", err)
		}
		if again.Status != res.Status {
			t.Fatalf("status after Augment = %s, before = %s", again.Status, res.Status)
		}
	})
}

// FuzzBuiltin checks that the rule pack never panics and returns a valid
// status or a *FuncError wrapping a *CELError, whatever the status holds,
// for each kind of the pack.
func FuzzBuiltin(f *testing.F) {
	for _, s := range []string{
		`{}`,
		`{"phase":"Healthy","observedGeneration":"1"}`,
		`{"phase":["x"],"message":7}`,
		`{"conditions":[{"type":"Succeeded","status":"True"}]}`,
		`{"conditions":[null,{"type":1},{"type":"Ready"}]}`,
		`{"parents":[{"parentRef":{},"conditions":[{"type":"Accepted","status":"True","observedGeneration":"1"}]}]}`,
		`{"health":{"status":"Healthy"},"sync":{"status":"Synced","comparedTo":{"source":null}}}`,
		`{"validationErrors":[1,null],"failureReason":{}}`,
	} {
		f.Add([]byte(s))
	}
	c := status.NewComputer(status.Builtin())
	kinds := make([]schema.GroupKind, 0)
	for gk := range status.BuiltinRules() {
		kinds = append(kinds, gk)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var st any
		if err := json.Unmarshal(data, &st); err != nil {
			return
		}
		for _, gk := range kinds {
			u := &unstructured.Unstructured{Object: map[string]any{
				"apiVersion": gk.Group + "/v1",
				"kind":       gk.Kind,
				"metadata":   map[string]any{"name": "x", "generation": float64(1)},
				"spec":       map[string]any{"claimNames": st},
				"status":     st,
			}}
			res, err := c.Compute(u)
			if err != nil {
				var fe *status.FuncError
				var ce *status.CELError
				if res != nil || !errors.As(err, &fe) || !errors.As(err, &ce) {
					t.Fatalf("%s: Compute = %v, %v; want nil and a *FuncError wrapping a *CELError", gk, res, err)
				}
				continue
			}
			if _, perr := status.FromString(string(res.Status)); perr != nil {
				t.Fatalf("%s: invalid status %q", gk, res.Status)
			}
		}
	})
}
