#!/usr/bin/env bash
# TAP: sanitizer reports are fatal in the fuzz and unit-test builds, and
# tools/run-fuzzers.sh fails a target that reports one.  Uses the
# deliberately broken fuzz_selftest_ubsan (tools/fuzz-selftest/).
set -u
cd "$(dirname "$0")/../.." || exit 1
B=${BUILD:-build}
fz=$B/fuzz-selftest/fuzz_selftest_ubsan
san=$B/test-selftest/san_selftest_ubsan
echo "1..5"
fails=0
if [ ! -x "$fz" ] || [ ! -x "$san" ]; then
    for i in 1 2 3 4 5; do echo "not ok $i - $fz or $san not built (make test-build)"; done
    exit 1
fi
tmp=$(mktemp -d "/tmp/xepc-fuzzselftest-$$.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# 1: the unit-test build (CFLAGS_san) stops on the report with a failure
out=$("$san" U 2>&1); rc=$?
if [ $rc != 0 ] && grep -q 'runtime error:' <<<"$out" && ! grep -q 'returned normally' <<<"$out"; then
    echo "ok 1 - a UBSan report ends a unit-test-build program with exit $rc"
else
    fails=$((fails + 1)); echo "not ok 1 - a UBSan report in the unit-test build did not fail it (exit $rc)"
    sed 's/^/# /' <<<"$out"
fi

# 2: the same program without the report exits 0 (the check above can pass)
if "$san" x >/dev/null 2>&1; then
    echo "ok 2 - without the report the unit-test-build program exits 0"
else
    fails=$((fails + 1)); echo "not ok 2 - the unit-test-build program fails even without the report"
fi

# 3: the fuzz build dies on the report (libFuzzer exit status non-zero)
printf 'U' >"$tmp/in"
"$fz" -runs=1 "$tmp/in" >"$tmp/direct.log" 2>&1; rc=$?
if [ $rc != 0 ] && grep -q 'runtime error:' "$tmp/direct.log"; then
    echo "ok 3 - a UBSan report ends the libFuzzer target with exit $rc"
else
    fails=$((fails + 1)); echo "not ok 3 - a UBSan report did not end the libFuzzer target (exit $rc)"
    tail -20 "$tmp/direct.log" | sed 's/^/# /'
fi

# 4: run-fuzzers.sh reports the target "not ok" and exits non-zero
out=$(BUILD="$tmp/b" FUZZ_PROGRAMS="$fz" FUZZ_TEST_SECONDS=3 tools/run-fuzzers.sh 2>&1); rc=$?
if [ $rc != 0 ] && grep -q '^not ok 1 - fuzz_selftest_ubsan' <<<"$out"; then
    echo "ok 4 - run-fuzzers.sh fails a target with a UBSan report (exit $rc)"
else
    fails=$((fails + 1)); echo "not ok 4 - run-fuzzers.sh passed a target with a UBSan report (exit $rc)"
    sed 's/^/# /' <<<"$out" | head -20
fi

# 5: ... and also one that printed a report but exited 0 (the log guard)
out=$(XEPC_SELFTEST_PRINT_ONLY=1 BUILD="$tmp/b" FUZZ_PROGRAMS="$fz" FUZZ_TEST_SECONDS=2 \
      tools/run-fuzzers.sh 2>&1); rc=$?
if [ $rc != 0 ] && grep -q '^not ok 1 - fuzz_selftest_ubsan' <<<"$out"; then
    echo "ok 5 - run-fuzzers.sh fails a target whose log holds a report though it exited 0"
else
    fails=$((fails + 1)); echo "not ok 5 - run-fuzzers.sh passed a target whose log holds a sanitizer report (exit $rc)"
    sed 's/^/# /' <<<"$out" | head -20
fi
[ $fails = 0 ]
