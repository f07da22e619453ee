#!/bin/bash
# A PCC rule the datapath refuses (docs/charging.md "PCC rules in the
# datapath"; TS 29.212 4.5.12): the CCA-I installs two definitions, "web"
# (permit TCP from the PDN's port 80) and "bad", whose Flow-Description is
# a "deny" IPFilterRule the datapath cannot take (gx_ipfilter_parse).  The
# rest of the CCA-I applies ("web" in force, the UE attaches) and "bad"
# goes back in the next CCR-U's Charging-Rule-Report: PCC-Rule-Status
# INACTIVE (1), Rule-Failure-Code INCORRECT_FLOW_INFORMATION (12).  An RAR
# installing a refused definition alone is answered 5012 with the same
# report.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"
source "$(dirname "$0")/diam_lib.sh"

DIAM_GX_EXTRA="    tx_timeout: 2s"
diam_gx_setup 4 gx
REC=$E2E_TMP/pcrf.jsonl
diam_sim_start "$REC" -c "rule * def=web prec=10 flow=\"permit out 6 from $PDN_ADDR 80 to assigned\"" \
    -c "rule * def=bad prec=20 flow=\"deny out ip from any to assigned\"" \
    -c "rule none def=bad2 prec=30 flow=\"deny out ip from any to assigned\"" \
    -c "rar after=4 gx $IMSI install=bad2"
agw_start || { not_ok "xepc-agwd start"; exit 1; }
diam_peer_up
enbsim_bg "$E2E_TMP/e1.out" --ues 1 --no-tun --hold -1 --timeout 60
EV=$ENBSIM_PID
for _ in $(seq 200); do agwctl ue show "$IMSI" 2>/dev/null | grep -q "^pdn ebi 5 .* state active" && break; sleep 0.1; done
agwctl ue show "$IMSI" 2>/dev/null | grep -q "^pdn ebi 5 .* state active" &&
    grep -q 'ebi 5: 1 PCC rule(s) in force' "$E2E_TMP/agwd.log" &&
    ok "the CCA-I applied without the refused rule: the UE attached, 1 PCC rule (web) in force" ||
    { not_ok "CCA-I with a refused rule"; grep -E "gx" "$E2E_TMP/agwd.log" | tail -6 | sed 's/^/# /'; }
diam_gx_wait "len(ccru)>=1" 200
check "the next CCR-U reports it: Charging-Rule-Report {bad, INACTIVE, INCORRECT_FLOW_INFORMATION (12)}" \
    diam_gx_j "[m.get('reports') for m in ccru]==[[{'name':'bad','status':1,'failure':12}]]"
raa() {
    diam_gx_j "[(m.get('result'),m.get('reports')) for m in gx if m.get('cmd')=='RAA']==[(5012,[{'name':'bad2','status':1,'failure':12}])]"
}
for _ in $(seq 200); do raa >/dev/null && break; sleep 0.1; done
check "an RAR installing only a refused definition: RAA 5012 with its Charging-Rule-Report (12)" raa
check "the rules in force stay (web): no policy change for the RAR" \
    bash -c "[ \$(grep -c 'ebi 5: 1 PCC rule(s) in force' '$E2E_TMP/agwd.log') = 1 ]"
kill -TERM "$EV" 2>/dev/null
wait "$EV" 2>/dev/null
agw_stop TERM
exit $((TAP_FAILED > 0))
