#!/usr/bin/env bash
# Runs every libFuzzer target in $FUZZ_PROGRAMS (set by the Makefile).
#   (default)  TAP, FUZZ_TEST_SECONDS each: the short run inside `make test`
#   --long     FUZZ_SECONDS each, output kept in build/fuzz/logs: `make fuzz`
# A seed corpus for target NAME is any folder called NAME.corpus in the tree;
# the working corpus grows in build/fuzz/corpus/NAME.
set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
long=0; [ "${1:-}" = "--long" ] && long=1
secs=${FUZZ_TEST_SECONDS:-5}; [ $long = 1 ] && secs=${FUZZ_SECONDS:-60}
read -r -a progs <<<"${FUZZ_PROGRAMS:-}"
echo "1..${#progs[@]}"
n=0; failed=0
for p in "${progs[@]}"; do
    n=$((n + 1)); name=$(basename "$p")
    work="$BUILD/fuzz/corpus/$name"; logs="$BUILD/fuzz/logs"
    mkdir -p "$work" "$logs"
    seeds=$(find . -path ./build -prune -o -type d -name "$name.corpus" -print | head -1)
    log="$logs/$name.log"
    if "$p" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
         -artifact_prefix="$logs/$name-" "$work" ${seeds:+"$seeds"} >"$log" 2>&1; then
        echo "ok $n - $name fuzzed ${secs}s ($(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{print $2}') runs)"
    else
        echo "not ok $n - $name: crash or leak, see $log"
        tail -30 "$log" | sed 's/^/# /'
        failed=$((failed + 1))
    fi
done
[ $failed = 0 ]
