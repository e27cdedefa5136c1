#!/usr/bin/env bash
# compare-kubectl.sh runs kwait and kubectl wait side by side on the demo's
# cluster (hack/demo) and prints each one's wall time and API requests.
#
#   hack/compare-kubectl.sh [-timeout 60s]
#
# It builds kubectl from the Go module proxy (k8s.io/kubernetes with its
# staging modules, as hack/setup-envtest.sh builds kube-apiserver) and caches
# it outside the repository, builds bin/kwait, then runs the demo with this
# script as the demo's "kwait" (-kwait). In that role it waits twice on the
# demo's manifests, each time with
#   - kwait -f app/ -o json (every resource kstatus Current), and
#   - kubectl wait, as close as kubectl can say it: --for=condition=Ready on
#     the Databases, --for=condition=Available on the Deployments and
#     --for=create on the ConfigMaps and the Service (they have no
#     condition), four kubectl processes at once, one per manifest file:
# phase "live": both at the same moment, while the demo's controllers play
# (the last status write is about 8.2s in); phase "ready": once every
# resource is ready, kwait alone, then kubectl alone (the cost of a wait
# with nothing left to wait for).
# Each side talks to the API server through a counting proxy of its own
# (a plain-HTTP reverse proxy that forwards with the kubeconfig's client
# certificate and logs one line per request, watches included); each
# process has a discovery cache of its own that starts empty, so each pays
# for discovery, as in a fresh CI container.
# Wall time is from the process start to its exit, measured by this script.
#
# Not part of make test. Environment:
#   KWAIT_K8S_VERSION   kubectl version to build (default 1.37.2)
#   KWAIT_KUBECTL_CACHE where kubectl is cached (default ${XDG_CACHE_HOME:-$HOME/.cache}/kwait/kubectl)
#   KWAIT_COMPARE_OUT   folder for the logs (default a new temporary folder)
set -euo pipefail

k8s_version=${KWAIT_K8S_VERSION:-1.37.2}
kubectl_cache=${KWAIT_KUBECTL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kwait/kubectl}
kubectl_bin="$kubectl_cache/v$k8s_version/kubectl"

log() { printf 'compare-kubectl: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
now() { date +%s.%N; }

# build_kubectl builds k8s.io/kubernetes/cmd/kubectl into kubectl_bin
# unless it is there already.
build_kubectl() {
	if [[ -x "$kubectl_bin" ]]; then
		log "using cached $kubectl_bin"
		return
	fi
	log "building kubectl v$k8s_version from the Go module proxy (a few minutes on 2 cores)"
	mkdir -p "$kubectl_cache"
	local work
	work=$(mktemp -d "$kubectl_cache/.build.XXXXXX")
	(
		trap 'rm -rf "$work"' EXIT
		export GOFLAGS=-mod=mod GOWORK=off CGO_ENABLED=0
		cd "$work"
		cat >tools.go <<'GO'
//go:build tools

package tools

import _ "k8s.io/kubernetes/cmd/kubectl"
GO
		go mod init kwait.local/compare/kubectl >&2
		go mod edit -require="k8s.io/kubernetes@v$k8s_version"
		local gomod staging args=()
		gomod=$(go mod download -json "k8s.io/kubernetes@v$k8s_version" | sed -n 's/.*"GoMod": "\(.*\)",/\1/p')
		[[ -f "$gomod" ]] || die "could not download the go.mod of k8s.io/kubernetes@v$k8s_version"
		staging=$(sed -n 's#^[[:space:]]*\(k8s\.io/[^[:space:]]*\) => \./staging/.*#\1#p' "$gomod")
		for m in $staging; do
			args+=("-replace=$m=$m@v0.${k8s_version#*.}")
		done
		go mod edit "${args[@]}"
		go mod tidy >&2
		local minor=${k8s_version#*.}
		minor=${minor%%.*}
		local ldflags="-s -w" p
		for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
			ldflags+=" -X $p.gitVersion=v$k8s_version -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
		done
		go build -trimpath -ldflags "$ldflags" -o "$work/kubectl" k8s.io/kubernetes/cmd/kubectl >&2
		mkdir -p "$(dirname "$kubectl_bin")"
		mv "$work/kubectl" "$kubectl_bin"
	)
	"$kubectl_bin" version --client >&2 || die "the built kubectl does not run"
}

# build_proxy builds the counting proxy (standard library only) into $1.
build_proxy() {
	local dir
	dir=$(mktemp -d)
	cat >"$dir/proxy.go" <<'GO'
// Command proxy forwards plain HTTP on a local port to the API server of a
// kubeconfig, with its client certificate, and logs one line per request:
// "METHOD PATH?QUERY CODE". It prints its address once it listens.
package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync"
)

func main() {
	kubeconfig, logFile := os.Args[1], os.Args[2]
	fields := map[string]string{}
	f, err := os.Open(kubeconfig)
	if err != nil {
		log.Fatal(err)
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), ": ")
		if ok {
			fields[k] = v
		}
	}
	decode := func(k string) []byte {
		b, err := base64.StdEncoding.DecodeString(fields[k])
		if err != nil || len(b) == 0 {
			log.Fatalf("%s: no %s", kubeconfig, k)
		}
		return b
	}
	cert, err := tls.X509KeyPair(decode("client-certificate-data"), decode("client-key-data"))
	if err != nil {
		log.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(decode("certificate-authority-data"))
	target, err := url.Parse(fields["server"])
	if err != nil {
		log.Fatal(err)
	}
	out, err := os.Create(logFile)
	if err != nil {
		log.Fatal(err)
	}
	var mu sync.Mutex
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.FlushInterval = -1 // watches stream through at once
	rp.Transport = &http.Transport{
		TLSClientConfig:   &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: roots},
		ForceAttemptHTTP2: true,
	}
	rp.ModifyResponse = func(r *http.Response) error {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(out, "%s %s %d\n", r.Request.Method, r.Request.URL.RequestURI(), r.StatusCode)
		return nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("http://" + ln.Addr().String())
	log.Fatal(http.Serve(ln, rp))
}
GO
	(cd "$dir" && GOWORK=off GOFLAGS= go build -o "$1" proxy.go)
	rm -rf "$dir"
}

