#!/bin/bash
# Gy termination and retransmission edge cases (docs/charging.md "Gy in
# xepc-agwd", "Failure handling"): nothing is double-counted, no session
# is left at the OCS.
# diamsim (the OCS) holds answers back on demand (`delay gy MS type=N
# count=1`: the request is counted, its answer leaves MS ms later) and
# marks the requests it had answered already ("dup": answered alike, not
# counted again).  Every session has two rating groups: the catch-all 1
# and 20, charged online by the local policy's rule for UDP from the PDN's
# port 7000 (one MSCC each); grants of 4000 bytes, threshold 1000.  Tx
# timer TX (10 s); a late answer comes SHORT (4 s) or LONG (13 s: after
# the Tx timer) late, a Gy RAR RAR (7 s) after the CCR-I (what a case does
# before it takes ~3 s); one UE per case, each with its own diamsim run;
# UDP downlink of 1000-byte datagrams (the kernel charges them; what the OCS counted
# is checked against that):
#   inflight  the UE detaches while its CCR-I is out (answer SHORT late): the
#             CCR-T waits for the CCA-I and then goes, one MSCC per group
#   lost      the CCR-I is never answered, the UE detaches before the Tx
#             timer: the CCR-T goes once the timer ran out (the OCS may
#             have created the session)
#   crash     as inflight, xepc-agwd killed (SIGKILL) while the CCR-T waits:
#             journalled, it is sent at the next start
#   update    the UE detaches while the threshold CCR-U of group 1 (3000)
#             is out (answer SHORT late): the CCR-T waits for it and reports
#             the 1000 bytes after it, not 4000
#   update2   a Gy RAR: one CCR-U reports both groups (2000 each, answer
#             SHORT late); 1000 more bytes of each, the UE detaches: the
#             CCR-T waits and reports 1000 of each
#   crash2    as update2, xepc-agwd killed (XEPC_AGW_FAULT gy-u-received)
#             when the CCA-U comes, before it is applied: after the start
#             the CCR-U is sent again (a duplicate) and the CCR-T once
#   retx_t    the RAR's CCR-U (both groups) answered after the Tx timer (the
#             OCS counted it); failure handling TERMINATE detaches the UE,
#             the same CCR-U is sent again (T flag) and answered as the
#             duplicate it is, then the CCR-T
#   retx_c    the same with CONTINUE (the OCS's CCFH), the first
#             retransmission's answer late too: the traffic goes on while
#             the CCR-U is sent again; its answer's grant applies
#   kept      as retx_t, xepc-agwd killed (XEPC_AGW_FAULT gy-u-committed:2)
#             right before the CCR-U leaves again, the CCR-T held behind
#             it: after the start both are sent, in order, each once
#   cinflight failure handling CONTINUE (configured): the CCR-I unanswered,
#             5000 bytes pass without credit control, the UE detaches while
#             the retried CCR-I is out (answer SHORT_C (8 s) late): the
#             CCR-T reports the 5000 bytes
# In every case the OCS counts each byte once (the used units of the CCRs
# neither duplicate nor left unanswered, per rating group, add up to the
# bytes the UE received), and the journal is empty at the end.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"
source "$(dirname "$0")/diam_lib.sh"
# diam_j's many polls: Debian's python3 (a version manager's shim in PATH
# takes a second a call on a loaded machine)
python3() { /usr/bin/python3 "$@"; }

