#!/bin/bash
# Gx state across restarts of xepc-agwd (docs/charging.md "Failure handling
# for Gx"), diamsim as the PCRF.
# 1. The Credit-Control-Failure-Handling of a CCA (RFC 4006 8.14, TS 29.212
#    5.6.3) is kept with the Gx session: the CCA-I says CONTINUE (diamsim
#    `ccfh gx continue`) while the configuration says terminate; xepc-agwd
#    is restarted, the PCRF goes down, and the CCR-U of a usage monitoring
#    key (2000 bytes granted, 3000 sent) gets 3002: the session's CONTINUE
#    applies (the UE stays, its traffic passes), not the configuration's
#    TERMINATE (a detach).
# 2. The CCR-T of a Gx session whose PDN connection waited for its CCA-I
#    when xepc-agwd was killed (the orphan, ended at the next start) is
#    journalled like the other CCR-Ts (agw_ccr.h): killed again at each
#    step of it (XEPC_AGW_FAULT gx-t-committed, -received, -applied), it is
#    still sent, with the T flag, and the PCRF counts it once.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"
source "$(dirname "$0")/diam_lib.sh"

DIAM_GX_EXTRA="    tx_timeout: 2s"
diam_gx_setup 10 gx
REC=$E2E_TMP/pcrf.jsonl

# --- 1. the CCA's CCFH across a restart ------------------------------------
diam_sim_start "$REC" -c "ccfh gx continue" -c "monitor key=mk1 bytes=2000"
agw_start || { not_ok "xepc-agwd start"; exit 1; }
diam_peer_up
diam_ue_up 60
for _ in $(seq 100); do grep -q "monitoring key mk1: 2000 bytes granted" "$E2E_TMP/agwd.log" && break; sleep 0.1; done
ccfh=$(sqlite3 "$AGW_DB" "SELECT ccfh FROM gx_session")
[ -n "$UE_IP" ] && [ "$ccfh" = 2 ] &&
    ok "the UE attached, the CCA-I's CCFH CONTINUE stored with its Gx session (ccfh 2 = CONTINUE + 1)" ||
    not_ok "attach with CCFH CONTINUE: UE '$UE_IP', gx_session.ccfh '$ccfh'"
agw_stop TERM
n0=$(grep -c "set up on assoc" "$E2E_TMP/agwd.log")
agw_start || { not_ok "xepc-agwd restart"; exit 1; }
diam_s1_back "$n0" || diag "the eNB did not set up S1 again"
diam_sim_stop
mark=$(wc -l <"$E2E_TMP/agwd.log")
# mk1's 2000 bytes used: the CCR-U, answered 3002 by freeDiameter (no peer)
a=$(diam_flow "$UE_IP" 3 1000 20 "" 10)
for _ in $(seq 100); do tail -n +"$mark" "$E2E_TMP/agwd.log" | grep -q "CCR-U answered 3002" && break; sleep 0.1; done
sleep 1
check "after the restart the PCRF down, the CCR-U answered 3002: the session's CONTINUE, not the configured TERMINATE" \
    bash -c "tail -n +$mark '$E2E_TMP/agwd.log' | grep -q 'CCR-U answered 3002: CONTINUE, the rules in force stay' &&
             ! tail -n +$mark '$E2E_TMP/agwd.log' | grep -q 'network detach started'"
diag "3000 bytes sent: received '$a'"
b=""
for _ in 1 2 3; do b=$(diam_flow "$UE_IP" 2 1000 20 "" 10); [ "$b" = "2 2000" ] && break; done
[ "$b" = "2 2000" ] && agwctl ue show "$IMSI" 2>/dev/null | grep -q "^pdn ebi 5 .* state active" &&
    ok "the PDN connection stays and its traffic passes (2 datagrams of 1000 bytes)" ||
    { not_ok "after CONTINUE: traffic '$b' (want 2 2000)"; agwctl ue show "$IMSI" 2>&1 | sed 's/^/# /'; }
diam_sim_start "$REC.1b"
diam_peer_up
DIAM_REC=$REC.1b
diam_ue_down
diam_gx_wait "len(ccrt)==1" 200
check "the PCRF back, the UE's detach ends the Gx session (CCR-T)" diam_gx_j "len(ccrt)==1"
agw_stop TERM

# --- 2. the orphan's CCR-T, journalled --------------------------------------
# a Tx timer of 20 s: the CCR-I left unanswered, xepc-agwd killed during
# the wait (as agw_gx_fail.sh part 7)
sed -i 's/^    tx_timeout: 2s$/    tx_timeout: 20s/' "$AGW_CONF"
diam_sim_stop
sleep 0.5
diam_sim_start "$REC.2" -c "silence gx type=1 count=1"
DIAM_REC=$REC.2
agw_start || not_ok "xepc-agwd start (wait)"
diam_peer_up
diam_gx_kill_waiting 1
sid=$DIAM_SID
[ -n "$sid" ] && [ "$(sqlite3 "$AGW_DB" "SELECT count(*) FROM gx_session")" = 1 ] &&
    ok "killed while the attach waited for its CCA-I: its Gx session stored ($sid)" ||
    not_ok "mid-wait kill: CCR-I '$sid', gx_session rows $(sqlite3 "$AGW_DB" "SELECT count(*) FROM gx_session")"
# the CCR-Ts of that session (retransmit flag, duplicate) in the record
tees() { diam_gx_j "[(m.get('retransmit',False),bool(m.get('dup'))) for m in ccrt if m['sid']=='$sid']==$1"; }
diam_fault_start gx-t-committed
check "the orphan's CCR-T journalled and committed, killed before it left (gx-t-committed)" \
    diam_fault_killed gx-t-committed
check "  ... the PCRF got no CCR-T; the journal holds it, the Gx session's row is gone" \
    bash -c "[ \$(grep -c '\"cc_type\":3' '$REC.2') = 0 ] &&
             [ \$(sqlite3 '$AGW_DB' \"SELECT count(*) FROM ccr_journal WHERE request_type = 3 AND session_id = '$sid'\") = 1 ] &&
             [ \$(sqlite3 '$AGW_DB' 'SELECT count(*) FROM gx_session') = 0 ]"
diam_fault_step "sent from the journal at the next start, killed with its answer unhandled (gx-t-received)" gx-t-received
diam_fault_step "sent again, its answer handled, killed before the commit (gx-t-applied)" gx-t-applied
diam_fault_start ""
for _ in $(seq 300); do tees "[(True,False),(True,True),(True,True)]" >/dev/null && break; sleep 0.1; done
diam_journal_empty
sleep 3
thrice() { tees "[(True,False),(True,True),(True,True)]" && [ "$(sqlite3 "$AGW_DB" "SELECT count(*) FROM ccr_journal")" = 0 ]; }
check "the orphan's CCR-T sent 3 times with the T flag, counted once (2 duplicates), then never again; the journal empty" \
    thrice
agw_stop TERM
exit $((TAP_FAILED > 0))
