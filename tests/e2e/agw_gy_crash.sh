#!/bin/bash
# Crash-safe Gy usage reports (docs/charging.md "Crash-safe usage reports"):
# xepc-agwd is killed (SIGKILL, its fault-injection hook XEPC_AGW_FAULT,
# docs/agw.md) at each step of a CCR-U and of a CCR-T and started again;
# diamsim (the OCS) records every request and marks those it had answered
# already ("dup": answered alike, not counted again).  One UE, grants of
# 4000 bytes with a threshold of 1000; UDP downlink of 1000-byte datagrams:
#   gy-u-committed  the CCR-U journalled and committed, not sent: killed;
#                   the next start sends it (T flag), the OCS counts it
#   gy-u-received   its answer arrived, not handled: killed; sent again,
#                   the OCS answers it as a duplicate
#   gy-u-applied    its answer handled (the kernel's quota moved), not
#                   committed: killed; sent again, a duplicate, and its
#                   grant is not applied twice (the kernel's remainder)
#   gy-t-committed, gy-t-received, gy-t-applied: the same for the CCR-T
#                   of the UE's detach
# Each byte is counted once: the Used-Service-Units of the requests the OCS
# counted add up to the bytes the UE received, exactly.
# Each start sends the journalled request once; a start may send it once
# more: diamsim's freeDiameter, which saw the killed gateway's connection
# break, is in its REOPEN state (RFC 3539 3.4.1: three watchdog exchanges)
# for the first moments of the new connection, and a request that arrives
# then is handled but its answer dropped ("Unable to forward answer to
# deleted / closed peer"): the gateway's Tx timer runs out and the journal
# sends the same request again (T flag) 2 s later, as RFC 4006 5.1 wants.
# So the checks count the sends as the starts plus the Tx timeouts the
# gateway logged for that request (diam_one_request), not a fixed number.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"
source "$(dirname "$0")/diam_lib.sh"

# a long Tx timer: an answer late on a loaded machine would abandon the
# CCR-U (its usage then goes in the next report), which is not what is tested
DIAM_GY_EXTRA="    tx_timeout: 10s
    rating_group: 1
    apn: internet"
# the grant lines ("rg N granted ... in all") are at debug level: the
# request's line is a report cycle's one info line (gy_handler.c)
export AGW_LOG_LEVEL=debug
diam_gx_setup 13 gy
REC=$E2E_TMP/ocs.jsonl
diam_sim_start "$REC" -c "quota * rg=1 total=100000000 grant=4000 threshold=1000"

# what the OCS counted: the USUs of the requests neither duplicate nor left unanswered
counted() {
    diam_j "$REC" "sum(usu(m) for m in ccr('$IMSI') if not m.get('dup') and not m.get('silenced'))==$1"
}

diam_fault_start gy-u-committed
diam_ue_up 60
[ -n "$UE_IP" ] || not_ok "the UE attached"
# the receiver waits up to 10 s for the first datagram (it ends 2 s after
# the last): with 2 s it could give up before the sender's python started
# on a loaded machine, and the UE "received" 0 of what the gateway passed
a=$(diam_flow "$UE_IP" 3 1000 20 "" 10)
check "step 1: the CCR-U journalled and committed, xepc-agwd killed before it left" \
    diam_fault_killed gy-u-committed
check "  ... and the OCS got no CCR-U" test "$(diam_ccrs gy 2)" = 0

diam_fault_step "step 2: the CCR-U sent at the start (T flag, the same number), killed with its answer unhandled" \
    gy-u-received
diam_fault_step "step 3: sent again, its answer applied, killed before the commit" gy-u-applied
diam_fault_start ""
# answered: up to 30 s (an answer dropped as above comes after the 10 s Tx
# timer and the 2 s retry delay)
diam_journal_empty 300
check "after the restarts: the one CCR-U sent once per start (3) and again only after a Tx timeout, T flag, one number and End-to-End id; the OCS counted it once (the others duplicates answered alike)" \
    diam_one_request gy 2 3
# the grant of that CCR-U applied once: granted 3000 + 4000, the kernel's
# remainder 4000 (not 7000: the grant applied again on top of itself)
for _ in $(seq 100); do
    [ "$(grep -c "rg 1 granted 7000 in all" "$E2E_TMP/agwd.log")" -ge 2 ] && break
    sleep 0.1
done
check "the answer applied once: 7000 granted in all, 4000 left in the kernel (before and after the restart)" \
    test "$(grep -c "rg 1 granted 7000 in all, 4000 left in the kernel" "$E2E_TMP/agwd.log") $(grep -c "rg 1 granted 7000 in all, 7000 left" "$E2E_TMP/agwd.log")" = "2 0"
b=$(diam_flow "$UE_IP" 5 1000 20 "" 10)
diam_wait_ccrs gy 2 4

agw_stop TERM
n0=$(grep -c "set up on assoc" "$E2E_TMP/agwd.log")
diam_fault_start gy-t-committed
c=$(diam_flow "$UE_IP" 2 1000 20 "" 10)
# the eNB's S1 back (enbsim reconnects), for the UE's detach
diam_s1_back "$n0"
diam_ue_down
check "step 4: the CCR-T journalled and committed, killed before it left" diam_fault_killed gy-t-committed
diam_fault_step "step 5: the CCR-T sent at the start, killed with its answer unhandled" gy-t-received
diam_fault_step "step 6: sent again, its answer applied, killed before the commit" gy-t-applied
diam_fault_start ""
diam_journal_empty 300
check "the CCR-T: once per start (3) and again only after a Tx timeout, T flag, one number and End-to-End id; the OCS counted it once" \
    diam_one_request gy 3 3
check "the journal is empty: every request answered, nothing sent again" \
    test "$(sqlite3 "$AGW_DB" "SELECT COUNT(*) FROM ccr_journal")" = 0
total=0
for x in "$a" "$b" "$c"; do total=$((total + ${x#* })); done
diag "received: '$a' '$b' '$c' = $total bytes"
check "each byte counted once: the OCS counted $total bytes, what the UE received" counted "$total"
check "the UE received 3 + 5 + 2 datagrams" test "$a $b $c" = "3 3000 5 5000 2 2000"
agw_stop TERM
exit $((TAP_FAILED > 0))