# the timers (s): the Tx timer; an answer late within it, one after it
# (by as much as before: 3 s); the RAR's delay after the CCR-I.  Not a
# Tx timer of 6 s: a request sent again from the journal right after a
# restart may wait that long for the connection on a loaded machine
# (crash2 then saw its CCR-U three times)
TX=10 SHORT=4 LONG=13 RAR=7
# cinflight's: the retried CCR-I's answer late by as much as before (8 s:
# the flow's end and the detach within it; 4 s were too few on a loaded
# machine), within the Tx timer
SHORT_C=8
CASES="inflight lost crash update update2 crash2 retx_t retx_c kept cinflight"
gy_config() {       # gy_config FAILURE_HANDLING
    agw_config
    cat >>"$AGW_CONF" <<EOF
policy:
  rules:
    - { name: rg20, precedence: 10, rating_group: 20,
        flows: ["permit out 17 from $PDN_ADDR 7000 to assigned"] }
  rating_groups:
    - { id: 20, type: online }
  static: { rules: [rg20] }
EOF
    DIAM_GY_EXTRA="    tx_timeout: ${TX}s
    failure_handling: $1
    rating_group: 1
    apn: internet"
    diam_config gy
}
DIAM_SUBS=10
# the grant lines ("rg N granted ... in all") are at debug level: the
# request's line is a report cycle's one info line (gy_handler.c)
export AGW_LOG_LEVEL=debug
diam_gx_setup 40 gy
gy_config terminate
# one subscriber per case: $E2E_TMP/<case>.csv, IMSI_<case>
n=1
for c in $CASES; do
    n=$((n + 1))
    { head -1 "$E2E_TMP/subs.csv"; sed -n "${n}p" "$E2E_TMP/subs.csv"; } >"$E2E_TMP/$c.csv"
    eval "IMSI_$c=$(awk -F, 'NR==2 {print $1}' "$E2E_TMP/$c.csv")"
done
REC=$E2E_TMP/ocs.jsonl
Q1="quota * rg=1 total=100000000 grant=4000 threshold=1000"
Q20="quota * rg=20 total=100000000 grant=4000 threshold=1000"
# ocs LINE...: a new diamsim run with the quotas and these script lines
# (the record goes on), for a new case: `logged` looks at the gateway's
# log from here on
ocs() {
    local a=(-c "$Q1" -c "$Q20") l
    for l in "$@"; do a+=(-c "$l"); done
    MARK=$(wc -l <"$E2E_TMP/agwd.log")
    diam_sim_stop
    diam_sim_start "$REC" "${a[@]}"
    [ -z "$AGW_PID" ] || diam_peer_up
}
granted() { grep -c "rg 1 granted" "$E2E_TMP/agwd.log"; }
# up CASE [WAIT]: the case's UE attached; WAIT=grant: until the CCA-I's
# grant is in the kernel
up() {
    local g0
    g0=$(granted)
    diam_ue_up 60 "$E2E_TMP/$1.csv"
    [ -n "$UE_IP" ] || diag "$1: the UE did not attach"
    if [ "$2" = grant ]; then
        for _ in $(seq 300); do [ "$(granted)" -gt "$g0" ] && break; sleep 0.1; done
    fi
}
# flow COUNT [SPORT]: COUNT datagrams of 1000 bytes to the UE (from port
# SPORT: rating group 20 for 7000); prints "received bytes"
flow() { diam_flow "$UE_IP" "$1" 1000 20 "$2" 10; }
# send COUNT [SPORT]: COUNT datagrams of 1000 bytes to the UE, not waited
# for (the kernel charges them on the way)
send() {
    ip netns exec "$NS_PDN" /usr/bin/python3 "$E2E_ROOT/tests/e2e/gy_traffic.py" send "$UE_IP" 5001 "$1" 1000 20 ${2:+"$2"}
}
# logged REGEX [TENTHS]: until the case's part of agwd.log has a line
# matching REGEX
MARK=0
logged() {
    for _ in $(seq "${2:-300}"); do
        tail -n +$((MARK + 1)) "$E2E_TMP/agwd.log" | grep -qE "$1" && return 0
        sleep 0.1
    done
    return 1
}
j() { diam_j "$REC" "$@"; }
# journal: the journal's rows as "TYPE:BYTES ...", by request number
journal() {
    sqlite3 "$AGW_DB" "SELECT group_concat(request_type || ':' || bytes, ' ') FROM (SELECT * FROM ccr_journal ORDER BY request_no)"
}
# ccrt IMSI: until the IMSI's CCR-T is in the record (60 s)
ccrt() { diam_j_wait "$REC" "any(m['cc_type']==3 for m in ccr('$1'))" 600; }

agw_start || { not_ok "xepc-agwd start"; exit 1; }

