#!/bin/bash
# make bench: xepc-agwd's Gy (docs/charging.md "Gy in xepc-agwd") against
# diamsim as the PCRF and the OCS, on the e2e topology (real XDP datapath).
#
#   gy_ccru_rate_rgK   CCR-U per second the OCS receives (and the gateway
#                      gets answered) with GY_BENCH_UES (10000) sessions
#                      of K online rating groups whose grants have a
#                      Validity-Time of 1 s, over GY_BENCH_SECONDS (10):
#                      ideally K per session per second.  K = 1: the
#                      catch-all rating group only (the baseline); K = 2:
#                      a Gx PCC rule of its own online rating group too
#                      (docs/charging.md "Rating groups").  Both have the
#                      same Gx rule, offline for K = 1, so that the second
#                      rating group is the only difference
#   gy_mscc_rate_rgK   rating-group reports (MSCCs with a USU) per second
#                      in those CCR-Us: ideally K x sessions per second
#   gy_ccr_timeouts_rgK  Tx timeouts of the gateway's Gy requests then
#   gy_usage_accuracy  bytes the kernel charged (reported to the OCS in the
#                      CCR-T) / bytes the UE received, for GY_BENCH_PKTS
#                      (20000) UDP datagrams of 1000 bytes sent as fast as
#                      the sender can, through grants of 100 kB refilled at
#                      a threshold of 40 kB (1.0 = exact)
#
# GY_BENCH_RGS ("1 2") are the phases of a run, GY_BENCH_RUNS (1) runs
# alternate them (1 2 1 2 ...), each phase with a fresh diamsim and
# xepc-agwd and its UEs attached anew; with several runs each figure is
# the median, and _min/_max follow.  The 1 s cycles start at second
# GY_BENCH_START (180) of each phase's diamsim, once the UEs are attached;
# the window starts 7 s later.  Every figure is printed as
# "bench: <name> <value> <unit>".
source "$(dirname "$0")/../../tests/e2e/lib.sh"
source "$(dirname "$0")/../../tests/e2e/agw_lib.sh"
source "$(dirname "$0")/../../tests/e2e/diam_lib.sh"

NUES=${GY_BENCH_UES:-10000}
SECS=${GY_BENCH_SECONDS:-10}
PKTS=${GY_BENCH_PKTS:-20000}
RGS=${GY_BENCH_RGS:-1 2}
RUNS=${GY_BENCH_RUNS:-1}
# the 1 s Validity-Time cycles start at this second of diamsim's run (its
# grants before last until then): the UEs attach without that load, which
# slowed the attaches down as it grew (7047 of 10 000 in 600 s before)
START=${GY_BENCH_START:-180}
TRAFFIC=$E2E_ROOT/tests/e2e/gy_traffic.py

[ "$(id -u)" = 0 ] || { echo "gy_bench: needs root"; exit 0; }
[ -x "$AGWD" ] && [ -x "$ENBSIM" ] && [ -x "$DIAMSIM" ] || { echo "gy_bench: build first"; exit 1; }
E2E_TMP=""
LOAD_PID=""
trap '[ -n "$LOAD_PID" ] && kill $LOAD_PID 2>/dev/null; diam_cleanup; e2e_cleanup' EXIT
e2e_topology || exit 1
agw_config
# a Gy session takes a charging slot per rating group and one for the
# traffic no rule rates, and the datapath's charging map has
# datapath.max_charging entries (2 x max_sessions by default): 10 000 +
# 4096 sessions stopped at 7047 ("no 2 free contiguous charging slots",
# attach reject #19)
sed -i "s/max_sessions: 4096/max_sessions: $((2 * NUES + 4096))/" "$AGW_CONF"
DIAM_GY_EXTRA="    tx_timeout: 2s
    apn: internet"
diam_config gx gy
"$ENBSIM" gen-subscribers --count "$NUES" --imsi-base 001010000000001 --apn internet \
    >"$E2E_TMP/subs.csv" || exit 1
"$XEPCCTL" subscriber import --db "$AGW_DB" "$E2E_TMP/subs.csv" >/dev/null || exit 1
"$ENBSIM" gen-subscribers --count 1 --imsi-base 001019990000001 --apn internet \
    >"$E2E_TMP/acc.csv" || exit 1
"$XEPCCTL" subscriber import --db "$AGW_DB" "$E2E_TMP/acc.csv" >/dev/null || exit 1
ACC_IMSI=$(awk -F, 'NR==2 {print $1}' "$E2E_TMP/acc.csv")
echo "# machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# commit $(git -C "$E2E_ROOT" rev-parse --short HEAD 2>/dev/null)$(git -C "$E2E_ROOT" diff --quiet HEAD 2>/dev/null || echo ' (modified)')"

