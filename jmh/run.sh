#!/usr/bin/env bash
# Runs the send benchmarks and reports each as a ratio against the peers of the same run.
#   bash jmh/run.sh [--quick] [--cost] [--out DIR] [--param NAME=V1,V2] [--jvm-arg ARG] [BENCHMARK-REGEX...]
# Default: every benchmark, 1 fork, 3 warm-up and 5 measured iterations of 1 s each (about 12 min
# on 2 cores); --quick: 1 warm-up and 3 measured (under 10 min). JMH's progress shows as it runs;
# the raw JSON, the receiver log, report.md and chart.svg go to jmh/results/<time>/ (or DIR).
# --cost adds a table of CPU, system calls by kind and context switches per send (perf stat, through
# JMH's perfnorm profiler; needs perf: apt-get install linux-perf). perf slows what it counts, the
# more the more a path switches threads: take speeds and ratios from a run without --cost. A run
# stopped with Ctrl-C still writes the report of what it measured.
set -euo pipefail
cd "$(dirname "$0")/.."
. .ci/env.sh
# Maven 3.8's quiet build writes stray ESC[0m sequences: show its output only if it fails.
if ! build=$(mvn -q -B -ntp -DskipTests -pl jmh -am package 2>&1); then
  printf '%s\n' "$build" | sed 's/\x1b\[[0-9;]*m//g' >&2
  exit 1
fi
cp="jmh/target/classes:$(cat jmh/target/classpath.txt)"
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$cp" org.jwsp.jmh.BenchmarkRun "$@"
