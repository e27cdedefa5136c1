# The Makefile only names the scripts in hack/; read them for the details.
.DEFAULT_GOAL := help

.PHONY: help build test demo bench bench-quick bench-scale envtest lint fmt

help: ## List the targets.
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

build: ## Build the kwait command into bin/kwait.
	hack/build.sh

test: ## Check gofmt and go vet, then run unit and envtest suites with -race.
	hack/test.sh

demo: ## Run the demo.
	hack/demo.sh

bench: ## Benchmark kwait against the floor, polling and cli-utils (about 8 min on 2 cores); writes hack/bench/results/.
	hack/bench.sh

bench-quick: ## A smaller benchmark pass (about 1 min).
	hack/bench.sh --quick

bench-scale: ## The scale curve: fleets of 1,000, 10,000 and 100,000 objects (about 21 min); writes hack/bench/results/.
	hack/bench.sh --scale

envtest: ## Build or reuse the envtest kube-apiserver and etcd; print their folder.
	hack/setup-envtest.sh

lint: ## Run golangci-lint (pinned v2) with .golangci.yml.
	hack/lint.sh

fmt: ## Format all Go files with gofmt.
	gofmt -w .
