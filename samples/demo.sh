#!/usr/bin/env bash
# The README's demo command: builds jwsp (tests skipped) and runs the demo, or one sample.
#   bash samples/demo.sh                         the demo (org.jwsp.samples.Demo)
#   bash samples/demo.sh --help                  the demo's options (--duration, --threads, --sockets, --size, ...)
#   bash samples/demo.sh --layouts               the bindings' layout table
#   bash samples/demo.sh MeteringFilterSample    a sample, by its class name in org.jwsp.samples
set -euo pipefail
cd "$(dirname "$0")/.."
. .ci/env.sh
main=org.jwsp.samples.Demo
sample=
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
  sample=$1
  main=org.jwsp.samples.$1
  shift
fi
if [ -n "$sample" ] && ! grep -qs 'public static void main' "samples/src/main/java/org/jwsp/samples/$sample.java"; then
  echo "jwsp: no sample named '$sample'; the samples are:" \
    $(grep -ls 'public static void main' samples/src/main/java/org/jwsp/samples/*.java | xargs -n1 basename | sed 's/\.java$//') >&2
  exit 2
fi
# Maven 3.8's quiet build still writes ESC[0m sequences to stdout (its ANSI console, whatever
# style.color says): keep its output, and show it (without escapes) only if the build fails.
if ! build=$(mvn -q -B -ntp -DskipTests -pl samples -am package 2>&1); then
  printf '%s\n' "$build" | sed 's/\x1b\[[0-9;]*m//g' >&2
  echo "jwsp: the build failed (above); nothing was run" >&2
  exit 1
fi
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED \
  -cp "samples/target/classes:$(cat samples/target/classpath.txt)" "$main" "$@"
