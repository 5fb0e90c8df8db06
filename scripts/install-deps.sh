#!/usr/bin/env bash
# Installs everything mops needs to build, test, benchmark and demo, from
# Debian packages and npm only. Idempotent: a second run installs nothing.
#
#   scripts/install-deps.sh        everything (build, test, benchmark, demo)
#   scripts/install-deps.sh demo   only what `make demo` needs: no PostgreSQL
#                                  server, browser, or formatting tools, and
#                                  no npm packages for the browser tests
#   scripts/install-deps.sh demo-cxx  the demo's C++ side: its Debian packages
#                                  without node, npm or any npm package
#   scripts/install-deps.sh demo-ui   the demo's dashboard side: node and npm
#                                  (if missing) and ui/'s npm packages
# demo = demo-cxx + demo-ui; `make demo` runs the two apart
# (scripts/build-demo.sh), the dashboard side while the C++ compiles.
set -euo pipefail
cd "$(dirname "$0")/.."
SCOPE="${1:-all}"

APT_PACKAGES=(
  build-essential cmake pkg-config git lld
  libsqlite3-dev sqlite3 libpq-dev postgresql
  libboost-dev libcpp-httplib-dev nlohmann-json3-dev libfmt-dev libspdlog-dev libcli11-dev
  libyaml-cpp-dev libsodium-dev libxlsxwriter-dev libssl-dev zlib1g-dev libbrotli-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libphonenumber-dev libicu-dev iso-codes
  clang-format clang-tidy
  wrk
  chromium
  ca-certificates
  curl procps
)
# Needed by the tests and tools only.
# curl and pkill (procps): the README tour test reaches and stops its servers.
TEST_ONLY_PACKAGES=(postgresql chromium clang-format clang-tidy curl procps)
case "$SCOPE" in
  all | demo | demo-cxx | demo-ui) ;;
  *)
    echo "install-deps: unknown scope '$SCOPE' (all, demo, demo-cxx or demo-ui)" >&2
    exit 2
    ;;
esac
if [ "$SCOPE" = "demo" ] || [ "$SCOPE" = "demo-cxx" ]; then
  kept=()
  for p in "${APT_PACKAGES[@]}"; do
    [[ " ${TEST_ONLY_PACKAGES[*]} " == *" $p "* ]] || kept+=("$p")
  done
  APT_PACKAGES=("${kept[@]}")
fi
if [ "$SCOPE" = "demo-ui" ]; then APT_PACKAGES=(); fi

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "$SCOPE" != "demo-cxx" ] && { ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; }; then
  missing+=(nodejs npm)
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm packages: the dashboard (ui/) and the browser test (tests/e2e/), from
# their committed lock files. Re-run only when the lock file changed.
NPM_DIRS=(ui tests/e2e)
if [ "$SCOPE" = "demo" ] || [ "$SCOPE" = "demo-ui" ]; then NPM_DIRS=(ui); fi
if [ "$SCOPE" = "demo-cxx" ]; then NPM_DIRS=(); fi
for dir in "${NPM_DIRS[@]}"; do
  if [ -f "$dir/package-lock.json" ]; then
    stamp="$dir/node_modules/.mops-lock-stamp"
    if [ ! -f "$stamp" ] || ! cmp -s "$dir/package-lock.json" "$stamp"; then
      echo "install-deps: npm ci in $dir"
      (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
      cp "$dir/package-lock.json" "$stamp"
    fi
  fi
done
echo "install-deps: ok"
