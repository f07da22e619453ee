#!/bin/bash
# RETRY_AND_TERMINATE with an alternate OCS (docs/charging.md "Gy in
# xepc-agwd" > "Failure handling"; RFC 4006 5.7, TS 32.299 6.4): two
# diamsims, the configured OCS (diamsim.localdomain, grants of 5000 bytes)
# and diameter.gy.alternate (ocs2.localdomain, grants of 7000), failure
# handling retry_and_terminate, Tx timer 1 s, thresholds of 1000 bytes.
# a. The OCS leaves the CCR-I unanswered: the same request (Session-Id,
#    CC-Request-Number 0, End-to-End id) goes to the alternate with the T
#    flag and Destination-Host ocs2 (tshark, the alternate's record); the
#    UE's quota is the alternate's grant (7000: six datagrams of 1000 pass
#    and the threshold's CCR-U goes to the alternate, none to the OCS).
# c. The session stays with the alternate across restarts of xepc-agwd
#    (gy_session.alternate): TERM, traffic, SIGKILL, then the detach's CCR-T
#    goes to the alternate; the usage adds up to what the UE received.
# b. A new session served by the OCS: its CCR-U left unanswered goes to the
#    alternate (T flag, the same number); the usage is counted once in all
#    across both records, and the CCR-T goes to the alternate too.
# e. A session served by the OCS, released: its CCR-T left unanswered by
#    the OCS goes to the alternate (the journal's row, T flag).
# d. The OCS silent and the alternate down: the retry fails too, TERMINATE
#    (the UE is detached).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"
source "$(dirname "$0")/diam_lib.sh"

DIAM_NEEDS="tshark sqlite3"
diam_gy_retry_config
diam_gx_setup 21 gy
REC=$E2E_TMP/ocs.jsonl
REC2=$E2E_TMP/ocs2.jsonl
# both REC EXPR: diam_sid_j (diam_lib.sh) over one record, for session SID
both() { diam_sid_j "$@"; }
counted_all() { diam_sid_counted "$1" "$REC" "$REC2"; }
bytes() { diam_received_bytes "$1"; }
wait_log() {        # wait_log PATTERN [N]: until the log has N (1) lines of it
    for _ in $(seq 200); do
        [ "$(grep -c "$1" "$E2E_TMP/agwd.log")" -ge "${2:-1}" ] && return 0
        sleep 0.1
    done
    return 1
}
last_sid() { diam_last_sid "$REC"; }

# the OCS: the first CCR-I unanswered, the second and third answered, every
# later one unanswered; its first CCR-U and its first CCR-T unanswered
diam_sim_start "$REC" -c "silence gy type=1 count=1" -c "silence gy type=1 skip=2" \
    -c "silence gy type=2 count=1" -c "silence gy type=3 count=1" -c "quota * rg=1 total=100000000 grant=5000 threshold=1000"
diam_alt_start ocs2.localdomain "$ALT_PORT" "$REC2" -c "quota * rg=1 total=100000000 grant=7000 threshold=1000"
DIAM_TS_FILTER="tcp port $DIAM_PORT or tcp port $ALT_PORT"
diam_tshark_start gy || diag "tshark did not say it captures"
agw_start || { not_ok "xepc-agwd start"; exit 1; }
diam_peer_up
diam_alt_up "$ALT_PORT"

# --- a. the OCS silent on the CCR-I ------------------------------------------
diam_ue_up 60
[ -n "$UE_IP" ] || diag "the UE did not attach"
wait_log "rg 1 granted 7000 in all"
SID=$(last_sid)
check "a: the CCR-I sent again to the alternate OCS, whose grant (7000) is the UE's quota" \
    grep -q "CCR-I #0 sent again to the alternate OCS ocs2.localdomain" "$E2E_TMP/agwd.log"
check "  ... the OCS got the CCR-I (left unanswered), the alternate the same Session-Id and number 0 with the T flag" \
    both "$REC" "mine==[(1,0,False,True,0)]"
