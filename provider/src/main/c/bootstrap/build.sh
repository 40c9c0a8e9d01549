#!/bin/sh
# Builds jwsp.dll (Windows x64) and jwsp-admin.exe with mingw-w64 into the folder given as $1.
# Used by the Wine test (BootstrapDllWineTest), the Windows CI workflow and the README.
#   provider/src/main/c/bootstrap/build.sh OUT_DIR
# Environment: CC (default x86_64-w64-mingw32-gcc), JAVA_HOME (for include/jni.h; default the
# build's Temurin 25). Only include/jni.h is taken from the JDK; jni_md.h is include/win32's.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build.sh OUT_DIR}
cc=${CC:-x86_64-w64-mingw32-gcc}
jdk=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
if [ ! -f "$jdk/include/jni.h" ]; then
  echo "build.sh: no $jdk/include/jni.h (set JAVA_HOME to a JDK)" >&2
  exit 2
fi
mkdir -p "$out"
"$cc" -std=c11 -O2 -Wall -Wextra -Werror -D_WIN32_WINNT=0x0601 -DUNICODE -D_UNICODE \
  -I"$here/include/win32" -I"$jdk/include" \
  -shared -static-libgcc -o "$out/jwsp.dll" \
  "$here/jwsp_startup.c" "$here/jwsp_config.c" "$here/jwsp_jvm.c" "$here/jwsp_java.c" \
  "$here/jwsp_log.c" "$here/jwsp_policy.c" "$here/jwsp_acl.c" "$here/jwsp_next.c" \
  "$here/jwsp.def" -ladvapi32 -lws2_32
# jwsp-admin.exe: uninstall (repairing LSPs above jwsp), the layout check and categories without
# Java; it shares the bootstrap's configuration, policy and ACL code.
"$cc" -std=c11 -O2 -Wall -Wextra -Werror -D_WIN32_WINNT=0x0601 -DUNICODE -D_UNICODE -static-libgcc \
  -I"$here" -I"$here/include/win32" -I"$jdk/include" \
  -o "$out/jwsp-admin.exe" "$here/../admin/jwsp_admin.c" "$here/jwsp_config.c" "$here/jwsp_policy.c" \
  "$here/jwsp_acl.c" -ladvapi32 -lws2_32
echo "$out/jwsp.dll"
