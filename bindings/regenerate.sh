#!/usr/bin/env bash
# Regenerates org.jwsp.bindings.windows and org.jwsp.bindings.linux from the real headers
# with an installed jextract (see ../shared/JEXTRACT.md, or README "Regenerating the bindings").
#
#   JEXTRACT=/path/to/jextract bash bindings/regenerate.sh           # or jextract on PATH
#   JEXTRACT=/path/to/jextract bash bindings/regenerate.sh --check   # and fail if git sees a change
#
# It never downloads or builds jextract. The output is deterministic: running it with the
# jextract named below reproduces the committed files exactly (git diff --exit-code).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out="$here/src/main/java"
want_version="jextract 25"
mingw_include=${MINGW_INCLUDE:-/usr/share/mingw-w64/include}
linux_include=${LINUX_INCLUDE:-/usr/include}
check=false
case "${1:-}" in
  --check) check=true ;;
  "") ;;
  *) echo "usage: regenerate.sh [--check]" >&2; exit 2 ;;
esac

die() { echo "regenerate: $*" >&2; exit 1; }

jextract=${JEXTRACT:-$(command -v jextract || true)}
[ -n "$jextract" ] || die "no jextract: set JEXTRACT=/path/to/bin/jextract or put it on PATH (build it as ../shared/JEXTRACT.md says; this script never downloads it)"
[ -x "$jextract" ] || die "JEXTRACT=$jextract is not an executable file"
version=$("$jextract" --version 2>&1 | head -n 1 || true)
[ "$version" = "$want_version" ] || die "wrong jextract: '$jextract --version' says '${version:-nothing}', need '$want_version' (openjdk/jextract f9866df on JDK 25)"

[ -f "$mingw_include/ws2spi.h" ] || die "missing header $mingw_include/ws2spi.h: apt-get install mingw-w64-x86-64-dev"
for h in sys/socket.h linux/io_uring.h sys/eventfd.h; do
  [ -f "$linux_include/$h" ] || [ -f "$linux_include/x86_64-linux-gnu/$h" ] \
    || die "missing header <$h>: apt-get install libc6-dev linux-libc-dev"
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/win" "$work/linux" "$work/out"

# Windows x64. jextract hands --target to clang only through ./compile_flags.txt in its CWD, and
# takes the C 'long' model from the os.name of the JVM that runs it: Windows is LLP64.
cp "$here/jextract/windows.compile_flags.txt" "$work/win/compile_flags.txt"
(cd "$work/win" && JEXTRACT_JAVA_OPTIONS=-Dos.name=Windows_11 "$jextract" \
    --output "$work/out" -t org.jwsp.bindings.windows --header-class-name ws2spi_h \
    @"$here/jextract/windows.args" '<winsock2.h>' '<windows.h>' '<ws2spi.h>' '<ws2ipdef.h>' '<mswsock.h>' '<sporder.h>' '<aclapi.h>' '<sddl.h>') \
  || die "jextract failed on the Windows headers"
# C_LONG is still the canonical 'long' of the JVM that runs the bindings (8 bytes on Linux):
# pin it to Windows' 4 bytes so no layout depends on the host.
shared="$work/out/org/jwsp/bindings/windows/ws2spi_h\$shared.java"
sed -i -E 's/(C_LONG = ).*;$/\1ValueLayout.JAVA_INT;/; s/(C_LONG_DOUBLE = ).*;$/\1ValueLayout.JAVA_DOUBLE;/' "$shared"
[ "$(grep -c 'C_LONG = ValueLayout.JAVA_INT;' "$shared")" = 1 ] || die "post-processing of C_LONG did not apply"

# Linux x86_64: the host's own ABI, no compile_flags.txt (it must not see the Windows one).
(cd "$work/linux" && "$jextract" -I "$here/jextract" \
    --output "$work/out" -t org.jwsp.bindings.linux --header-class-name linux_h \
    @"$here/jextract/linux.args" '<sys/socket.h>' '<sys/uio.h>' '<sys/eventfd.h>' '<sys/mman.h>' \
    '<sys/syscall.h>' '<unistd.h>' '<fcntl.h>' '<poll.h>' '<errno.h>' '<netinet/in.h>' \
    '<netinet/tcp.h>' '<linux/io_uring.h>' '<linux/time_types.h>' '<time.h>' '<pthread.h>' '<linux_gnu.h>') \
  || die "jextract failed on the Linux headers"

for pkg in windows linux; do
  rm -rf "$out/org/jwsp/bindings/$pkg"
  mkdir -p "$out/org/jwsp/bindings"
  cp -r "$work/out/org/jwsp/bindings/$pkg" "$out/org/jwsp/bindings/$pkg"
done
# A checksum of every generated file: GeneratedFilesTest fails when one is edited by hand.
(cd "$out" && find org/jwsp/bindings/windows org/jwsp/bindings/linux -name '*.java' | LC_ALL=C sort \
   | xargs sha256sum) > "$here/jextract/generated.sha256"
# What made these files, for the demo and for whoever regenerates next.
pkgver() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo unknown; }
{
  echo "jextract: $("$jextract" --version 2>&1 | tr '\n' ' ' | sed 's/ *$//')"
  echo "mingw-w64-x86-64-dev: $(pkgver mingw-w64-x86-64-dev)"
  echo "libc6-dev: $(pkgver libc6-dev)"
  echo "linux-libc-dev: $(pkgver linux-libc-dev)"
} > "$here/jextract/generated-with.txt"

echo "regenerate: wrote $(find "$out/org/jwsp/bindings/windows" -name '*.java' | wc -l) Windows and" \
     "$(find "$out/org/jwsp/bindings/linux" -name '*.java' | wc -l) Linux files under $out"

if $check; then
  git -C "$here" diff --exit-code --stat -- src/main/java jextract/generated-with.txt jextract/generated.sha256 \
    || die "the committed bindings differ from what this jextract generates (diff above)"
  [ -z "$(git -C "$here" ls-files --others --exclude-standard -- src/main/java)" ] || die "regeneration added untracked files"
  echo "regenerate: committed bindings reproduced exactly"
fi
