# The Makefile only names the scripts in hack/; read them for the details.
.DEFAULT_GOAL := help

.PHONY: help test demo envtest lint fmt

help: ## List the targets.
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

test: ## Check gofmt and go vet, then run unit and envtest suites with -race.
	hack/test.sh

demo: ## Run the demo.
	hack/demo.sh

envtest: ## Build or reuse the envtest kube-apiserver and etcd; print their folder.
	hack/setup-envtest.sh

lint: ## Run golangci-lint (pinned v2) with .golangci.yml.
	hack/lint.sh

fmt: ## Format all Go files with gofmt.
	gofmt -w .
