#!/bin/bash
# A Gx CCA-U with a failure result (docs/charging.md "Failure handling for
# Gx"), diamsim as the PCRF.  The CCA-I arms QOS_CHANGE (5.3.7); `xepcctl
# ue qos` changes the UE's APN-AMBR, so a CCR-U reports it, and diamsim
# answers that CCR-U with:
#   5002 DIAMETER_UNKNOWN_SESSION_ID: the PCRF has no IP-CAN session: the
#        PDN connection (the UE's last) is released, the UE detached, and
#        no CCR-T goes to the PCRF that does not know the session;
#   5012 DIAMETER_UNABLE_TO_COMPLY (a permanent failure, RFC 4006 7): the
#        same, with the CCR-T;
#   4001 (transient) with the default failure_handling terminate: the
#        failure handling, TERMINATE: the UE detached, the CCR-T sent.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"
source "$(dirname "$0")/diam_lib.sh"

DIAM_GX_EXTRA="    tx_timeout: 2s"
diam_gx_setup 7 gx
REC=$E2E_TMP/pcrf.jsonl
agw_start || { not_ok "xepc-agwd start"; exit 1; }

# ccau CODE [exp]: diamsim answers the CCR-U with CODE; one UE attaches and
# its APN-AMBR is changed; waits for the CCR-U and a detach (or 10 s)
ccau() {
    diam_sim_stop
    sleep 0.5
    DIAM_REC=$REC.$1
    diam_sim_start "$DIAM_REC" -c "trigger 1" -c "error gx $1 $2 type=2"
    diam_peer_up
    MARK=$(wc -l <"$E2E_TMP/agwd.log")
    enbsim_bg "$E2E_TMP/e$1.out" --ues 1 --no-tun --hold -1 --timeout 60
    EV=$ENBSIM_PID
    diam_gx_wait "len(ccri)==1" 200
    for _ in $(seq 100); do agwctl ue show "$IMSI" 2>/dev/null | grep -q "^pdn ebi 5 .* state active" && break; sleep 0.1; done
    agwctl ue qos "$IMSI" 5 --apn-ambr 10Mbps/10Mbps >"$E2E_TMP/qos.out" 2>&1 || diag "ue qos failed: $(cat "$E2E_TMP/qos.out")"
    diam_gx_wait "len(ccru)==1" 200
    for _ in $(seq 100); do since | grep -q "network detach started" && break; sleep 0.1; done
    # a CCR-T would leave at the detach; 3 s for one that should not
    sleep 3
    kill -TERM "$EV" 2>/dev/null
    wait "$EV" 2>/dev/null
}
since() { tail -n +"$MARK" "$E2E_TMP/agwd.log"; }
released() {
    since | grep -q "the PCRF failed a CCR-U of EBI 5 ($1): detach (last PDN connection)" &&
        since | grep -q "network detach started"
}

ccau 5002
check "CCA-U 5002 DIAMETER_UNKNOWN_SESSION_ID: the PDN connection released (the UE's last: detached)" released "Result-Code 5002"
no_ccrt() { diam_gx_j "len(ccru)==1 and len(ccrt)==0" && [ "$(sqlite3 "$AGW_DB" "SELECT count(*) FROM gx_session")" = 0 ]; }
check "  ... no CCR-T for the session the PCRF does not know, its Gx session gone" no_ccrt
ccau 5012
check "CCA-U 5012 DIAMETER_UNABLE_TO_COMPLY (permanent): the PDN connection released" released "Result-Code 5012"
check "  ... with the CCR-T of its session" diam_gx_j "len(ccru)==1 and len(ccrt)==1 and ccrt[0]['sid']==ccru[0]['sid']"
check "both counted: gx_pdn_released 2" test "$(agw_stat gx_pdn_released)" = 2
ccau 4001
terminated() { since | grep -q "CCR-U answered 4001: TERMINATE" && since | grep -q "network detach started" && diam_gx_j "len(ccrt)==1"; }
check "CCA-U 4001 (transient), failure_handling terminate: TERMINATE, the UE detached, the CCR-T sent" terminated
check "the transient failure is not counted as a release (gx_pdn_released 2, gx_ccfh_terminate 1)" \
    test "$(agw_stat gx_pdn_released) $(agw_stat gx_ccfh_terminate)" = "2 1"
agw_stop TERM
exit $((TAP_FAILED > 0))
