# The front door. `make demo` and `make test` are all a new user needs.
BUILD   ?= build
ASAN    ?= build-asan
JOBS    ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: all deps deps-demo ui build build-demo test test-unit test-asan demo bench format clean

all: build

deps:
	@scripts/install-deps.sh

deps-demo:
	@scripts/install-deps.sh demo

# The dashboard, built with Vite and embedded into the binary.
ui:
	cd ui && npm run build --silent

build: deps ui
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j $(JOBS)

# Only what the demo runs: the dashboard and the mops binary (no tests,
# benchmarks or fuzz drivers; `make test` and `make bench` build those). The
# dashboard side (node, npm ci, Vite) runs while the C++ libraries compile.
build-demo:
	@BUILD="$(BUILD)" JOBS="$(JOBS)" CMAKE_FLAGS="$(CMAKE_FLAGS)" scripts/build-demo.sh

# Every test: unit, integration (real PostgreSQL, started by the tests) and
# the browser test (Debian's chromium).
test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-unit: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L unit

# Unit and integration tests under AddressSanitizer and UBSan.
test-asan: deps
	cmake -S . -B $(ASAN) -DCMAKE_BUILD_TYPE=Debug -DMOPS_SANITIZE=ON -DMOPS_EMBED_UI=OFF -DMOPS_PCH=OFF
	cmake --build $(ASAN) -j $(JOBS)
	cd $(ASAN) && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j $(JOBS) -L "unit|integration"

# mops creates the workspace's folder itself (mode 0700).
DEMO_WORKSPACE ?= demo-workspace/mops.db
DEMO_PORT ?= 8080
demo: build-demo
	$(BUILD)/mops --workspace $(DEMO_WORKSPACE) demo --scale 0.2 --port $(DEMO_PORT)

bench: build
	scripts/with-postgres.sh sh -c 'export MOPS_BENCH_POSTGRES_URL=$$MOPS_TEST_POSTGRES_URL; \
	  $(BUILD)/bench/foundation_bench && $(BUILD)/bench/import_bench && $(BUILD)/bench/store_bench && \
	  $(BUILD)/bench/attribution_bench && $(BUILD)/bench/attribution_paths_bench && \
	  $(BUILD)/bench/stack_bench && $(BUILD)/bench/quality_standardize_bench && \
	  $(BUILD)/bench/dedup_bench && $(BUILD)/bench/http_load && \
	  $(BUILD)/bench/read_routes_bench && $(BUILD)/bench/tracking_load && \
	  $(BUILD)/bench/channels_bench && $(BUILD)/bench/leads_bench && \
	  $(BUILD)/bench/campaigns_bench && $(BUILD)/bench/analytics_bench && \
	  $(BUILD)/bench/enrich_bench && $(BUILD)/bench/discovery_bench && \
	  $(BUILD)/bench/audit_bench'

format:
	git ls-files '*.cc' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD) $(ASAN) ui/dist
