#!/bin/bash
# Gx failures (docs/charging.md "Failure handling for Gx") with diamsim as
# the PCRF.  TS 29.212 4.5.1, TS 23.401 5.3.2.1 step 14: the attach's
# default bearer waits for the CCA-I, so the CCA-I's Default-EPS-Bearer-QoS
# (QCI 8, ARP 2) and APN-AMBR (20/30 Mbps) are in the Initial Context
# Setup and its ACTIVATE DEFAULT EPS BEARER CONTEXT REQUEST (tshark on S1),
# with no modification after it.  A CCA-I with Experimental-Result 5140
# DIAMETER_ERROR_INITIAL_PARAMETERS: ATTACH REJECT #19 with ESM #29, no
# CCR-T; an additional PDN connection answered 5003: PDN CONNECTIVITY
# REJECT #29.  diameter.gx.failure_handling terminate (the default): a silent
# PCRF (the Tx timer, 1 s) and a PCRF that is down (3002) refuse the attach
# (#19, ESM #34); a CCR-U the PCRF leaves unanswered detaches the UE and
# sends the CCR-T.  continue: with the PCRF down the UE attaches on the
# local policy (policy.static drops UDP from port 7000; the rest passes).
# The RAA of an RAR leaves after the commit of what it applied: the
# daemon killed at that step (XEPC_AGW_FAULT=gx-r-committed) sent no RAA,
# and after the restart the RAR's rule is the session's.  Last, the daemon
# killed while an attach waits for its CCA-I: nothing of that PDN
# connection is stored, and after the restart its Gx session is ended
# with a CCR-T and the datapath has no session left.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"
source "$(dirname "$0")/diam_lib.sh"

DIAM_NEEDS="tshark curl"
DIAM_GX_EXTRA="    tx_timeout: 1s"
AGW_SUB_APNS="internet;ims" diam_gx_setup 16 gx
cat >>"$AGW_CONF" <<EOT
policy:
  rules:
    - { name: block-7000, precedence: 10, action: drop,
        flows: ["permit out 17 from $PDN_ADDR 7000 to assigned"] }
  static: { rules: [block-7000] }
EOT
REC=$E2E_TMP/pcrf.jsonl
metric() {
    ip netns exec "$NS_GW" curl -s "http://127.0.0.1:$AGW_METRICS_PORT/metrics" |
        awk -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }'
}
esm() { metric "xepc_agw_esm_reject_cause_total{cause=\"$1\"}"; }
enbsim_cause() { awk '$1 == "enbsim:" && $2 == "failed_cause" { print $3; exit }' "$1"; }
# sim REC ARGS...: diamsim started again with ARGS, the gateway connected
sim() { diam_sim_stop; sleep 0.5; diam_sim_start "$@"; diam_peer_up; }
# attach_cause NAME: one UE attaches (enbsim, NAME.out); prints its failure
attach_cause() {
    enbsim_run "$E2E_TMP/$1.out" --ues 1 --hold 1 --detach --no-tun --timeout 20
    sleep 0.5
    enbsim_cause "$E2E_TMP/$1.out"
}

# --- 1. the CCA-I's QoS in the activation ----------------------------------
ip netns exec "$NS_ENB" timeout 120 tshark -q -i "$E_IF" -f "sctp or ($E2E_S1_MARK)" -w "$E2E_TMP/s1.pcap" \
    >"$E2E_TMP/tshark-s1.log" 2>&1 &
echo $! >"$E2E_TMP/tshark-s1.bgpid"
S1TS=$!
e2e_wait_capturing "$E2E_TMP/tshark-s1.log" || diag "S1 tshark did not say it captures"
e2e_capture_marked "$E2E_TMP/s1.pcap" || diag "the S1 capture shows no marker after 30 s"
diam_sim_start "$REC" -c "default_qos qci=8 arp=2 ambr=20000000/30000000" \
    -c "rule * def=web prec=10 flow=\"permit out 6 from $PDN_ADDR 80 to assigned\""
agw_start || { not_ok "xepc-agwd start"; exit 1; }
diam_peer_up
# the UE offers EEA0 only: its NAS is null-ciphered, tshark decodes it
enbsim_run "$E2E_TMP/e1.out" --ues 1 --hold 2 --detach --no-tun --ue-eea 0x80
rc=$?
[ $rc = 0 ] && ok "the UE attaches (the default bearer after the CCA-I) and detaches" ||
    { not_ok "attach with the CCA-I's QoS (enbsim rc $rc)"; tail -20 "$E2E_TMP/agwd.log" | sed 's/^/# /'; }
