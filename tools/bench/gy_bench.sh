#!/bin/bash
# make bench: xepc-agwd's Gy (docs/charging.md "Gy in xepc-agwd") against
# diamsim as the OCS, on the e2e topology (real XDP datapath).
#
#   gy_ccru_rate       CCR-U per second the OCS receives (and the gateway
#                      gets answered) with GY_BENCH_UES (10000) sessions
#                      whose grants have a Validity-Time of 1 s, over
#                      GY_BENCH_SECONDS (10): ideally one per session per
#                      second.  The cycles start at GY_BENCH_START (180) s
#                      after diamsim, once the UEs are attached
#   gy_ccr_timeouts    Tx timeouts of the gateway's Gy requests in that window
#   gy_usage_accuracy  bytes the kernel charged (reported to the OCS in the
#                      CCR-T) / bytes the UE received, for GY_BENCH_PKTS
#                      (20000) UDP datagrams of 1000 bytes sent as fast as
#                      the sender can, through grants of 100 kB refilled at
#                      a threshold of 40 kB (1.0 = exact)
#
# Every figure is printed as "bench: <name> <value> <unit>".
source "$(dirname "$0")/../../tests/e2e/lib.sh"
source "$(dirname "$0")/../../tests/e2e/agw_lib.sh"
source "$(dirname "$0")/../../tests/e2e/diam_lib.sh"

NUES=${GY_BENCH_UES:-10000}
SECS=${GY_BENCH_SECONDS:-10}
PKTS=${GY_BENCH_PKTS:-20000}
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
# a Gy session takes two charging slots (its rating group's and the slot
# of traffic no rule rates), and the datapath's charging map has
# max_sessions entries: 10 000 + 4096 stopped at 7047 sessions ("no 2 free
# contiguous charging slots", attach reject #19)
sed -i "s/max_sessions: 4096/max_sessions: $((2 * NUES + 4096))/" "$AGW_CONF"
DIAM_GY_EXTRA="    tx_timeout: 2s
    apn: internet"
diam_config gy
"$ENBSIM" gen-subscribers --count "$NUES" --imsi-base 001010000000001 --apn internet \
    >"$E2E_TMP/subs.csv" || exit 1
"$XEPCCTL" subscriber import --db "$AGW_DB" "$E2E_TMP/subs.csv" >/dev/null || exit 1
"$ENBSIM" gen-subscribers --count 1 --imsi-base 001019990000001 --apn internet \
    >"$E2E_TMP/acc.csv" || exit 1
"$XEPCCTL" subscriber import --db "$AGW_DB" "$E2E_TMP/acc.csv" >/dev/null || exit 1
ACC_IMSI=$(awk -F, 'NR==2 {print $1}' "$E2E_TMP/acc.csv")
REC=$E2E_TMP/ocs.jsonl
diam_sim_start "$REC" \
    -c "quota $ACC_IMSI rg=1 total=1000000000000 grant=100000 threshold=40000" \
    -c "quota * rg=1 total=1000000000000000 grant=1000000000 validity=1 validity_from=$START"
SIM_T0=$(date +%s.%N)
agw_start || exit 1
diam_peer_up
echo "# machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"

# --- CCR-U rate -------------------------------------------------------------
rm -f "$E2E_TMP/ready"
ip netns exec "$NS_ENB" "$ENBSIM" --mme "$S1U_ADDR" --enb-addr "$ENB_ADDR" \
    --subscribers "$E2E_TMP/subs.csv" --ues "$NUES" --hold -1 --detach --no-tun --concurrency 256 \
    --timeout 900 --ready-file "$E2E_TMP/ready" >"$E2E_TMP/load.out" 2>&1 &
LOAD_PID=$!
for _ in $(seq 9000); do [ -s "$E2E_TMP/ready" ] && break; sleep 0.1; done
attached=$(agw_stat attach_success)
echo "# $attached UEs attached ($NUES asked) after $(python3 -c "print(round($(date +%s.%N) - $SIM_T0))") s"
# every session in its 1 s cycle: past second START (+4 s of spread, +3)
while [ "$(python3 -c "print(int($(date +%s.%N) - $SIM_T0 < $START + 7))")" = 1 ]; do sleep 1; done
# count BYTES: the Gy CCR-Us in the first BYTES of the record.  The
# window's ends are the record's sizes at t0 and t1, so the time counting
# takes (a python parse of 100k+ lines took most of a minute) is outside.
count() { head -c "$1" "$REC" | grep -c '"app":"gy","cmd":"CCR".*"cc_type":2[,}]'; }
to0=$(grep -c "no CCA within" "$E2E_TMP/agwd.log")
t0=$(date +%s.%N)
s0=$(stat -c %s "$REC")
sleep "$SECS"
t1=$(date +%s.%N)
s1=$(stat -c %s "$REC")
c0=$(count "$s0")
c1=$(count "$s1")
to1=$(grep -c "no CCA within" "$E2E_TMP/agwd.log")
rate=$(python3 -c "print(round(($c1 - $c0) / ($t1 - $t0)))")
echo "# $((c1 - c0)) CCR-U in $(python3 -c "print(round($t1 - $t0, 2))") s with $attached sessions of 1 s validity"
echo "bench: gy_ccru_rate $rate CCR-U/s"
echo "bench: gy_ccru_sessions $attached sessions"
echo "bench: gy_ccr_timeouts $((to1 - to0)) timeouts"
# the load's UEs detach (CCR-T each), and the gateway is rid of their
# sessions before the accuracy phase: left attached (the previous version
# killed enbsim without --detach), their 1 s validity kept the loop as
# busy as during the measurement, and the accuracy UE's CCR-I and grants
# queued behind them (it received none of the datagrams)
kill -TERM $LOAD_PID 2>/dev/null
wait $LOAD_PID 2>/dev/null
LOAD_PID=""
for _ in $(seq 3000); do
    [ "$(agw_stat ues_attached)" = 0 ] && break
    sleep 0.1
done
echo "# load detached: $(agw_stat ues_attached) UEs left attached"

# --- usage accuracy ---------------------------------------------------------
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
agw_stop TERM
