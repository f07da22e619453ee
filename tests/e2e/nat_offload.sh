#!/bin/bash
# Issue 13, section 6: NAT mode and receive offloads.  What GRO aggregates on
# SGi reaches tc_ue as one skb for many TCP segments, which it cannot
# encapsulate (drop reason GSO): a TCP download through the gateway then
# loses most of its packets.  dp up --mode nat refuses while GRO (or LRO,
# hardware GRO) is on on --sgi and says the ethtool command; with it off it
# comes up.  The collapse itself is shown by turning GRO on behind dp up's
# back.
source "$(dirname "$0")/lib.sh"
e2e_require
trap e2e_cleanup EXIT INT TERM
tap_plan 8

check "topology" e2e_topology
check "NAT: masquerade on SGi, UE pool via the eNB" e2e_nat_setup
in_gw ethtool -K "$G_IF" gro on
refused() {
    ! e2e_dp_up nat >"$E2E_TMP/up.out" 2>&1 || return 1
    cat "$E2E_TMP/up.out"
    grep -q "NAT mode: rx-gro is on on $G_IF (SGi)" "$E2E_TMP/up.out" &&
        grep -q "ethtool -K $G_IF gro off" "$E2E_TMP/up.out"
}
check "dp up --mode nat refuses with GRO on on SGi, naming the fix" refused
check "nothing was left pinned" bash -c "! ip netns exec $NS_GW $XEPCCTL dp status --pin-dir $PIN >/dev/null 2>&1"
in_gw ethtool -K "$G_IF" gro off
check "with GRO off it comes up" e2e_dp_up nat
check "a session for UE 10.45.0.2" e2e_ue_session 2 0x201 0xa01
check "gtpu-ue up" e2e_gtpu_ue 2,0x201,0xa01
ip netns exec "$NS_PDN" iperf3 -s -1 -B $PDN_ADDR >/dev/null 2>&1 &
echo $! >"$E2E_TMP/iperf3.pid"
sleep 0.5
# GRO on behind dp up's back: a download (iperf3 -R) through tc_ue
in_gw ethtool -K "$G_IF" gro on
in_enb timeout 15 iperf3 -c $PDN_ADDR -B 10.45.0.2 -R -t 2 -J >"$E2E_TMP/iperf.json" 2>&1
in_gw ethtool -K "$G_IF" gro off
gso=$(xepcctl stats | awk '$1 == "GSO" {print $2}')
diag "with GRO on: tc_ue dropped ${gso:-0} aggregated packets (GSO)"
check "why: with GRO on, tc_ue drops what GRO aggregated (GSO > 0)" test "${gso:-0}" -gt 0
[ $TAP_FAILED = 0 ]
