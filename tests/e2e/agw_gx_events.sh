#!/bin/bash
# Gx event triggers (docs/charging.md "Event triggers", TS 29.212 4.5.3,
# 5.3.7) with diamsim as the HSS and the PCRF.  The CCA-I arms
# USER_LOCATION_CHANGE, TAI_CHANGE, ECGI_CHANGE, QOS_CHANGE,
# DEFAULT_EPS_BEARER_QOS_CHANGE and SUCCESSFUL_RESOURCE_ALLOCATION, and
# installs a QCI 1 rule (a dedicated bearer).  The UE (enbsim, two eNBs of
# one tracking area) is handed over twice by X2; the HSS changes its
# APN-AMBR (IDR), then the APN's subscribed QCI (a second IDR) in between;
# an RAR with NO_EVENT_TRIGGERS disarms all before the second handover.
# Each event must come in a CCR-U of its own trigger with the changed
# values (the rule's Charging-Rule-Report ACTIVE, the new ECGI, the new
# APN-AMBR, the new Default-EPS-Bearer-QoS), nothing for the TAI
# (unchanged), nothing after the disarming; tshark decodes every CCR-U
# without a malformed AVP.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"
source "$(dirname "$0")/diam_lib.sh"

DIAM_NEEDS=tshark
diam_gx_setup 10 s6a gx     # the subscriber also in diamsim's HSS (below)
in_enb ip addr add 172.16.1.3/24 dev "$E_IF"
SCRIPT=$E2E_TMP/pcrf.script
awk -F, 'NR == 2 { printf "subscriber %s k=%s opc=%s apn=internet ambr=50000000/100000000\n", $1, $2, $3 }' \
    "$E2E_TMP/subs.csv" >"$SCRIPT"
{
    # 5.3.7: 13 USER_LOCATION_CHANGE, 26 TAI_CHANGE, 27 ECGI_CHANGE,
    # 1 QOS_CHANGE, 20 DEFAULT_EPS_BEARER_QOS_CHANGE, 22 SUCCESSFUL_RESOURCE_ALLOCATION
    echo "trigger 13 26 27 1 20 22"
    echo "rule * def=voice prec=10 qci=1 gbr=64000/64000 mbr=64000/64000 flow=\"permit out 17 from $PDN_ADDR 30000 to assigned 49152\""
    echo "idr after=2 $IMSI ambr=20000000/30000000"
    echo "idr after=4 $IMSI qci=6"
    echo "rar after=9 gx $IMSI trigger=14"
} >>"$SCRIPT"

diam_tshark_start gxev
diam_sim_start "$E2E_TMP/pcrf.jsonl" --script "$SCRIPT"
agw_start || { not_ok "xepc-agwd start"; exit 1; }
diam_peer_up

# X2 handovers 6 s after each arrival in a cell: at about 6 s and 12 s
# (the IDR at 2 s, the RAR at 9 s: 3 s on either side of it)
enbsim_bg "$E2E_TMP/ue.out" --enbs 2 --ues 1 \
    --no-tun --hold 16 --detach --x2-handover-after 6 --handovers 2 --timeout 60
EV=$ENBSIM_PID
J() { diam_gx_j "$1"; }
waitj() { diam_gx_wait "$@"; }

waitj "len(with_(22))>0" 150
check "the voice rule's bearer is up: CCR-U SUCCESSFUL_RESOURCE_ALLOCATION with its Charging-Rule-Report ACTIVE" \
    J "[m.get('reports') for m in with_(22)]==[[{'name':'voice','status':0,'failure':0}]]"

waitj "len(with_(1))>0" 150
check "the IDR's APN-AMBR: CCR-U QOS_CHANGE with QoS-Information APN-AMBR 20000000/30000000" \
    J "[(m['apn_ambr_ul'],m['apn_ambr_dl']) for m in with_(1)]==[(20000000,30000000)]"

waitj "len(with_(20))>0" 150
check "the second IDR's QCI 6: CCR-U DEFAULT_EPS_BEARER_QOS_CHANGE with Default-EPS-Bearer-QoS QCI 6 (was 9)" \
    J "[(m['triggers'],m['qci']) for m in with_(20)]==[([20],6)] and ccri[0]['qci']==9"

waitj "len(with_(13))>0" 200
check "the first X2 handover: CCR-U USER_LOCATION_CHANGE + ECGI_CHANGE with the new ECGI, the TAI unchanged" \
    J "len(with_(13))==1 and 27 in with_(13)[0]['triggers'] and 26 not in with_(13)[0]['triggers'] and
       with_(13)[0]['uli'][:12]==ccri[0]['uli'][:12] and with_(13)[0]['uli'][12:]!=ccri[0]['uli'][12:]"

# the second handover, after the RAR's NO_EVENT_TRIGGERS
for _ in $(seq 300); do [ "$(agw_stat x2_handover_success)" -ge 2 ] && break; sleep 0.1; done
check "two X2 handovers done, the RAR (NO_EVENT_TRIGGERS) answered before the second" \
    J "any(m.get('cmd')=='RAA' for m in gx)"
[ "$(agw_stat x2_handover_success)" -ge 2 ] || diag "x2_handover_success $(agw_stat x2_handover_success)"
sleep 2.5     # two of the gateway's once-a-second looks at the UE's location
check "disarmed: no CCR-U for the second handover" J "len(with_(13))==1 and len(with_(27))==1"
check "nothing reported for the TAI (one tracking area); the default bearer QoS once" \
    J "not with_(26) and len(with_(20))==1"

wait "$EV"
for _ in $(seq 100); do J "len(ccrt)>0" >/dev/null && break; sleep 0.1; done
check "the detach's CCR-T" J "len(ccrt)==1"
agw_stop TERM
diam_sim_stop
diam_tshark_stop

TS=(tshark -r "$E2E_TMP/gxev.pcap" -d "tcp.port==$DIAM_PORT,diameter")
BAD=$("${TS[@]}" -Y '_ws.malformed || _ws.expert.severity >= "Error"' 2>"$E2E_TMP/ts.err") ||
    BAD="tshark failed: $(cat "$E2E_TMP/ts.err")"
[ -z "$BAD" ] && ok "tshark: no malformed AVP or expert error" ||
    { not_ok "tshark: malformed"; echo "$BAD" | head -n 5 | sed 's/^/# /'; }
DEC=$("${TS[@]}" -Y "diameter.CC-Request-Type == 2 && diameter.applicationId == 16777238" -V 2>/dev/null)
miss=""
for w in "USER_LOCATION_CHANGE (13)" "ECGI_CHANGE (27)" "QOS_CHANGE (1)" "DEFAULT_EPS_BEARER_QOS_CHANGE (20)" \
    "SUCCESSFUL_RESOURCE_ALLOCATION (22)" "Charging-Rule-Report" "PCC-Rule-Status: ACTIVE (0)" \
    "APN-Aggregate-Max-Bitrate-UL: 20000000" "3GPP-User-Location-Info"; do
    grep -qF "$w" <<<"$DEC" || miss="$miss [$w]"
done
[ -z "$miss" ] && ok "tshark decodes the CCR-Us: Event-Trigger names, Charging-Rule-Report, APN-AMBR, ULI" ||
    { not_ok "tshark: missing$miss"; grep -E "Event-Trigger|Rule-Status" <<<"$DEC" | head -n 8 | sed 's/^/# /'; }
exit $((TAP_FAILED > 0))
