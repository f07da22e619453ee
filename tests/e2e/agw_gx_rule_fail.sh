#!/bin/bash
# A PCC rule whose dedicated bearer cannot be set up (docs/charging.md
# "Event triggers", TS 29.212 4.5.12, 5.3.19, 5.3.38) with diamsim as the
# PCRF.  The CCA-I arms SUCCESSFUL_RESOURCE_ALLOCATION and installs a QCI 1
# rule (a dedicated bearer); the eNB (enbsim --bearer-reject erab) fails
# the bearer's E-RAB (E-RAB Failed to Setup List, radio network cause 25
# radio-resources-not-available; TS 36.413 8.2.1.3) and does not deliver
# the ACTIVATE DEDICATED EPS BEARER CONTEXT REQUEST.  The gateway must
# release the bearer, keep the PDN connection, and tell the PCRF in a CCR-U
# with the rule's Charging-Rule-Report { PCC-Rule-Status INACTIVE,
# Rule-Failure-Code RESOURCE_ALLOCATION_FAILURE }, decoded by tshark.
# The CCA-I also authorises a Default-EPS-Bearer-QoS (QCI 8, ARP 2; TS
# 29.212 4.5.5.0a): the default bearer, whose activation waits for the
# CCA-I, takes it (no modification toward the UE after the activation),
# and it is not reported back although DEFAULT_EPS_BEARER_QOS_CHANGE is
# armed (agw_gx_fail.sh decodes the activation with tshark).
# Then the same UE attaches again and refuses the bearer itself (enbsim
# --bearer-reject ue:26: the eNB sets the E-RAB up, the UE answers
# ACTIVATE DEDICATED EPS BEARER CONTEXT REJECT #26, TS 24.301 6.4.2.4):
# the gateway releases the E-RAB (E-RAB Release Command without NAS PDU,
# tshark on S1), frees the bearer and reports the rule INACTIVE /
# RESOURCE_ALLOCATION_FAILURE in a CCR-U of that session.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"
source "$(dirname "$0")/diam_lib.sh"

DIAM_NEEDS=tshark
diam_gx_setup 13 gx

diam_tshark_start gxfail || { not_ok "tshark did not start"; exit 1; }
# 5.3.7: 22 SUCCESSFUL_RESOURCE_ALLOCATION, 20 DEFAULT_EPS_BEARER_QOS_CHANGE
diam_sim_start "$E2E_TMP/pcrf.jsonl" -c "trigger 22 20" -c "default_qos qci=8 arp=2" \
    -c "rule * def=voice prec=10 qci=1 gbr=64000/64000 mbr=64000/64000 flow=\"permit out 17 from $PDN_ADDR 30000 to assigned 49152\""
agw_start || { not_ok "xepc-agwd start"; exit 1; }
diam_peer_up

enbsim_bg "$E2E_TMP/ue.out" --ues 1 --no-tun --hold -1 --detach --bearer-reject erab --timeout 60
EV=$ENBSIM_PID
diam_gx_wait "len(ccru)>0" 300
check "the rule's bearer failed: CCR-U with its Charging-Rule-Report INACTIVE, RESOURCE_ALLOCATION_FAILURE" \
    diam_gx_j "[m.get('reports') for m in ccru]==[[{'name':'voice','status':1,'failure':10}]] and not with_(22)"
for _ in $(seq 50); do agwctl ue show "$IMSI" 2>/dev/null | grep -q '^bearer' || break; sleep 0.1; done
show=$(agwctl ue show "$IMSI" 2>&1)
grep -q "^pdn ebi 5 .* state active" <<<"$show" && ! grep -q "^bearer" <<<"$show" &&
    ok "the bearer is gone, the UE's PDN connection stays" ||
    { not_ok "ue show after the failure"; sed 's/^/# /' <<<"$show"; }
grep -q "^pdn ebi 5 .* qci 8 " <<<"$show" &&
    grep -q "default bearer QoS from the PCRF: QCI 9 -> 8, ARP 15 -> 2$" "$E2E_TMP/agwd.log" &&
    ! grep -q "default bearer QoS from the PCRF: .*(to the UE)" "$E2E_TMP/agwd.log" &&
    diam_gx_j "not with_(20)" &&
    ok "the CCA-I's Default-EPS-Bearer-QoS (QCI 8, ARP 2) is in the default bearer's activation (no modification after it), not reported back" ||
    { not_ok "default bearer QoS from the CCA-I"; grep "^pdn" <<<"$show" | sed 's/^/# /'; grep "QoS from the PCRF" "$E2E_TMP/agwd.log" | sed 's/^/# /'; }
kill -TERM "$EV"
wait "$EV"
rc=$?
[ $rc = 0 ] && [ "$(enbsim_val "$E2E_TMP/ue.out" dedicated_rejected)" = 1 ] &&
    ok "enbsim failed the one dedicated bearer's E-RAB and ended well (rc 0)" ||
    { not_ok "enbsim rc $rc, dedicated_rejected '$(enbsim_val "$E2E_TMP/ue.out" dedicated_rejected)'"; tail -n 20 "$E2E_TMP/ue.out" | sed 's/^/# /'; }
diam_gx_wait "len(ccrt)>0" 100
check "the detach's CCR-T; one CCR-U in all" diam_gx_j "len(ccrt)==1 and len(ccru)==1"

# --- the UE rejects the bearer the eNB set up ----------------------------------
ip netns exec "$NS_ENB" timeout 120 tshark -q -i "$E_IF" -f "sctp or ($E2E_S1_MARK)" -w "$E2E_TMP/s1.pcap" \
    >"$E2E_TMP/tshark-s1.log" 2>&1 &
