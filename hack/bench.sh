#!/usr/bin/env bash
# bench.sh runs the side-by-side benchmarks (make bench): kwait's informer
# engine and polling path against cli-utils' kstatus watcher and poller, and
# against the floor (a bare list+watch that only decodes), on a local envtest
# control plane. Results go to stdout and hack/bench/results/.
#
#   hack/bench.sh [--quick] [--profile DIR] [--only fleet,...] [--waiters NAME,...] [--reps N]
#   hack/bench.sh --scale [--scale-sizes 1000,10000,100000] [--scale-reps N]
#
# Scenarios (--only): latency, fleet, warm, selective, fleet2k (2,000
# objects in 20 namespaces, watchers only), latecrd (a CRD installed during
# the wait, kwait only) and cut (a 3s connection cut, watchers only).
#
# --profile writes CPU and allocation profiles of each waiter's first fleet
# pass to DIR (go tool pprof DIR/cpu-kwait-informers.pprof; fleet2k's are
# DIR/cpu-fleet2k-….pprof), and a runtime/trace of each latency waiter with
# its samples (DIR/trace-kwait-informers.out, DIR/latency-….tsv; read them
# with go run ./hack/bench/tailtrace). --reps sets the fleet and fleet2k
# passes (3).
#
# --scale runs only the scale curve (make bench-scale): the fleet at each
# size, 100 objects per namespace, with the floor, kwait's informers and
# cli-utils' watcher; it writes scale.md and scale.svg to hack/bench/results/.
# The objects are created once, smallest size first (about 15 minutes for
# 100,000 on 2 cores).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

KUBEBUILDER_ASSETS=$(hack/setup-envtest.sh | tail -n 1)
export KUBEBUILDER_ASSETS

cd hack/bench && go run . "$@"