# gw_up REC LINE...: diamsim recording to REC with the script LINEs, then
# xepc-agwd; SIM_T0 is diamsim's start
gw_up() {
    local rec=$1 a=() l
    shift
    for l in "$@"; do a+=(-c "$l"); done
    diam_sim_start "$rec" "${a[@]}"
    SIM_T0=$(date +%s.%N)
    agw_start || return 1
    diam_peer_up
}

# gw_down WHAT: xepc-agwd stopped (its exit status is part of the figures:
# a daemon that aborts at shutdown is a failure), then diamsim
gw_down() {
    agw_stop TERM
    local rc=$?
    [ $rc = 0 ] || echo "# $1: xepc-agwd exited $rc at SIGTERM" >&2
    diam_sim_stop
    return $rc
}

since() { python3 -c "print(round($(date +%s.%N) - $1))"; }
# user + system clock ticks of a process and its threads (of the process
# ip netns exec became)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

# --- CCR-U rate -------------------------------------------------------------
# phase K R: NUES sessions of K online rating groups, the figures of run R
# in $E2E_TMP/rate-K-R
phase() {
    local k=$1 r=$2 rec=$E2E_TMP/ocs-$1-$2.jsonl online=0
    [ "$k" -ge 2 ] && online=1
    # the same PCC rule in both: of rating group 20 and online when K = 2
    gw_up "$rec" \
        "rule * def=web prec=10 rg=20 online=$online flow=\"permit out 17 from $PDN_ADDR 7000 to assigned\"" \
        "quota * rg=1 total=1000000000000000 grant=1000000000 validity=1 validity_from=$START" \
        "quota * rg=20 total=1000000000000000 grant=1000000000 validity=1 validity_from=$START" ||
        return 1
    rm -f "$E2E_TMP/ready"
    ip netns exec "$NS_ENB" "$ENBSIM" --mme "$S1U_ADDR" --enb-addr "$ENB_ADDR" \
        --subscribers "$E2E_TMP/subs.csv" --ues "$NUES" --hold -1 --detach --no-tun --concurrency 256 \
        --timeout 900 --ready-file "$E2E_TMP/ready" >"$E2E_TMP/load-$k-$r.out" 2>&1 &
    LOAD_PID=$!
    for _ in $(seq 9000); do [ -s "$E2E_TMP/ready" ] && break; sleep 0.1; done
    local attached ta
    attached=$(agw_stat attach_success)
    ta=$(since "$SIM_T0")
    echo "# rg$k run $r: $attached UEs attached ($NUES asked) after $ta s, load $(cut -d' ' -f1-3 /proc/loadavg)"
    [ "$ta" -lt "$START" ] || echo "# rg$k run $r: the attaches ended after the 1 s cycles began (raise GY_BENCH_START)"
    # every session in its 1 s cycle: past second START (+4 s of spread, +3)
    while [ "$(python3 -c "print(int($(date +%s.%N) - $SIM_T0 < $START + 7))")" = 1 ]; do sleep 1; done
    # the Gy CCR-Us (and their MSCCs with a USU) in the first BYTES of the
    # record.  The window's ends are the record's sizes at t0 and t1, so
    # the time counting takes (a python parse of 100k+ lines took most of
    # a minute) is outside.
    ccru() { head -c "$1" "$rec" | grep '"app":"gy","cmd":"CCR".*"cc_type":2[,}]'; }
    local to0 t0 s0 t1 s1 to1 c0 c1 m0 m1 l0 l1
    to0=$(agw_stat gy_timeouts)
    l0=$(cut -d' ' -f1 /proc/loadavg)
    local a0 d0 a1 d1
    a0=$(cpu_ticks "$AGW_PID")
    d0=$(cpu_ticks "$DIAM_SIM_PID")
    t0=$(date +%s.%N)
    s0=$(stat -c %s "$rec")
    sleep "$SECS"
    t1=$(date +%s.%N)
    s1=$(stat -c %s "$rec")
    a1=$(cpu_ticks "$AGW_PID")
    d1=$(cpu_ticks "$DIAM_SIM_PID")
    l1=$(cut -d' ' -f1 /proc/loadavg)
    to1=$(agw_stat gy_timeouts)
    c0=$(ccru "$s0" | wc -l)
    c1=$(ccru "$s1" | wc -l)
    m0=$(ccru "$s0" | grep -o '"usu":' | wc -l)
    m1=$(ccru "$s1" | grep -o '"usu":' | wc -l)
    # a phase counts when all its UEs were attached before the cycles began
    if [ "$attached" = "$NUES" ] && [ "$ta" -lt "$START" ]; then
        python3 -c "d = $t1 - $t0; print(round(($c1 - $c0) / d), round(($m1 - $m0) / d), $((to1 - to0)))" \
            >"$E2E_TMP/rate-$k-$r"
    else
        echo "# rg$k run $r: not counted"
    fi
    echo "# rg$k run $r: CPU in the window: xepc-agwd $(python3 -c "print(round(($a1 - $a0) / $(getconf CLK_TCK) / ($t1 - $t0) * 100))") %, diamsim $(python3 -c "print(round(($d1 - $d0) / $(getconf CLK_TCK) / ($t1 - $t0) * 100))") % (of one CPU)"
    echo "# rg$k run $r: $((c1 - c0)) CCR-U ($((m1 - m0)) rating-group reports) in $(python3 -c "print(round($t1 - $t0, 2))") s with $attached sessions of $k online rating group(s), 1 s validity; load $l0 -> $l1; $((to1 - to0)) Tx timeouts"
    # the load's UEs detach (CCR-T each), and the gateway is rid of their
    # sessions before the next phase
    kill -TERM $LOAD_PID 2>/dev/null
    wait $LOAD_PID 2>/dev/null
    LOAD_PID=""
    for _ in $(seq 3000); do
        [ "$(agw_stat ues_attached)" = 0 ] && break
        sleep 0.1
    done
    echo "# rg$k run $r: load detached: $(agw_stat ues_attached) UEs left attached"
    gw_down "rg$k run $r"
}

