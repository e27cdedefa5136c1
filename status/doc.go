// Package status computes the kstatus status (Current, InProgress, Failed,
// Terminating, NotFound, Unknown) of Kubernetes objects held as unstructured
// data; it does no I/O and its rules follow sigs.k8s.io/cli-utils/pkg/kstatus/status.
package status
