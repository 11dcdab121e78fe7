#!/usr/bin/env bash
# The test command: install the dependencies, build with warnings as errors, start the test bed
# (scripts/testbed.sh), run every test with ctest, then run them again under ASan/UBSan/LSan,
# stop the test bed. CI runs exactly this (through .ci/run, which sets CI=true).
#
# Usage: scripts/test.sh [ctest arguments...]
#   scripts/test.sh                 everything
#   scripts/test.sh -L db           only the tests against the real databases (label "db")
#   scripts/test.sh -R Smoke        only tests whose name matches "Smoke"
#
# Exits with ctest's status. Environment:
#   FERRY_BUILD_DIR    build directory (default: build; the sanitizer build is <it>-sanitize)
#   FERRY_SKIP_SANITIZERS=1  skip the sanitizer pass (a quick local loop; CI never sets it)
#   FERRY_TESTBED_DIR  use this test bed: started when it is not running, and left running at
#                      the end (whoever named it owns it). Unset (as in CI), a private test bed
#                      is started for this run and always stopped and removed at the end.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly ROOT
readonly BUILD_DIR="${FERRY_BUILD_DIR:-build}"
OWN_TESTBED=0
CTEST_PID=""

say() {
  echo "test.sh: $*" >&2
}

# shellcheck disable=SC2317  # stop_testbed and on_exit run from the EXIT trap
stop_testbed() {
  if [[ "$OWN_TESTBED" -eq 1 ]]; then
    OWN_TESTBED=0
    "$ROOT/scripts/testbed.sh" stop || say "warning: could not stop the test bed in $FERRY_TESTBED_DIR"
  fi
}

# shellcheck disable=SC2317
on_exit() {
  local rc=$?
  if [[ -n "$CTEST_PID" ]] && kill -0 "$CTEST_PID" 2>/dev/null; then
    say "interrupted: stopping ctest and its tests"
    kill -TERM -- "-$CTEST_PID" 2>/dev/null || kill -TERM "$CTEST_PID" 2>/dev/null || true
    wait "$CTEST_PID" 2>/dev/null || true
  fi
  stop_testbed || true
  exit "$rc"
}

start_testbed() {
  if [[ -n "${FERRY_TESTBED_DIR:-}" ]]; then
    say "using the test bed in $FERRY_TESTBED_DIR (left running afterwards)"
  else
    export FERRY_TESTBED_DIR="${TMPDIR:-/tmp}/ferry-test-$UID-$$"
    # Owned before it exists, so that a start that fails half way is cleaned up too.
    OWN_TESTBED=1
  fi
  "$ROOT/scripts/testbed.sh" start >/dev/null
  # shellcheck source=/dev/null
  source "$FERRY_TESTBED_DIR/env"
}

main() {
  cd "$ROOT"
  trap on_exit EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM

  scripts/deps.sh
  cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFERRY_WERROR=ON
  cmake --build "$BUILD_DIR" -j"$(nproc)"

  start_testbed

  # --no-tests=error: a filter that matches nothing is a mistake, not a pass. ctest runs in the
  # background, in a process group of its own, so that a signal reaches the traps at once and
  # on_exit can stop ctest with all its tests before it stops the test bed.
  local status=0
  setsid ctest --test-dir "$BUILD_DIR" --output-on-failure --no-tests=error -j2 --timeout 900 "$@" &
  CTEST_PID=$!
  wait "$CTEST_PID" || status=$?
  CTEST_PID=""
  [[ "$status" -eq 0 ]] || exit "$status"

  run_sanitized "$@"
}

# The same tests again, built with AddressSanitizer, UndefinedBehaviorSanitizer and
# LeakSanitizer: ferry moves memory across a C ABI by hand, and a use-after-release or a leak
# must fail the build, not wait for production. The tests against the databases (which only
# exercise the test bed), the SDK install test and the format check are left out.
# FERRY_SKIP_SANITIZERS=1 skips this pass for a quick local loop; CI never sets it.
run_sanitized() {
  if [[ "${FERRY_SKIP_SANITIZERS:-0}" == "1" ]]; then
    say "FERRY_SKIP_SANITIZERS=1: skipping the sanitizer pass"
    return 0
  fi
  local dir="$BUILD_DIR-sanitize" flags="-fsanitize=address,undefined -fno-omit-frame-pointer"
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Debug -DFERRY_WERROR=ON \
    -DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" \
    -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
    -DCMAKE_MODULE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
  cmake --build "$dir" -j"$(nproc)"
  local status=0
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
    setsid ctest --test-dir "$dir" --output-on-failure --no-tests=ignore -j2 --timeout 900 \
    -LE 'db|sdk|style' "$@" &
  CTEST_PID=$!
  wait "$CTEST_PID" || status=$?
  CTEST_PID=""
  exit "$status"
}

main "$@"
