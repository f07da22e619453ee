#!/bin/bash
# xepc-agwd with enbsim's idle-mode side (issue 12): what the daemon in
# main answers today.  The eNB releases attached UEs on inactivity (UE
# Context Release Request, both radio network causes) and the UEs are
# ECM-IDLE, registered, their sessions kept; an eNB resets its whole S1
# interface (Reset -> Reset Acknowledge) and its UEs are idle too; idle
# UEs detach through new S1 connections.  The Service Request, paging,
# TAU and handover checks join as the daemon's side of each lands.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"

e2e_require
agw_require
trap e2e_cleanup EXIT
tap_plan 8

e2e_topology || { not_ok "topology"; exit 1; }
agw_config
agw_subscribers 4 || not_ok "subscriber import"
agw_start || { not_ok "xepc-agwd start"; exit 1; }

# --- 1. release on inactivity: user-inactivity, then radio loss -------------
enbsim_bg "$E2E_TMP/i1.out" --ues 2 --no-tun --idle-after 0.2 --hold -1 --detach --timeout 10
agw_wait_stat ue_context_release 2 100
check "the gateway released both UEs the eNB asked it to (user inactivity)" \
    bash -c "[ \$($XEPCCTL agw stats --socket $AGW_SOCK | awk '\$1==\"ue_context_release\"{print \$2}') -ge 2 ]"
check "the released UEs stay registered (ECM-IDLE, not detached)" \
    bash -c "[ \$($XEPCCTL ue list --socket $AGW_SOCK | grep -c ' registered ') = 2 ]"
kill -TERM "$ENBSIM_PID"
wait "$ENBSIM_PID"
rc=$?
[ $rc = 0 ] && [ "$(enbsim_val "$E2E_TMP/i1.out" idle_ok)" = 2 ] &&
    [ "$(enbsim_val "$E2E_TMP/i1.out" detach_ok)" = 2 ] &&
    ok "enbsim: 2 releases to ECM-IDLE, then 2 detaches from ECM-IDLE" || {
    not_ok "idle release and detach from idle (enbsim rc $rc)"
    grep -v '_p[0-9]*_us' "$E2E_TMP/i1.out" | tail -25 | sed 's/^/# /'
    tail -20 "$E2E_TMP/agwd.log" | sed 's/^/# /'
}

enbsim_run "$E2E_TMP/i2.out" --ues 2 --no-tun --idle-after 0 --release-cause radio-loss \
    --hold 0.5 --detach --timeout 10
rc=$?
[ $rc = 0 ] && [ "$(enbsim_val "$E2E_TMP/i2.out" idle_ok)" = 2 ] &&
    ok "release with cause radio-connection-with-UE-lost answered" || {
    not_ok "radio-loss release (enbsim rc $rc)"
    grep -v '_p[0-9]*_us' "$E2E_TMP/i2.out" | tail -20 | sed 's/^/# /'
}

# --- 2. the eNB resets its S1 interface -------------------------------------
enbsim_run "$E2E_TMP/r1.out" --ues 2 --no-tun --reset-after 0.5 --hold 1.5 --detach --timeout 10
rc=$?
[ $rc = 0 ] && [ "$(enbsim_val "$E2E_TMP/r1.out" reset_ok)" = 1 ] &&
    ok "S1 Reset (whole interface) acknowledged by the gateway" || {
    not_ok "eNB reset (enbsim rc $rc)"
    grep -v '_p[0-9]*_us' "$E2E_TMP/r1.out" | tail -20 | sed 's/^/# /'
    tail -20 "$E2E_TMP/agwd.log" | sed 's/^/# /'
}
[ "$(enbsim_val "$E2E_TMP/r1.out" detach_ok)" = 2 ] &&
    ok "after the reset the UEs detach from ECM-IDLE" ||
    not_ok "detach after reset: $(enbsim_val "$E2E_TMP/r1.out" detach_ok)"
check "no UE left registered" \
    bash -c "! $XEPCCTL ue list --socket $AGW_SOCK | grep -q ' registered '"
check "the gateway answered no eNB message with an Error Indication" \
    bash -c "[ \$($XEPCCTL agw stats --socket $AGW_SOCK | awk '\$1==\"s1ap_unexpected\"{print \$2}') = 0 ]"
