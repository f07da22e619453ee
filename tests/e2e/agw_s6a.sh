#!/bin/bash
# xepc-agwd with S6a toward diamsim as the HSS instead of its local HSS
# (docs/charging.md "S6a in xepc-agwd"): the gateway's database has no
# subscriber at all, so every attach that succeeds went through AIR/AIA and
# ULR/ULA.  Cases: attach and detach (PUR), SQN resynchronisation (AIR with
# Re-Synchronization-Info), an IMSI the HSS does not know (#8), an unknown
# EPS subscription in the ULA (#15), a silent HSS (#17 after the timer), a
# CLR that detaches the UE, an IDR that changes its AMBR (IDA 2001), an IDR
# that bars the subscriber (detached), the S6a counters, the subscription
# kept across a restart (SQLite); tshark
# decodes AIR/AIA/ULR/ULA/PUR/PUA/CLR/CLA/IDR/IDA captured on the gateway's
# loopback without malformed AVPs.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"
source "$(dirname "$0")/diam_lib.sh"

e2e_require
agw_require
diam_require
command -v tshark >/dev/null || skip_all "tshark missing"
trap 'diam_cleanup; e2e_cleanup' EXIT
tap_plan 23

e2e_topology || { not_ok "topology"; exit 1; }
agw_config
DIAM_S6A_EXTRA="    tx_timeout: 1s"
diam_config s6a
check "xepcctl config check accepts diameter.s6a" "$XEPCCTL" config check "$AGW_CONF"
# subscribers for enbsim and for diamsim only: the gateway's HSS is empty
"$ENBSIM" gen-subscribers --count 7 --imsi-base 001010000000001 --apn internet \
    >"$E2E_TMP/subs.csv" || not_ok "gen-subscribers"
"$ENBSIM" gen-subscribers --count 1 --imsi-base 001019999999999 | tail -n 1 >>"$E2E_TMP/subs.csv"
SUB() { sed -n "$(($1 + 1))p" "$E2E_TMP/subs.csv" | cut -d, -f1; }
one() {
    { head -n 1 "$E2E_TMP/subs.csv"; grep "^$1," "$E2E_TMP/subs.csv"; } >"$E2E_TMP/one-$1.csv"
    echo "$E2E_TMP/one-$1.csv"
}
# diamsim knows subscribers 1..7 (K, OPc), not 001019999999999
SCRIPT=$E2E_TMP/hss.script
awk -F, 'NR > 1 && NR <= 8 { printf "subscriber %s k=%s opc=%s msisdn=3361234%04d apn=internet ambr=50000000/100000000\n", $1, $2, $3, NR }' \
    "$E2E_TMP/subs.csv" >"$SCRIPT"
grep -q "opc=[0-9a-fA-F]\{32\}" "$SCRIPT" || not_ok "enbsim's CSV has no OPc column"
echo "clr after=2 $(SUB 4) type=2" >>"$SCRIPT"
echo "idr after=2 $(SUB 5) ambr=20000000/30000000" >>"$SCRIPT"
echo "idr after=2 $(SUB 7) barred=1" >>"$SCRIPT"
REC=$E2E_TMP/hss.jsonl

sim_start() { diam_sim_start "$REC" --script "$SCRIPT" "$@"; }
sim_stop() { diam_sim_stop; }
peer_up() { diam_peer_up; }

diam_tshark_start s6a

sim_start -c "error ulr 5420 exp count=1"
agw_start || { not_ok "xepc-agwd start"; exit 1; }
peer_up

