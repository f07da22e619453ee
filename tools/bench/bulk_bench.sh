#!/bin/bash
# make bench: the bulk install's rate (xepcctl session bulk, i.e.
# userspace/dp's dp_session_add_bulk(), the path a control plane takes
# for many sessions; docs/PERFORMANCE.md "Session programming") for IPv4,
# IPv4v6 and IPv6-only sessions (issue 13 section 4), each without policy
# and with full policy (UL/DL AMBR, two rules with a shared ruleset, an
# online quota: two charging slots).  Every trial installs
# BULK_BENCH_SESSIONS sessions (default 100000) into a fresh datapath of
# BULK_BENCH_MAX sessions (default 131072) on the e2e topology of
# tests/e2e/lib.sh, routed mode; the variants take turns within a trial,
# so that each sees the same load, and each trial starts with the next.  Figures:
#   bench: dp_bulk_install_<variant> <median> sessions/s (median of N;
#          best B, spread MIN-MAX)
# and the ratio of each IPv6 variant's median to IPv4's of the same
# policy.  BULK_BENCH_TRIALS (default 5).
source "$(dirname "$0")/../../tests/e2e/lib.sh"

[ "$(id -u)" = 0 ] || { echo "# bulk_bench: needs root; skipped"; exit 0; }
[ -x "$XEPCCTL" ] || { echo "bulk_bench: build first (make all)"; exit 1; }

N=${BULK_BENCH_SESSIONS:-100000}
MAX=${BULK_BENCH_MAX:-131072}
TRIALS=${BULK_BENCH_TRIALS:-5}
trap e2e_cleanup EXIT INT TERM

e2e_topology >/dev/null || { echo "bulk_bench: topology failed"; exit 1; }
echo "# bulk_bench: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) at the start;" \
    "$N sessions per install, $TRIALS trials, a fresh datapath of $MAX sessions each"

POLICY=(--ul-ambr 100M --dl-ambr 100M --rule 'prec=10,dir=ul,proto=udp,dport=9,action=drop'
    --rule 'prec=20,proto=any,rg=7' --quota 'rg=7,bytes=1G,threshold=80%')
VARIANTS="ipv4 ipv4v6 ipv6 ipv4_full ipv4v6_full ipv6_full"
declare -A RATES

# install VARIANT: one bulk install into a fresh datapath; prints its rate
install() {
    local v=$1 args=(--count "$N" --teid 0x01000001 --enb $ENB_ADDR --dl-teid 0x100001)
    case $v in
    ipv4*v6*) args+=(--ue 10.64.0.1 --ue6 2001:db8:100::/64) ;;
    ipv4*) args+=(--ue 10.64.0.1) ;;
    ipv6*) args+=(--ue6 2001:db8:100::/64) ;;
    esac
    case $v in *_full) args+=("${POLICY[@]}") ;; esac
    xepcctl dp up --s1u "$S_IF" --sgi "$G_IF" --mode routed --gtpu-addr $S1U_ADDR \
        --max-sessions "$MAX" --max-charging $((2 * MAX)) >/dev/null || return 1
    local out
    out=$(xepcctl session bulk "${args[@]}") || { xepcctl dp down --force >/dev/null; return 1; }
    xepcctl dp down --force >/dev/null || return 1
    # "N sessions installed in X s (R sessions/s)"
    echo "$out" | sed -n 's/.*(\([0-9]*\) sessions\/s).*/\1/p'
}

for t in $(seq "$TRIALS"); do
    # each trial starts with another variant: none always pays for a cold
    # start (the first install after the topology is slower)
    set -- $VARIANTS
    order=("${@:$(( (t - 1) % $# + 1 ))}" "${@:1:$(( (t - 1) % $# ))}")
    for v in "${order[@]}"; do
        r=$(install "$v") && [ -n "$r" ] || { echo "bulk_bench: the $v install failed"; exit 1; }
        RATES[$v]="${RATES[$v]} $r"
    done
    echo "# trial $t, load average $(cut -d' ' -f1-3 /proc/loadavg):$(for v in $VARIANTS; do
        printf ' %s %s' "$v" "${RATES[$v]##* }"; done)"
done

args=()
for v in $VARIANTS; do args+=("$v=${RATES[$v]}"); done
$PY - "${args[@]}" <<'PY'
import statistics, sys
r = {a.split("=")[0]: [float(x) for x in a.split("=")[1].split()] for a in sys.argv[1:]}
med = {v: statistics.median(x) for v, x in r.items()}
for v, x in r.items():
    print("bench: dp_bulk_install_%s %.0f sessions/s (median of %d; best %.0f, spread %.0f-%.0f)"
          % (v, med[v], len(x), max(x), min(x), max(x)))
for v in r:
    base = "ipv4_full" if v.endswith("_full") else "ipv4"
    if v != base:
        print("bench: dp_bulk_install_%s_vs_%s %.2f x (medians)" % (v, base, med[v] / med[base]))
PY
