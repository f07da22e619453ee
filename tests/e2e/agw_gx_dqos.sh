#!/bin/bash
# The default bearer's QoS and APN-AMBR changed by the HSS and the PCRF,
# signalled to the UE and the eNB (docs/charging.md "Default bearer QoS",
# TS 23.401 5.3.9.2, 5.4.2.1; TS 29.212 4.5.5.0a, 4.5.5.7) with diamsim as
# the HSS and the PCRF (QOS_CHANGE and DEFAULT_EPS_BEARER_QOS_CHANGE armed,
# `accept_qos`: a CCA-U authorises what a CCR-U reports).
#   UE 1: an IDR changes its APN's subscribed QCI and ARP (6, 3): the
#   gateway reports them in a CCR-U (DEFAULT_EPS_BEARER_QOS_CHANGE), the
#   CCA-U authorises them, the UE and the eNB get them (E-RAB Modify);
#   then an RAR with Default-EPS-Bearer-QoS QCI 7 and APN-AMBR 20M/30M:
#   E-RAB Modify with the MODIFY EPS BEARER CONTEXT REQUEST carrying both,
#   the new APN-AMBR in the datapath, nothing reported back.
#   UE 2 (enbsim --modify-reject ue:37): an RAR's QCI 8 and APN-AMBR
#   1M/2M are refused by the UE: the old values stay and a CCR-U reports
#   DEFAULT-EPS-BEARER-QOS_MODIFICATION_FAILURE and APN-AMBR_MODIFICATION_
#   FAILURE with the values in force.
# tshark decodes the CCR-Us, the RARs and the S1AP/NAS messages.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"
source "$(dirname "$0")/diam_lib.sh"

DIAM_NEEDS=tshark
DIAM_SUBS=2
diam_gx_setup 11 s6a gx
IMSI2=$(awk -F, 'NR == 3 {print $1}' "$E2E_TMP/subs.csv")
head -n 1 "$E2E_TMP/subs.csv" >"$E2E_TMP/subs2.csv"
sed -n 3p "$E2E_TMP/subs.csv" >>"$E2E_TMP/subs2.csv"
SCRIPT=$E2E_TMP/pcrf.script
awk -F, 'NR >= 2 { printf "subscriber %s k=%s opc=%s apn=internet ambr=50000000/100000000\n", $1, $2, $3 }' \
    "$E2E_TMP/subs.csv" >"$SCRIPT"
{
    # 5.3.7: 1 QOS_CHANGE, 20 DEFAULT_EPS_BEARER_QOS_CHANGE
    echo "trigger 1 20"
    echo "accept_qos"
    echo "idr after=3 $IMSI qci=6 arp=3"
    echo "rar after=10 gx $IMSI default_qci=7 ambr=20000000/30000000"
    echo "rar after=3 gx $IMSI2 default_qci=8 ambr=1000000/2000000"
} >>"$SCRIPT"

diam_tshark_start gxdq || { not_ok "tshark did not start"; exit 1; }
ip netns exec "$NS_ENB" timeout 300 tshark -q -i "$E_IF" -f "sctp or ($E2E_S1_MARK)" -w "$E2E_TMP/s1.pcap" \
    >"$E2E_TMP/tshark-s1.log" 2>&1 &
echo $! >"$E2E_TMP/tshark-s1.bgpid"
S1TS=$!
e2e_wait_capturing "$E2E_TMP/tshark-s1.log" || diag "S1 tshark did not say it captures"
e2e_capture_marked "$E2E_TMP/s1.pcap" || diag "the S1 capture shows no marker after 30 s"
diam_sim_start "$E2E_TMP/pcrf.jsonl" --script "$SCRIPT"
agw_start || { not_ok "xepc-agwd start"; exit 1; }
diam_peer_up

