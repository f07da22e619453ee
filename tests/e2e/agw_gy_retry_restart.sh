#!/bin/bash
# RETRY_AND_TERMINATE across a restart of xepc-agwd (docs/charging.md "Gy in
# xepc-agwd" > "Failure handling"; RFC 4006 5.7; schema 0019): a journalled
# CCR-U or CCR-T keeps the alternate OCS it is to fail over to, so that when
# it is sent again at the next start (T flag) and the OCS leaves it
# unanswered, it goes to the alternate as it would have in the run that
# journalled it.  Two diamsims as in agw_gy_retry.sh: the configured OCS
# (diamsim.localdomain, grants of 5000 bytes) and diameter.gy.alternate
# (ocs2.localdomain, grants of 7000), failure handling
# retry_and_terminate, Tx timer 1 s, thresholds of 1000 bytes.
# u. xepc-agwd killed (XEPC_AGW_FAULT gy-u-committed) once the threshold's
#    CCR-U is journalled, before it leaves; started again, the CCR-U goes to
#    the OCS (T flag), which leaves it unanswered, then to the alternate;
#    the session stays there (gy_session.alternate): its CCR-T goes there.
# t. A new session; killed (gy-t-committed) once the detach's CCR-T is
#    journalled; started again: the CCR-T to the OCS, unanswered, then to
#    the alternate; the journal empty.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"
source "$(dirname "$0")/diam_lib.sh"

DIAM_NEEDS="sqlite3"
diam_gy_retry_config
# the grant lines ("rg N granted ... in all") are at debug level
export AGW_LOG_LEVEL=debug
diam_gx_setup 11 gy
REC=$E2E_TMP/ocs.jsonl
REC2=$E2E_TMP/ocs2.jsonl
# journal_failover TYPE: the failover column of the journal's row of SID
# of CC-Request-Type TYPE
journal_failover() {
    sqlite3 "$AGW_DB" "SELECT failover FROM ccr_journal WHERE session_id='$SID' AND request_type=$1"
}
# restart [s1]: xepc-agwd started again (not armed), both peers back (s1:
# and the eNB, whose UE is attached)
restart() {
    local n0
    n0=$(grep -c "set up on assoc" "$E2E_TMP/agwd.log")
    diam_fault_start ""
    diam_alt_up "$ALT_PORT"
    [ -z "$1" ] || diam_s1_back "$n0" || diag "the eNB did not come back"
}
granted() { grep -c "rg 1 granted $1 in all" "$E2E_TMP/agwd.log"; }
wait_granted() {    # wait_granted BYTES N: until N grant lines of BYTES
    for _ in $(seq 200); do [ "$(granted "$1")" -ge "$2" ] && return 0; sleep 0.1; done
    return 1
}
# armed FAULT N: xepc-agwd started armed at FAULT, the alternate up, the
# UE attached with the N-th grant of 5000 in the log; SID its session
armed() {
    diam_fault_start "$1"
    diam_alt_up "$ALT_PORT"
    diam_ue_up 60
    [ -n "$UE_IP" ] || diag "the UE did not attach"
    wait_granted 5000 "$2" || diag "no grant"
    SID=$(diam_last_sid "$REC")
}

# the OCS leaves its first CCR-U and its first CCR-T unanswered: those sent
# again after each restart (the first ones never left)
diam_sim_start "$REC" -c "silence gy type=2 count=1" -c "silence gy type=3 count=1" \
    -c "quota * rg=1 total=100000000 grant=5000 threshold=1000"
diam_alt_start ocs2.localdomain "$ALT_PORT" "$REC2" -c "quota * rg=1 total=100000000 grant=7000 threshold=1000"

# --- u. the threshold's CCR-U journalled, then SIGKILL --------------------------
armed gy-u-committed 1
a=$(diam_flow "$UE_IP" 4 1000 20 "" 6)
check "u: 4000 of 5000 bytes: killed once the threshold's CCR-U was journalled" \
    diam_fault_killed gy-u-committed
check "  ... its row names the alternate to fail over to (ccr_journal.failover)" \
    test "$(journal_failover 2)" = ocs2.localdomain
restart s1
diam_j_wait "$REC2" "any(m.get('cc_type')==2 and m.get('sid')=='$SID' for m in gy)" 150
check "u: after the restart the CCR-U goes to the OCS (T flag), which leaves it unanswered" \
    diam_sid_j "$REC" "[(x[0],x[1],x[2],x[3]) for x in mine]==[(1,0,False,False),(2,1,True,True)]"
check "  ... then to the alternate, the same request (T flag, number 1, 4000 used)" \
    diam_sid_j "$REC2" "mine==[(2,1,True,False,4000)]"
check "  ... the session stays with the alternate (gy_session.alternate 1, gy_retries 1)" \
    test "$(sqlite3 "$AGW_DB" "SELECT alternate FROM gy_session WHERE session_id='$SID'") $(agw_stat gy_retries)" = "1 1"
diam_ue_down
diam_j_wait "$REC2" "any(m.get('cc_type')==3 and m.get('sid')=='$SID' for m in gy)" 100
check "  ... its CCR-T goes to the alternate, none to the OCS" \
    diam_j "$REC" "not any(m.get('cc_type')==3 and m.get('sid')=='$SID' for m in gy)"
check "  ... each byte counted once: $a received" diam_sid_counted "$(diam_received_bytes "$a")" "$REC" "$REC2"

# --- t. the detach's CCR-T journalled, then SIGKILL ------------------------------
agw_stop TERM
armed gy-t-committed 2
a=$(diam_flow "$UE_IP" 2 1000 20 "" 6)
diam_ue_down
check "t: killed once the detach's CCR-T was journalled; its row names the alternate" \
    eval 'diam_fault_killed gy-t-committed && test "$(journal_failover 3)" = ocs2.localdomain'
restart
diam_j_wait "$REC2" "any(m.get('cc_type')==3 and m.get('sid')=='$SID' for m in gy)" 150
check "t: after the restart the CCR-T goes to the OCS (T flag, unanswered), then to the alternate (T flag, the same number)" \
    eval 'diam_sid_j "$REC" "[(x[0],x[1],x[2],x[3]) for x in mine]==[(1,0,False,False),(3,1,True,True)]" &&
          diam_sid_j "$REC2" "mine==[(3,1,True,False,2000)]"'
check "  ... counted once ($a received); the journal empty; gy_retries 1 (this run)" \
    eval 'diam_sid_counted "$(diam_received_bytes "$a")" "$REC" "$REC2" && diam_journal_empty &&
          test "$(agw_stat gy_retries)" = 1'
check "xepc-agwd still runs" kill -0 "$AGW_PID"
