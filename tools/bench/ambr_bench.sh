#!/bin/bash
# make bench: iperf3 through one session's APN-AMBR (docs/PERFORMANCE.md
# "AMBR and TCP"), on the routed e2e topology of tests/e2e/lib.sh: gtpu-ue
# and the iperf3 client in the eNB namespace, the server in the PDN
# namespace, the XDP datapath in between.  For each rate (UL and DL AMBR
# both set to it), a single TCP stream and a UDP flow offered at twice the
# rate, uplink and downlink, AMBR_BENCH_TRIALS runs of AMBR_BENCH_SECONDS
# each (iperf3 -O 2: the first two seconds, where the full bucket and slow
# start dominate, are not counted).
#
# Every figure is printed as
#   bench: <name> <median> <unit> (median of N; best B, spread MIN-MAX)
# with the goodput as a percentage of the AMBR: the receiver's bytes (TCP
# goodput; UDP datagrams that arrived) over the counted seconds.
#
# The AMBR counts inner IP bytes; goodput is payload, so its ceiling is
# below 100 %: 1448/1500 = 96.5 % for TCP (MSS 1448 with timestamps), and
# 1200/1228 = 97.7 % for the 1200-byte UDP datagrams.
#
# Environment: AMBR_BENCH_RATES (default "1M 20M 200M"), AMBR_BENCH_TRIALS
# (3), AMBR_BENCH_SECONDS (10), AMBR_BENCH_BURST (--ambr-burst for every
# session; default: the datapath's default), AMBR_BENCH_PROTOS ("tcp udp"),
# AMBR_BENCH_DIRS ("ul dl").
source "$(dirname "$0")/../../tests/e2e/lib.sh"
source "$(dirname "$0")/../../tests/e2e/ambr_lib.sh"

[ "$(id -u)" = 0 ] || { echo "# ambr_bench: needs root; skipped"; exit 0; }
[ -x "$XEPCCTL" ] && [ -x "$GTPU_UE" ] || { echo "ambr_bench: build first (make all)"; exit 1; }
command -v iperf3 >/dev/null || { echo "ambr_bench: iperf3 is missing (make deps)"; exit 1; }

RATES=${AMBR_BENCH_RATES:-1M 20M 200M}
TRIALS=${AMBR_BENCH_TRIALS:-3}
SECS=${AMBR_BENCH_SECONDS:-10}
BURST=${AMBR_BENCH_BURST:-}
PROTOS=${AMBR_BENCH_PROTOS:-tcp udp}
DIRS=${AMBR_BENCH_DIRS:-ul dl}
trap e2e_cleanup EXIT INT TERM

e2e_topology >/dev/null || { echo "ambr_bench: topology failed"; exit 1; }
e2e_dp_up routed >/dev/null || { echo "ambr_bench: dp up failed"; exit 1; }
e2e_ue_session 2 0x101 0x901 >/dev/null || exit 1
e2e_gtpu_ue 2,0x101,0x901 || { echo "ambr_bench: gtpu-ue failed"; exit 1; }
echo "# ambr_bench: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) at the start;" \
    "$TRIALS runs of $SECS s (iperf3 -O 2) per figure; burst ${BURST:-default}"

# stats NAME UNIT V...: median, best (highest), spread
stats() {
    local name=$1 unit=$2
    shift 2
    $PY - "$name" "$unit" "$@" <<'PY'
import statistics, sys
name, unit, v = sys.argv[1], sys.argv[2], [float(x) for x in sys.argv[3:]]
f = lambda x: ("%.1f" % x)
print("bench: %s %s %s (median of %d; best %s, spread %s-%s)" % (
    name, f(statistics.median(v)), unit, len(v), f(max(v)), f(min(v)), f(max(v))))
PY
}

for rate in $RATES; do
    bps=$($PY -c "import sys; m={'k':1e3,'M':1e6,'G':1e9}; r='$rate'; print(int(float(r[:-1])*m[r[-1]]) if r[-1] in m else int(r))")
    ambr_session "$rate" "$BURST" >/dev/null || { echo "ambr_bench: session failed"; exit 1; }
    xepcctl session show --teid 0x101 | grep '^ambr' | sed 's/^/# /'
    for proto in $PROTOS; do
        for dir in $DIRS; do
            pct=() retr=()
            for _ in $(seq "$TRIALS"); do
                # a fresh session for every run: a full bucket, as at attach
                ambr_session "$rate" "$BURST" >/dev/null
                out=$(ambr_iperf $proto $dir "$SECS" $((bps * 2))) ||
                    { echo "ambr_bench: iperf3 $proto $dir at $rate failed"; cat "$E2E_TMP/ambr-c.err"; exit 1; }
                set -- $out
                pct+=("$($PY -c "print(100.0 * $1 / $bps)")")
                retr+=("$2")
            done
            echo "# $proto $dir $rate: % of AMBR ${pct[*]}; $([ $proto = tcp ] && echo retransmits || echo lost) ${retr[*]}"
            stats "ambr_${proto}_${dir}_${rate}" "%" "${pct[@]}"
        done
    done
done
