#!/bin/bash
# make bench: attaches per second of xepc-agwd with its local HSS against
# the same with the HSS and the PCRF remote over Diameter (diamsim: S6a
# AIR/ULR/PUR and Gx CCR-I/CCR-T for every attach), and with the OCS remote
# too (Gy CCR-I/CCR-T on top), in the same run, alternating, on the e2e
# topology (usrsctp between namespaces, the XDP
# datapath).  Each UE attaches and detaches again for DIAM_BENCH_SECONDS
# (20); DIAM_BENCH_RUNS (3) runs of each, median, min and max;
# DIAM_BENCH_UES (1000) UEs, 32 attaches in flight.
#
#   diam_attach_rate_local   attaches/s, local HSS, no Diameter
#   diam_attach_rate_remote  attaches/s, S6a + Gx toward diamsim
#   diam_attach_rate_remote_gy  attaches/s, S6a + Gx + Gy toward diamsim
#
# Every figure is printed as "bench: <name> <value> <unit>".
# DIAM_BENCH_RECORD=1: diamsim records what it gets (it costs it time, so
# not for the figures), and each remote_gy run prints the Gy sessions of
# the record: CCR-I and CCR-T counts, sessions left without a CCR-T.
source "$(dirname "$0")/../../tests/e2e/lib.sh"
source "$(dirname "$0")/../../tests/e2e/agw_lib.sh"
source "$(dirname "$0")/../../tests/e2e/diam_lib.sh"

SECS=${DIAM_BENCH_SECONDS:-20}
RUNS=${DIAM_BENCH_RUNS:-3}
NUES=${DIAM_BENCH_UES:-1000}
CONC=${DIAM_BENCH_CONCURRENCY:-32}

[ "$(id -u)" = 0 ] || { echo "diam_bench: needs root"; exit 0; }
[ -x "$AGWD" ] && [ -x "$ENBSIM" ] && [ -x "$DIAMSIM" ] || { echo "diam_bench: build first"; exit 1; }
E2E_TMP=""
trap 'diam_cleanup; e2e_cleanup' EXIT
e2e_topology || exit 1
agw_config
cp "$AGW_CONF" "$E2E_TMP/local.yaml"
cp "$AGW_CONF" "$E2E_TMP/base.yaml"
diam_config gx s6a                      # appended to $AGW_CONF
mv "$AGW_CONF" "$E2E_TMP/remote.yaml"
cp "$E2E_TMP/base.yaml" "$AGW_CONF"
DIAM_GY_EXTRA="    tx_timeout: 2s
    apn: internet"
diam_config gx s6a gy
mv "$AGW_CONF" "$E2E_TMP/remote_gy.yaml"
"$ENBSIM" gen-subscribers --count "$NUES" --imsi-base 001010000000001 --apn internet \
    >"$E2E_TMP/subs.csv" || exit 1
"$XEPCCTL" subscriber import --db "$AGW_DB" "$E2E_TMP/subs.csv" >/dev/null || exit 1
awk -F, 'NR > 1 { printf "subscriber %s k=%s opc=%s apn=internet\n", $1, $2, $3 }' \
    "$E2E_TMP/subs.csv" >"$E2E_TMP/hss.script"
# Gy: one grant per session that the attach and detach never use up
echo "quota * rg=1 total=1000000000000000 grant=1000000000" >>"$E2E_TMP/hss.script"
REC=/dev/null                           # no record: it would cost diamsim time
[ -n "${DIAM_BENCH_RECORD:-}" ] && REC=$E2E_TMP/ocs.jsonl
diam_sim_start "$REC" --script "$E2E_TMP/hss.script"
echo "# machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"

# gy_record N: the Gy sessions of diamsim's record so far (the CCR-Ts of
# run N given 5 s to come): each began with a CCR-I should end with a
# CCR-T (RFC 4006 5.4), also when the UE detached while its CCR-I was out
gy_record() {
    /usr/bin/python3 -c "
import json,sys,time
end=time.time()+5
while True:
    gy=[json.loads(l).get('msg',{}) for l in open(sys.argv[1]) if l.strip()]
    gy=[m for m in gy if m.get('app')=='gy' and m.get('cmd')=='CCR']
    i=set(m['sid'] for m in gy if m['cc_type']==1)
    t=set(m['sid'] for m in gy if m['cc_type']==3)
    if not i-t or time.time()>end: break
    time.sleep(0.5)
print('# remote_gy run %s, diamsim record: Gy sessions with a CCR-I %d, with a CCR-T %d, CCR-I without CCR-T %d, CCR-Ts %d (%d sent again)' % (sys.argv[2], len(i), len(t), len(i-t), sum(m['cc_type']==3 for m in gy), sum(m['cc_type']==3 and bool(m.get('retransmit')) for m in gy)))" "$REC" "$1"
}

run() {    # run KIND N: one enbsim run against the gateway of config KIND
    local kind=$1 n=$2 out=$E2E_TMP/$1-$2.out
    AGW_CONF=$E2E_TMP/$kind.yaml
    agw_start || return 1
    [ "$kind" != local ] && diam_peer_up
    ip netns exec "$NS_ENB" "$ENBSIM" --mme "$S1U_ADDR" --enb-addr "$ENB_ADDR" \
        --subscribers "$E2E_TMP/subs.csv" --ues "$NUES" --attaches 1000000 --detach \
        --duration "$SECS" --concurrency "$CONC" --no-tun --timeout 20 >"$out" 2>&1
    # the figure counts only if each attach really went through Gy
    [ "$kind" = remote_gy ] &&
        echo "# remote_gy run $n: Gy CCR-I $(agw_stat gy_ccr_i), CCA 2001 $(agw_stat gy_cca_ok), CCR-T $(agw_stat gy_ccr_t), other $(agw_stat gy_cca_failed), timeouts $(agw_stat gy_timeouts)"
    [ "$kind" = remote_gy ] && [ "$REC" != /dev/null ] && gy_record "$n"
    agw_stop TERM
    echo "# $kind run $n: $(enbsim_val "$out" attaches_per_s) attaches/s, p50 $(enbsim_val "$out" attach_p50_us) us, p99 $(enbsim_val "$out" attach_p99_us) us, failed $(enbsim_val "$out" failed), load $(cut -d' ' -f1 /proc/loadavg)"
}
for r in $(seq "$RUNS"); do
    run local "$r"
    run remote "$r"
    run remote_gy "$r"
done
for kind in local remote remote_gy; do
    vals=$(for r in $(seq "$RUNS"); do enbsim_val "$E2E_TMP/$kind-$r.out" attaches_per_s; done | grep . | sort -n)
    [ -n "$vals" ] || continue
    n=$(echo "$vals" | wc -l)
    echo "bench: diam_attach_rate_$kind $(echo "$vals" | sed -n "$(((n + 1) / 2))p") attaches/s"
    echo "bench: diam_attach_rate_${kind}_min $(echo "$vals" | head -n 1) attaches/s"
    echo "bench: diam_attach_rate_${kind}_max $(echo "$vals" | tail -n 1) attaches/s"
done