# inflight: released while the CCR-I is out
ocs "delay gy $((SHORT * 1000)) type=1 count=1"
up inflight
diam_ue_down
I=$IMSI_inflight
ccrt "$I"
check "inflight: the UE released with its CCR-I in flight, the CCR-T held" \
    logged "released with CCR-I #0 in flight: CCR-T #1 held until its answer" 1
check "inflight: CCR-I, then the CCR-T (one MSCC per group) once the CCA-I came ($SHORT s later), not before" \
    j "[(m['cc_type'],rgu(m)) for m in ccr('$I')]==[(1,[(1,None),(20,None)]),(3,[(1,0),(20,0)])] and
       ccr('$I')[1]['t']-ccr('$I')[0]['t']>=$SHORT-0.1"
check "inflight: the CCR-T answered, the journal empty" diam_journal_empty

# lost: the CCR-I never answered, released before the Tx timer
ocs "silence gy type=1 count=1"
up lost
diam_ue_down
I=$IMSI_lost
ccrt "$I"
check "lost: no CCA-I within the Tx timer: the held CCR-T goes then (the OCS may have the session)" \
    j "[(m['cc_type'],bool(m.get('silenced'))) for m in ccr('$I')]==[(1,True),(3,False)] and
       ccr('$I')[1]['t']-ccr('$I')[0]['t']>=$TX-0.5"
check "lost: the journal empty" diam_journal_empty

# crash: the held CCR-T is journalled: a SIGKILL while it waits loses nothing
ocs "delay gy $(((TX - 1) * 1000)) type=1 count=1"
up crash
diam_ue_down
I=$IMSI_crash
for _ in $(seq 300); do
    [ "$(sqlite3 "$AGW_DB" "SELECT COUNT(*) FROM ccr_journal WHERE request_type = 3")" = 1 ] && break
    sleep 0.1
done
check "crash: the held CCR-T is in the journal" \
    test "$(sqlite3 "$AGW_DB" "SELECT request_no, bytes FROM ccr_journal WHERE request_type = 3")" = "1|0"
agw_stop KILL
agw_start || not_ok "xepc-agwd restart"
diam_peer_up
ccrt "$I"
check "crash: after the restart the CCR-T is sent (T flag), once" \
    j "[(m['cc_type'],m['cc_number'],bool(m.get('retransmit'))) for m in ccr('$I')]==[(1,0,False),(3,1,True)]"
check "crash: the journal empty" diam_journal_empty

# update: released while the threshold CCR-U is out
ocs "delay gy $((SHORT * 1000)) type=2 count=1"
up update grant
I=$IMSI_update
send 3
check "update: 3000 bytes of group 1: its threshold CCR-U" \
    logged "CCR-U #1 used 3000: \[rg 1 rsu used 3000 reason 0\]"
# one more (the kernel charges it), the UE detaches at once
send 1
diam_ue_down
ccrt "$I"
check "update: released with the CCR-U in flight, the CCR-T held behind it" \
    logged "released with CCR-U #1 in flight: CCR-T #2 held until its answer" 1
check "update: the CCR-T after the CCA-U, reporting the 1000 bytes after the CCR-U's 3000" \
    j "[(m['cc_type'],rgu(m)) for m in ccr('$I')]==[(1,[(1,None),(20,None)]),(2,[(1,3000)]),(3,[(1,1000),(20,0)])] and
       ccr('$I')[2]['t']-ccr('$I')[1]['t']>=$SHORT-0.1"
check "update: each byte counted once (4000)" j "counted('$I',1)==4000 and counted('$I',20)==0"

# update2 UE CASE: 2000 bytes of each group, the RAR's CCR-U (RAR s after
# the CCR-I) reports both, 1000 more of each while its answer is out, then
# the UE detaches
update2() {
    up "$1" grant
    I=$2
    send 2
    send 2 7000
    diam_j_wait "$REC" "any(m['cc_type']==2 for m in ccr('$I'))" 500 || diag "$1: no CCR-U"
    send 1
    send 1 7000
    diam_ue_down
}
ocs "delay gy $((SHORT * 1000)) type=2 count=1" "rar after=$RAR gy $IMSI_update2"
update2 update2 "$IMSI_update2"
ccrt "$I"
check "update2: released with the CCR-U in flight, the CCR-T held behind it" \
    logged "released with CCR-U #1 in flight: CCR-T #2 held until its answer" 1
