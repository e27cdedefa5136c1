#!/usr/bin/env bash
# build.sh builds the kwait command into bin/kwait (make build).
#
#   hack/build.sh [go build flags...]
#
# cmd/kwait is its own module, so the library's go.mod carries none of the
# command's dependencies (cli-runtime, cobra); its go.work builds it against
# the library in this checkout.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

mkdir -p bin
(cd cmd/kwait && go build -trimpath -ldflags="-s -w" "$@" -o ../../bin/kwait .)
printf 'built %s\n' bin/kwait >&2
