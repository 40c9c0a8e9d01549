# Sourced by .ci/run (the tests) and samples/demo.sh (the demo): finds JDK 25 and Maven, and
# installs the system packages the build needs when they are missing and we are root with apt.
# Prints one clear line and exits when something cannot be found or installed.

jwsp_die() { echo "jwsp: $*" >&2; exit 1; }

jwsp_java_version() { "$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1; }

jwsp_find_jdk() {
  local c
  for c in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/java-25-openjdk-amd64 \
           /usr/lib/jvm/jdk-25* /usr/lib/jvm/*25* /opt/java/openjdk /opt/jdk-25*; do
    if [ -n "$c" ] && [ -x "$c/bin/java" ] && [ "$(jwsp_java_version "$c")" -ge 25 ] 2>/dev/null; then
      JAVA_HOME=$c
      export JAVA_HOME
      return 0
    fi
  done
  jwsp_die "no JDK 25 found (JAVA_HOME=${JAVA_HOME:-unset}, /usr/lib/jvm): install Temurin 25 (package temurin-25-jdk from Adoptium's apt repository) or set JAVA_HOME to a JDK 25"
}

# jwsp_need COMMAND DEBIAN_PACKAGE...: installs the packages if COMMAND is missing.
jwsp_need() {
  local cmd=$1
  shift
  command -v "$cmd" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "jwsp: installing $* (for $cmd)"
    if [ -z "${JWSP_APT_UPDATED:-}" ]; then
      apt-get update -qq >/dev/null || jwsp_die "apt-get update failed"
      JWSP_APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null \
      || jwsp_die "apt-get install $* failed"
  else
    jwsp_die "$cmd is missing: install the Debian/Ubuntu packages: $* (as root: apt-get install $*)"
  fi
}

jwsp_find_jdk
jwsp_need mvn maven
jwsp_need gcc gcc libc6-dev
export PATH="$JAVA_HOME/bin:$PATH"
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
