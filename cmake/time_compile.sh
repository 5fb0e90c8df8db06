#!/usr/bin/env bash
# Compile-time probe, used as CMake's RULE_LAUNCH_COMPILE and RULE_LAUNCH_LINK
# when MOPS_TIME_COMPILE is ON: runs one compile (or link, or archive) command
# and appends "<cpu seconds> <wall seconds> <output>" to the log named by the
# first argument. CPU seconds (user + system)
# are the figure to compare between builds: on a busy machine a unit's wall
# time grows with the load, its CPU time far less. The heaviest units:
# sort -rn compile-times.log | head
log="$1"
shift
obj=""
lib=""
prev=""
for arg in "$@"; do
  if [ "$prev" = "-o" ]; then obj="$arg"; fi
  prev="$arg"
  case "$arg" in *.a) [ -z "$lib" ] && lib="$arg" ;; esac
done
[ -n "$obj" ] || obj="$lib"
exec 3>&1 4>&2
TIMEFORMAT="%U %S %R"
times=$({ time "$@" 1>&3 2>&4; } 2>&1)
rc=$?
echo "$times $obj" | awk '{ printf "%.2f %.2f %s\n", $1 + $2, $3, $4 }' >> "$log"
exit $rc
