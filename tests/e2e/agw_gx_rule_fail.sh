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
# 29.212 4.5.5.0a): the default bearer takes it, and it is not reported
# back although DEFAULT_EPS_BEARER_QOS_CHANGE is armed.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"
source "$(dirname "$0")/diam_lib.sh"

DIAM_NEEDS=tshark
diam_gx_setup 8 gx

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
    grep -q "default bearer QoS from the PCRF: QCI 9 -> 8, ARP 15 -> 2" "$E2E_TMP/agwd.log" &&
    diam_gx_j "not with_(20)" &&
    ok "the CCA-I's Default-EPS-Bearer-QoS (QCI 8, ARP 2) is the default bearer's, not reported back" ||
    { not_ok "default bearer QoS from the CCA-I"; grep "^pdn" <<<"$show" | sed 's/^/# /'; grep "QoS from the PCRF" "$E2E_TMP/agwd.log" | sed 's/^/# /'; }
kill -TERM "$EV"
wait "$EV"
rc=$?
[ $rc = 0 ] && [ "$(enbsim_val "$E2E_TMP/ue.out" dedicated_rejected)" = 1 ] &&
    ok "enbsim failed the one dedicated bearer's E-RAB and ended well (rc 0)" ||
    { not_ok "enbsim rc $rc, dedicated_rejected '$(enbsim_val "$E2E_TMP/ue.out" dedicated_rejected)'"; tail -n 20 "$E2E_TMP/ue.out" | sed 's/^/# /'; }
diam_gx_wait "len(ccrt)>0" 100
check "the detach's CCR-T; one CCR-U in all" diam_gx_j "len(ccrt)==1 and len(ccru)==1"
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
