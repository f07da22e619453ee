#!/bin/bash
# enbsim stopped (SIGTERM, --detach) while its association to the gateway
# is down because xepc-agwd restarts: it must reconnect, detach its UEs
# and end, not wait for ever.  (Found in a full run: agw_bearer.sh hung
# when enbsim got its SIGTERM in the instant between the restart's ABORT
# and the new association.)  Then the other way round: the gateway never
# comes back, and enbsim still ends, its detaches counted as failed.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"

e2e_require
agw_require
trap e2e_cleanup EXIT
tap_plan 5

# enbsim_end PID SECS: waits for enbsim to end by itself, SECS at most;
# then kills it (status 124)
enbsim_end() {
    local i
    for i in $(seq $(($2 * 10))); do
        kill -0 "$1" 2>/dev/null || { wait "$1"; return $?; }
        sleep 0.1
    done
    kill -KILL "$1" 2>/dev/null
    wait "$1" 2>/dev/null
    return 124
}

e2e_topology || { not_ok "topology"; exit 1; }
agw_config
agw_subscribers 4 || not_ok "subscriber import"
agw_start || { not_ok "xepc-agwd start"; exit 1; }

# --- 1. stopped while the gateway restarts -------------------------------------
enbsim_bg "$E2E_TMP/s1.out" --ues 2 --no-tun --hold -1 --detach --timeout 10
agw_wait_stat attach_success 2 300 || diag "the 2 UEs did not attach"
agw_stop TERM
kill -TERM "$ENBSIM_PID"        # its association is down now
sleep 1
agw_start || { not_ok "xepc-agwd restart"; exit 1; }
enbsim_end "$ENBSIM_PID" 40
rc=$?
[ $rc = 0 ] && ok "enbsim ended by itself after the stop signal (rc 0)" || {
    not_ok "enbsim after the stop signal: rc $rc (124: it did not end in 40 s)"
    grep -v '_p[0-9]*_us' "$E2E_TMP/s1.out" | tail -20 | sed 's/^/# /'
}
[ "$(enbsim_val "$E2E_TMP/s1.out" detach_ok)" = 2 ] && [ "$(enbsim_val "$E2E_TMP/s1.out" s1_reconnects)" -ge 1 ] &&
    ok "it set S1 up again and both UEs detached" ||
    not_ok "detach_ok '$(enbsim_val "$E2E_TMP/s1.out" detach_ok)', s1_reconnects '$(enbsim_val "$E2E_TMP/s1.out" s1_reconnects)'"
registered() { "$XEPCCTL" ue list --socket "$AGW_SOCK" | grep -c ' registered '; }
for _ in $(seq 50); do [ "$(registered)" = 0 ] && break; sleep 0.1; done
[ "$(registered)" = 0 ] &&
    ok "the gateway has no registered UE left" ||
    not_ok "registered UEs left: $(registered)"

# --- 2. stopped while the gateway is gone for good ----------------------------
enbsim_bg "$E2E_TMP/s2.out" --ues 2 --no-tun --hold -1 --detach --timeout 3
# (the restarted daemon counts from 0)
agw_wait_stat attach_success 2 300 || diag "the 2 UEs did not attach"
agw_stop TERM
kill -TERM "$ENBSIM_PID"
enbsim_end "$ENBSIM_PID" 30
rc=$?
[ $rc != 124 ] && ok "with no gateway to come back to, enbsim ends within its timeout (rc $rc)" ||
    not_ok "enbsim did not end in 30 s with the gateway gone"
[ "$(enbsim_val "$E2E_TMP/s2.out" failed_cause | head -1)" != "" ] &&
    grep -q 'enb-not-back' "$E2E_TMP/s2.out" &&
    ok "its UEs' detaches are counted as failed (enb-not-back)" || {
    not_ok "enbsim's report"
    grep -v '_p[0-9]*_us' "$E2E_TMP/s2.out" | tail -20 | sed 's/^/# /'
}
[ $TAP_FAILED = 0 ]