check "update2: the RAR's CCR-U reports both rating groups (2000 each), the held CCR-T 1000 of each" \
    j "[(m['cc_type'],rgu(m)) for m in ccr('$I')]==[(1,[(1,None),(20,None)]),(2,[(1,2000),(20,2000)]),(3,[(1,1000),(20,1000)])] and
       ccr('$I')[2]['t']-ccr('$I')[1]['t']>=$SHORT-0.1"
check "update2: each byte counted once (3000 of each group)" \
    j "counted('$I',1)==3000 and counted('$I',20)==3000"
check "update2: the journal empty" diam_journal_empty

# crash2: as update2, killed when the CCA-U comes (the CCR-T held)
agw_stop TERM
ocs "delay gy $((SHORT * 1000)) type=2 count=1" "rar after=$RAR gy $IMSI_crash2"
diam_fault_start gy-u-received
update2 crash2 "$IMSI_crash2"
check "crash2: killed when the CCA-U came, the CCR-T held" diam_fault_killed gy-u-received
check "crash2: the journal has the CCR-U and the held CCR-T" \
    test "$(journal)" = "2:4000 3:2000"
diam_fault_start ""
ccrt "$IMSI_crash2"
I=$IMSI_crash2
check "crash2: after the restart the CCR-U again (a duplicate), then the CCR-T once (T flag)" \
    j "[(m['cc_type'],rgu(m),bool(m.get('retransmit')),bool(m.get('dup'))) for m in ccr('$I')][1:]==[(2,[(1,2000),(20,2000)],False,False),(2,[(1,2000),(20,2000)],True,True),(3,[(1,1000),(20,1000)],True,False)]"
check "crash2: each byte counted once (3000 of each group)" \
    j "counted('$I',1)==3000 and counted('$I',20)==3000"
check "crash2: the journal empty" diam_journal_empty

# retx_t: the RAR's CCR-U (both groups) answered after the Tx timer (the
# OCS counted it), TERMINATE; retx UE: the CCR-U #1 lines of its record,
# (retransmission, duplicate)
retx() { echo "[(bool(m.get('retransmit')),bool(m.get('dup'))) for m in ccr('$1') if m['cc_type']==2 and m['cc_number']==1]"; }
ocs "delay gy $((LONG * 1000)) type=2 count=1" "rar after=$RAR gy $IMSI_retx_t"
up retx_t grant
I=$IMSI_retx_t
send 2
send 2 7000
ccrt "$I"
check "retx_t: the Tx timer ran out: TERMINATE detached the UE" \
    logged "terminated: Tx timer expired" 1
check "retx_t: the CCR-U (both groups) sent again as the same request (T flag), answered as a duplicate, then the CCR-T" \
    j "[(m['cc_type'],m['cc_number'],rgu(m)) for m in ccr('$I')]==[(1,0,[(1,None),(20,None)]),(2,1,[(1,2000),(20,2000)]),(2,1,[(1,2000),(20,2000)]),(3,2,[(1,0),(20,0)])] and
       $(retx "$I")==[(False,False),(True,True)]"
check "retx_t: each byte counted once (2000 of each group)" \
    j "counted('$I',1)==2000 and counted('$I',20)==2000"
diam_ue_down

# retx_c: the same with CONTINUE (the OCS's CCFH), the first
# retransmission's answer late too: traffic goes on while the CCR-U is
# sent again; its answer's grant replaces the raise
ocs "delay gy $((LONG * 1000)) type=2 count=2" "ccfh continue" "rar after=$RAR gy $IMSI_retx_c"
up retx_c grant
I=$IMSI_retx_c
send 2
send 2 7000
check "retx_c: the Tx timer ran out: CONTINUE" \
    logged "Tx timer expired: CONTINUE without credit control" 600
