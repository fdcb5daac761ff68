#!/usr/bin/env bash
# Builds every functional and regression test of musl's libc-test statically, for x86-64 with musl-gcc and for
# arm64 with aarch64-linux-gnu-gcc against Debian's musl-dev:arm64 (apt-get download + dpkg-deb -x into the cache,
# aarch64-linux-musl.specs beside this script), with the CFLAGS of libc-test's config.mak.def.
#
#   scripts/suites/libc-test/build.sh [x86_64|aarch64]...     (default: both)
#
# libc-test is used where it lies, never copied: LIBC_TEST_DIR, by default ../shared/third_party/libc-test from
# the repository root. Output: <cache>/libc-test/<isa>/{functional,regression}/<name> and
# <cache>/libc-test/<isa>/build.tsv (name, "ok" or the first compiler/linker error). Tests that only exist as
# dynamic builds (they dlopen a DSO or need one at load time) are left out, as libc-test's own static build
# leaves them out. Exit 77 (skip) when libc-test or every toolchain is missing.
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
HERE="$ROOT/scripts/suites/libc-test"
LIBC_TEST_DIR="${LIBC_TEST_DIR:-$ROOT/../shared/third_party/libc-test}"
JOBS="${SUITES_JOBS:-$(nproc 2>/dev/null || echo 2)}"
if [ ! -f "$LIBC_TEST_DIR/src/common/test.h" ]; then
  echo "libc-test not found at LIBC_TEST_DIR=$LIBC_TEST_DIR (skipped)"
  exit $SKIP
fi
SRC="$LIBC_TEST_DIR/src"
# config.mak.def's flags (its glibc-only -lcrypt dropped: musl has crypt in libc and Debian ships no libcrypt.a).
CFLAGS=(-pipe -std=c99 -D_POSIX_C_SOURCE=200809L -Wall -Wno-unused-function -Wno-missing-braces -Wno-unused -Wno-overflow
  -Wno-unknown-pragmas -fno-builtin -frounding-math -Werror=implicit-function-declaration -Werror=implicit-int
  -Werror=pointer-sign -Werror=pointer-arith -g -D_FILE_OFFSET_BITS=64 -I"$SRC/common"
  # __FILE__ in the tests' messages (and the debug info) say src/…, not where this machine keeps libc-test.
  -ffile-prefix-map="$LIBC_TEST_DIR/"=)
LDLIBS=(-lpthread -lm -lrt -ldl -lresolv -lutil -lpthread)
# Dynamic-only tests (their .mk files make only a dynamic binary) and the DSOs other tests load.
DYNAMIC_ONLY=" dlopen tls_align_dlopen tls_init_dlopen tls_get_new-dtv "
# Extra objects a static test links (its .mk's <name>-static.LDLIBS).
declare -A STATIC_EXTRA=([tls_align]=functional/tls_align_dso)

toolchain() { # toolchain <isa>: sets CC (array); returns 1 when it is not available
  case "$1" in
    x86_64)
      command -v musl-gcc >/dev/null || { echo "x86_64: no musl-gcc (apt-get install musl-tools) — skipped"; return 1; }
      CC=(musl-gcc) ;;
    aarch64)
      command -v aarch64-linux-gnu-gcc >/dev/null || { echo "aarch64: no aarch64-linux-gnu-gcc (apt-get install gcc-aarch64-linux-gnu) — skipped"; return 1; }
      local sysroot="$CACHE/libc-test/musl-dev-arm64"
      if [ ! -f "$sysroot/usr/lib/aarch64-linux-musl/libc.a" ]; then
        # Static linking needs only musl-dev's libc.a, crt files and headers; musl (the dynamic loader) comes
        # along for completeness of the sysroot's package pair.
        ensure_arm64_arch musl-dev && fetch_deb musl-dev:arm64 "$sysroot" && fetch_deb musl:arm64 "$CACHE/libc-test/musl-arm64" ||
          { echo "aarch64: cannot fetch Debian's musl-dev:arm64 — skipped"; return 1; }
      fi
      export UABI_MUSL_ARM64="$sysroot"
      CC=(aarch64-linux-gnu-gcc -specs "$HERE/aarch64-linux-musl.specs") ;;
  esac
}

