#!/usr/bin/env bash
# demo.sh runs the demo (make demo): it builds or reuses the envtest control
# plane (kube-apiserver and etcd), then runs hack/demo, which starts that
# control plane, creates a few resources, simulates their controllers and
# runs the kwait command (bin/kwait, built here by hack/build.sh) on their
# manifests until every resource is Current; with -library it prints the
# event stream of a wait made in process instead.
#
#   hack/demo.sh [-timeout 60s]
#
# Arguments are passed to hack/demo. Exit code 0 means the wait Completed.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

KUBEBUILDER_ASSETS=$(hack/setup-envtest.sh | tail -n 1)
export KUBEBUILDER_ASSETS

hack/build.sh
go run ./hack/demo "$@"
