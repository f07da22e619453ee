#!/bin/bash
# Gx event triggers across restarts of xepc-agwd (docs/charging.md "Event
# triggers"; TS 29.212 4.5.3, 5.3.7), diamsim as the HSS and the PCRF.
# What the PCRF was last told, and what is still to tell it, is stored with
# the Gx session (schema/agw/0017), so the first look after a restart
# compares with that.  A CCR-U in flight (diamsim `delay`: its answer held
# back 15 s) holds the next report back, so a change made meanwhile is
# pending when xepc-agwd is killed, deterministically.
# 1. UE 1: the CCA-I arms QOS_CHANGE, DEFAULT_EPS_BEARER_QOS_CHANGE,
#    USER_LOCATION_CHANGE, ECGI_CHANGE (the restored UE's cell is not stored:
#    no report until it is heard again, from the same cell) and
#    SUCCESSFUL_RESOURCE_ALLOCATION and installs a QCI 1 rule (a dedicated
#    bearer).  Its ACTIVE report is not sent again after a restart (TERM).
#    `xepcctl ue qos` changes the APN-AMBR (a CCR-U QOS_CHANGE, held), then
#    the QCI to 6 while that CCR-U is out; SIGKILL.  After the start: one
#    CCR-U DEFAULT_EPS_BEARER_QOS_CHANGE with QCI 6 (the reference is the
#    CCR-I's 9), the held CCR-U sent again from the journal as a duplicate,
#    nothing else.
# 2. UE 2 (enbsim --modify-reject ue:37): an IDR's APN-AMBR (a CCR-U
#    QOS_CHANGE, held), then an RAR's QCI 8 / APN-AMBR 1M/2M that the UE
#    refuses, then an IDR's QCI 6, both while that CCR-U is out; SIGKILL.
#    After the start: one CCR-U with APN-AMBR_MODIFICATION_FAILURE and
#    DEFAULT_EPS_BEARER_QOS_MODIFICATION_FAILURE and the values in force,
#    then one with DEFAULT_EPS_BEARER_QOS_CHANGE and the IDR's QCI 6.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"
source "$(dirname "$0")/diam_lib.sh"

# the held answer (15 s) within the Tx timer
DIAM_GX_EXTRA="    tx_timeout: 25s"
DIAM_SUBS=2
diam_gx_setup 10 s6a gx
IMSI2=$(awk -F, 'NR == 3 {print $1}' "$E2E_TMP/subs.csv")
head -n 2 "$E2E_TMP/subs.csv" >"$E2E_TMP/subs1.csv"
head -n 1 "$E2E_TMP/subs.csv" >"$E2E_TMP/subs2.csv"
sed -n 3p "$E2E_TMP/subs.csv" >>"$E2E_TMP/subs2.csv"
subs() {
    awk -F, 'NR >= 2 { printf "subscriber %s k=%s opc=%s apn=internet ambr=50000000/100000000\n", $1, $2, $3 }' \
        "$E2E_TMP/subs.csv"
}
# ue_bg OUT SUBS ARGS...: one UE of SUBS attached and held (UE_BG)
ue_bg() {
    local out=$1 subs=$2
    shift 2
    ip netns exec "$NS_ENB" "$ENBSIM" --mme "$S1U_ADDR" --backend "$AGW_BACKEND" \
        --enb-addr "$ENB_ADDR" --subscribers "$subs" --ues 1 --no-tun --hold -1 --detach \
        --timeout 120 "$@" >"$out" 2>&1 &
    UE_BG=$!
    echo "$UE_BG" >"$E2E_TMP/enbsim-$UE_BG.pid"
}
pdn_line() { agwctl ue show "$1" 2>/dev/null | grep '^pdn ebi 5 apn'; }
wait_pdn() {   # wait_pdn IMSI REGEX [TENTHS]
    for _ in $(seq "${3:-300}"); do pdn_line "$1" | grep -qE "$2" && return 0; sleep 0.1; done
    pdn_line "$1" | sed 's/^/# /'
    return 1
}
# J EXPR: over the PCRF's record (diam_gx_j); NEW: the CCR-Us it handled (not duplicates)
J() { diam_gx_j "$1"; }
NEW="[m for m in ccru if not m.get('dup')]"
restart() {    # restart SIGNAL: xepc-agwd stopped, started, its eNB and PCRF back
    local n0
    n0=$(grep -c "set up on assoc" "$E2E_TMP/agwd.log")
    agw_stop "$1"
    agw_start || { not_ok "xepc-agwd start"; exit 1; }
    diam_s1_back "$n0" || diag "the eNB did not set up S1 again"
    diam_peer_up
}