build_isa() {
  local isa=$1 out="$CACHE/libc-test/$1"
  toolchain "$isa" || return 1
  mkdir -p "$out/obj/common" "$out/functional" "$out/regression" "$out/obj/functional" "$out/obj/regression"
  # libtest.a: every common/*.c but the runner (tests link only what they use).
  local objs=()
  for c in "$SRC"/common/*.c; do
    local n; n=$(basename "$c" .c)
    [ "$n" = runtest ] && continue
    "${CC[@]}" "${CFLAGS[@]}" -c -o "$out/obj/common/$n.o" "$c" || { echo "$isa: libtest: $n.c does not build"; return 1; }
    objs+=("$out/obj/common/$n.o")
  done
  rm -f "$out/libtest.a" && ar rc "$out/libtest.a" "${objs[@]}"
  export -f build_one
  export CACHE SRC isa out
  export CFLAGS_S="${CFLAGS[*]@Q}" LDLIBS_S="${LDLIBS[*]@Q}" CC_S="${CC[*]@Q}"
  local list=()
  for c in "$SRC"/functional/*.c "$SRC"/regression/*.c; do
    local dir name; dir=$(basename "$(dirname "$c")"); name=$(basename "$c" .c)
    case "$name" in *_dso) continue ;; esac
    [[ "$DYNAMIC_ONLY" == *" $name "* ]] && continue
    list+=("$dir/$name:${STATIC_EXTRA[$name]:-}")
  done
  printf '%s\n' "${list[@]}" | xargs -d '\n' -n 1 -P "$JOBS" bash -c 'build_one "$1"' _ > "$out/build.tsv.tmp"
  sort "$out/build.tsv.tmp" > "$out/build.tsv" && rm -f "$out/build.tsv.tmp"
  echo "$isa: $(grep -c $'\tok$' "$out/build.tsv")/$(wc -l < "$out/build.tsv") tests build statically ($out)"
}

# build_one <dir/name>:[dir/extra]: one static test; prints "dir/name<TAB>ok" or the first error line.
build_one() {
  eval "local cflags=($CFLAGS_S) ldlibs=($LDLIBS_S) cc=($CC_S)"
  local t=${1%%:*} extra=${1#*:} objs err
  objs=("$out/obj/$t.o")
  err=$("${cc[@]}" "${cflags[@]}" -c -o "$out/obj/$t.o" "$SRC/$t.c" 2>&1 >/dev/null) || { printf '%s\tcompile: %s\n' "$t" "$(grep -m1 'error' <<< "${err//$SRC\//}")"; return 0; }
  if [ -n "$extra" ]; then
    err=$("${cc[@]}" "${cflags[@]}" -c -o "$out/obj/$extra.o" "$SRC/$extra.c" 2>&1 >/dev/null) || { printf '%s\tcompile %s: %s\n' "$t" "$extra" "$(grep -m1 'error' <<< "$err")"; return 0; }
    objs+=("$out/obj/$extra.o")
  fi
  err=$("${cc[@]}" -static -g -o "$out/$t" "${objs[@]}" "$out/libtest.a" "${ldlibs[@]}" 2>&1 >/dev/null) || { rm -f "$out/$t"; printf '%s\tlink: %s\n' "$t" "$(grep -m1 -E 'undefined reference|error' <<< "$err" | sed 's/^.*: //')"; return 0; }
  printf '%s\tok\n' "$t"
}

isas=("$@")
[ ${#isas[@]} -eq 0 ] && isas=(x86_64 aarch64)
built=0
for isa in "${isas[@]}"; do build_isa "$isa" && built=$((built + 1)); done
[ $built -gt 0 ] || exit $SKIP
