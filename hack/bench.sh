#!/usr/bin/env bash
# bench.sh runs the side-by-side benchmarks (make bench): kwait's informer
# engine and polling path against cli-utils' kstatus watcher and poller, on a
# local envtest control plane. Results go to stdout and hack/bench/results/.
#
#   hack/bench.sh [--quick] [--profile DIR] [--only fleet,...] [--waiters NAME,...] [--reps N]
#
# Scenarios (--only): latency, fleet, warm, selective, fleet2k (2,000
# objects in 20 namespaces, watchers only), latecrd (a CRD installed during
# the wait, kwait only) and cut (a 3s connection cut, watchers only).
#
# --profile writes CPU and allocation profiles of each waiter's first fleet
# pass to DIR (go tool pprof DIR/cpu-kwait-informers.pprof; fleet2k's are
# DIR/cpu-fleet2k-….pprof). --reps sets the fleet and fleet2k passes (3).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

KUBEBUILDER_ASSETS=$(hack/setup-envtest.sh | tail -n 1)
export KUBEBUILDER_ASSETS

cd hack/bench && go run . "$@"
