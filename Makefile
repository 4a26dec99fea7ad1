# logstack: build, test and run. `make help` lists the targets.

BUILD_DIR      ?= build
SAN_BUILD_DIR  ?= build-sanitize
FUZZ_BUILD_DIR ?= build-fuzz
TSAN_BUILD_DIR ?= build-tsan
JOBS           ?= $(shell nproc)
CMAKE_FLAGS    ?=
CTEST_FLAGS    ?= --output-on-failure
FUZZ_SECONDS   ?= 30

.DEFAULT_GOAL := help

##@ General

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"; printf "Usage: make <target>\n"} \
	  /^[a-zA-Z_-]+:.*?##/ { printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2 } \
	  /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) }' $(MAKEFILE_LIST)

.PHONY: deps
deps: ## Install build and test dependencies from Debian's packages (sudo when not root).
	bash scripts/install-deps.sh

##@ Build

$(BUILD_DIR)/CMakeCache.txt:
	cmake -S . -B $(BUILD_DIR) -G Ninja $(CMAKE_FLAGS)

.PHONY: build
build: $(BUILD_DIR)/CMakeCache.txt ## Build every binary into build/bin/.
	cmake --build $(BUILD_DIR) -j $(JOBS)

.PHONY: fmt
fmt: ## Format the C++ sources with clang-format.
	find common logstore operator tests bench -name '*.h' -o -name '*.cc' | xargs clang-format -i

.PHONY: clean
clean: ## Remove the build trees.
	rm -rf $(BUILD_DIR) $(SAN_BUILD_DIR) $(FUZZ_BUILD_DIR) $(TSAN_BUILD_DIR)

##@ Test

.PHONY: test
test: build ## Build and run every test (unit, integration, conformance); prints ctest's summary.
	cd $(BUILD_DIR) && ctest $(CTEST_FLAGS) -j $(JOBS)

.PHONY: test-sanitize
test-sanitize: ## Build with ASan+UBSan and run every test.
	cmake -S . -B $(SAN_BUILD_DIR) -G Ninja -DLOGSTACK_SANITIZE=ON -DLOGSTACK_BENCH=OFF $(CMAKE_FLAGS)
	cmake --build $(SAN_BUILD_DIR) -j $(JOBS)
	cd $(SAN_BUILD_DIR) && ctest $(CTEST_FLAGS) -j $(JOBS)

# The ThreadSanitizer subset (docs/testing.md): the test binaries whose code
# runs on several threads, selected by their ctest label (the binary's name),
# and only the targets they need.
TSAN_TESTS   ?= logstore_store_test logstore_wal_test logstore_server_test common_test stress \
                logstore_distributor_test collector_ship_test collector_meta_test collector_tail_test
TSAN_TARGETS ?= logstore logstore_store_test logstore_wal_test logstore_server_test common_test \
                logstore_stress_test logstore_distributor_test collector_ship_test collector_meta_test \
                collector_tail_test
TSAN_OPTIONS ?= halt_on_error=1 second_deadlock_stack=1 \
                suppressions=$(CURDIR)/tests/tsan.supp
empty :=
space := $(empty) $(empty)

.PHONY: test-tsan
test-tsan: ## Build the store, WAL, HTTP server, tail, kube client, collector delivery and stress tests with TSan and run them.
	cmake -S . -B $(TSAN_BUILD_DIR) -G Ninja -DLOGSTACK_TSAN=ON -DLOGSTACK_BENCH=OFF \
	  -DCMAKE_BUILD_TYPE=Debug $(CMAKE_FLAGS)
	cmake --build $(TSAN_BUILD_DIR) -j $(JOBS) --target $(TSAN_TARGETS)
	cd $(TSAN_BUILD_DIR) && TSAN_OPTIONS="$(TSAN_OPTIONS)" \
	  ctest $(CTEST_FLAGS) -j $(JOBS) -L '^($(subst $(space),|,$(strip $(TSAN_TESTS))))$$'

.PHONY: fuzz
fuzz: ## Build the libFuzzer targets with clang and run each for FUZZ_SECONDS (default 30).
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD_DIR) -G Ninja -DLOGSTACK_FUZZ=ON \
	  -DLOGSTACK_TESTS=ON -DLOGSTACK_BENCH=OFF $(CMAKE_FLAGS)
	cmake --build $(FUZZ_BUILD_DIR) -j $(JOBS) --target fuzz_targets
	bash tests/fuzz/run.sh $(FUZZ_BUILD_DIR)/bin $(FUZZ_SECONDS)

##@ Run

.PHONY: bench
bench: build ## Run the benchmarks and print one table (see docs/benchmarks.md).
	bash bench/run.sh $(BUILD_DIR)/bin

.PHONY: run
run: build ## Start the log store on local disk (./data) with the default config on :3100.
	$(BUILD_DIR)/bin/logstore --config=config/logstore.yaml --data-dir=./data --http-listen=127.0.0.1:3100

PODS_DIR ?= /var/log/pods
.PHONY: run-collector
run-collector: build ## Run the collector on this machine's $(PODS_DIR) (no API server: path labels), pushing to `make run`'s store.
	$(BUILD_DIR)/bin/logstack-collector --pods-dir=$(PODS_DIR) --positions-file=./data/collector-positions.yaml \
	  --push-url=http://127.0.0.1:3100/loki/api/v1/push --kubernetes-metadata=false --http-listen=127.0.0.1:9080

.PHONY: run-operator
run-operator: build ## Run the operator from this machine against the current kubeconfig's cluster.
	$(BUILD_DIR)/bin/logstack-operator --metrics-bind-address=:8080 --health-probe-bind-address=:8081

SAMPLE ?= config/samples/logstack_v1alpha1_logstack.yaml
.PHONY: render
render: build ## Print the manifests the operator would apply for SAMPLE (no cluster needed).
	$(BUILD_DIR)/bin/logstack-operator render -f $(SAMPLE)

.PHONY: demo
demo: build ## The main job: start the log store, push logs to it and query them back.
	bash scripts/demo.sh $(BUILD_DIR)/bin

##@ Deploy (kubectl, against the current kubeconfig)

.PHONY: install
install: ## Install the LogStack CRD into the cluster.
	kubectl apply -k config/crd

.PHONY: uninstall
uninstall: ## Remove the LogStack CRD (and with it every LogStack) from the cluster.
	kubectl delete -k config/crd --ignore-not-found

.PHONY: deploy
deploy: ## Install the CRD, the RBAC and the operator Deployment (config/default).
	kubectl apply -k config/default

.PHONY: undeploy
undeploy: ## Remove what deploy installed.
	kubectl delete -k config/default --ignore-not-found
