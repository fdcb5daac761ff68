#!/usr/bin/env bash
# pnpm suites:busybox [check.ts options]: fetch Debian's busybox-static (once; cached), then run every case under
# uabi for every mechanism on both ISAs and compare with fixtures/suites/busybox. Exit 77 when busybox cannot be
# fetched here (no apt, or not root for the arm64 architecture) — a skip, not a failure.
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$ROOT"
export NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }--conditions=@uabi/source"
bash scripts/suites/busybox/fetch.sh >/dev/null
fetched=$?
if [ $fetched -ne 0 ] && [ ! -f "$CACHE/busybox/root-x86_64/bin/busybox" ]; then
  echo "busybox suite skipped: Debian's busybox-static could not be fetched (scripts/suites/busybox/fetch.sh)"
  exit 77
fi
exec node --import tsx scripts/suites/busybox/check.ts --jobs "${SUITES_JOBS:-$(nproc 2>/dev/null || echo 2)}" "$@"