S1TS=$!
echo $S1TS >"$E2E_TMP/tshark-s1.bgpid"
e2e_wait_capturing "$E2E_TMP/tshark-s1.log" || diag "S1 tshark did not say it captures"
e2e_capture_marked "$E2E_TMP/s1.pcap" || diag "the S1 capture shows no marker after 30 s"
f0=$(agw_stat bearer_activate_failed)
enbsim_bg "$E2E_TMP/ue2.out" --ues 1 --no-tun --hold -1 --detach --bearer-reject ue:26 \
    --timeout 60
EV=$ENBSIM_PID
diam_gx_wait "len(ccri)==2 and len(ccru)==2" 300
check "the UE's REJECT: a CCR-U of the new session with the rule's Charging-Rule-Report INACTIVE, RESOURCE_ALLOCATION_FAILURE" \
    diam_gx_j "ccru[1]['sid']==ccri[1]['sid'] and ccru[1].get('reports')==[{'name':'voice','status':1,'failure':10}] and not with_(22)"
for _ in $(seq 50); do agwctl ue show "$IMSI" 2>/dev/null | grep -q '^bearer' || break; sleep 0.1; done
show=$(agwctl ue show "$IMSI" 2>&1)
grep -q "^pdn ebi 5 .* state active" <<<"$show" && ! grep -q "^bearer" <<<"$show" &&
    [ "$(agw_stat bearer_activate_failed)" = $((f0 + 1)) ] &&
    grep -q "dedicated bearer EBI 6 rejected #26" "$E2E_TMP/agwd.log" &&
    ok "the gateway took the UE's REJECT #26: the bearer is freed, the PDN connection stays" ||
    { not_ok "ue show after the UE's reject"; sed 's/^/# /' <<<"$show"; }
kill -TERM "$EV"
wait "$EV"
rc=$?
[ $rc = 0 ] && [ "$(enbsim_val "$E2E_TMP/ue2.out" dedicated_ue_rejected)" = 1 ] &&
    [ "$(enbsim_val "$E2E_TMP/ue2.out" dedicated_rejected)" = 0 ] &&
    ok "enbsim's eNB set the E-RAB up and its UE rejected the bearer (rc 0)" ||
    { not_ok "enbsim rc $rc, dedicated_ue_rejected '$(enbsim_val "$E2E_TMP/ue2.out" dedicated_ue_rejected)'"; tail -n 20 "$E2E_TMP/ue2.out" | sed 's/^/# /'; }
kill -INT "$S1TS" 2>/dev/null
wait "$S1TS" 2>/dev/null
S1=(tshark -r "$E2E_TMP/s1.pcap")
# E-RAB Setup (5) answered with E-RAB 6 set up; E-RAB Release (7)
# Command for E-RAB 6 without a NAS PDU, answered
setup=$("${S1[@]}" -Y 's1ap.procedureCode == 5 && s1ap.successfulOutcome_element && s1ap.e_RAB_ID == 6' 2>/dev/null | wc -l)
rel=$("${S1[@]}" -Y 's1ap.procedureCode == 7 && s1ap.initiatingMessage_element && s1ap.e_RAB_ID == 6 && !s1ap.NAS_PDU' 2>/dev/null | wc -l)
relres=$("${S1[@]}" -Y 's1ap.procedureCode == 7 && s1ap.successfulOutcome_element' 2>/dev/null | wc -l)
[ "$setup" = 1 ] && [ "$rel" = 1 ] && [ "$relres" = 1 ] &&
    ok "tshark: E-RAB Setup Response with E-RAB 6, then E-RAB Release Command for it (no NAS PDU) and its Response" ||
    not_ok "tshark S1: setup response $setup, release command $rel, response $relres"
diam_gx_wait "len(ccrt)>1" 100
check "the second detach's CCR-T; two CCR-Us in all" diam_gx_j "len(ccrt)==2 and len(ccru)==2"
agw_stop TERM
diam_sim_stop
diam_tshark_stop

TS=(tshark -r "$E2E_TMP/gxfail.pcap" -d "tcp.port==$DIAM_PORT,diameter")
BAD=$("${TS[@]}" -Y '_ws.malformed || _ws.expert.severity >= "Error"' 2>"$E2E_TMP/ts.err") ||
    BAD="tshark failed: $(cat "$E2E_TMP/ts.err")"
[ -z "$BAD" ] && ok "tshark: no malformed AVP or expert error" ||
    { not_ok "tshark: malformed"; echo "$BAD" | head -n 5 | sed 's/^/# /'; }
DEC=$("${TS[@]}" -Y "diameter.CC-Request-Type == 2 && diameter.applicationId == 16777238" -V 2>/dev/null)
miss=""
for w in "Charging-Rule-Report" 'Charging-Rule-Name: "voice"' "PCC-Rule-Status: INACTIVE (1)" \
    "Rule-Failure-Code: RESOURCE_ALLOCATION_FAILURE (10)"; do
    grep -qF "$w" <<<"$DEC" || miss="$miss [$w]"
done
[ -z "$miss" ] && ok "tshark decodes the CCR-U: Charging-Rule-Report voice INACTIVE RESOURCE_ALLOCATION_FAILURE" ||
    { not_ok "tshark: missing$miss"; grep -E "Rule|Status|Failure" <<<"$DEC" | head -n 8 | sed 's/^/# /'; }
check "xepc-agwd took the E-RAB Setup Response's failed E-RAB 6 as the bearer's failure" \
    grep -q "bearer EBI 6: the eNB failed to set the E-RAB up" "$E2E_TMP/agwd.log"
exit $((TAP_FAILED > 0))
