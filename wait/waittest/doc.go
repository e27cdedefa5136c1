// Package waittest waits, in envtest and e2e suites, until objects meet a
// goal: on watch events through one shared resolver, not at a poll
// interval, and on failure with one line per object that has not met it.
// Its gomega matchers judge one object's kstatus status without a cluster.
//
// envtest runs no built-in controllers: a Deployment stays InProgress (no
// ReplicaSet, no Pods) and a deleted Namespace stays Terminating, unless
// the test writes their status itself. A custom resource without a status
// is Current at once, as kstatus has it, unless the waiter is made with
// WithOptions(wait.Options{RequireStatus: true}).
package waittest
