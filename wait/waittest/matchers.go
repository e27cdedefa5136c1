package waittest

import (
	"fmt"

	"github.com/onsi/gomega/types"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/scheme"

	"github.com/kwait-dev/kwait/status"
)

// BeCurrent succeeds when status.Compute of the actual object, typed (such
// as *appsv1.Deployment) or *unstructured.Unstructured, is Current. It reads
// no cluster: pair it with Eventually and a Get, or judge an object the
// test already holds. Its failure message names the object and gives its
// status and message, not the object's dump.
func BeCurrent() types.GomegaMatcher {
	return HaveStatus(status.CurrentStatus)
}

// HaveStatus succeeds when status.Compute of the actual object is s; see
// BeCurrent.
func HaveStatus(s status.Status) types.GomegaMatcher {
	return statusMatcher{want: s}
}

type statusMatcher struct {
	want status.Status
}

var _ types.GomegaMatcher = statusMatcher{}

func (m statusMatcher) Match(actual any) (bool, error) {
	_, res, err := compute(actual)
	if err != nil {
		return false, err
	}
	return res.Status == m.want, nil
}

func (m statusMatcher) FailureMessage(actual any) string {
	name, res, err := compute(actual)
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("expected %s to be %s, but it is %s", name, m.want, describe(res))
}

func (m statusMatcher) NegatedFailureMessage(actual any) string {
	name, res, err := compute(actual)
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("expected %s not to be %s, but it is %s", name, m.want, describe(res))
}

// describe is "Status: message", or "Status" without a message.
func describe(res *status.Result) string {
	if res.Message == "" {
		return string(res.Status)
	}
	return fmt.Sprintf("%s: %s", res.Status, res.Message)
}

// compute is the status of actual and its name as wait reports it:
// "Deployment.apps namespace/name".
func compute(actual any) (string, *status.Result, error) {
	u, err := toUnstructured(actual)
	if err != nil {
		return "", nil, fmt.Errorf("waittest: %w", err)
	}
	name := u.GroupVersionKind().GroupKind().String() + " "
	if ns := u.GetNamespace(); ns != "" {
		name += ns + "/"
	}
	name += u.GetName()
	res, err := status.Compute(u)
	if err != nil {
		return name, nil, fmt.Errorf("waittest: status of %s: %w", name, err)
	}
	return name, res, nil
}

// toUnstructured is actual as an unstructured object with its apiVersion
// and kind set, taken from client-go's scheme for a typed object without
// them.
func toUnstructured(actual any) (*unstructured.Unstructured, error) {
	if actual == nil {
		return nil, fmt.Errorf("expected a Kubernetes object, got nil")
	}
	switch o := actual.(type) {
	case *unstructured.Unstructured:
		if o == nil {
			return nil, fmt.Errorf("expected a Kubernetes object, got a nil *unstructured.Unstructured")
		}
		if o.GetKind() == "" {
			return nil, fmt.Errorf("the object has no kind: set its apiVersion and kind")
		}
		return o, nil
	case unstructured.Unstructured:
		return toUnstructured(&o)
	case runtime.Object:
		if isNil(o) {
			return nil, fmt.Errorf("expected a Kubernetes object, got a nil %T", o)
		}
		gvk, err := kindOf(o, scheme.Scheme)
		if err != nil {
			return nil, fmt.Errorf("%T: %w", o, err)
		}
		m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o)
		if err != nil {
			return nil, fmt.Errorf("%T: %w", o, err)
		}
		u := &unstructured.Unstructured{Object: m}
		u.SetGroupVersionKind(gvk)
		return u, nil
	default:
		return nil, fmt.Errorf("expected a Kubernetes object (typed, or *unstructured.Unstructured), got %T", actual)
	}
}
