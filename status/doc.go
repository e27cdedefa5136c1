// Package status computes the kstatus status (Current, InProgress, Failed,
// Terminating, NotFound, Unknown) of Kubernetes objects held as unstructured
// data; it does no I/O and its rules follow sigs.k8s.io/cli-utils/pkg/kstatus/status.
// Health rules for other kinds can be written in CEL (CELRule, compatible
// with Flux's healthCheckExprs), and Builtin is a pack of them for popular CRDs.
package status
