#!/usr/bin/env bash
# The installer's command line: jwsp install | uninstall | list (docs/WINDOWS.md).
# On Linux only `list` works: it lists the host's catalog. On Windows run the installer with java
# directly from an elevated prompt (docs/WINDOWS.md).
set -euo pipefail
cd "$(dirname "$0")/.."
. .ci/env.sh
mvn -q -B -ntp -DskipTests -pl samples -am package
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED \
  -cp "samples/target/classes:$(cat samples/target/classpath.txt)" org.jwsp.windows.install.Installer "$@"
