#!/usr/bin/env bash
# lint.sh runs golangci-lint v2, pinned here, with .golangci.yml.
#
#   hack/lint.sh [golangci-lint run flags...]
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

version=v2.15.0
printf '==> golangci-lint %s run\n' "$version" >&2
exec go run "github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$version" run "$@" ./...
