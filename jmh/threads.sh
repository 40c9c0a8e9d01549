#!/usr/bin/env bash
# Where one benchmark's time goes, thread by thread: runs one JMH trial (1 fork, a 3 s warm-up and a
# 10 s measurement) and, over 5 s of its measurement, samples each thread of the forked JVM and of
# the drain process from /proc: CPU time, and voluntary (it slept) and involuntary (it was
# preempted) context switches, each divided by the sends measured. perf stat (jmh/run.sh --cost)
# counts per process; this says which thread sleeps, wakes and works.
#   bash jmh/threads.sh BENCHMARK-REGEX [JMH-OPTIONS...]
#   e.g. bash jmh/threads.sh OverlappedSendBenchmark.jwspPortSend -p shape=1x64 -p window=16
# One benchmark and one parameter set per call (the first trial is sampled). Linux only.
set -euo pipefail
cd "$(dirname "$0")/.."
. .ci/env.sh
if [ $# -lt 1 ]; then
  sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
if ! build=$(mvn -q -B -ntp -DskipTests -pl jmh -am package 2>&1); then
  printf '%s\n' "$build" | sed 's/\x1b\[[0-9;]*m//g' >&2
  exit 1
fi
cp="jmh/target/classes:$(cat jmh/target/classpath.txt)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# One line per thread: pid/tid name voluntary involuntary cpu-ticks
sample() {
  local p t
  for p in "$@"; do
    for t in /proc/"$p"/task/*; do
      [ -r "$t/status" ] || continue
      printf '%s %s %s %s %s\n' "$p/$(basename "$t")" "$(tr ' ' '_' < "$t/comm")" \
        "$(awk '/^voluntary_ctxt_switches/{print $2}' "$t/status")" \
        "$(awk '/^nonvoluntary_ctxt_switches/{print $2}' "$t/status")" \
        "$(sed 's/.*) //' "$t/stat" | awk '{print $12 + $13}')"
    done
  done 2>/dev/null
}

echo "running $1 (about 20 s)..."
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$cp" org.openjdk.jmh.Main "$@" -f 1 -wi 1 -w 3s -i 1 -r 10s \
  -jvmArgsAppend --enable-native-access=ALL-UNNAMED > "$work/jmh.txt" 2>&1 &
jmh=$!
fork=""
for _ in $(seq 1 100); do
  fork=$(pgrep -f 'org.openjdk.jmh.runner.ForkedMain' | head -1 || true)
  [ -n "$fork" ] && break
  sleep 0.1
done
if [ -z "$fork" ]; then
  wait "$jmh" || true
  cat "$work/jmh.txt" >&2
  exit 1
fi
sleep 7 # the 3 s warm-up, and into the measurement
drain=$(pgrep -x drain | head -1 || true)
sample "$fork" $drain > "$work/before"
sleep 5
sample "$fork" $drain > "$work/after"
wait "$jmh"
score=$(awk '/thrpt/ && !/:/ {print $(NF-1)}' "$work/jmh.txt" | tail -1)
if [ -z "$score" ]; then
  cat "$work/jmh.txt" >&2
  exit 1
fi
hz=$(getconf CLK_TCK)
sends=$(awk -v s="$score" 'BEGIN {print s * 5}')
echo "$1 ${*:2}: $score sends/s"
printf '%-18s %8s %15s %16s %16s\n' thread "CPU %" "CPU µs / send" "slept / send" "preempted / send"
join <(sort "$work/before") <(sort "$work/after") | awk -v sends="$sends" -v hz="$hz" '
  { dv = $7 - $3; dn = $8 - $4; dc = $9 - $5
    if (dv + dn > 50 || dc > 5) printf "%-18s %8.0f %14.2f %16.3f %16.3f\n", $2, 100 * dc / hz / 5, dc / hz * 1e6 / sends, dv / sends, dn / sends }'