# proxy_kubeconfig writes a kubeconfig for the plain-HTTP proxy at $1 into $2.
proxy_kubeconfig() {
	cat >"$2" <<EOF
apiVersion: v1
kind: Config
clusters: [{name: proxy, cluster: {server: "$1"}}]
users: [{name: proxy, user: {}}]
contexts: [{name: proxy, context: {cluster: proxy, user: proxy}}]
current-context: proxy
EOF
}

# start_proxy starts a counting proxy logging to $1 and sets proxy_url.
start_proxy() {
	local addr_file
	addr_file=$(mktemp)
	"$out/proxy" "$KUBECONFIG" "$1" >"$addr_file" &
	proxy_pids+=($!)
	until [[ -s "$addr_file" ]]; do sleep 0.01; done
	proxy_url=$(head -1 "$addr_file")
	rm -f "$addr_file"
}

# run_kwait runs kwait -f $1 through the counting proxy, logging as $2;
# it writes $out/$2.start and $out/$2.end (seconds since the epoch).
run_kwait() {
	now >"$out/$2.start"
	KUBECONFIG="$out/kwait.kubeconfig" KUBECACHEDIR="$out/$2.cache" \
		"$kwait" -f "$1" --timeout 60s -o json >"$out/$2.json" 2>"$out/$2.stderr" || echo $? >"$out/$2.failed"
	now >"$out/$2.end"
}

# run_kubectl runs the kubectl waits for the manifests in $1 through the
# counting proxy, the four at once, logging as $2; the end is the last
# one's.
run_kubectl() {
	local what pids=()
	now >"$out/$2.start"
	for what in "databases.yaml condition=Ready" "deployments.yaml condition=Available" "configmaps.yaml create" "services.yaml create"; do
		# shellcheck disable=SC2086
		set -- "$1" "$2" $what
		(
			KUBECONFIG="$out/kubectl.kubeconfig" KUBECACHEDIR="$out/$2.$3.cache" \
				"$kubectl_bin" wait -f "$1/$3" --for="$4" --timeout=60s >"$out/$2.$3.out" 2>&1 || echo $? >"$out/$2.failed"
		) &
		pids+=($!)
	done
	wait "${pids[@]}"
	now >"$out/$2.end"
}

