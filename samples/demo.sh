#!/usr/bin/env bash
# The README's demo command: builds jwsp (tests skipped) and runs the demo, or one sample.
#   bash samples/demo.sh                         the demo (org.jwsp.samples.Demo)
#   bash samples/demo.sh --layouts               the bindings' layout table
#   bash samples/demo.sh MeteringFilterSample    a sample, by its class name in org.jwsp.samples
set -euo pipefail
cd "$(dirname "$0")/.."
. .ci/env.sh
main=org.jwsp.samples.Demo
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
  main=org.jwsp.samples.$1
  shift
fi
mvn -q -B -ntp -DskipTests -pl samples -am package
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED \
  -cp "samples/target/classes:$(cat samples/target/classpath.txt)" "$main" "$@"
