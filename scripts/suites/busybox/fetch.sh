#!/usr/bin/env bash
# Downloads Debian's busybox-static for amd64 and arm64 (apt-get download + dpkg-deb -x, nothing installed) into
# the suites cache and lays out one guest root per ISA: <cache>/busybox/root-<isa>/bin/busybox with a symlink per
# applet (what `uabi run --root` sees), plus /etc/passwd and /etc/group for id/whoami.
#   scripts/suites/busybox/fetch.sh            prints the two root dirs; exit 77 (skip) if they cannot be made
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
status=0
for isa in x86_64 aarch64; do
  arch=$(deb_arch "$isa")
  pkg=busybox-static
  [ "$arch" = amd64 ] || { ensure_arm64_arch busybox-static || { status=$SKIP; continue; }; pkg=busybox-static:arm64; }
  deb="$CACHE/busybox/deb-$arch"
  fetch_deb "$pkg" "$deb" || { status=$SKIP; continue; }
  root="$CACHE/busybox/root-$isa"
  if [ ! -f "$root/.version" ] || [ "$(cat "$root/.version")" != "$(cat "$deb/.version")" ]; then
    rm -rf "$root" && mkdir -p "$root/bin" "$root/etc" "$root/usr/bin" "$root/sbin" "$root/usr/sbin"
    cp "$deb/bin/busybox" "$root/bin/busybox"
    # The applet list comes from the binary itself (--list-full gives each applet's install path), run natively
    # or under qemu; the x86-64 list serves for arm64 when qemu is missing (same Debian config for both).
    runner=()
    [ "$isa" = aarch64 ] && runner=(qemu-aarch64)
    list=$("${runner[@]}" "$root/bin/busybox" --list-full 2>/dev/null || "$CACHE/busybox/root-x86_64/bin/busybox" --list-full 2>/dev/null)
    [ -n "$list" ] || { echo "cannot list the applets of $root/bin/busybox" >&2; status=$SKIP; continue; }
    while read -r path; do
      [ "$path" = bin/busybox ] || ln -sf /bin/busybox "$root/$path"
    done <<< "$list"
    printf 'root:x:0:0:root:/root:/bin/sh\nuabi:x:1000:1000:uabi:/home/uabi:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$root/etc/passwd"
    printf 'root:x:0:\nuabi:x:1000:\nnogroup:x:65534:\n' > "$root/etc/group"
    cp "$deb/.version" "$root/.version"
  fi
  echo "$root ($(cat "$root/.version"))"
done
exit $status
