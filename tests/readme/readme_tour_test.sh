#!/usr/bin/env bash
# The README's tour, run as written.
#
#   readme_tour_test.sh README.md MOPS_BIN SOURCE_DIR
#
# Takes every ```sh block of README.md from the "## A short tour" heading to
# the next "## " heading, and runs its lines one by one, in order, in one shell
# (so `export` carries over), in a fresh temporary folder that looks like the
# repository root to the commands: build/mops is the built binary, examples/
# the repository's examples. A line fails the test when it exits non-zero or
# writes an error to stderr ("mops: ..." or a line with "error"). Server
# commands (`serve`, `demo`) run in the background on a free port until the
# dashboard answers, then are stopped. Prints the number of commands run.
set -uo pipefail

readme="$1"
mops_bin="$2"
source_dir="$3"

fail() { echo "readme tour: $*" >&2; exit 1; }
[ -f "$readme" ] || fail "no README at $readme"
[ -x "$mops_bin" ] || fail "no mops binary at $mops_bin"
command -v curl >/dev/null || fail "curl is needed to reach the server"
command -v pkill >/dev/null || fail "pkill (procps) is needed to stop the servers"

work="$(mktemp -d "${TMPDIR:-/tmp}/mops-readme-XXXXXX")"
server_pid=""
# Stops the background server: `eval LINE &` runs LINE in a subshell, which
# may fork mops rather than become it, so its children are stopped first
# (killing only the subshell left mops running, orphaned).
stop_server() {
  if [ -n "$server_pid" ]; then
    pkill -TERM -P "$server_pid" 2>/dev/null
    kill "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
    server_pid=""
  fi
}
cleanup() {
  stop_server
  rm -rf "$work"
}
trap cleanup EXIT

# The tour's lines: the sh blocks between "## A short tour" and the next "## ".
mapfile -t lines < <(awk '
  /^## / { in_tour = ($0 ~ /^## A short tour/) ; next }
  in_tour && /^```sh[[:space:]]*$/ { in_block = 1; next }
  in_block && /^```/ { in_block = 0; next }
  in_tour && in_block && NF > 0 { print }
' "$readme")
[ "${#lines[@]}" -gt 0 ] || fail "found no shell block under '## A short tour' in $readme"

mkdir -p "$work/build"
ln -s "$(cd "$(dirname "$mops_bin")" && pwd)/$(basename "$mops_bin")" "$work/build/mops"
ln -s "$source_dir/examples" "$work/examples"
cd "$work" || fail "cannot enter $work"
unset MOPS_WORKSPACE

free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 20000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return 0; fi
  done
  return 1
}

# Runs a server command in the background until the dashboard answers.
run_server() {
  local line="$1" port
  port="$(free_port)" || fail "no free port"
  if [[ "$line" =~ --port[=\ ]+[0-9]+ ]]; then
    line="${line/${BASH_REMATCH[0]}/--port $port}"
  else
    line="$line --port $port"
  fi
  eval "$line" >"$work/out" 2>"$work/err" &
  server_pid=$!
  for _ in $(seq 1 600); do
    if curl -fsS -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null &&
       curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null; then
      stop_server
      return 0
    fi
    if ! kill -0 "$server_pid" 2>/dev/null; then
      wait "$server_pid"; local rc=$?; server_pid=""
      echo "exited with $rc before answering"; return 1
    fi
    sleep 0.2
  done
  stop_server
  echo "did not answer within 120 s"; return 1
}

count=0
for line in "${lines[@]}"; do
  count=$((count + 1))
  echo "readme tour [$count]: $line"
  # `serve` and `demo` keep running: start, wait for the dashboard, stop.
  if [[ "$line" =~ (^|[[:space:]])build/mops([[:space:]]+-[^[:space:]]+)*[[:space:]]+(serve|demo)([[:space:]]|$) ]]; then
    if ! why="$(run_server "$line")"; then
      cat "$work/err" >&2
      fail "command $count failed: $line ($why)"
    fi
  else
    eval "$line" >"$work/out" 2>"$work/err"
    rc=$?
    if [ $rc -ne 0 ]; then
      cat "$work/out" "$work/err" >&2
      fail "command $count exited $rc: $line"
    fi
  fi
  if grep -Eiq '^mops: |error' "$work/err"; then
    cat "$work/err" >&2
    fail "command $count printed an error: $line"
  fi
done
echo "readme tour: $count commands run, all passed"
