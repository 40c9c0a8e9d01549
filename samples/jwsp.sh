#!/usr/bin/env bash
# The installer's command line: jwsp install | uninstall | list (docs/WINDOWS.md).
# On Linux it runs against the host's catalog in this process (install, list and uninstall go
# through the same code as on Windows; the catalog lives as long as the process), with jwsp's
# WSPStartup registered as the host's module "C:\Program Files\jwsp\jwsp.dll" (the default
# --dll). On Windows run the installer with java directly from an elevated prompt (docs/WINDOWS.md).
set -euo pipefail
cd "$(dirname "$0")/.."
. .ci/env.sh
mvn -q -B -ntp -DskipTests -pl samples -am package
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED \
  -cp "samples/target/classes:$(cat samples/target/classpath.txt)" org.jwsp.samples.JwspCommand "$@"
