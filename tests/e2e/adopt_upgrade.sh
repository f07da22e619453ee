#!/bin/bash
# Hitless operation: with traffic flowing through an installed session
# (a UDP flow with sequence numbers uplink, a fast ping downlink), the
# datapath runs with no controlling process, a second `dp up` refuses to
# reset it, a new process adopts it (sessions and counters intact), and two
# upgrades (the programs built into xepcctl, then the objects in build/bpf)
# swap the programs behind the pinned links while keeping the maps.  Not a
# single packet may be lost.
source "$(dirname "$0")/lib.sh"
e2e_require
trap e2e_cleanup EXIT INT TERM
tap_plan 17
N_UDP=1500      # packets at 200/s: 7.5 s of traffic
N_PING=700      # at 100/s

check "topology: three namespaces, two veth links" e2e_topology
check "dp up in routed mode, tc_ue on the S1-U egress too" e2e_dp_up routed --ue-dev "$S_IF"
check "session add: UE 10.45.0.2" e2e_ue_session 2 0x301 0xb01
check "gtpu-ue up" e2e_gtpu_ue 2,0x301,0xb01

# A controlling process: follows the events, holds the ring buffers and
# the maps open (what xepc-agwd will be).
start_controller() {
    e2e_bg_xepcctl "$E2E_TMP/controller.log" events --error-indication --buffer
    CTRL=$BG_PID
    sleep 0.3
    kill -0 $CTRL
}
check "a controlling process runs (xepcctl events)" start_controller

ids() { xepcctl dp status | awk '/xdp_s1u|xdp_sgi|tc_ue/ { printf "%s:%s:%s ", $3, $5, $7 }'; }
IDS0=$(ids)
diag "before: device:prog:link = $IDS0"

# Receiver in the PDN namespace: counts distinct sequence numbers.
in_pdn timeout 30 $PY -c "
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
s.bind(('$PDN_ADDR', 5001))
s.settimeout(4.0)
seen = set()
try:
    while len(seen) < $N_UDP:
        d, _ = s.recvfrom(2048)
        seen.add(int(d[:8]))
except socket.timeout:
    pass
print(len(seen))
" >"$E2E_TMP/udp-rx.out" 2>&1 &
RX=$!
sleep 0.5
in_enb timeout 30 $PY -c "
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('10.45.0.2', 0))
t0 = time.monotonic()
for i in range($N_UDP):
    s.sendto(b'%08d' % i + b'x' * 200, ('$PDN_ADDR', 5001))
    d = t0 + (i + 1) / 200.0 - time.monotonic()
    if d > 0:
        time.sleep(d)
" >"$E2E_TMP/udp-tx.out" 2>&1 &
TX=$!
in_pdn ping -q -c $N_PING -i 0.01 -W 2 10.45.0.2 >"$E2E_TMP/ping.out" 2>&1 &
PING=$!
sleep 1

stop_controller() {
    kill -TERM $CTRL && wait $CTRL
    ! kill -0 $CTRL 2>/dev/null
}
check "the controlling process exits while traffic flows" stop_controller

# Nothing holds the datapath now but bpffs; the counters must still grow.
forwarding_alone() {
    local a b
    a=$(e2e_stat UL_FWD)
    sleep 1
    b=$(e2e_stat UL_FWD)
    diag "UL_FWD $a -> $b in 1 s"
    [ $((b - a)) -ge 100 ]
}
check "traffic flows with no controlling process (UL_FWD grows)" forwarding_alone
refuse_reset() {
    ! e2e_dp_up routed 2>"$E2E_TMP/up2.err" && grep -q 'already pinned' "$E2E_TMP/up2.err"
}
check "a second dp up refuses to reset the pinned datapath" refuse_reset
adopted() {
    xepcctl session list >"$E2E_TMP/list" || return 1
    cat "$E2E_TMP/list"
    grep -q '0x00000301  10.45.0.2 .*172.16.1.2/0x00000b01' "$E2E_TMP/list"
}
check "a new process adopts it: the session is still there, counting" adopted
check "a new controlling process starts on the pinned datapath" start_controller
sleep 1
check "dp upgrade (programs built into xepcctl) while traffic flows" xepcctl dp upgrade
IDS1=$(ids)
sleep 1
check "dp upgrade --bpf-dir build/bpf while traffic flows" \
    xepcctl dp upgrade --bpf-dir "$E2E_ROOT/build/bpf"
IDS2=$(ids)
diag "after 1st upgrade: $IDS1"
diag "after 2nd upgrade: $IDS2"
swapped() {
    # Same links (ids), new programs each time.
    local a b c
    a=$(echo "$IDS0" | tr ' ' '\n' | cut -d: -f1,3 | sort)
    b=$(echo "$IDS1" | tr ' ' '\n' | cut -d: -f1,3 | sort)
    c=$(echo "$IDS2" | tr ' ' '\n' | cut -d: -f1,3 | sort)
    [ -n "$a" ] && [ "$a" = "$b" ] && [ "$b" = "$c" ] &&
        [ "$IDS0" != "$IDS1" ] && [ "$IDS1" != "$IDS2" ]
}
check "the links stayed, their programs were replaced" swapped

wait $TX
wait $RX
wait $PING
got=$(tail -n1 "$E2E_TMP/udp-rx.out")
diag "UDP uplink: $got of $N_UDP received"
diag "ping downlink: $(grep 'packets transmitted' "$E2E_TMP/ping.out")"
check "no UDP packet lost uplink across adoption and two upgrades" [ "$got" = "$N_UDP" ]
check "no ping lost downlink across adoption and two upgrades" \
    grep -q "$N_PING packets transmitted, $N_PING received, 0% packet loss" "$E2E_TMP/ping.out"
usage_kept() {
    local ul
    ul=$(xepcctl session show --teid 0x301 | awk '/^usage/ { print $5 }')
    diag "session uplink packets: $ul"
    [ "$ul" -ge "$N_UDP" ]
}
check "usage counters kept across the upgrades" usage_kept
check "dp down" bash -c "kill -TERM $CTRL; wait $CTRL 2>/dev/null; \
    ip netns exec $NS_GW $XEPCCTL dp down --pin-dir $PIN"
[ $TAP_FAILED = 0 ]
