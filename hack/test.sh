#!/usr/bin/env bash
# test.sh is the project's one test command (make test): it checks
# formatting, runs go vet, builds or reuses the envtest control plane, and
# runs every unit and envtest suite with the race detector.
#
#   hack/test.sh [go test flags...]     e.g. hack/test.sh -run TestEnvtest -v
#
# Extra arguments are passed to go test before the package pattern.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '==> %s\n' "$*" >&2; }

step "gofmt -l"
unformatted=$(gofmt -l .)
if [[ -n "$unformatted" ]]; then
	printf 'these files need gofmt (run make fmt):\n%s\n' "$unformatted" >&2
	exit 1
fi

step "go vet ./..."
go vet ./...

# cmd/kwait is a module of its own (its go.work builds it against this
# checkout): ./... above does not reach it.
step "cmd/kwait: go vet, go test -race"
(cd cmd/kwait && go vet ./... && go test -race -count=1 ./...)

step "hack/setup-envtest.sh"
KUBEBUILDER_ASSETS=$(hack/setup-envtest.sh | tail -n 1)
export KUBEBUILDER_ASSETS
printf 'KUBEBUILDER_ASSETS=%s\n' "$KUBEBUILDER_ASSETS" >&2

step "go test -race -count=1${*:+ $*} ./..."
go test -race -count=1 "$@" ./...
