#!/usr/bin/env bash
# Runs the tests over the host (testsuite module) while every thread of the test JVM takes a SIGPIPE every 2 ms
# (HotSpot ignores SIGPIPE, so only the interrupted system calls show): a check that every
# blocking call of the host, the harness and jwsp copes with signals. Not part of `.ci/run`.
#   bash .ci/signal-storm.sh [surefire options, e.g. -Dsurefire.runOrder=random]
set -euo pipefail
cd "$(dirname "$0")/.."
. .ci/env.sh
mkdir -p testsuite/target
gcc -O2 -Wall -Werror -o testsuite/target/storm testsuite/src/test/c/storm/storm.c
mvn -q -B -ntp -DskipTests install
(
  # The fork's JVM (not its /bin/sh wrapper, which SIGPIPE would kill), once HotSpot's handlers are in.
  for _ in $(seq 1 120); do
    pid=$(pgrep -f "bin/java .*surefirebooter" | head -1 || true)
    if [ -n "$pid" ]; then
      sleep 3
      exec testsuite/target/storm "$pid"
    fi
    sleep 1
  done
  echo "signal storm: no test JVM appeared" >&2
) &
mvn -B -ntp -pl testsuite surefire:test "$@"
wait