a=$(flow 3)
logged "rg 1 granted 6000 in all" 900 || diag "retx_c: the retransmission's grant not applied"
diam_ue_down
ccrt "$I"
check "retx_c: CONTINUE: 3 datagrams passed while the OCS did not answer" test "$a" = "3 3000"
check "retx_c: the CCR-U (both groups) sent again (T flag) until answered, each time a duplicate; then the CCR-T" \
    j "$(retx "$I")==[(False,False),(True,True),(True,True)] and ccr('$I')[-1]['cc_type']==3 and
       all(rgu(m)==[(1,2000),(20,2000)] for m in ccr('$I') if m['cc_type']==2 and m['cc_number']==1) and
       not any(m['cc_type']==2 and m['cc_number']==1 and m['t']>ccr('$I')[-1]['t'] for m in ccr('$I'))"
check "retx_c: each byte counted once (5000 of group 1, 2000 of group 20)" \
    j "counted('$I',1)==5000 and counted('$I',20)==2000"
check "retx_c/retx_t: the journal empty" diam_journal_empty

# kept: as retx_t, killed (XEPC_AGW_FAULT gy-u-committed:2) right before
# the CCR-U leaves again, with the CCR-T held behind it
agw_stop TERM
ocs "delay gy $((LONG * 1000)) type=2 count=1" "rar after=$RAR gy $IMSI_kept"
diam_fault_start gy-u-committed:2
up kept grant
I=$IMSI_kept
send 2
send 2 7000
logged "terminated: Tx timer expired" 600 || diag "kept: no Tx timeout"
check "kept: killed before the CCR-U left again" diam_fault_killed gy-u-committed
check "kept: the journal has the CCR-U and the held CCR-T" \
    test "$(journal)" = "2:4000 3:0"
diam_fault_start ""
ccrt "$I"
check "kept: after the restart the CCR-U again (a duplicate), then the CCR-T once (T flag)" \
    j "[(m['cc_type'],rgu(m),bool(m.get('retransmit')),bool(m.get('dup'))) for m in ccr('$I')][1:]==[(2,[(1,2000),(20,2000)],False,False),(2,[(1,2000),(20,2000)],True,True),(3,[(1,0),(20,0)],True,False)]"
check "kept: each byte counted once (2000 of each group)" \
    j "counted('$I',1)==2000 and counted('$I',20)==2000"
check "kept: the journal empty" diam_journal_empty
diam_ue_down

# cinflight: CONTINUE configured, the CCR-I unanswered, then released
# while the retried CCR-I is out
agw_stop TERM
gy_config continue
ocs "silence gy type=1 count=1" "delay gy $((SHORT_C * 1000)) type=1 count=1"
agw_start || not_ok "xepc-agwd restart (continue)"
diam_peer_up
I=$IMSI_cinflight
up cinflight
logged "Tx timer expired: CONTINUE without credit control" 200 || diag "cinflight: no CONTINUE"
a=$(flow 5)
diam_j_wait "$REC" "len(ccr('$I'))>=2" 200
diam_ue_down
ccrt "$I"
check "cinflight: CONTINUE: 5 datagrams passed without credit control" test "$a" = "5 5000"
check "cinflight: released with the retried CCR-I in flight; the CCR-T after its answer reports the 5000 bytes" \
    j "[(m['cc_type'],rgu(m),bool(m.get('silenced'))) for m in ccr('$I')]==[(1,[(1,None),(20,None)],True),(1,[(1,None),(20,None)],False),(3,[(1,5000),(20,0)],False)] and
       ccr('$I')[2]['t']-ccr('$I')[1]['t']>=$SHORT_C-0.1"
check "cinflight: each byte counted once (5000)" j "counted('$I')==5000"
check "cinflight: the journal empty" diam_journal_empty
check "no Gy session left in SQLite" test "$(sqlite3 "$AGW_DB" "SELECT COUNT(*) FROM gy_session")" = 0
check "xepc-agwd still runs" kill -0 "$AGW_PID"
agw_stop TERM
exit $((TAP_FAILED > 0))
