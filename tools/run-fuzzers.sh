#!/usr/bin/env bash
# Runs every libFuzzer target in $FUZZ_PROGRAMS (set by the Makefile).
#   (default)  TAP, FUZZ_TEST_SECONDS each: the short run inside `make test`
#   --long     FUZZ_SECONDS each, output kept in build/fuzz/logs: `make fuzz`
# For a target NAME, found anywhere in the tree (build/ excepted):
#   NAME.corpus/   seed corpus (the working corpus grows in build/fuzz/corpus/NAME)
#   NAME.dict      libFuzzer dictionary (-dict=)
#   NAME.options   extra libFuzzer flags, one per line (e.g. -max_len=65536)
# A target fails on a non-zero exit (crash, timeout, leak, and every
# sanitizer report: the fuzz build uses -fno-sanitize-recover=all) and, as a
# second guard, on any sanitizer report in its log even if it exited 0.
# tools/run-fuzzers-selftest.sh checks both.
set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
long=0; [ "${1:-}" = "--long" ] && long=1
secs=${FUZZ_TEST_SECONDS:-5}; [ $long = 1 ] && secs=${FUZZ_SECONDS:-60}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
read -r -a progs <<<"${FUZZ_PROGRAMS:-}"
report='runtime error:|ERROR: AddressSanitizer|ERROR: LeakSanitizer|ERROR: UndefinedBehaviorSanitizer|ERROR: libFuzzer|WARNING: .*Sanitizer'
find_one() { find . -path ./build -prune -o -path "./$BUILD" -prune -o -name "$1" -print | head -1; }
echo "1..${#progs[@]}"
n=0; failed=0
for p in "${progs[@]}"; do
    n=$((n + 1)); name=$(basename "$p")
    work="$BUILD/fuzz/corpus/$name"; logs="$BUILD/fuzz/logs"
    mkdir -p "$work" "$logs"
    seeds=$(find_one "$name.corpus")
    dict=$(find_one "$name.dict")
    opts=()
    optfile=$(find_one "$name.options")
    [ -n "$optfile" ] && mapfile -t opts < <(grep -v '^[[:space:]]*\(#\|$\)' "$optfile")
    log="$logs/$name.log"
    start=$SECONDS
    "$p" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$logs/$name-" ${dict:+"-dict=$dict"} ${opts[@]+"${opts[@]}"} \
        "$work" ${seeds:+"$seeds"} >"$log" 2>&1
    rc=$?
    took=$((SECONDS - start))
    runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{print $2}')
    if [ $rc = 0 ] && ! grep -qE "$report" "$log"; then
        echo "ok $n - $name fuzzed ${secs}s (${took}s, ${runs:-?} runs)"
    else
        echo "not ok $n - $name: exit $rc, crash, sanitizer report or leak, see $log"
        grep -E -m3 "$report" "$log" | sed 's/^/# /'
        tail -30 "$log" | sed 's/^/# /'
        failed=$((failed + 1))
    fi
done
[ $failed = 0 ]
