// Package informers delivers the state of Kubernetes objects to the engine:
// one shared, reference-counted dynamic informer per (resource, scope),
// started lazily and stopped after a linger once unused, or a poller where
// watching is not possible.
package informers