check "  ... (the alternate's record)" both "$REC2" "mine==[(1,0,True,False,0)]"
a=$(diam_flow "$UE_IP" 6 1000 20 "" 6)
diam_j_wait "$REC2" "any(m.get('cc_type')==2 and m.get('sid')=='$SID' for m in gy)" 100
ok_a=0
[ "$a" = "6 6000" ] && both "$REC2" "[x[0] for x in mine]==[1,2]" && both "$REC" "[x[0] for x in mine]==[1]" && ok_a=1
check "  ... six datagrams of 1000 pass (the OCS's 5000 would stop the sixth: '$a'); the threshold's CCR-U goes to the alternate, none to the OCS" \
    test "$ok_a" = 1
check "  ... counted: gy_retries 1, no TERMINATE" test "$(agw_stat gy_retries) $(agw_stat gy_ccfh_terminate)" = "1 0"
check "  ... the session's server is kept in SQLite (gy_session.alternate 1)" \
    test "$(sqlite3 "$AGW_DB" "SELECT alternate FROM gy_session WHERE session_id='$SID'")" = 1

# --- c. restarts: TERM, then SIGKILL; the CCR-T goes to the alternate ---------
n0=$(grep -c "set up on assoc" "$E2E_TMP/agwd.log")
agw_stop TERM
agw_start || not_ok "xepc-agwd restart (TERM)"
diam_peer_up
diam_alt_up "$ALT_PORT"
diam_s1_back "$n0"
b=$(diam_flow "$UE_IP" 3 1000 20 "" 6)
n0=$(grep -c "set up on assoc" "$E2E_TMP/agwd.log")
agw_stop KILL
agw_start || not_ok "xepc-agwd restart (SIGKILL)"
diam_peer_up
diam_alt_up "$ALT_PORT"
diam_s1_back "$n0"
diam_ue_down
diam_j_wait "$REC2" "any(m.get('cc_type')==3 and m.get('sid')=='$SID' for m in gy)" 100
check "c: after a TERM and a SIGKILL restart the detach's CCR-T goes to the alternate first (no T flag: no retry)" \
    both "$REC2" "[(x[0],x[2]) for x in mine]==[(1,True),(2,False),(3,False)]"
check "  ... (the OCS's record: the CCR-I only)" both "$REC" "[x[0] for x in mine]==[1]"
check "  ... each byte counted once: $a + $b received, as the alternate counted" \
    counted_all "$(($(bytes "$a") + $(bytes "$b")))"

# --- b. a CCR-U the OCS leaves unanswered --------------------------------------
diam_ue_up 60
[ -n "$UE_IP" ] || diag "the UE did not attach again"
wait_log "rg 1 granted 5000 in all"
SID=$(last_sid)
r0=$(agw_stat gy_retries)
a=$(diam_flow "$UE_IP" 4 1000 20 "" 6)
diam_j_wait "$REC2" "any(m.get('cc_type')==2 and m.get('sid')=='$SID' for m in gy)" 100
wait_log "rg 1 granted 1[01][0-9]* in all"
b=$(diam_flow "$UE_IP" 3 1000 20 "" 6)
diam_ue_down
diam_j_wait "$REC2" "any(m.get('cc_type')==3 and m.get('sid')=='$SID' for m in gy)" 100
check "b: a session served by the OCS: its CCR-U left unanswered there, the same request (T flag) to the alternate" \
    both "$REC" "[(x[0],x[1],x[3]) for x in mine]==[(1,0,False),(2,1,True)]"
check "  ... the alternate got CCR-U #1 with the T flag, then the CCR-T" \
    both "$REC2" "[(x[0],x[1],x[2]) for x in mine]==[(2,1,True),(3,2,False)]"
check "  ... counted once across both OCSs: $a + $b received" counted_all "$(($(bytes "$a") + $(bytes "$b")))"
check "  ... gy_retries +1" test "$(agw_stat gy_retries)" = "$((r0 + 1))"
diam_journal_empty
check "  ... the journal is empty: every request answered once" \
    test "$(sqlite3 "$AGW_DB" "SELECT COUNT(*) FROM ccr_journal")" = 0

