#!/usr/bin/env bash
# pnpm fixtures:check — the corpus against its real oracles, end to end:
#   1. rebuild the corpus binaries with the real toolchains (scripts/fixtures/build.sh; byte-stable, so an
#      unchanged toolchain reproduces the committed bytes) and fail if any committed binary changed;
#   2. re-record the oracle outputs (qemu-aarch64 -strace, native strace) and fail if they differ from the
#      committed recordings (scripts/fixtures/record.sh --check);
#   3. run every fixture under uabi with every mechanism the kernel supports and fail on any difference
#      in stdout or exit status (scripts/check/corpus.ts);
#   then the fuzzers (scripts/fuzz) for FUZZ_SECONDS (default 20) per target;
#   then the suites of docs/suites.md: busybox (Debian's busybox-static, every case × ISA × mechanism, against
#   fixtures/suites/busybox) and musl's libc-test (static builds for both ISAs, run natively / under qemu-aarch64
#   and under uabi's direct and seccomp mechanisms — the CI subset; `pnpm suites:libc-test` runs all six —
#   against fixtures/suites/libc-test/results.json); each fails when a test of its committed baseline fails,
#   prints a skip line when busybox-static / the toolchains / libc-test cannot be had, and is killed (and fails)
#   past its time budget (SUITES_BUSYBOX_BUDGET, SUITES_LIBC_TEST_BUDGET seconds).
# Steps 1-2 skip a target whose toolchain or oracle is missing (the scripts say so); step 3 always runs.
# Environment: FIXTURES_CHECK_JOBS (default: number of CPUs), FIXTURES_CHECK_FULL=1 (heavy fixtures under
# every mechanism too), FIXTURES_CHECK_BEAT (seconds between progress lines, default 5: every long step says
# what it is doing at least that often; corpus.ts prints its own counts).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# Every TypeScript step resolves workspace packages to their sources (the "@uabi/source" export condition), as
# the tests and `pnpm uabi` do: nothing needs building first.
export NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }--conditions=@uabi/source"
start=$(date +%s)
failures=()
step() { echo; echo "== $*"; }
# beat <label> <command...>: run the command with a progress line every FIXTURES_CHECK_BEAT seconds (default 5)
# while it runs, so no step is silent for long; returns the command's status.
HB=""
trap '[ -n "$HB" ] && kill "$HB" 2>/dev/null' EXIT
beat() {
  local label=$1 rc t0
  shift
  t0=$(date +%s)
  ( while sleep "${FIXTURES_CHECK_BEAT:-5}"; do echo "   ... $label: $(( $(date +%s) - t0 )) s"; done ) &
  HB=$!
  "$@"
  rc=$?
  kill "$HB" 2>/dev/null
  wait "$HB" 2>/dev/null
  HB=""
  return $rc
}

step "1/3 rebuild fixtures/corpus/bin with the real toolchains"
if beat "rebuilding the corpus binaries" bash scripts/fixtures/build.sh; then
  if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    echo "not a git checkout: cannot compare the rebuilt binaries with committed ones (skipped)"
  elif ! git diff --quiet --exit-code -- fixtures/corpus/bin; then
    git diff --stat -- fixtures/corpus/bin
    failures+=("rebuilt binaries differ from the committed ones (toolchain changed? commit them and re-record)")
  fi
else
  failures+=("scripts/fixtures/build.sh failed")
fi

step "2/3 re-record the oracles and compare with fixtures/corpus/expected"
if ! beat "re-recording the oracles" bash scripts/fixtures/record.sh --check; then
  failures+=("fresh oracle recordings differ from fixtures/corpus/expected (scripts/fixtures/record.sh --check)")
fi

step "3/3 every fixture under uabi, every mechanism the kernel supports"
jobs="${FIXTURES_CHECK_JOBS:-$(nproc 2>/dev/null || echo 2)}"
full=()
[ "${FIXTURES_CHECK_FULL:-0}" = 1 ] && full=(--full)
if ! node --import tsx scripts/check/corpus.ts --jobs "$jobs" "${full[@]}"; then
  failures+=("uabi differs from the recordings (scripts/check/corpus.ts)")
fi

step "dynamic programs: the dynamic corpus and Debian's own programs, oracles and uabi (scripts/dynamic)"
# The arm64 .debs are fetched and unpacked once into .cache (never committed); without apt or network their runs are skipped.
t=$(date +%s)
beat "fetching the arm64 .debs" bash scripts/dynamic/fetch-debs.sh || echo "arm64 .debs unavailable: the arm64 Debian runs are skipped"
if ! beat "dynamic programs" node --import tsx scripts/dynamic/check.ts --oracle; then
  failures+=("dynamic programs differ from their recordings (scripts/dynamic/check.ts --oracle)")
fi
echo "(dynamic programs: $(( $(date +%s) - t )) s)"

step "fuzz: every target of scripts/fuzz for a fixed budget (pnpm fuzz; FUZZ_SECONDS, FUZZ_SEED)"
# The seed changes daily (printed, so a failure reproduces with --seed); any untyped failure or hang fails the check.
if ! beat "fuzzing" node --import tsx scripts/fuzz/main.ts --seconds "${FUZZ_SECONDS:-20}" --seed "${FUZZ_SEED:-$(date +%Y%j)}"; then
  failures+=("the fuzzers found an untyped failure or a hang (scripts/fuzz; replay with the printed --seed)")
fi

# suite <name> <budget seconds> <command...>: one timed suite step; exit 77 is a skip, past the budget a failure.
suite() {
  local name=$1 budget=$2 t rc
  shift 2
  t=$(date +%s)
  beat "$name" timeout --signal=TERM "$budget" "$@"
  rc=$?
  echo "($name: $(( $(date +%s) - t )) s, budget $budget s)"
  case $rc in
    0) ;;
    77) echo "$name skipped (see the line above)" ;;
    124) failures+=("$name took longer than its budget of $budget s (killed)") ;;
    *) failures+=("$name: a case that passed in its committed baseline fails now, or the run broke (exit $rc)") ;;
  esac
}

# A suite runs here once its baseline is committed (fixtures/suites/<suite>/results.json, written by
# `pnpm suites:<suite> --update`): without one there is nothing to hold a run to, and a full matrix costs tens of
# minutes. SUITES_WITHOUT_BASELINE=1 runs them anyway.
baseline() { [ -f "fixtures/suites/$1/results.json" ] || [ "${SUITES_WITHOUT_BASELINE:-0}" = 1 ]; }

step "suite: busybox under uabi (scripts/suites/busybox)"
if baseline busybox; then
  suite "busybox suite" "${SUITES_BUSYBOX_BUDGET:-1800}" bash scripts/suites/busybox/run.sh
else
  echo "busybox suite skipped: no committed baseline (record fixtures/suites/busybox/results.json with pnpm suites:busybox --update)"
fi

step "suite: musl libc-test under uabi (scripts/suites/libc-test, CI subset: reference, direct, seccomp)"
if baseline libc-test; then
  suite "libc-test suite" "${SUITES_LIBC_TEST_BUDGET:-1500}" bash scripts/suites/libc-test/run.sh --subset ci
else
  echo "libc-test suite skipped: no committed baseline (record fixtures/suites/libc-test/results.json with pnpm suites:libc-test --update)"
fi

secs=$(( $(date +%s) - start ))
echo
if [ ${#failures[@]} -eq 0 ]; then
  echo "fixtures:check passed in ${secs} s"
  exit 0
fi
echo "fixtures:check FAILED in ${secs} s:"
printf '  - %s\n' "${failures[@]}"
exit 1
