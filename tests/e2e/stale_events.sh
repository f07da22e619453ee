#!/bin/bash
# Issue 8, item 1, for events: a downlink-data (paging) event that waits in
# the ring while its session is deleted and the session id reused by
# another UE must not reach the follower as the new session's: it is
# dropped and counted (events-dropped-stale).
source "$(dirname "$0")/lib.sh"
e2e_require
trap e2e_cleanup EXIT INT TERM
tap_plan 6

check "topology" e2e_topology
check "dp up" e2e_dp_up routed
check "an idle session (no tunnel) for UE 10.45.0.9" xepcctl session add --teid 0x101 --ue 10.45.0.9
# downlink for the idle UE: the datapath raises a downlink-data event,
# which stays in the ring (no follower yet)
in_pdn ping -c 2 -i 0.2 -W 1 10.45.0.9 >/dev/null 2>&1
check "the session is deleted and its id given to UE 10.45.0.10" \
    bash -c "$XEPCCTL session del --teid 0x101 --pin-dir $PIN >/dev/null &&
             ip netns exec $NS_GW $XEPCCTL session add --teid 0x101 --ue 10.45.0.10 --enb $ENB_ADDR --dl-teid 0xc01 --pin-dir $PIN"
ip netns exec "$NS_GW" "$XEPCCTL" events --timeout 1 --pin-dir "$PIN" >"$E2E_TMP/ev.out" 2>&1
sed 's/^/#   /' "$E2E_TMP/ev.out" | head -n 6
check "the stale downlink-data event is dropped and counted" grep -q "events-dropped-stale" "$E2E_TMP/ev.out"
check "no downlink-data event reaches the follower for the new session" \
    bash -c "! grep -qiE '^(ddn|downlink)' $E2E_TMP/ev.out"
[ $TAP_FAILED = 0 ]
