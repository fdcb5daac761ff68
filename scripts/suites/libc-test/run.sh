#!/usr/bin/env bash
# pnpm suites:libc-test [check.ts options]: build musl's libc-test statically for both ISAs (build.sh; cached
# objects are rebuilt, which takes about a minute), then run every test natively / under qemu-aarch64 and under
# uabi for every mechanism and compare with fixtures/suites/libc-test/results.json. Exit 77 when libc-test or
# the toolchains are missing — a skip, not a failure.
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$ROOT"
export NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }--conditions=@uabi/source"
bash scripts/suites/libc-test/build.sh
built=$?
[ $built -eq 77 ] && exit 77
exec node --import tsx scripts/suites/libc-test/check.ts --jobs "${SUITES_JOBS:-$(nproc 2>/dev/null || echo 2)}" "$@"