# --- e. a CCR-T the OCS leaves unanswered (the session gone already) --------
r0=$(agw_stat gy_retries)
diam_ue_up 60
[ -n "$UE_IP" ] || diag "the UE did not attach a third time"
wait_log "rg 1 granted 5000 in all" 2
SID=$(last_sid)
diam_ue_down
diam_j_wait "$REC2" "any(m.get('cc_type')==3 and m.get('sid')=='$SID' for m in gy)" 100
check "e: the CCR-T of a session served by the OCS, left unanswered there, goes to the alternate (T flag, the same number)" \
    both "$REC" "[(x[0],x[1],x[2],x[3]) for x in mine]==[(1,0,False,False),(3,1,False,True)]"
ok_e=0
both "$REC2" "[(x[0],x[1],x[2],x[3]) for x in mine]==[(3,1,True,False)]" &&
    [ "$(agw_stat gy_retries)" = "$((r0 + 1))" ] && diam_journal_empty && ok_e=1
check "  ... answered there (gy_retries +1, the journal empty)" test "$ok_e" = 1

# --- d. the OCS silent and the alternate down -----------------------------------
diam_alt_stop
t0=$(agw_stat gy_ccfh_terminate)
diam_ue_up 60
wait_log "the alternate OCS failed too"
SID=$(last_sid)
check "d: the OCS silent, the alternate down: TERMINATE detaches the UE" \
    grep -q "terminated: .*(RETRY_AND_TERMINATE, the alternate OCS failed too)" "$E2E_TMP/agwd.log"
ok_d=0
[ "$(agw_stat gy_ccfh_terminate)" = "$((t0 + 1))" ] &&
    both "$REC" "mine[:1]==[(1,0,False,True,0)] and [x[0] for x in mine].count(1)==1" && ok_d=1
check "  ... counted (gy_ccfh_terminate +1); the OCS got the CCR-I once (unanswered)" test "$ok_d" = 1
diam_ue_down
diam_tshark_stop

TS=(tshark -r "$E2E_TMP/gy.pcap" -d "tcp.port==$ALT_PORT,diameter" -d "tcp.port==$DIAM_PORT,diameter")
rows=$("${TS[@]}" -Y 'diameter.cmd.code == 272 && diameter.flags.request == 1' \
    -T fields -e diameter.Destination-Host -e diameter.flags.T -e diameter.Session-Id \
    -e diameter.CC-Request-Type -e diameter.CC-Request-Number -e diameter.endtoendid 2>/dev/null)
diag "tshark CCRs: $(tr '\t\n' ' ;' <<<"$rows" | head -c 1500)"
check "tshark: a's CCR-I to diamsim.localdomain without the T flag, then to ocs2.localdomain with it, one Session-Id, number and End-to-End Identifier" \
    python3 -c "
import sys
rows=[l.split('\t') for l in sys.argv[1].splitlines() if l.strip()]
i=[r for r in rows if r[3]=='1'][:2]
ok=len(i)==2 and i[0][0]=='diamsim.localdomain' and i[1][0]=='ocs2.localdomain' \
   and i[0][1] in ('0','False') and i[1][1] in ('1','True') \
   and i[0][2]==i[1][2] and i[0][4]==i[1][4]=='0' and i[0][5]==i[1][5]
sys.exit(0 if ok else 1)" "$rows"
check "tshark: b's CCR-U to the OCS, then the same (T flag, End-to-End id) to ocs2.localdomain" \
    python3 -c "
import sys
rows=[l.split('\t') for l in sys.argv[1].splitlines() if l.strip()]
u=[r for r in rows if r[3]=='2' and r[4]=='1']
u=[r for r in u if r[2]==[x for x in u if x[0]=='diamsim.localdomain'][0][2]] if any(x[0]=='diamsim.localdomain' for x in u) else []
ok=len(u)==2 and u[0][0]=='diamsim.localdomain' and u[1][0]=='ocs2.localdomain' \
   and u[1][1] in ('1','True') and u[0][5]==u[1][5]
sys.exit(0 if ok else 1)" "$rows"
BAD=$("${TS[@]}" -Y '_ws.malformed || _ws.expert.severity >= 8388608' -T fields -e frame.number 2>/dev/null | head -3)
check "tshark: no malformed Diameter message${BAD:+: frames $BAD}" test -z "$BAD"
agw_stop TERM
diam_alt_stop
exit $((TAP_FAILED > 0))
