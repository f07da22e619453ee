#!/bin/bash
# GTP-U path management (TS 29.281 7.2.2, 4.4.2.1): an Echo Response counts
# only when it comes from port 2152 of a known peer with the sequence number
# of our request.  A "response" from another port, with the right sequence
# number (scapy answers what it sniffed), must not bring the path up; the
# same response from port 2152 must (so the test can tell the two apart).
source "$(dirname "$0")/lib.sh"
e2e_require
trap e2e_cleanup EXIT INT TERM
tap_plan 6

check "topology" e2e_topology
check "dp up" e2e_dp_up routed
check "a session whose tunnel goes to the eNB" e2e_ue_session 2 0x301 0xb01

# path_run SPORT: follow the events with path management for 8 s while the
# probe answers three Echo Requests from SPORT; the events' output in $out
# (the probe first: the follower's 8 s start once it captures; scapy sends
# each answer from a new socket, which takes a second on a loaded machine)
path_run() {
    out=$E2E_TMP/path-$1.out
    in_enb $PY "$E2E_ROOT/tests/e2e/gtpu_probe.py" echo-answer "$E_IF" $ENB_ADDR $S1U_ADDR "$1" 3 \
        >"$E2E_TMP/probe-$1.out" 2>&1 &
    local probe=$!
    for _ in $(seq 300); do
        grep -q sniffing "$E2E_TMP/probe-$1.out" && break
        sleep 0.1
    done
    ip netns exec "$NS_GW" "$XEPCCTL" events --echo-interval 0.3 --echo-misses 100 --timeout 8 \
        --pin-dir "$PIN" >"$out" 2>&1
    wait $probe
    sed 's/^/#   /' "$out" | head -n 8
}

path_run 2153
check "the probe answered from port 2153" grep -q "answered 3" "$E2E_TMP/probe-2153.out"
check "responses from port 2153 are ignored and counted; the path does not come up" \
    bash -c "grep -q 'path-rx-ignored' $out && ! grep -qE '^path-up +enb=$ENB_ADDR' $out"
path_run 2152
check "the same responses from port 2152 bring the path up" grep -qE "^path-up +enb=$ENB_ADDR" "$out"
[ $TAP_FAILED = 0 ]