# median NAME UNIT COLUMN K: of the runs' figures
median() {
    local vals n
    vals=$(for r in $(seq "$RUNS"); do
        [ -f "$E2E_TMP/rate-$4-$r" ] && cut -d' ' -f"$3" "$E2E_TMP/rate-$4-$r"
    done | sort -n)
    [ -n "$vals" ] || return 0
    n=$(echo "$vals" | wc -l)
    echo "bench: $1 $(echo "$vals" | sed -n "$(((n + 1) / 2))p") $2"
    if [ "$RUNS" -gt 1 ]; then
        echo "bench: $1_min $(echo "$vals" | head -n 1) $2"
        echo "bench: $1_max $(echo "$vals" | tail -n 1) $2"
    fi
}

for r in $(seq "$RUNS"); do
    for k in $RGS; do
        phase "$k" "$r"
    done
done
for k in $RGS; do
    median "gy_ccru_rate_rg$k" CCR-U/s 1 "$k"
    median "gy_mscc_rate_rg$k" reports/s 2 "$k"
    median "gy_ccr_timeouts_rg$k" timeouts 3 "$k"
done

# --- usage accuracy ---------------------------------------------------------
REC=$E2E_TMP/ocs-acc.jsonl
gw_up "$REC" "quota $ACC_IMSI rg=1 total=1000000000000 grant=100000 threshold=40000" || exit 1
rm -f "$E2E_TMP/acc.ready"
ip netns exec "$NS_ENB" "$ENBSIM" --mme "$S1U_ADDR" --enb-addr "$ENB_ADDR" \
    --subscribers "$E2E_TMP/acc.csv" --ues 1 --hold -1 --detach --tun --timeout 300 \
    --ready-file "$E2E_TMP/acc.ready" --ue-report "$E2E_TMP/acc.ues" >"$E2E_TMP/acc.out" 2>&1 &
LOAD_PID=$!
for _ in $(seq 300); do [ -s "$E2E_TMP/acc.ready" ] && break; sleep 0.1; done
UE_IP=$(awk '!/^#/ && $2 != "-" {print $2; exit}' "$E2E_TMP/acc.ues")
sleep 1
ip netns exec "$NS_ENB" python3 "$TRAFFIC" recv "$UE_IP" 5001 120 >"$E2E_TMP/acc.recv" &
r=$!
sleep 0.3
ip netns exec "$NS_PDN" python3 "$TRAFFIC" send "$UE_IP" 5001 "$PKTS" 1000 0
wait $r
kill -TERM $LOAD_PID 2>/dev/null
wait $LOAD_PID 2>/dev/null
LOAD_PID=""
sleep 2
read -r rpkts rbytes <"$E2E_TMP/acc.recv"
reported=$(python3 -c "
import json,sys
n=0
for l in open(sys.argv[1]):
    m=json.loads(l)['msg']
    if m.get('app')=='gy' and m.get('cmd')=='CCR' and m.get('imsi')=='$ACC_IMSI':
        n += sum(x.get('usu',{}).get('total',0) for x in m.get('mscc',[]))
print(n)" "$REC")
echo "# sent $PKTS x 1000 bytes, the UE received $rpkts ($rbytes bytes), the OCS was told $reported bytes"
echo "bench: gy_usage_accuracy $(python3 -c "print(round($reported / max($rbytes, 1), 6))") ratio"
echo "bench: gy_usage_received $rbytes bytes"
echo "bench: gy_usage_reported $reported bytes"
gw_down accuracy
