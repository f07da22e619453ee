#!/bin/bash
# Crash-safe Gx usage monitoring reports (docs/charging.md "Crash-safe usage
# reports", TS 29.212 4.5.17): diamsim as the PCRF grants 2000 bytes to the
# session-level key mk1; xepc-agwd is killed (SIGKILL, XEPC_AGW_FAULT,
# docs/agw.md) at each step of the CCR-U that reports the grant used and
# of the CCR-T of the UE's detach, and started again:
#   gx-u-committed  the CCR-U journalled and committed, not sent
#   gx-u-received   its answer arrived, not handled
#   gx-u-applied    its answer handled (mk1's base moved), not committed
#   gx-t-committed, gx-t-received, gx-t-applied: the same for the CCR-T
# After each, the next start sends the request again as it was (T flag,
# same CC-Request-Number); diamsim answers one it had answered as a
# duplicate ("dup") without counting it.  mk1's usage in the requests the
# PCRF counted adds up to the bytes the UE received, each byte once.
# A start may send the CCR-T once more: diamsim's freeDiameter is in its
# REOPEN state (RFC 3539 3.4.1) for the first moments of the new
# connection after the killed gateway's broke, and drops the answer of a
# request that arrives then; the gateway's Tx timer runs out and the
# journal sends the same request again (T flag) 2 s later.  So the CCR-T's
# sends are counted as the starts plus the Tx timeouts the gateway logged
# for it (diam_one_request, agw_gy_crash.sh).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"
source "$(dirname "$0")/diam_lib.sh"

# a long Tx timer: an answer late on a loaded machine would abandon the
# CCR-U (its usage then goes in the next report), which is not what is tested
DIAM_GX_EXTRA="    tx_timeout: 10s"
diam_gx_setup 12 gx
REC=$E2E_TMP/pcrf.jsonl
diam_sim_start "$REC" -c "monitor key=mk1 bytes=2000"

# mk1's usage in the Gx CCRs the PCRF counted (neither duplicate nor unanswered)
counted() {
    diam_gx_j "sum(x['usu']['total'] for m in gx if m.get('cmd')=='CCR' and not m.get('dup')
                   and not m.get('silenced') for x in m.get('monitors',[]) if x['key']=='mk1')==$1"
}

diam_fault_start gx-u-committed
diam_ue_up 60
[ -n "$UE_IP" ] || not_ok "the UE attached"
for _ in $(seq 100); do grep -q "monitoring key mk1: 2000 bytes granted" "$E2E_TMP/agwd.log" && break; sleep 0.1; done
# the receiver waits up to 10 s for the first datagram (it ends 2 s after
# the last): with 2 s it could give up before the sender's python started
# on a loaded machine, and the UE "received" 0 of what the gateway passed
a=$(diam_flow "$UE_IP" 3 1000 20 "" 10)
check "step 1: mk1's CCR-U journalled and committed, xepc-agwd killed before it left" \
    diam_fault_killed gx-u-committed
check "  ... and the PCRF got no CCR-U" test "$(diam_ccrs gx 2)" = 0
diam_fault_step "step 2: the CCR-U sent at the start (T flag), killed with its answer unhandled" gx-u-received
diam_fault_step "step 3: sent again, its answer applied, killed before the commit" gx-u-applied
diam_fault_start ""
diam_wait_ccrs gx 2 3
check "the one CCR-U sent 3 times, the PCRF counted it once (2 duplicates answered alike)" \
    diam_gx_j "[(m.get('retransmit',False),bool(m.get('dup')),m['cc_number']) for m in ccru]==
               [(True,False,1),(True,True,1),(True,True,1)]"

agw_stop TERM
n0=$(grep -c "set up on assoc" "$E2E_TMP/agwd.log")
diam_fault_start gx-t-committed
b=$(diam_flow "$UE_IP" 2 1000 20 "" 10)
diam_s1_back "$n0"
diam_ue_down
check "step 4: the CCR-T journalled and committed, killed before it left" diam_fault_killed gx-t-committed
diam_fault_step "step 5: the CCR-T sent at the start, killed with its answer unhandled" gx-t-received
diam_fault_step "step 6: sent again, its answer applied, killed before the commit" gx-t-applied
diam_fault_start ""
# answered: up to 30 s (an answer dropped as above comes after the 10 s Tx
# timer and the 2 s retry delay)
diam_journal_empty 300
check "the CCR-T: once per start (3) and again only after a Tx timeout, T flag, one number and End-to-End id; the PCRF counted it once" \
    diam_one_request gx 3 3
check "the journal is empty: every request answered" \
    test "$(sqlite3 "$AGW_DB" "SELECT COUNT(*) FROM ccr_journal")" = 0
diag "received: '$a' '$b'"
check "the UE received 3 + 2 datagrams" test "$a $b" = "3 3000 2 2000"
check "each byte counted once: mk1's usage the PCRF counted is the 5000 bytes the UE received" \
    counted 5000
agw_stop TERM
exit $((TAP_FAILED > 0))