show() { agwctl ue show "$1"; }
pdn_line() { show "$1" | grep '^pdn ebi 5 apn'; }
wait_pdn() {   # wait_pdn IMSI REGEX [TENTHS]
    for _ in $(seq "${3:-300}"); do pdn_line "$1" | grep -qE "$2" && return 0; sleep 0.1; done
    pdn_line "$1" | sed 's/^/# /'
    return 1
}

# --- UE 1: the HSS's change, then the PCRF's ---------------------------------
enbsim_bg "$E2E_TMP/ue1.out" --ues 1 --no-tun --hold -1 --detach --ue-eea 0x80 --verbose --timeout 60
E1=$ENBSIM_PID
diam_gx_wait "len(with_(20))>0" 300
check "the IDR's QCI 6 / ARP 3: CCR-U DEFAULT_EPS_BEARER_QOS_CHANGE with Default-EPS-Bearer-QoS QCI 6, ARP 3 (was 9, 15)" \
    diam_gx_j "[(m['triggers'],m['qci'],m['arp']) for m in with_(20)]==[([20],6,3)] and (ccri[0]['qci'],ccri[0]['arp'])==(9,15)"
wait_pdn "$IMSI" ' qci 6 ' &&
    ok "the CCA-U authorised it: the default bearer is QCI 6 once the UE accepted" ||
    not_ok "QCI 6 after the CCA-U"
wait_pdn "$IMSI" ' qci 7 ambr ul 20000000 dl 30000000$' 300 &&
    ok "the RAR's Default-EPS-Bearer-QoS QCI 7 and APN-AMBR 20M/30M: accepted by the UE" ||
    not_ok "QCI 7 and APN-AMBR after the RAR"
TEID=$(pdn_line "$IMSI" | awk '{print $11}')
check "the datapath session's meters have the PCRF's APN-AMBR" \
    bash -c "ip netns exec $NS_GW $XEPCCTL session show --teid $TEID --pin-dir $PIN | grep -q '^ambr *ul 20000000 bit/s, dl 30000000 bit/s'"
check "the RAR answered 2001; nothing reported back (one CCR-U, no QOS_CHANGE)" \
    diam_gx_j "any(m.get('cmd')=='RAA' and m.get('result')==2001 for m in gx) and len(ccru)==1 and not with_(1)"
kill -TERM "$E1"
wait "$E1"
grep -q 'default bearer EBI 5 modified: QCI 7, APN-AMBR 20000/30000 kbit/s' "$E2E_TMP/ue1.out" &&
    grep -q 'enbsim: default_modified 2' "$E2E_TMP/ue1.out" &&
    ok "enbsim's UE got QCI 6, then QCI 7 with APN-AMBR 20000/30000 kbit/s" ||
    { not_ok "enbsim ue1"; grep -E 'modif' "$E2E_TMP/ue1.out" | head -5 | sed 's/^/# /'; }

# --- UE 2: the UE refuses the PCRF's values ------------------------------------
f0=$(agw_stat default_qos_modify_failed)
ip netns exec "$NS_ENB" "$ENBSIM" --mme "$S1U_ADDR" --backend "$AGW_BACKEND" \
    --enb-addr "$ENB_ADDR" --subscribers "$E2E_TMP/subs2.csv" --ues 1 --no-tun --hold -1 \
    --detach --ue-eea 0x80 --modify-reject ue:37 --timeout 60 >"$E2E_TMP/ue2.out" 2>&1 &
E2=$!
echo $E2 >"$E2E_TMP/enbsim-$E2.pid"
diam_gx_wait "len(with_(34))>0" 300
agw_wait_stat default_qos_modify_failed $((f0 + 1)) 50 &&
    wait_pdn "$IMSI2" ' qci 9 ambr ul 50000000 dl 100000000$' 10 &&
    ok "MODIFY EPS BEARER CONTEXT REJECT #37: QCI 9 and APN-AMBR 50M/100M stay" ||
    not_ok "UE 2 after the reject"
