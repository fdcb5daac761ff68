#!/bin/sh
# Fetch Debian's busybox-static for both ISAs into fixtures/study/busybox/<arch>/bin/busybox (not committed:
# the .debs stay in a temporary directory). `uabi study` picks the binaries up when they are there.
# arm64 needs `dpkg --add-architecture arm64 && apt-get update` once (as root).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for pair in x86_64:amd64 arm64:arm64; do
  arch=${pair%%:*}; deb=${pair#*:}
  (cd "$tmp" && apt-get download "busybox-static:$deb")
  mkdir -p "$tmp/$arch" "$root/fixtures/study/busybox/$arch/bin"
  dpkg-deb -x "$tmp"/busybox-static_*_"$deb".deb "$tmp/$arch"
  cp "$tmp/$arch/bin/busybox" "$root/fixtures/study/busybox/$arch/bin/busybox"
done
