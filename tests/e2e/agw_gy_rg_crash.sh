#!/bin/bash
# Crash safety with two rating groups (docs/charging.md "Rating groups",
# "Crash-safe usage reports", "Gx and Gy on one session"): diamsim is the
# PCRF (a PCC rule of rating group 20, charged online: UDP from the PDN's
# port 7000) and the OCS (grants of 4000 bytes for the catch-all rating
# group 1 and for 20).  xepc-agwd is killed (SIGKILL, XEPC_AGW_FAULT):
#   policy-switched  at the second policy rebuild (a Gx RAR installing
#                    another rule), right after the map update that
#                    switched the session to its new charging slots and
#                    before the loop iteration's commit: the bytes both
#                    rating groups counted before survive in the kernel
#                    (dp_quota_spec.keep), nothing of them is lost
#   gy-t-committed, gy-t-received, gy-t-applied: the CCR-T of the UE's
#                    detach, with one MSCC per rating group, journalled,
#                    sent again after each restart (T flag), counted once
# The OCS counts each rating group's bytes once: what the datapath forwarded.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"
source "$(dirname "$0")/diam_lib.sh"

DIAM_GY_EXTRA="    tx_timeout: 10s
    rating_group: 1"
# the grant lines ("rg N granted ... in all") are at debug level: the
# request's line is a report cycle's one info line (gy_handler.c)
export AGW_LOG_LEVEL=debug
diam_gx_setup 10 gx gy
REC=$E2E_TMP/ocs.jsonl
diam_sim_start "$REC" \
    -c "rule * def=rg20 prec=10 rg=20 online=1 flow=\"permit out 17 from $PDN_ADDR 7000 to assigned\"" \
    -c "rule none def=drop7001 prec=11 status=3 flow=\"permit out 17 from $PDN_ADDR 7001 to assigned\"" \
    -c "quota * rg=1 total=100000000 grant=4000 threshold=1000" \
    -c "quota * rg=20 total=100000000 grant=4000 threshold=1000" \
    -c "rar after=25 gx $IMSI install=drop7001"

# counted RG BYTES: the OCS counted BYTES of rating group RG (requests
# neither duplicate nor left unanswered)
counted() {
    diam_j "$REC" "sum(x.get('usu',{}).get('total',0) for m in ccr('$IMSI') if not m.get('dup') and not m.get('silenced') for x in m['mscc'] if x['rg']==$1)==$2"
}

# the first rebuild is the CCA-I's rule, the second the RAR's
diam_fault_start policy-switched:2
diam_peer_up
diam_ue_up 60
check "the UE attached ($UE_IP)" test -n "$UE_IP"
for _ in $(seq 200); do grep -q "rg 20 granted 4000 in all" "$E2E_TMP/agwd.log" && break; sleep 0.1; done
a1=$(diam_flow "$UE_IP" 2 1000 50)
a20=$(diam_flow "$UE_IP" 2 1000 50 7000)
# the RAR comes 25 s after the Gx CCR-I: up to 60 s for it on a loaded machine
for _ in $(seq 600); do kill -0 "$AGW_PID" 2>/dev/null || break; sleep 0.1; done
check "the RAR's policy rebuild: killed right after the switch (25 s after the Gx CCR-I)" \
    diam_fault_killed policy-switched
diam_fault_start ""
diam_peer_up
for _ in $(seq 300); do grep -q "set up on assoc" "$E2E_TMP/agwd.log" && break; sleep 0.1; done
# each group's slot goes on from before the switch: its counter has the
# 2 datagrams of before (a new slot would start at 0)
kept() {
    in_gw "$XEPCCTL" session show --ue "$UE_IP" --pin-dir "$PIN" >"$E2E_TMP/show.txt" 2>&1
    grep -E "^rg" "$E2E_TMP/show.txt" | sed 's/^/# after the restart: /'
    [ "$(grep -cE '^rg (1|20) +usage ul 0 bytes 0 pkts, dl 2000 bytes 2 pkts' "$E2E_TMP/show.txt")" = 2 ]
}
check "after the restart the kernel's counters of rating groups 1 and 20 still hold the 2000 bytes of before the switch" kept
b1=$(diam_flow "$UE_IP" 1 1000 50)
b20=$(diam_flow "$UE_IP" 1 1000 50 7000)
diag "received: before the switch rating group 1 '$a1', 20 '$a20'; after the restart '$b1', '$b20'"

n0=$(grep -c "set up on assoc" "$E2E_TMP/agwd.log")
agw_stop TERM
diam_fault_start gy-t-committed
diam_peer_up
for _ in $(seq 300); do [ "$(grep -c "set up on assoc" "$E2E_TMP/agwd.log")" -gt "$n0" ] && break; sleep 0.1; done
diam_ue_down
check "the CCR-T (two MSCCs) journalled and committed, killed before it left" diam_fault_killed gy-t-committed
diam_fault_start gy-t-received
diam_peer_up
check "the CCR-T sent at the start, killed with its answer unhandled" diam_fault_killed gy-t-received
diam_fault_start gy-t-applied
diam_peer_up
check "sent again, its answer applied, killed before the commit" diam_fault_killed gy-t-applied
diam_fault_start ""
diam_peer_up
for _ in $(seq 100); do
    [ "$(sqlite3 "$AGW_DB" "SELECT COUNT(*) FROM ccr_journal")" = 0 ] && break
    sleep 0.1
done
check "the CCR-T: rating groups 1 and 20 with FINAL, sent 3 times, counted once" \
    diam_j "$REC" "[(sorted((x['rg'],x.get('reason')) for x in m['mscc']),bool(m.get('dup'))) for m in ccr('$IMSI') if m['cc_type']==3]==[([(1,2),(20,2)],False),([(1,2),(20,2)],True),([(1,2),(20,2)],True)]"
check "the journal is empty, no rating group row left" \
    test "$(sqlite3 "$AGW_DB" "SELECT (SELECT COUNT(*) FROM ccr_journal) + (SELECT COUNT(*) FROM gy_rg)")" = 0
# the datapath charges a datagram when it forwards it toward the eNB: the
# 3 sent of each group (within the grants), whatever the UE's side did
check "rating group 1: the OCS counted the 3000 bytes sent, each once (the bytes before the switch too)" counted 1 3000
check "rating group 20: the OCS counted the 3000 bytes sent, each once (the bytes before the switch too)" counted 20 3000
agw_stop TERM
exit $((TAP_FAILED > 0))
