#!/bin/sh
# Builds the Wine test's programs into $1: jwsp.dll (the real one, via build.sh), the stand-in
# jvm.dll (fake_jvm.c), the stand-in ws2_32.dll (fake_ws2_32.c: the catalog), the stand-in next
# provider nextprov.dll (next_provider.c), wspcaller.exe, aclcheck.exe (the ACL check's unit
# driver) and, where binutils can, the 32-bit jvm32.dll.
# Called by BootstrapDllWineTest; runnable by hand:
#   provider/src/test/c/bootstrap/build-test.sh OUT_DIR
set -eu
here=$(cd "$(dirname "$0")" && pwd)
main="$here/../../../main/c/bootstrap"
out=${1:?usage: build-test.sh OUT_DIR}
cc=${CC:-x86_64-w64-mingw32-gcc}
jdk=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
"$main/build.sh" "$out" >/dev/null
flags="-std=c11 -O1 -Wall -Wextra -Werror -D_WIN32_WINNT=0x0601 -static-libgcc"
"$cc" $flags -I"$main/include/win32" -I"$jdk/include" -shared -o "$out/jvm.dll" \
  "$here/fake_jvm.c" "$here/fake_jvm.def"
"$cc" $flags -o "$out/wspcaller.exe" "$here/wspcaller.c"
"$cc" $flags -shared -o "$out/ws2_32.dll" "$here/fake_ws2_32.c" "$here/fake_ws2_32.def"
"$cc" $flags -shared -o "$out/nextprov.dll" "$here/next_provider.c" "$here/next_provider.def"
"$cc" $flags -municode -DUNICODE -D_UNICODE -I"$main" -I"$main/include/win32" -I"$jdk/include" \
  -o "$out/aclcheck.exe" "$here/aclcheck.c" "$main/jwsp_acl.c" "$main/jwsp_config.c" -ladvapi32
# jvm32.dll, a 32-bit DLL, when binutils can link PE32 (the i386pe linker script is there).
script=/usr/lib/x86_64-linux-gnu/ldscripts/i386pe.xa
if [ -f "$script" ]; then
  x86_64-w64-mingw32-as --32 -o "$out/dll32.o" "$here/dll32.s"
  x86_64-w64-mingw32-ld -m i386pe -T "$script" --dll -e _DllMainCRTStartup@12 -o "$out/jvm32.dll" "$out/dll32.o"
fi
echo "$out"