sleep 1
kill -INT "$S1TS" 2>/dev/null
wait "$S1TS" 2>/dev/null
S1=(tshark -r "$E2E_TMP/s1.pcap" -o nas-eps.null_decipher:TRUE)
ics=$("${S1[@]}" -Y 's1ap.procedureCode == 9 && s1ap.initiatingMessage_element && s1ap.qCI == 8 && s1ap.priorityLevel == 2 && nas_eps.esm.qci == 8' -V 2>/dev/null)
amb=$(grep -E 'APN-AMBR for (down|up)link' <<<"$ics" | tr -s ' ' | tr '\n' ';')
mods=$("${S1[@]}" -Y 's1ap.procedureCode == 6' 2>/dev/null | wc -l)
diag "Initial Context Setup NAS APN-AMBR: $amb"
[ -n "$ics" ] && grep -q 'APN-AMBR for downlink: 30.000 Mbps' <<<"$amb" &&
    grep -q 'APN-AMBR for uplink: 20.000 Mbps' <<<"$amb" && [ "$mods" = 0 ] &&
    ok "tshark: the Initial Context Setup carries the CCA-I's QCI 8 / ARP 2 and APN-AMBR 20/30 Mbps in its ACTIVATE DEFAULT EPS BEARER CONTEXT REQUEST, no E-RAB Modify" ||
    not_ok "tshark S1: ICS with QCI 8/ARP 2 '${ics:0:40}', APN-AMBR '$amb', E-RAB Modify $mods"

# --- 2. the PCRF refuses the IP-CAN session ---------------------------------
sim "$REC.2" -c "error gx 5140 exp type=1"
e29=$(esm 29)
got=$(attach_cause e2)
[ "$got" = attach:attach-reject-19 ] && [ "$(esm 29)" = $((e29 + 1)) ] &&
    [ "$(agw_stat gx_pdn_refused)" = 1 ] &&
    ok "CCA-I Experimental-Result 5140: ATTACH REJECT #19 with ESM #29, counted (gx_pdn_refused 1)" ||
    not_ok "CCA-I 5140: enbsim '$got', ESM #29 $e29 -> $(esm 29), refused $(agw_stat gx_pdn_refused)"
DIAM_REC=$REC.2
check "no CCR-T for a session the PCRF refused" diam_gx_j "len(ccri)==1 and len(ccrt)==0"
# an additional PDN connection (ims) the PCRF refuses: its CCR-I is the second
sim "$REC.2b" -c "error gx 5003 type=1 skip=1"
enbsim_run "$E2E_TMP/e2b.out" --ues 1 --hold 1 --detach --no-tun --pdn ims --timeout 20
got=$(awk '$1 == "enbsim:" && $2 == "failed_cause" { print $3 }' "$E2E_TMP/e2b.out" | tr '\n' ' ')
[ "$got" = "pdn_connect:pdn-connectivity-reject-29 " ] && [ "$(agw_stat gx_pdn_refused)" = 2 ] &&
    [ "$(enbsim_val "$E2E_TMP/e2b.out" attached)" = 1 ] &&
    ok "an additional PDN connection the PCRF refuses (5003): PDN CONNECTIVITY REJECT #29, the UE stays attached" ||
    { not_ok "PDN connectivity refused: enbsim '$got', refused $(agw_stat gx_pdn_refused)"; grep "enbsim:" "$E2E_TMP/e2b.out" | sed 's/^/# /'; }

# --- 3. TERMINATE: a silent PCRF, a PCRF down ------------------------------
sim "$REC.3" -c "silence gx type=1"
e34=$(esm 34)
got=$(attach_cause e3)
[ "$got" = attach:attach-reject-19 ] && [ "$(esm 34)" = $((e34 + 1)) ] &&
    grep -q "CCR-I unanswered within the Tx timer: TERMINATE" "$E2E_TMP/agwd.log" &&
    ok "a silent PCRF, TERMINATE: the Tx timer (1 s) ends the wait, ATTACH REJECT #19 with ESM #34" ||
    not_ok "silent PCRF: enbsim '$got', ESM #34 $e34 -> $(esm 34)"
