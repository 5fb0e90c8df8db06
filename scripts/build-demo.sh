#!/usr/bin/env bash
# `make demo`'s build: the dashboard and the mops binary, nothing else.
#
# The two sides overlap instead of running one after the other: the C++
# libraries compile (CPU-bound, every core) while the dashboard side installs
# node and npm if they are missing, runs `npm ci` for ui/ (mostly network and
# disk) and builds the dashboard with Vite (one core, briefly). The dashboard
# is built into the build folder and moved to ui/dist only once the libraries
# are compiled, so nothing reads ui/dist while it is being written; the embed
# and the final link of `mops` come last. A failure on either side fails the
# build with that side's own output.
#
#   BUILD=build JOBS=2 CMAKE_FLAGS=-DCMAKE_BUILD_TYPE=RelWithDebInfo scripts/build-demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD="${BUILD:-build}"
JOBS="${JOBS:-$(nproc)}"
CMAKE_FLAGS="${CMAKE_FLAGS:--DCMAKE_BUILD_TYPE=RelWithDebInfo}"

scripts/install-deps.sh demo-cxx
# Installing node and npm may ask for a password: then it runs first, in the
# foreground, rather than prompting in the middle of the compiler's output.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ] && ! sudo -n true 2>/dev/null; then
    scripts/install-deps.sh demo-ui
  fi
fi

# shellcheck disable=SC2086 # CMAKE_FLAGS is a list of flags
cmake -S . -B "$BUILD" $CMAKE_FLAGS
build_dir="$(cd "$BUILD" && pwd)"
staged="$build_dir/ui-dist"
ui_log="$build_dir/ui-build.log"

echo "build-demo: building the dashboard while the C++ compiles (log: $ui_log)"
(
  scripts/install-deps.sh demo-ui
  cd ui
  npm run build --silent -- --outDir "$staged" --emptyOutDir
) >"$ui_log" 2>&1 &
ui_pid=$!

cxx_status=0
cmake --build "$BUILD" -j "$JOBS" --target mops_libraries || cxx_status=$?
ui_status=0
wait "$ui_pid" || ui_status=$?

if [ "$ui_status" -ne 0 ]; then
  cat "$ui_log" >&2
  echo "build-demo: the dashboard build failed (exit $ui_status); its output is above" >&2
else
  cat "$ui_log"
fi
if [ "$cxx_status" -ne 0 ]; then
  echo "build-demo: the C++ build failed (exit $cxx_status); the compiler's errors are above" >&2
fi
if [ "$ui_status" -ne 0 ] || [ "$cxx_status" -ne 0 ]; then exit 1; fi

rm -rf ui/dist
mv "$staged" ui/dist
cmake --build "$BUILD" -j "$JOBS" --target mops
