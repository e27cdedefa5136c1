// Package wait gets the status of a list of Kubernetes resources from a live
// cluster and waits until all of them are Current. It keeps the API of the
// kstatus wait package, but watches through shared informers instead of
// polling wherever the client can watch.
package wait
