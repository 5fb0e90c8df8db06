#!/usr/bin/env bash
# with-postgres.sh CMD [ARGS...]
#
# Runs CMD with MOPS_TEST_POSTGRES_URL pointing at a throwaway PostgreSQL
# server, then stops the server and deletes its files. Exits with CMD's exit
# code. The server is the same as the tests' (tests/support/postgres_server.h):
# initdb into a fresh temporary directory, trust authentication on loopback
# only, a free port, fsync off, a database named mops_test.
#
# If MOPS_TEST_POSTGRES_URL is already set, CMD simply runs against it.
# PostgreSQL refuses to run as root: as root the server runs as the
# `postgres` user. Binaries come from MOPS_PG_BINDIR, /usr/lib/postgresql/15/bin,
# `pg_config --bindir`, or the newest /usr/lib/postgresql/*/bin.
set -euo pipefail

if [[ $# -eq 0 ]]; then
  echo "usage: $0 CMD [ARGS...]" >&2
  exit 2
fi

if [[ -n "${MOPS_TEST_POSTGRES_URL:-}" ]]; then
  exec "$@"
fi

die() {
  echo "with-postgres: $*" >&2
  exit 1
}

find_bindir() {
  local dir
  if [[ -n "${MOPS_PG_BINDIR:-}" ]]; then
    [[ -x "$MOPS_PG_BINDIR/initdb" ]] || die "MOPS_PG_BINDIR=$MOPS_PG_BINDIR has no initdb"
    echo "$MOPS_PG_BINDIR"
    return
  fi
  if [[ -x /usr/lib/postgresql/15/bin/initdb ]]; then
    echo /usr/lib/postgresql/15/bin
    return
  fi
  if command -v pg_config >/dev/null; then
    dir=$(pg_config --bindir)
    if [[ -x "$dir/initdb" ]]; then
      echo "$dir"
      return
    fi
  fi
  # The newest installed major version.
  local best="" best_version=-1 version
  for dir in /usr/lib/postgresql/*/bin; do
    version=$(basename "$(dirname "$dir")")
    if [[ -x "$dir/initdb" && "$version" =~ ^[0-9]+$ && "$version" -gt "$best_version" ]]; then
      best=$dir
      best_version=$version
    fi
  done
  [[ -n "$best" ]] ||
    die "no PostgreSQL server binaries found (install postgresql, or set MOPS_PG_BINDIR)"
  echo "$best"
}

BINDIR=$(find_bindir)

# As root, run the server tools as the postgres user.
# From inside $DIR, which that user can always enter.
as_server() {
  if [[ $(id -u) -eq 0 ]]; then
    (cd "$DIR" && runuser -u postgres -- "$@")
  else
    (cd "$DIR" && "$@")
  fi
}

# A free loopback port: nothing accepts a connection on it right now.
free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
  die "no free port found"
}

DIR=$(mktemp -d "${TMPDIR:-/tmp}/mops-pg-XXXXXX")
chmod 700 "$DIR"
if [[ $(id -u) -eq 0 ]]; then
  chown postgres: "$DIR"
fi
DATA="$DIR/data"
STARTED=0

# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
  if [[ $STARTED -eq 1 ]]; then
    as_server "$BINDIR/pg_ctl" stop -m fast -w -D "$DATA" >>"$DIR/commands.log" 2>&1 || true
  fi
  rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if ! as_server "$BINDIR/initdb" -D "$DATA" -U postgres -A trust -E UTF8 --no-locale --no-sync \
  >>"$DIR/commands.log" 2>&1; then
  tail -n 20 "$DIR/commands.log" >&2
  die "initdb failed"
fi

for attempt in 1 2 3 4 5; do
  PORT=$(free_port)
  cat >>"$DATA/postgresql.conf" <<EOF

# mops test server
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$DIR'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 50
shared_buffers = '64MB'
EOF
  if as_server "$BINDIR/pg_ctl" start -w -t 60 -D "$DATA" -l "$DIR/server.log" \
    >>"$DIR/commands.log" 2>&1; then
    STARTED=1
    break
  fi
  if [[ $attempt -eq 5 ]] || ! grep -q "Address already in use" "$DIR/server.log"; then
    tail -n 20 "$DIR/server.log" >&2 || true
    die "pg_ctl start failed"
  fi
done

as_server "$BINDIR/psql" -X -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres \
  -c "CREATE DATABASE mops_test" >>"$DIR/commands.log" 2>&1 ||
  die "cannot create database mops_test"

export MOPS_TEST_POSTGRES_URL="postgresql://postgres@127.0.0.1:$PORT/mops_test"

# Not exec: the trap must stop the server after CMD. set +e keeps CMD's code.
set +e
"$@"
status=$?
set -e
exit "$status"
