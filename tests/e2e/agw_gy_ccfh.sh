#!/bin/bash
# Gy: the Credit-Control-Failure-Handling a CCA gave the session holds
# across a restart of xepc-agwd (RFC 4006 8.14: the server's CCFH replaces
# the client's; docs/charging.md "Gy in xepc-agwd" > "Failure handling",
# gy_session.ccfh of schema/agw/0018_gy_ccfh.sql), as agw_gx_state.sh
# part 1 checks it for Gx.
# The configuration says terminate, the OCS's CCA-I says CONTINUE (diamsim
# `ccfh continue`) and grants 3000 bytes; xepc-agwd is restarted (TERM),
# the OCS stopped, and 5000 bytes are sent: the CCR-U of the used-up grant
# gets 3002 (no peer), and the session's CONTINUE applies (the UE stays,
# its traffic passes without credit control), not the configuration's
# TERMINATE (a detach). The OCS back, the UE's detach sends the CCR-T.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"
source "$(dirname "$0")/diam_lib.sh"

# the grant line ("rg 1 granted") is at debug level (gy_handler.c)
export AGW_LOG_LEVEL=debug
DIAM_GY_EXTRA="    tx_timeout: 1s
    failure_handling: terminate
    rating_group: 1
    apn: internet"
diam_gx_setup 5 gy
REC=$E2E_TMP/ocs.jsonl
log_from() { tail -n +"$1" "$E2E_TMP/agwd.log"; }

diam_sim_start "$REC" -c "ccfh continue" -c "quota * rg=1 total=1000000 grant=3000"
agw_start || { not_ok "xepc-agwd start"; exit 1; }
diam_peer_up
diam_ue_up 60
for _ in $(seq 150); do grep -q "rg 1 granted" "$E2E_TMP/agwd.log" && break; sleep 0.1; done
ccfh=$(sqlite3 "$AGW_DB" "SELECT ccfh FROM gy_session" 2>&1)
[ -n "$UE_IP" ] && [ "$ccfh" = 2 ] &&
    ok "the UE attached, the CCA-I's CCFH CONTINUE stored with its Gy session (ccfh 2 = CONTINUE + 1)" ||
    not_ok "attach with CCFH CONTINUE: UE '$UE_IP', gy_session.ccfh '$ccfh'"

agw_stop TERM
n0=$(grep -c "set up on assoc" "$E2E_TMP/agwd.log")
mark=$(($(wc -l <"$E2E_TMP/agwd.log") + 1))
agw_start || { not_ok "xepc-agwd restart"; exit 1; }
diam_s1_back "$n0" || diag "the eNB did not set up S1 again"
diam_sim_stop
sleep 0.5
# 5000 bytes: the 3000 granted run out, the CCR-U gets 3002 (no peer)
a=$(diam_flow "$UE_IP" 5 1000 20 "" 10)
for _ in $(seq 100); do log_from "$mark" | grep -q "CONTINUE without credit control\|terminated:" && break; sleep 0.1; done
sleep 1
check "after the restart the OCS down, the CCR-U's failure follows the session's CONTINUE, not the configured TERMINATE" \
    bash -c "tail -n +$mark '$E2E_TMP/agwd.log' | grep -q 'CONTINUE without credit control' &&
             ! tail -n +$mark '$E2E_TMP/agwd.log' | grep -qE 'terminated:|network detach started'"
diag "5000 bytes sent while the grant ran out: received '$a'"
b=""
for _ in 1 2 3; do b=$(diam_flow "$UE_IP" 2 1000 20 "" 10); [ "$b" = "2 2000" ] && break; done
[ "$b" = "2 2000" ] && agwctl ue show "$IMSI" 2>/dev/null | grep -q "^pdn ebi 5 .* state active" &&
    ok "the PDN connection stays and its traffic passes without credit control (2 datagrams of 1000 bytes)" ||
    { not_ok "after CONTINUE: traffic '$b' (want 2 2000)"; agwctl ue show "$IMSI" 2>&1 | sed 's/^/# /'; }
[ "$(agw_stat gy_ccfh_continue)" -ge 1 ] && [ "$(agw_stat gy_ccfh_terminate)" = 0 ] &&
    ok "counted: gy_ccfh_continue $(agw_stat gy_ccfh_continue), gy_ccfh_terminate 0" ||
    not_ok "gy_ccfh_continue '$(agw_stat gy_ccfh_continue)', gy_ccfh_terminate '$(agw_stat gy_ccfh_terminate)'"

# the OCS back (the session's CONTINUE retries every 5 s): the detach's
# CCR-T goes to it
diam_sim_start "$REC.2" -c "quota * rg=1 total=1000000 grant=3000"
diam_peer_up
diam_ue_down
check "the OCS back, the detach's CCR-T goes to it" \
    diam_j_wait "$REC.2" "any(m['cc_type']==3 for m in ccr('$IMSI'))" 200