enbsim_cause() { awk '$1 == "enbsim:" && $2 == "failed_cause" { print $3; exit }' "$1"; }
attach_expect() {
    local name=$1 want=$2
    shift 2
    enbsim_run "$E2E_TMP/$name.out" --no-tun --timeout 15 "$@"
    local got
    got=$(enbsim_cause "$E2E_TMP/$name.out")
    if [ "$got" = "$want" ]; then
        ok "$name: $want"
    else
        not_ok "$name: wanted $want, got '${got}'"
        tail -n 8 "$E2E_TMP/agwd.log" | sed 's/^/# /'
    fi
}
# j PYTHON-EXPR: true when EXPR holds over `lines`, the recorded messages
j() { python3 -c "
import json,sys
lines=[json.loads(l) for l in open(sys.argv[1]) if l.strip()]
lines=[m.get('msg', m) for m in lines]
sys.exit(0 if ($1) else 1)" "$REC"; }

# the first ULR is answered DIAMETER_ERROR_UNKNOWN_EPS_SUBSCRIPTION
attach_expect unknown-eps-subscription attach:attach-reject-15 --ues 1 --subscribers "$(one "$(SUB 6)")"

enbsim_run "$E2E_TMP/a1.out" --ues 1 --hold 1 --detach --no-tun --subscribers "$(one "$(SUB 1)")"
rc=$?
[ $rc = 0 ] && ok "attach and detach through S6a with an empty local HSS" ||
    { not_ok "attach through S6a (enbsim rc $rc)"; tail -20 "$E2E_TMP/agwd.log" | sed 's/^/# /'; }
sleep 0.5
check "HSS got AIR (one vector, no resync), ULR (EUTRAN, S6a-indicator + initial attach) and PUR" \
    j "any(m['cmd']=='AIR' and m['imsi']=='$(SUB 1)' and m['vectors']==1 and not m['resync'] for m in lines) and
       any(m['cmd']=='ULR' and m['imsi']=='$(SUB 1)' and m['rat']==1004 and m['flags']==34 for m in lines) and
       any(m['cmd']=='PUR' and m['imsi']=='$(SUB 1)' for m in lines)"
check "the APN of the ULA was selected for the default bearer" grep -q "attached, 10.45.[0-9.]* on APN internet" "$E2E_TMP/agwd.log"

check "SQN out of range at the USIM: AIR with Re-Synchronization-Info, then the attach succeeds" \
    enbsim_run "$E2E_TMP/sqn.out" --ues 1 --misbehave sqn-ahead --detach --no-tun --subscribers "$(one "$(SUB 2)")"
check "the HSS got the resync AIR" j "any(m['cmd']=='AIR' and m['imsi']=='$(SUB 2)' and m['resync'] for m in lines)"

attach_expect unknown-imsi attach:attach-reject-8 --ues 1 --subscribers "$(one 001019999999999)"

# CLR (subscription withdrawn) 2 s after the ULR: the UE is detached
enbsim_run "$E2E_TMP/clr.out" --ues 1 --hold 6 --no-tun --timeout 15 --subscribers "$(one "$(SUB 4)")"
sleep 0.5
check "CLR (subscription withdrawal): the gateway detached the UE" \
    bash -c "grep -q 'Cancel Location (type 2)' '$E2E_TMP/agwd.log' && grep -q 'network detach started' '$E2E_TMP/agwd.log'"
check "CLA 2001 recorded, and no PUR after a cancelled location" \
    j "[m.get('result') for m in lines if m['cmd']=='CLA']==[2001] and
       not any(m['cmd']=='PUR' and m['imsi']=='$(SUB 4)' for m in lines)"

# IDR 2 s after the ULR: new AMBR, answered IDA 2001, in the datapath
enbsim_bg "$E2E_TMP/idr.out" --ues 1 --hold 5 --detach --no-tun --subscribers "$(one "$(SUB 5)")"
for _ in $(seq 100); do
    grep -q "Insert Subscriber Data" "$E2E_TMP/agwd.log" && break
    sleep 0.1
done
check "IDR: the UE's AMBR and its PDN connection's APN-AMBR changed" \
    grep -q "Insert Subscriber Data: UE-AMBR 20000000/30000000, 1 PDN" "$E2E_TMP/agwd.log"
UE_IP=$(agwctl ue list | awk 'NR > 1 && $5 ~ /^10\.45\./ {print $5; exit}')
check "the new APN-AMBR is in the datapath meters (ul 20 Mbit/s, dl 30 Mbit/s)" \
    bash -c "ip netns exec $NS_GW $XEPCCTL session show --ue $UE_IP --pin-dir $PIN | grep -q 'ambr  *ul 20000000 bit/s, dl 30000000 bit/s'"
wait "$ENBSIM_PID"
check "IDA 2001 recorded" j "[m.get('result') for m in lines if m['cmd']=='IDA']==[2001]"
in_gw curl -s -m 5 "http://127.0.0.1:$AGW_METRICS_PORT/metrics" >"$E2E_TMP/metrics.txt"
# IDR 2 s after the ULR with Subscriber-Status OPERATOR_DETERMINED_BARRING:
# IDA 2001, then the UE is detached (no PUR before its DETACH ACCEPT)
enbsim_run "$E2E_TMP/barred.out" --ues 1 --hold 6 --no-tun --timeout 15 --subscribers "$(one "$(SUB 7)")"
sleep 0.5
check "IDR barring the subscriber: IDA 2001, the gateway detached the UE" \
    bash -c "grep -q 'Insert Subscriber Data bars the subscriber: detach' '$E2E_TMP/agwd.log' &&
             [ \"\$(grep -c 'network detach started' '$E2E_TMP/agwd.log')\" -ge 2 ]"
check "the HSS got IDA 2001 for both IDRs" j "[m.get('result') for m in lines if m['cmd']=='IDA']==[2001,2001]"
check "the S6a counters are in xepcctl agw stats and the metrics (AIR, ULA, CLR, IDR)" \
    bash -c "[ $(agw_stat s6a_air) -ge 5 ] && [ $(agw_stat s6a_ula_ok) -ge 4 ] && [ $(agw_stat s6a_clr) = 1 ] &&
             [ $(agw_stat s6a_idr) = 2 ] && grep -q '^xepc_agw_s6a_ula_ok_total [1-9]' '$E2E_TMP/metrics.txt' &&
             grep -q '^xepc_agw_s6a_clr_total 1$' '$E2E_TMP/metrics.txt'"

# O&M detaches an idle UE whose paging goes unanswered (enbsim stopped):
# detached locally, and the HSS is told, as for any subscriber data the
# gateway deletes (TS 29.272 5.2.1.3: PUR)
enbsim_bg "$E2E_TMP/idle.out" --ues 1 --no-tun --idle-after 0 --hold -1 --timeout 30 \
    --subscribers "$(one "$(SUB 1)")"
for _ in $(seq 150); do
    agwctl ue list | awk -v i="$(SUB 1)" 'NR > 1 && $1 == i && $3 == "registered"' | grep -q ' idle ' && break
    sleep 0.1
done
kill -STOP "$ENBSIM_PID"
agwctl ue detach "$(SUB 1)" >"$E2E_TMP/detach.txt" 2>&1
for _ in $(seq 200); do
    grep -q 'detached locally (paging not answered)' "$E2E_TMP/agwd.log" && break
    sleep 0.1
done
check "xepcctl ue detach of an idle UE: paged, no answer, detached locally" \
    bash -c "grep -q 'idle and paged' '$E2E_TMP/detach.txt' &&
             grep -q 'detached locally (paging not answered)' '$E2E_TMP/agwd.log'"
sleep 0.5
check "the HSS got a PUR for it (its second, after the one of its first detach)" \
    j "sum(1 for m in lines if m['cmd']=='PUR' and m['imsi']=='$(SUB 1)')==2"
kill -CONT "$ENBSIM_PID"
kill -TERM "$ENBSIM_PID" 2>/dev/null
wait "$ENBSIM_PID" 2>/dev/null

# the subscription of the ULA survives a restart of the gateway (SQLite,
# migration 0005): a UE attached (held), the daemon restarted
enbsim_bg "$E2E_TMP/keep.out" --ues 1 --hold 30 --no-tun --timeout 40 --subscribers "$(one "$(SUB 6)")"
for _ in $(seq 100); do
    [ "$(sqlite3 "$AGW_DB" "SELECT COUNT(*) FROM s6a_subscription WHERE imsi = '$(SUB 6)'" 2>/dev/null)" = 1 ] && break
    sleep 0.1
done
agw_stop TERM
check "the ULA's subscription is in SQLite while the UE is attached (only its: the others were purged)" \
    test "$(sqlite3 "$AGW_DB" "SELECT imsi FROM s6a_subscription")" = "$(SUB 6)"
agw_start || not_ok "xepc-agwd restart"
for _ in $(seq 300); do
    [ "$(grep -c "xepc-agwd ready" "$E2E_TMP/agwd.log")" -ge 2 ] && break
    sleep 0.1
done
check "after the restart the subscription is restored for the UE" \
    grep -q "1 subscriptions restored" "$E2E_TMP/agwd.log"
kill "$ENBSIM_PID" 2>/dev/null
wait "$ENBSIM_PID" 2>/dev/null

# a silent HSS: the AIR's timer (1 s) runs out -> #17 network failure
sim_stop
sim_start -c "silence air"
peer_up
attach_expect silent-hss attach:attach-reject-17 --ues 1 --subscribers "$(one "$(SUB 3)")"
check "the gateway logged the missing AIA" grep -q "no AIA within 1000 ms" "$E2E_TMP/agwd.log"
agw_stop TERM
sim_stop
sleep 0.5
diam_tshark_stop

TS=(tshark -r "$E2E_TMP/s6a.pcap" -d "tcp.port==$DIAM_PORT,diameter")
BAD=$("${TS[@]}" -Y '_ws.malformed || _ws.expert.severity >= "Error"' 2>"$E2E_TMP/ts.err") ||
    BAD="tshark failed: $(cat "$E2E_TMP/ts.err")"
SEEN=$("${TS[@]}" -Y diameter -T fields -e diameter.cmd.code -e diameter.flags.request 2>/dev/null |
    tr '\t' ' ' | tr ',' '\n' | sort -u | tr '\n' ' ')
miss=""
for w in "318 1" "318 0" "316 1" "316 0" "321 1" "321 0" "317 1" "317 0" "319 1" "319 0"; do
    case " $SEEN" in *" $w "*) ;; *) miss="$miss [$w]" ;; esac
done
[ -z "$BAD" ] && [ -z "$miss" ] &&
    ok "tshark decodes AIR/AIA/ULR/ULA/PUR/PUA/CLR/CLA/IDR/IDA, no malformed AVP or expert error" ||
    { not_ok "tshark: missing$miss"; echo "$BAD" | head -n 5 | sed 's/^/# /'; }
exit $((TAP_FAILED > 0))