# as_kwait plays the demo's kwait: hack/demo runs it with -f DIR and the
# demo's KUBECONFIG, and the controllers start playing as it starts.
# First kwait and kubectl wait at the same time while the controllers play
# (phase "live"), then, with every resource ready, each on its own (phase
# "ready": the cost of a wait that has nothing to wait for).
as_kwait() {
	local dir=$2
	proxy_pids=()
	trap 'kill "${proxy_pids[@]}" 2>/dev/null || true' EXIT
	start_proxy "$out/kwait.requests"
	proxy_kubeconfig "$proxy_url" "$out/kwait.kubeconfig"
	start_proxy "$out/kubectl.requests"
	proxy_kubeconfig "$proxy_url" "$out/kubectl.kubeconfig"

	run_kwait "$dir" kwait-live &
	local kwait_pid=$!
	run_kubectl "$dir" kubectl-live
	wait "$kwait_pid"
	wc -l <"$out/kwait.requests" >"$out/kwait-live.count"
	wc -l <"$out/kubectl.requests" >"$out/kubectl-live.count"
	run_kwait "$dir" kwait-ready
	run_kubectl "$dir" kubectl-ready
	[[ ! -f "$out/kwait-live.failed" ]]
}

# classify prints each request of the log $1 from line $2 on as
# "discovery", "get", "list" or "watch".
classify() {
	tail -n +"$2" "$1" | awk '{
		path = $2; query = ""
		if (i = index(path, "?")) { query = substr(path, i + 1); path = substr(path, 1, i - 1) }
		n = split(path, s, "/")
		if (query ~ /(^|&)watch=(true|1)/) { print "watch"; next }
		# s[1] is empty; /api/v1/... or /apis/GROUP/VERSION/...
		if (s[2] == "api") rest = 4; else if (s[2] == "apis") rest = 5; else { print "discovery"; next }
		if (n < rest) { print "discovery"; next }
		if (s[rest] == "namespaces" && n >= rest + 2) rest += 2
		print (n == rest) ? "list" : "get"
	}'
}

# report prints the figures of phase $1 from the logs in $out.
report() {
	printf '\nphase %s\n%-8s %8s %6s %9s %10s %4s %5s %6s\n' "$1" "" "wall(s)" "ok" "requests" "discovery" "GET" "LIST" "WATCH"
	local side
	for side in kwait kubectl; do
		local file="$out/$side.requests" from=1 wall ok c
		[[ $1 == ready ]] && from=$(($(cat "$out/$side-live.count") + 1))
		wall=$(awk -v a="$(cat "$out/$side-$1.start")" -v b="$(cat "$out/$side-$1.end")" 'BEGIN { printf "%.3f", b - a }')
		ok=yes
		[[ -f "$out/$side-$1.failed" ]] && ok="exit $(cat "$out/$side-$1.failed")"
		local -A n=([discovery]=0 [get]=0 [list]=0 [watch]=0)
		local total=0
		while read -r c; do n[$c]=$((n[$c] + 1)); total=$((total + 1)); done < <(
			if [[ $1 == live ]]; then head -n "$(cat "$out/$side-live.count")" "$file" | classify /dev/stdin 1; else classify "$file" "$from"; fi)
		printf '%-8s %8s %6s %9s %10s %4s %5s %6s\n' "$side" "$wall" "$ok" "$total" "${n[discovery]}" "${n[get]}" "${n[list]}" "${n[watch]}"
	done
}

if [[ ${1:-} == --as-kwait ]]; then
	# hack/demo runs us as: --as-kwait -f DIR --timeout T -o O
	shift
	[[ ${1:-} == -f ]] || die "as kwait: want -f DIR, got $*"
	out=$KWAIT_COMPARE_OUT kwait=$KWAIT_COMPARE_KWAIT kubectl_bin=$KWAIT_COMPARE_KUBECTL
	as_kwait "$@"
	exit
fi

cd "$(dirname "${BASH_SOURCE[0]}")/.."
build_kubectl
hack/build.sh
out=${KWAIT_COMPARE_OUT:-$(mktemp -d /tmp/kwait-compare-XXXXXX)}
mkdir -p "$out"
build_proxy "$out/proxy"
wrapper="$out/kwait-and-kubectl"
printf '#!/usr/bin/env bash\nexec %q --as-kwait "$@"\n' "$PWD/hack/compare-kubectl.sh" >"$wrapper"
chmod +x "$wrapper"
KUBEBUILDER_ASSETS=$(hack/setup-envtest.sh | tail -n 1)
export KUBEBUILDER_ASSETS
KWAIT_COMPARE_OUT=$out KWAIT_COMPARE_KWAIT=$PWD/bin/kwait KWAIT_COMPARE_KUBECTL=$kubectl_bin \
	go run ./hack/demo -kwait "$wrapper" "$@" >"$out/demo.log" 2>&1 || log "the demo exited with $? (see $out/demo.log)"
report live
report ready
log "request logs, outputs and exit codes in $out"