# --- 1. the rule's report, the reference of the values in force --------------
{
    subs
    # 5.3.7: 1 QOS_CHANGE, 20 DEFAULT_EPS_BEARER_QOS_CHANGE, 22 SUCCESSFUL_RESOURCE_ALLOCATION,
    # 13 USER_LOCATION_CHANGE, 27 ECGI_CHANGE (the UE stays in its cell: never reported)
    echo "trigger 1 20 22 13 27"
    echo "rule * def=voice prec=10 qci=1 gbr=64000/64000 mbr=64000/64000 flow=\"permit out 17 from $PDN_ADDR 30000 to assigned 49152\""
    # the second CCR-U (the APN-AMBR's) answered 15 s late
    echo "delay gx 15000 type=2 skip=1 count=1"
} >"$E2E_TMP/pcrf1.script"
diam_sim_start "$E2E_TMP/pcrf1.jsonl" --script "$E2E_TMP/pcrf1.script"
agw_start || { not_ok "xepc-agwd start"; exit 1; }
diam_peer_up
ue_bg "$E2E_TMP/ue1.out" "$E2E_TMP/subs1.csv"
U1=$UE_BG
diam_gx_wait "len(with_(22))>0" 300
check "UE 1's voice bearer up: CCR-U SUCCESSFUL_RESOURCE_ALLOCATION with the rule ACTIVE" \
    J "[m.get('reports') for m in with_(22)]==[[{'name':'voice','status':0,'failure':0}]]"
restart TERM
sleep 3     # three of the gateway's once-a-second looks
check "after a restart (TERM): the rule's ACTIVE not reported again (no CCR-U)" J "len(ccru)==1"

agwctl ue qos "$IMSI" 5 --apn-ambr 20Mbps/30Mbps >/dev/null || diag "ue qos --apn-ambr failed"
diam_gx_wait "len(with_(1))>0" 200
check "xepcctl ue qos APN-AMBR 20M/30M: CCR-U QOS_CHANGE with it (its answer held back)" \
    J "[(m['apn_ambr_ul'],m['apn_ambr_dl']) for m in with_(1)]==[(20000000,30000000)]"
agwctl ue qos "$IMSI" 5 --qci 6 >/dev/null || diag "ue qos --qci failed"
wait_pdn "$IMSI" ' qci 6 ' 100 || diag "QCI 6 not in force"
sleep 1.5
check "QCI 6 in force while that CCR-U is out: not reported yet" J "len(ccru)==2 and not with_(20)"
restart KILL
diam_gx_wait "len(with_(20))>0" 300
sleep 3
check "after SIGKILL and start: one CCR-U DEFAULT_EPS_BEARER_QOS_CHANGE with QCI 6 (the CCR-I's QCI 9 the reference)" \
    J "[(m['triggers'],m['qci']) for m in with_(20)]==[([20],6)] and ccri[0]['qci']==9"
check "  ... the held CCR-U sent again from the journal (T flag), a duplicate; each report once" \
    J "[(m['triggers'],m.get('retransmit',False),bool(m.get('dup'))) for m in ccru]==
       [([22],False,False),([1],False,False),([1],True,True),([20],False,False)]"
kill -TERM "$U1"
wait "$U1"
diam_gx_wait "len(ccrt)==1" 200
diam_sim_stop

# --- 2. a failure trigger and a subscribed change pending at the kill --------
{
    subs
    echo "trigger 1 20"
    echo "delay gx 15000 type=2 count=1"
    echo "idr after=3 $IMSI2 ambr=20000000/30000000"
    echo "rar after=5 gx $IMSI2 default_qci=8 ambr=1000000/2000000"
    echo "idr after=7 $IMSI2 qci=6"
} >"$E2E_TMP/pcrf2.script"
diam_sim_start "$E2E_TMP/pcrf2.jsonl" --script "$E2E_TMP/pcrf2.script"
diam_peer_up
f0=$(agw_stat default_qos_modify_failed)
ue_bg "$E2E_TMP/ue2.out" "$E2E_TMP/subs2.csv" --modify-reject ue:37
U2=$UE_BG
diam_gx_wait "len(with_(1))>0" 200
check "UE 2: the IDR's APN-AMBR: CCR-U QOS_CHANGE 20M/30M (its answer held back)" \
    J "[(m['apn_ambr_ul'],m['apn_ambr_dl']) for m in with_(1)]==[(20000000,30000000)]"
agw_wait_stat default_qos_modify_failed $((f0 + 1)) 150 || diag "the UE did not refuse the RAR's values"
diam_gx_wait "len([m for m in lines if m.get('cmd')=='IDA'])==2" 150 || diag "no second IDA"
sleep 1.5
check "the RAR's values refused by the UE, the second IDR's QCI 6 came: neither reported yet (one CCR-U)" \
    J "len(ccru)==1 and any(m.get('cmd')=='RAA' and m.get('result')==2001 for m in gx)"
restart KILL
diam_gx_wait "len(with_(20))>0" 300
sleep 3
check "after SIGKILL and start: one CCR-U APN-AMBR_ and DEFAULT_EPS_BEARER_QOS_MODIFICATION_FAILURE with the values in force" \
    J "[(sorted(m['triggers']),m['qci'],m['apn_ambr_ul'],m['apn_ambr_dl']) for m in $NEW if 34 in m['triggers']]==
       [([29,34],9,50000000,100000000)]"
check "  ... then one CCR-U DEFAULT_EPS_BEARER_QOS_CHANGE with the IDR's QCI 6; each report once" \
    J "[(sorted(m['triggers']),m['qci']) for m in $NEW]==[([1],9),([29,34],9),([20],6)] and
       [bool(m.get('dup')) for m in ccru].count(True)==1"
kill -TERM "$U2"
wait "$U2"
agw_stop TERM
exit $((TAP_FAILED > 0))