diam_sim_stop
sleep 0.5
got=$(attach_cause e4)
[ "$got" = attach:attach-reject-19 ] && [ "$(esm 34)" = $((e34 + 2)) ] &&
    grep -q "CCR-I answered 3002: TERMINATE" "$E2E_TMP/agwd.log" &&
    ok "the PCRF down (3002 DIAMETER_UNABLE_TO_DELIVER), TERMINATE: ATTACH REJECT #19 with ESM #34" ||
    not_ok "PCRF down: enbsim '$got', ESM #34 -> $(esm 34)"
check "the failure handling counted: gx_ccfh_terminate 2" test "$(agw_stat gx_ccfh_terminate)" = 2

# --- 4. TERMINATE on a CCR-U without an answer ------------------------------
# 5.3.7 QOS_CHANGE (1) armed: xepcctl ue qos sends a CCR-U, left unanswered
diam_sim_start "$REC.5" -c "trigger 1" -c "silence gx type=2"
diam_peer_up
enbsim_bg "$E2E_TMP/e5.out" --ues 1 --no-tun --hold -1 --timeout 60
EV=$ENBSIM_PID
DIAM_REC=$REC.5
diam_gx_wait "len(ccri)==1" 200
for _ in $(seq 100); do agwctl ue show "$IMSI" 2>/dev/null | grep -q "^pdn ebi 5 .* state active" && break; sleep 0.1; done
agwctl ue qos "$IMSI" 5 --apn-ambr 10Mbps/10Mbps >"$E2E_TMP/qos.out" 2>&1 || diag "ue qos failed: $(cat "$E2E_TMP/qos.out")"
diam_gx_wait "len(ccru)==1 and len(ccrt)==1" 200
for _ in $(seq 100); do grep -q "network detach started" "$E2E_TMP/agwd.log" && break; sleep 0.1; done
check "a CCR-U unanswered, TERMINATE: the UE is detached (its last PDN connection) and the CCR-T sent" \
    bash -c "grep -q 'no answer to a CCR-U, TERMINATE: the PCRF.s session ends of EBI 5: detach' '$E2E_TMP/agwd.log' &&
             grep -q 'network detach started' '$E2E_TMP/agwd.log'"
kill -TERM "$EV" 2>/dev/null
wait "$EV" 2>/dev/null
agw_stop TERM

# --- 5. CONTINUE: the PCRF down, the local policy ---------------------------
sed -i 's/^    tx_timeout: 1s$/    tx_timeout: 1s\n    failure_handling: continue/' "$AGW_CONF"
check "xepcctl config check accepts diameter.gx.failure_handling" "$XEPCCTL" config check "$AGW_CONF"
diam_sim_stop
agw_start || { not_ok "xepc-agwd start (continue)"; exit 1; }
diam_ue_up 60
[ -n "$UE_IP" ] && grep -q "CCR-I answered 3002: CONTINUE with the local policy" "$E2E_TMP/agwd.log" &&
    ok "the PCRF down, CONTINUE: the UE attaches ($UE_IP), counted (gx_ccfh_continue $(agw_stat gx_ccfh_continue))" ||
    { not_ok "CONTINUE: no UE address"; tail -20 "$E2E_TMP/agwd.log" | sed 's/^/# /'; }
# on a loaded machine the first datagrams may find the receiver not yet up
for _ in 1 2 3; do got=$(diam_flow "$UE_IP" 3 500 20); [ "$got" = "3 1500" ] && break; done
got7=$(diam_flow "$UE_IP" 3 500 20 7000)
[ "$got" = "3 1500" ] && [ "$got7" = "0 0" ] &&
    ok "traffic on the local policy: 3 datagrams pass, those from port 7000 are dropped (policy.static)" ||
    { not_ok "local policy traffic: '$got' (want 3 1500), port 7000 '$got7' (want 0 0)"
      grep -E "CONTINUE|local policy" "$E2E_TMP/agwd.log" | tail -3 | sed 's/^/# /'
      ip netns exec "$NS_GW" "$XEPCCTL" session list --pin-dir "$PIN" | sed 's/^/# /'; }
diam_ue_down
agw_stop TERM

