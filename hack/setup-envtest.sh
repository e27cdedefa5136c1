#!/usr/bin/env bash
# setup-envtest.sh builds the envtest control plane (kube-apiserver and etcd)
# from the Go module proxy and caches it outside the repository.
#
#   KUBEBUILDER_ASSETS=$(hack/setup-envtest.sh)
#
# The last line of standard output is the folder holding the binaries;
# progress goes to standard error. A second run with a complete cache does
# nothing. Builds happen in a temporary folder beside the cache and are moved
# into place only when complete; concurrent runs serialise on a lock file.
#
# Environment:
#   KWAIT_K8S_VERSION     kube-apiserver version to build (default 1.37.2)
#   KWAIT_ETCD_VERSION    etcd server version to build (default 3.7.0)
#   KWAIT_ENVTEST_CACHE   cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/kwait/envtest)
set -euo pipefail

k8s_version=${KWAIT_K8S_VERSION:-1.37.2}
etcd_version=${KWAIT_ETCD_VERSION:-3.7.0}
cache_root=${KWAIT_ENVTEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kwait/envtest}
dest="$cache_root/k8s-$k8s_version-etcd-$etcd_version"

log() { printf 'setup-envtest: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# run executes a command and, when it fails, names the command and the folder.
run() {
	if ! "$@" >&2; then
		die "command failed (in $PWD): $*"
	fi
}

complete() {
	[[ -x "$dest/kube-apiserver" && -x "$dest/etcd" && -f "$dest/.complete" ]]
}

if complete; then
	log "using cached control plane in $dest"
	echo "$dest"
	exit 0
fi

command -v go >/dev/null || die "go is not on PATH"
mkdir -p "$cache_root"

# One build at a time: a second run waits, then finds the cache complete.
exec 9>"$cache_root/.lock"
if command -v flock >/dev/null; then
	log "waiting for the cache lock" 
	flock 9
else
	until mkdir "$cache_root/.lock.d" 2>/dev/null; do sleep 2; done
	trap 'rmdir "$cache_root/.lock.d"' EXIT
fi

if complete; then
	log "another run built the control plane in $dest"
	echo "$dest"
	exit 0
fi

work=$(mktemp -d "$cache_root/.build.XXXXXX")
cleanup() { rm -rf "$work"; }
trap 'cleanup; [[ -d "$cache_root/.lock.d" ]] && rmdir "$cache_root/.lock.d" 2>/dev/null; true' EXIT
mkdir -p "$work/bin"
export GOFLAGS=-mod=mod GOWORK=off CGO_ENABLED=0

build_etcd() {
	log "building etcd v$etcd_version"
	mkdir -p "$work/etcd" && cd "$work/etcd"
	cat >main.go <<'GO'
// Command etcd runs the etcd server for envtest.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
	run go mod init kwait.local/envtest/etcd
	run go mod edit -require="go.etcd.io/etcd/server/v3@v$etcd_version"
	run go mod tidy
	run go build -trimpath -o "$work/bin/etcd" .
}

build_apiserver() {
	log "building kube-apiserver v$k8s_version (several minutes on 2 cores)"
	local minor=${k8s_version#*.}
	minor=${minor%%.*}
	mkdir -p "$work/apiserver" && cd "$work/apiserver"
	cat >main.go <<'GO'
// Command kube-apiserver runs the Kubernetes API server for envtest.
package main

import (
	"os"
	_ "time/tzdata"

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() { os.Exit(cli.Run(app.NewAPIServerCommand())) }
GO
	run go mod init kwait.local/envtest/kube-apiserver
	run go mod edit -require="k8s.io/kubernetes@v$k8s_version"
	# k8s.io/kubernetes replaces every staging module with a local path;
	# point each at its published v0.<minor>.<patch> instead.
	local gomod staging
	gomod=$(go mod download -json "k8s.io/kubernetes@v$k8s_version" | sed -n 's/.*"GoMod": "\(.*\)",/\1/p')
	[[ -f "$gomod" ]] || die "could not download the go.mod of k8s.io/kubernetes@v$k8s_version"
	staging=$(sed -n 's#^[[:space:]]*\(k8s\.io/[^[:space:]]*\) => \./staging/.*#\1#p' "$gomod")
	[[ -n "$staging" ]] || die "no staging replacements found in $gomod"
	local args=()
	for m in $staging; do
		args+=("-replace=$m=$m@v0.${k8s_version#*.}")
	done
	run go mod edit "${args[@]}"
	run go mod tidy
	local date
	date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	local ldflags="-s -w"
	for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
		ldflags+=" -X $p.gitVersion=v$k8s_version -X $p.gitMajor=1 -X $p.gitMinor=$minor"
		ldflags+=" -X $p.gitTreeState=clean -X $p.buildDate=$date"
	done
	run go build -trimpath -ldflags "$ldflags" -o "$work/bin/kube-apiserver" .
}

(build_etcd)
(build_apiserver)

"$work/bin/kube-apiserver" --version >&2 || die "the built kube-apiserver does not run"
touch "$work/bin/.complete"
rm -rf "$dest"
mv "$work/bin" "$dest"
log "control plane ready in $dest"
echo "$dest"
