#!/usr/bin/env bash
# Fetches Debian's own arm64 binaries for the dynamic-program fixtures: `apt-get download` of the arm64 .debs
# of coreutils, dash, findutils, grep, sed and their libraries, unpacked with dpkg-deb into
# .cache/dynamic/arm64/root — the sysroot `uabi run --sysroot` and `qemu-aarch64 -L` both use. Nothing is
# installed and nothing here is committed (.cache/ is ignored). Needs `dpkg --add-architecture arm64` and an
# `apt-get update` once (as root); without them the script says so and exits 1.
# The C library: ARM64_LIBC=cross (default) copies the loader and libraries of Debian's libc6-arm64-cross
# (/usr/aarch64-linux-gnu/lib, glibc 2.36-8, what the corpus is built against); ARM64_LIBC=deb unpacks the
# libc6:arm64 .deb instead (bookworm-security's 2.36-9+deb12u*, whose strlen in ld.so uses the SIMD ADDHN
# instruction the arm64 core does not decode yet).
# Also musl:arm64 (the loader, into .cache/dynamic/musl-arm64/root) and musl-dev:arm64 (headers and crt files,
# into .cache/dynamic/musl-arm64/dev) for the aarch64-musl-dynamic corpus target.
# Usage: scripts/dynamic/fetch-debs.sh   (idempotent: an unpacked root is kept; rm -r .cache/dynamic to redo)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="$ROOT/.cache/dynamic/arm64"
PACKAGES=(coreutils dash findutils grep sed libacl1 libattr1 libgmp10 libselinux1 libpcre2-8-0)
LIBC="${ARM64_LIBC:-cross}"
CROSS=/usr/aarch64-linux-gnu/lib
case "$LIBC" in
  deb) PACKAGES+=(libc6) ;;
  cross) [ -e "$CROSS/ld-linux-aarch64.so.1" ] || { echo "no $CROSS/ld-linux-aarch64.so.1: install libc6-arm64-cross or use ARM64_LIBC=deb" >&2; exit 1; } ;;
  *) echo "ARM64_LIBC must be cross or deb (got $LIBC)" >&2; exit 2 ;;
esac
MUSL="$ROOT/.cache/dynamic/musl-arm64"
fetch_musl() {
  [ -e "$MUSL/root/lib/ld-musl-aarch64.so.1" ] && [ -e "$MUSL/dev/usr/lib/aarch64-linux-musl/Scrt1.o" ] && return 0
  mkdir -p "$MUSL/debs" && cd "$MUSL/debs"
  for p in musl musl-dev; do ls "${p}"_*_arm64.deb >/dev/null 2>&1 || apt-get download "$p:arm64"; done
  dpkg-deb -x "$(ls musl_*_arm64.deb | head -1)" "$MUSL/root"
  dpkg-deb -x "$(ls musl-dev_*_arm64.deb | head -1)" "$MUSL/dev"
  echo "musl arm64: ${MUSL#"$ROOT"/}/root (loader), ${MUSL#"$ROOT"/}/dev (headers, crt files)"
}
if [ -x "$OUT/root/bin/ls" ] && [ -e "$OUT/root/lib/ld-linux-aarch64.so.1" ]; then
  (fetch_musl) || echo "musl:arm64 unavailable (the aarch64-musl-dynamic target is skipped)"
  echo "arm64 sysroot present: ${OUT#"$ROOT"/}/root"
  exit 0
fi
if ! dpkg --print-foreign-architectures 2>/dev/null | grep -qx arm64; then
  echo "arm64 is not a dpkg architecture here: run 'dpkg --add-architecture arm64 && apt-get update' as root" >&2
  exit 1
fi
mkdir -p "$OUT/debs" "$OUT/root"
cd "$OUT/debs"
for p in "${PACKAGES[@]}"; do
  ls "${p}"_*_arm64.deb >/dev/null 2>&1 || apt-get download "$p:arm64"
done
for p in "${PACKAGES[@]}"; do dpkg-deb -x "$(ls "${p}"_*_arm64.deb | head -1)" "$OUT/root"; done
if [ "$LIBC" = cross ]; then
  # Where libc6:arm64 puts them: the loader at PT_INTERP's path, the libraries in the multiarch directory.
  mkdir -p "$OUT/root/lib/aarch64-linux-gnu"
  cp "$CROSS/ld-linux-aarch64.so.1" "$OUT/root/lib/"
  cp "$CROSS"/lib{c,m,pthread,dl,rt,resolv,anl,util}.so.[0-9]* "$OUT/root/lib/aarch64-linux-gnu/" 2>/dev/null || true
fi
# Debian's usrmerge layout on a real system (/bin -> usr/bin, /lib -> usr/lib) is made by the base-files
# install, not by the packages: the unpacked tree keeps the paths the packages ship, which is what PT_INTERP
# (/lib/ld-linux-aarch64.so.1) and the programs' paths here use.
echo "arm64 sysroot: ${OUT#"$ROOT"/}/root (${#PACKAGES[@]} packages, C library: $LIBC)"
(fetch_musl) || echo "musl:arm64 unavailable (the aarch64-musl-dynamic target is skipped)"