# --- 6. the RAA after the commit --------------------------------------------
sed -i '/^    failure_handling: continue$/d' "$AGW_CONF"
diam_sim_start "$REC.6" -c "rule none def=blk prec=5 status=3 flow=\"permit out 17 from $PDN_ADDR 7100 to assigned\"" \
    -c "rar after=3 gx $IMSI install=blk"
DIAM_REC=$REC.6
export XEPC_AGW_FAULT=gx-r-committed
agw_start || not_ok "xepc-agwd start (fault)"
unset XEPC_AGW_FAULT
diam_peer_up
enbsim_bg "$E2E_TMP/e6.out" --ues 1 --no-tun --hold -1 --timeout 60
EV=$ENBSIM_PID
for _ in $(seq 300); do kill -0 "$AGW_PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$AGW_PID" 2>/dev/null; then agw_stop KILL; else wait "$AGW_PID" 2>/dev/null; AGW_PID=""; fi
check "killed after the commit of the RAR's rule, before its RAA left: the PCRF got no RAA 2001" \
    bash -c "grep -q 'SIGKILL at gx-r-committed' '$E2E_TMP/agwd.log' && grep -q 'ebi 5: 1 PCC rule(s) in force' '$E2E_TMP/agwd.log' &&
             ! grep -q '\"cmd\":\"RAA\".*\"result\":2001' '$REC.6'"
kill -TERM "$EV" 2>/dev/null
wait "$EV" 2>/dev/null
agw_start || not_ok "xepc-agwd restart"
check "after the restart the RAR's rule is the session's (stored before the RAA)" \
    bash -c "sqlite3 '$AGW_DB' 'SELECT hex(rules) FROM gx_session' | grep -q \"\$(printf blk | xxd -p | tr a-f A-F)\""
agw_stop TERM

# --- 7. killed while the attach waits for its CCA-I --------------------------
# the UE's stored context of part 6 goes first (a detach), then a Tx timer
# of 20 s: the CCR-I left unanswered, xepc-agwd killed during the wait
sed -i 's/^    tx_timeout: 1s$/    tx_timeout: 20s/' "$AGW_CONF"
# xepc-agwd is down: no connection to wait for (diam_peer_up after its
# start); part 6's diamsim, its RAR never answered, takes ~45 s to end on
# a TERM: SIGKILL (its record was read in part 6)
kill -KILL "$DIAM_SIM_PID" 2>/dev/null
diam_sim_stop
sleep 0.5
diam_sim_start "$REC.7" -c "silence gx type=1 skip=1 count=1"
DIAM_REC=$REC.7
agw_start || not_ok "xepc-agwd start (wait)"
diam_peer_up
enbsim_bg "$E2E_TMP/e7.out" --ues 1 --no-tun --hold 1 --detach --timeout 60
EV=$ENBSIM_PID
diam_gx_wait "len(ccri)==1" 300
wait "$EV" 2>/dev/null      # the first attach and detach (its CCR-T)
diam_gx_kill_waiting 2
sid=$DIAM_SID
npdn=$(sqlite3 "$AGW_DB" "SELECT count(*) FROM pdn_session")
[ -n "$sid" ] && [ "$npdn" = 0 ] &&
    ok "killed while the attach waited for its CCA-I: no PDN connection stored" ||
    not_ok "mid-wait kill: CCR-I '$sid', pdn_session rows $npdn"
agw_start || not_ok "xepc-agwd restart (wait)"
diam_peer_up
diam_gx_wait "any(m['sid']=='$sid' for m in ccrt)" 300
check "after the restart the waiting PDN connection's Gx session is ended (CCR-T of its Session-Id), its row gone" \
    bash -c "grep -q 'Gx sessions restored, 1 without a PDN connection' '$E2E_TMP/agwd.log' &&
             python3 -c \"
import json,sys
l=[json.loads(x)['msg'] for x in open('$REC.7') if x.strip()]
sys.exit(0 if [m for m in l if m.get('cmd')=='CCR' and m.get('cc_type')==3 and m['sid']=='$sid'] else 1)\" &&
             [ \$(sqlite3 '$AGW_DB' 'SELECT count(*) FROM gx_session') = 0 ] &&
             ip netns exec $NS_GW $XEPCCTL session list --pin-dir $PIN | grep -qx '0 sessions'"
agw_stop TERM
exit $((TAP_FAILED > 0))
