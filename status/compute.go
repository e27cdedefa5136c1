package status

import (
	"errors"
	"fmt"

	unstructured "k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Func computes the status of one kind of object.
type Func func(u *unstructured.Unstructured) (*Result, error)

// Computer computes status with caller-registered Funcs for their own
// GroupKinds on top of the built-in rules. It is safe for concurrent use.
type Computer struct {
	funcs         map[schema.GroupKind]Func
	requireStatus bool
}

// ComputerOptions are the options of NewComputerWithOptions.
type ComputerOptions struct {
	// RequireStatus makes a custom resource InProgress until its controller
	// has written a status, instead of Current at once: an object of a
	// group that Kubernetes does not serve itself (see Compute, step 7),
	// with no registered Func, that has no status or a status with neither
	// observedGeneration nor a condition. Kinds with a built-in rule and
	// the built-in kinds without one (ConfigMap, Namespace, Role, …) are
	// not affected. A controller that only ever writes other status
	// fields (a phase) needs a Func, e.g. a CELRule. Default false.
	RequireStatus bool
}

// NewComputer returns a Computer that uses funcs[gk] for objects of GroupKind
// gk. A registered Func replaces both the built-in rule and the generic checks
// (observedGeneration, Reconciling, Stalled, Ready) for its GroupKind; only
// the nil check and the deletionTimestamp→Terminating check run before it.
// The map is copied; a nil map or nil Func registers nothing.
func NewComputer(funcs map[schema.GroupKind]Func) *Computer {
	return NewComputerWithOptions(funcs, ComputerOptions{})
}

// NewComputerWithOptions is NewComputer with opts.
func NewComputerWithOptions(funcs map[schema.GroupKind]Func, opts ComputerOptions) *Computer {
	c := &Computer{funcs: make(map[schema.GroupKind]Func, len(funcs)), requireStatus: opts.RequireStatus}
	for gk, fn := range funcs {
		if fn != nil {
			c.funcs[gk] = fn
		}
	}
	return c
}

// Compute computes the status of u with the built-in rules only. It reads u
// and never modifies it.
//
// The checks run in this order, and the first that decides wins:
//  1. a nil u is ErrNilObject;
//  2. metadata.deletionTimestamp set: Terminating;
//  3. status.observedGeneration set and not metadata.generation: InProgress;
//  4. a Reconciling=True (InProgress) or Stalled=True (Failed) condition;
//  5. the rule for u's GroupKind (Deployment, StatefulSet, DaemonSet,
//     ReplicaSet, Pod, PersistentVolumeClaim, Service, PodDisruptionBudget,
//     Job, CronJob, ConfigMap, Secret, CustomResourceDefinition);
//  6. for other kinds, a Ready condition: True is Current, False or Unknown
//     InProgress;
//  7. with ComputerOptions.RequireStatus, a custom resource whose
//     controller has not written a status yet: InProgress;
//  8. otherwise Current.
//
// Compute never panics on malformed input: a field it reads that has the
// wrong type (status a string, replicas "three") is an error wrapping a
// *FieldError that names the field, and no Result is returned.
func Compute(u *unstructured.Unstructured) (*Result, error) {
	return (*Computer)(nil).Compute(u)
}

// Compute is the package Compute with c's Funcs registered. A nil c has no
// Funcs. An error, nil Result, invalid Status or panic from a Func is
// returned as a *FuncError; no panic escapes.
func (c *Computer) Compute(u *unstructured.Unstructured) (*Result, error) {
	if u == nil {
		return nil, ErrNilObject
	}
	if res, err := checkDeletion(u.Object); res != nil || err != nil {
		return res, err
	}
	gk, kind, err := groupKind(u.Object)
	if err != nil {
		return nil, err
	}
	if c != nil {
		if fn, ok := c.funcs[gk]; ok {
			return callFunc(gk, fn, u)
		}
	}

	conds, err := parseConditions(u.Object)
	if err != nil {
		return nil, err
	}
	o := &object{obj: u.Object, kind: kind, conditions: conds}
	if res, err := checkGeneration(o); res != nil || err != nil {
		return res, err
	}
	if res := checkStandardConditions(conds); res != nil {
		return res, nil
	}
	if rule, ok := rules[gk]; ok {
		return rule(o)
	}
	if res := checkReadyCondition(conds); res != nil {
		return res, nil
	}
	if c != nil && c.requireStatus {
		if res := checkStatusWritten(o, gk.Group); res != nil {
			return res, nil
		}
	}
	return current("Resource is current"), nil
}

// object is what the built-in rules read: the content, its kind and its
// parsed status.conditions.
type object struct {
	obj        map[string]any
	kind       string
	conditions []Condition
}

func (o *object) kindOrResource() string {
	if o.kind == "" {
		return "Resource"
	}
	return o.kind
}

// rule computes the status of one built-in kind after the generic checks.
type rule func(o *object) (*Result, error)

// rules holds the built-in per-kind rules. extensions is the pre-1.16 group
// of the apps workloads, kept as cli-utils does.
var rules = map[schema.GroupKind]rule{
	{Group: "apps", Kind: "Deployment"}:                               deploymentStatus,
	{Group: "extensions", Kind: "Deployment"}:                         deploymentStatus,
	{Group: "apps", Kind: "StatefulSet"}:                              statefulSetStatus,
	{Group: "apps", Kind: "DaemonSet"}:                                daemonSetStatus,
	{Group: "extensions", Kind: "DaemonSet"}:                          daemonSetStatus,
	{Group: "apps", Kind: "ReplicaSet"}:                               replicaSetStatus,
	{Group: "extensions", Kind: "ReplicaSet"}:                         replicaSetStatus,
	{Group: "", Kind: "Pod"}:                                          podStatus,
	{Group: "", Kind: "PersistentVolumeClaim"}:                        pvcStatus,
	{Group: "", Kind: "Service"}:                                      serviceStatus,
	{Group: "", Kind: "ConfigMap"}:                                    alwaysCurrent,
	{Group: "", Kind: "Secret"}:                                       alwaysCurrent,
	{Group: "policy", Kind: "PodDisruptionBudget"}:                    pdbStatus,
	{Group: "batch", Kind: "Job"}:                                     jobStatus,
	{Group: "batch", Kind: "CronJob"}:                                 alwaysCurrent,
	{Group: "apiextensions.k8s.io", Kind: "CustomResourceDefinition"}: crdStatus,
}

// checkDeletion returns Terminating when metadata.deletionTimestamp is set.
func checkDeletion(obj map[string]any) (*Result, error) {
	ts, _, err := nestedString(obj, "metadata", "deletionTimestamp")
	if err != nil || ts == "" {
		return nil, err
	}
	return &Result{Status: TerminatingStatus, Message: "Resource scheduled for deletion"}, nil
}

// groupKind reads apiVersion and kind. Both may be absent; an apiVersion
// with more than one "/" is a *FieldError.
func groupKind(obj map[string]any) (schema.GroupKind, string, error) {
	apiVersion, _, err := nestedString(obj, "apiVersion")
	if err != nil {
		return schema.GroupKind{}, "", err
	}
	kind, _, err := nestedString(obj, "kind")
	if err != nil {
		return schema.GroupKind{}, "", err
	}
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil {
		return schema.GroupKind{}, "", &FieldError{Path: "apiVersion", Err: fmt.Errorf("%w: %w", ErrUnexpectedValue, err)}
	}
	return schema.GroupKind{Group: gv.Group, Kind: kind}, kind, nil
}

// callFunc runs a registered Func and turns its failures, including a panic,
// into a *FuncError.
func callFunc(gk schema.GroupKind, fn Func, u *unstructured.Unstructured) (res *Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			res, err = nil, &FuncError{GroupKind: gk, Err: panicError(r)}
		}
	}()
	res, err = fn(u)
	switch {
	case err != nil:
		return nil, &FuncError{GroupKind: gk, Err: err}
	case res == nil:
		return nil, &FuncError{GroupKind: gk, Err: errors.New("returned a nil Result and no error")}
	case !res.Status.valid():
		return nil, &FuncError{GroupKind: gk, Err: fmt.Errorf("returned %w %q", ErrInvalidStatus, res.Status)}
	}
	return res, nil
}

func panicError(r any) error {
	if err, ok := r.(error); ok {
		return fmt.Errorf("panic: %w", err)
	}
	return fmt.Errorf("panic: %v", r)
}
