// Package engine is kwait's central status aggregator: it resolves resource
// identifiers, subscribes to shared sources from package informers, computes
// kstatus status per object change and publishes each wait's ordered events.
package engine
