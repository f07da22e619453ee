#!/bin/bash
# The charging map full (docs/agw.md datapath.max_charging, docs/charging.md
# "Gy in xepc-agwd"): diamsim is the OCS.  A Gy session takes two charging
# slots (its rating group's and the default one; slot 0 is never used), so
# with max_charging 5 two of three UEs get their Gy sessions and the third
# one's datapath session is refused: a clear error in the log, the counter
# dp_charging_full, that UE's attach fails while the two others are
# served.  Once they left, a UE attaches again; dp check finds no leak.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"
source "$(dirname "$0")/diam_lib.sh"

DIAM_GY_EXTRA="    tx_timeout: 2s
    rating_group: 1
    apn: internet"
DIAM_SUBS=3
diam_gx_setup 6 gy
sed -i 's/^  max_sessions: 4096$/  max_sessions: 4096\n  max_charging: 5/' "$AGW_CONF"
check "xepcctl config check accepts datapath.max_charging" "$XEPCCTL" config check "$AGW_CONF"

diam_sim_start "$E2E_TMP/ocs.jsonl" -c "quota * rg=1 total=100000000"
agw_start || { not_ok "xepc-agwd start"; exit 1; }
diam_peer_up

# three UEs at once (one enbsim: usrsctp stacks in one namespace would
# abort each other's associations), held until each attached or failed
enbsim_bg "$E2E_TMP/three.out" --ues 3 --no-tun --hold -1 --detach --timeout 30 \
    --ready-file "$E2E_TMP/three.ready"
THREE=$ENBSIM_PID
for _ in $(seq 400); do [ -s "$E2E_TMP/three.ready" ] && break; sleep 0.1; done
n=$(agwctl ue list | grep -c "registered .* 10\.45\.")
[ "$n" = 2 ] && ok "of three UEs with Gy, two got their sessions (4 of the 5 charging slots: slot 0 is never used)" ||
    { not_ok "three UEs: $n served, wanted 2"; agwctl ue list | sed 's/^/# /'; }
[ "$(agw_stat dp_charging_full)" -ge 1 ] &&
    grep -q "no 2 free contiguous charging slots (of 5): the charging map is full" "$E2E_TMP/agwd.log" &&
    ok "the third one's datapath session refused: counter dp_charging_full $(agw_stat dp_charging_full), the error says why" ||
    { not_ok "dp_charging_full '$(agw_stat dp_charging_full)'"; grep -i "charging\|datapath session" "$E2E_TMP/agwd.log" | tail -3 | sed 's/^/# /'; }
kill -TERM "$THREE"
wait "$THREE"
rc=$?
[ $rc != 0 ] && [ "$(enbsim_val "$E2E_TMP/three.out" attach_failed)" = 1 ] &&
    ok "enbsim: one attach failed (rc $rc), the two others detached" ||
    { not_ok "enbsim rc $rc, attach_failed '$(enbsim_val "$E2E_TMP/three.out" attach_failed)'"; grep -v "_p[0-9]*_us" "$E2E_TMP/three.out" | tail -n 8 | sed 's/^/# /'; }

# their slots are free again
enbsim_run "$E2E_TMP/again.out" --ues 1 --no-tun --hold 1 --detach --timeout 30
rc=$?
[ $rc = 0 ] && ok "once they left, a UE attaches with its Gy session" ||
    { not_ok "again: rc $rc"; grep -v "_p[0-9]*_us" "$E2E_TMP/again.out" | tail -n 5 | sed 's/^/# /'; }
agw_stop TERM
check "no charging slot leaked (dp check)" ip netns exec "$NS_GW" "$XEPCCTL" dp check --pin-dir "$PIN"
exit $((TAP_FAILED > 0))
