#!/bin/bash
# An HSS-initiated subscribed QoS modification without a PCRF (TS 23.401
# 5.3.9.2, docs/charging.md "S6a in xepc-agwd"): diamsim as the HSS sends
# an IDR with the APN's new QCI 6, ARP 4 and APN-AMBR 20M/30M for an
# attached UE; the gateway modifies the default bearer toward the UE and
# the eNB at once (E-RAB Modify Request with QCI 6 / ARP 4 and the MODIFY
# EPS BEARER CONTEXT REQUEST with the new EPS QoS and APN-AMBR, decoded by
# tshark), applies the values when the UE accepts (ue show, the datapath's
# meters) and answers the IDR 2001.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"
source "$(dirname "$0")/diam_lib.sh"

DIAM_NEEDS=tshark
diam_gx_setup 6 s6a
SCRIPT=$E2E_TMP/hss.script
awk -F, 'NR == 2 { printf "subscriber %s k=%s opc=%s apn=internet ambr=50000000/100000000\n", $1, $2, $3 }' \
    "$E2E_TMP/subs.csv" >"$SCRIPT"
echo "idr after=5 $IMSI qci=6 arp=4 ambr=20000000/30000000" >>"$SCRIPT"

ip netns exec "$NS_ENB" timeout 120 tshark -q -i "$E_IF" -f "sctp or ($E2E_S1_MARK)" -w "$E2E_TMP/s1.pcap" \
    >"$E2E_TMP/tshark-s1.log" 2>&1 &
S1TS=$!
echo $S1TS >"$E2E_TMP/tshark-s1.bgpid"
e2e_wait_capturing "$E2E_TMP/tshark-s1.log" || diag "S1 tshark did not say it captures"
e2e_capture_marked "$E2E_TMP/s1.pcap" || diag "the S1 capture shows no marker after 30 s"
diam_sim_start "$E2E_TMP/hss.jsonl" --script "$SCRIPT"
agw_start || { not_ok "xepc-agwd start"; exit 1; }
diam_peer_up

enbsim_bg "$E2E_TMP/ue.out" --ues 1 --no-tun --hold -1 --detach --ue-eea 0x80 --verbose --timeout 60
EV=$ENBSIM_PID
pdn_line() { agwctl ue show "$IMSI" 2>/dev/null | grep '^pdn ebi 5 apn'; }
for _ in $(seq 300); do pdn_line | grep -q ' qci 6 ambr ul 20000000 dl 30000000$' && break; sleep 0.1; done
pdn_line | grep -q ' qci 6 ambr ul 20000000 dl 30000000$' && [ "$(agw_stat default_qos_modified)" = 1 ] &&
    ok "the IDR's QCI 6 and APN-AMBR 20M/30M: given to the UE, applied when it accepted" ||
    { not_ok "after the IDR"; pdn_line | sed 's/^/# /'; }
TEID=$(pdn_line | awk '{print $11}')
check "the datapath session's meters have the new APN-AMBR" \
    bash -c "ip netns exec $NS_GW $XEPCCTL session show --teid $TEID --pin-dir $PIN | grep -q '^ambr *ul 20000000 bit/s, dl 30000000 bit/s'"
check "the IDR answered 2001" \
    python3 -c "
import json,sys
m=[json.loads(l) for l in open('$E2E_TMP/hss.jsonl') if l.strip()]
m=[x.get('msg', x) for x in m]
sys.exit(0 if any(x.get('cmd')=='IDA' and x.get('result')==2001 for x in m) else 1)"
kill -TERM "$EV"
wait "$EV"
rc=$?
[ $rc = 0 ] && grep -q 'default bearer EBI 5 modified: QCI 6, APN-AMBR 20000/30000 kbit/s' "$E2E_TMP/ue.out" &&
    ok "enbsim's UE got QCI 6 and APN-AMBR 20000/30000 kbit/s (rc 0)" ||
    { not_ok "enbsim rc $rc"; grep -E 'modif' "$E2E_TMP/ue.out" | head -5 | sed 's/^/# /'; }
agw_stop TERM
diam_sim_stop
kill -INT "$S1TS" 2>/dev/null
wait "$S1TS" 2>/dev/null
# all NAS here is EEA0 (--ue-eea 0x80): decoded as null-ciphered
S1=(tshark -r "$E2E_TMP/s1.pcap" -o nas-eps.null_decipher:TRUE)
n=$("${S1[@]}" -Y 's1ap.procedureCode == 6 && s1ap.initiatingMessage_element && s1ap.qCI == 6 && s1ap.priorityLevel == 4 && nas_eps.esm.qci == 6' 2>/dev/null | wc -l)
amb=$("${S1[@]}" -Y 's1ap.procedureCode == 6 && nas_eps.nas_msg_esm_type == 0xc9' -V 2>/dev/null |
    grep -E 'Total APN-AMBR' | tr -s ' ' | tr '\n' ';')
[ "$n" = 1 ] && grep -q 'downlink: 30.000 Mbps' <<<"$amb" && grep -q 'uplink: 20.000 Mbps' <<<"$amb" &&
    ok "tshark: E-RAB Modify QCI 6 / ARP 4 with the MODIFY EPS BEARER CONTEXT REQUEST's QCI 6 and APN-AMBR 20/30 Mbps" ||
    not_ok "tshark S1: E-RAB Modify $n, APN-AMBR '$amb'"
bad=$("${S1[@]}" -Y 's1ap.procedureCode == 6 && (_ws.malformed || _ws.expert.severity >= "Error")' 2>&1 | grep -v 'Running as user' | head -3)
[ -z "$bad" ] && ok "tshark: the E-RAB Modify decodes without error" ||
    { not_ok "malformed"; echo "$bad" | sed 's/^/# /'; }
exit $((TAP_FAILED > 0))
