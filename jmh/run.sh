#!/usr/bin/env bash
# Runs the benchmarks and prints each as a ratio against a peer of the same run.
#   bash jmh/run.sh [JMH options, e.g. -f 1 -wi 3 -i 5 PeerSend]
# Default: every benchmark, 1 fork, 3 warm-up and 5 measured iterations of 1 s each.
set -euo pipefail
cd "$(dirname "$0")/.."
. .ci/env.sh
# Maven 3.8's quiet build writes stray ESC[0m sequences: show its output only if it fails.
if ! build=$(mvn -q -B -ntp -DskipTests -pl jmh -am package 2>&1); then
  printf '%s\n' "$build" | sed 's/\x1b\[[0-9;]*m//g' >&2
  exit 1
fi
cp="jmh/target/classes:$(cat jmh/target/classpath.txt)"
out=jmh/target/results.csv
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(-f 1 -wi 3 -w 1s -i 5 -r 1s)
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$cp" org.openjdk.jmh.Main \
  -jvmArgsAppend --enable-native-access=ALL-UNNAMED -rf csv -rff "$out" "${args[@]}"
echo
echo "Ratios against one sendmsg(2) per send through FFM (the C floor) and the JDK's gathering write, same run:"
"$JAVA_HOME/bin/java" -cp "$cp" org.jwsp.jmh.RatioTable "$out" ffmSendmsg nioGatheringWrite
