#!/bin/sh
# Compile-time probe, used as CMake's RULE_LAUNCH_COMPILE when MOPS_TIME_COMPILE
# is ON: runs one compile command and appends "<seconds> <object>" to the log
# named by the first argument. The heaviest units: sort -rn compile-times.log | head
log="$1"
shift
obj=""
prev=""
for arg in "$@"; do
  if [ "$prev" = "-o" ]; then obj="$arg"; fi
  prev="$arg"
done
start=$(date +%s.%N)
"$@"
rc=$?
end=$(date +%s.%N)
echo "$start $end $obj" | awk '{ printf "%.2f %s\n", $2 - $1, $3 }' >> "$log"
exit $rc
