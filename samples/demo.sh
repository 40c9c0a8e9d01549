#!/usr/bin/env bash
# The README's demo command: builds jwsp (tests skipped) and runs the demo.
#   bash samples/demo.sh [demo arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
. .ci/env.sh
mvn -q -B -ntp -DskipTests -pl samples -am package
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED \
  -cp "samples/target/classes:$(cat samples/target/classpath.txt)" org.jwsp.samples.Demo "$@"