check "CCR-U DEFAULT-EPS-BEARER-QOS_MODIFICATION_FAILURE + APN-AMBR_MODIFICATION_FAILURE with the values in force" \
    diam_gx_j "[(sorted(m['triggers']),m['qci'],m['apn_ambr_ul'],m['apn_ambr_dl']) for m in with_(34)]==[([29,34],9,50000000,100000000)]"
kill -TERM "$E2"
wait "$E2"
agw_stop TERM
diam_sim_stop
diam_tshark_stop
kill -INT "$S1TS" 2>/dev/null
wait "$S1TS" 2>/dev/null

# --- on the wire -----------------------------------------------------------------
TS=(tshark -r "$E2E_TMP/gxdq.pcap" -d "tcp.port==$DIAM_PORT,diameter")
BAD=$("${TS[@]}" -Y '_ws.malformed || _ws.expert.severity >= "Error"' 2>"$E2E_TMP/ts.err") ||
    BAD="tshark failed: $(cat "$E2E_TMP/ts.err")"
[ -z "$BAD" ] && ok "tshark: no malformed AVP or expert error" ||
    { not_ok "tshark: malformed"; echo "$BAD" | head -n 5 | sed 's/^/# /'; }
DEC=$("${TS[@]}" -Y "diameter.cmd.code == 272 && diameter.flags.request == 1 && diameter.CC-Request-Type == 2" -V 2>/dev/null)
RAR=$("${TS[@]}" -Y "diameter.cmd.code == 258 && diameter.flags.request == 1" -V 2>/dev/null)
miss=""
for w in "DEFAULT_EPS_BEARER_QOS_CHANGE (20)" "DEFAULT-EPS-BEARER-QOS_MODIFICATION_FAILURE (34)" \
    "APN-AMBR_MODIFICATION_FAILURE (29)" "QoS-Class-Identifier: QCI_6 (6)" "Priority-Level: 3"; do
    grep -qF "$w" <<<"$DEC" || miss="$miss [$w]"
done
for w in "Default-EPS-Bearer-QoS" "QoS-Class-Identifier: QCI_7 (7)" "APN-Aggregate-Max-Bitrate-DL: 30000000"; do
    grep -qF "$w" <<<"$RAR" || miss="$miss [RAR: $w]"
done
[ -z "$miss" ] && ok "tshark decodes the CCR-Us (triggers 20, 34, 29) and the RAR's Default-EPS-Bearer-QoS" ||
    { not_ok "tshark: missing$miss"; grep -E "Event-Trigger|QoS-Class" <<<"$DEC$RAR" | head -n 8 | sed 's/^/# /'; }
# all NAS here is EEA0 (--ue-eea 0x80): decoded as null-ciphered
S1=(tshark -r "$E2E_TMP/s1.pcap" -o nas-eps.null_decipher:TRUE)
n6=$("${S1[@]}" -Y 's1ap.procedureCode == 6 && s1ap.initiatingMessage_element && s1ap.qCI == 6 && s1ap.priorityLevel == 3 && nas_eps.esm.qci == 6' 2>/dev/null | wc -l)
amb=$("${S1[@]}" -Y 's1ap.procedureCode == 6 && s1ap.qCI == 7 && nas_eps.esm.qci == 7' -V 2>/dev/null |
    grep -E 'APN-AMBR for (down|up)link' | tr -s ' ' | tr '\n' ';')
diag "RAR's E-RAB Modify NAS APN-AMBR: $amb"
[ "$n6" = 1 ] && grep -q 'Total APN-AMBR for downlink: 30.000 Mbps' <<<"$amb" &&
    grep -q 'Total APN-AMBR for uplink: 20.000 Mbps' <<<"$amb" &&
    ok "tshark: E-RAB Modify QCI 6 / ARP 3 (the IDR), QCI 7 with the MODIFY EPS BEARER CONTEXT REQUEST's APN-AMBR 20/30 Mbps (the RAR)" ||
    not_ok "tshark S1: QCI 6/ARP 3 E-RAB Modify $n6, APN-AMBR '$amb'"
exit $((TAP_FAILED > 0))
