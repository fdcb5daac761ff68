# Shared by the suites' shell scripts (sourced): where the cache lives and how Debian packages get into it.
# Nothing here is committed output: the cache is .cache/suites (git-ignored) unless UABI_SUITES_CACHE says otherwise.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="${UABI_SUITES_CACHE:-$ROOT/.cache/suites}"
# Exit status for "cannot run here" (no apt, no toolchain): the automake convention, which fixtures-check.sh
# reports as a skip rather than a failure.
SKIP=77

# Debian's architecture name for an ISA name of ours.
deb_arch() { case "$1" in x86_64 | amd64) echo amd64 ;; aarch64 | arm64) echo arm64 ;; *) return 1 ;; esac; }

# Make arm64 packages downloadable (dpkg --add-architecture arm64 and one apt-get update): needs root.
# apt waits for a held dpkg/apt lock instead of failing (other sessions may be installing).
ensure_arm64_arch() {
  dpkg --print-foreign-architectures 2>/dev/null | grep -qx arm64 && apt-cache policy "$1:arm64" 2>/dev/null | grep -q 'Candidate: [0-9]' && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "not root: cannot add the arm64 architecture to dpkg (run once as root: dpkg --add-architecture arm64 && apt-get update)" >&2
    return 1
  fi
  dpkg --add-architecture arm64 || return 1
  apt-get -o DPkg::Lock::Timeout=600 update -qq || return 1
}

# fetch_deb <package:arch> <dest dir>: apt-get download the package (no install) and unpack it with dpkg-deb -x.
# Leaves <dest>/.version with the package version, so a rerun with the same candidate does nothing.
fetch_deb() {
  local pkg=$1 dest=$2 tmp version
  command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || { echo "no apt-get/dpkg-deb on this machine" >&2; return 1; }
  version=$(apt-cache policy "$pkg" 2>/dev/null | sed -n 's/^ *Candidate: //p')
  if [ -z "$version" ] || [ "$version" = "(none)" ]; then
    echo "apt knows no candidate for $pkg (apt-get update needed?)" >&2
    return 1
  fi
  [ -f "$dest/.version" ] && [ "$(cat "$dest/.version")" = "$version" ] && return 0
  tmp=$(mktemp -d)
  # _apt cannot write into a root-owned mktemp dir; apt then downloads unsandboxed, which is fine here.
  chmod 755 "$tmp"
  if ! (cd "$tmp" && apt-get download -qq "$pkg=$version" 2>/dev/null) || ! ls "$tmp"/*.deb >/dev/null 2>&1; then
    echo "apt-get download $pkg failed" >&2
    rm -rf "$tmp"
    return 1
  fi
  rm -rf "$dest" && mkdir -p "$dest"
  dpkg-deb -x "$tmp"/*.deb "$dest" && echo "$version" > "$dest/.version"
  local rc=$?
  rm -rf "$tmp"
  return $rc
}
