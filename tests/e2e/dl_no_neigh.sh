#!/bin/bash
# Issue 13, section 6 (the kernel fallback path): a downlink packet whose
# eNB has no neighbour entry yet was handed up the stack encapsulated, as
# if received on SGi — a G-PDU from our own S1-U address, which the kernel
# drops as a martian (and on a VLAN SGi it arrived on the parent device).
# Nothing reached the eNB and the neighbour was never resolved.  Now the
# follower sends it through its socket: tshark at the eNB sees the G-PDUs,
# and the kernel resolved the neighbour, so the next packets take XDP.
source "$(dirname "$0")/lib.sh"
e2e_require
trap e2e_cleanup EXIT INT TERM
tap_plan 6

check "topology" e2e_topology
check "dp up" e2e_dp_up routed
# an eNB address the gateway has never talked to, so that it surely has no
# neighbour entry (deleting the entry of $ENB_ADDR races with the eNB's own
# ARP, which recreates it)
ENB2=172.16.1.3
in_enb ip addr add $ENB2/24 dev "$E_IF"
check "a session for UE 10.45.0.2 whose eNB is $ENB2" \
    xepcctl session add --teid 0x201 --ue 10.45.0.2 --enb $ENB2 --dl-teid 0xa01
# (the capture's marker is a ping to $ENB_ADDR: no neighbour entry for $ENB2)
ip netns exec "$NS_ENB" timeout 60 tshark -q -i "$E_IF" -f "udp port 2152 or ($E2E_S1_MARK)" \
    -w "$E2E_TMP/enb.pcapng" >"$E2E_TMP/tshark.log" 2>&1 &
echo $! >"$E2E_TMP/tshark.pid"
e2e_wait_capturing "$E2E_TMP/tshark.log" && e2e_capture_marked "$E2E_TMP/enb.pcapng" ||
    diag "the capture shows no marker after 30 s"
ip netns exec "$NS_GW" "$XEPCCTL" events --error-indication --timeout 3 --pin-dir "$PIN" \
    >"$E2E_TMP/ev.out" 2>&1 &
echo $! >"$E2E_TMP/follower.pid"
sleep 0.5
in_pdn ping -c 4 -i 0.3 -W 1 10.45.0.2 >/dev/null 2>&1
wait "$(cat "$E2E_TMP/follower.pid")"
rm -f "$E2E_TMP/follower.pid"
sleep 0.5
kill "$(cat "$E2E_TMP/tshark.pid")" 2>/dev/null
wait "$(cat "$E2E_TMP/tshark.pid")" 2>/dev/null
rm -f "$E2E_TMP/tshark.pid"
sed 's/^/#   /' "$E2E_TMP/ev.out"
xepcctl stats >"$E2E_TMP/stats"
grep -E "^DL_(NO_NEIGH_PASS|FWD) " "$E2E_TMP/stats" | sed 's/^/# /'
n=$(tshark -r "$E2E_TMP/enb.pcapng" -d udp.port==2152,gtp \
    -Y "gtp.teid == 0xa01 && icmp.type == 8 && ip.dst == 10.45.0.2" 2>/dev/null | wc -l)
diag "echo requests in TEID 0xa01 at the eNB: $n of 4"
check "the first packet (no neighbour) went through the stack, counted" \
    bash -c "awk '\$1 == \"DL_NO_NEIGH_PASS\" && \$2 >= 1 {ok = 1} END {exit !ok}' $E2E_TMP/stats"
check "every echo request reached the eNB in the UE's tunnel" test "$n" = 4
check "the neighbour got resolved: later packets took the XDP path (DL_FWD)" \
    bash -c "awk '\$1 == \"DL_FWD\" && \$2 >= 1 {ok = 1} END {exit !ok}' $E2E_TMP/stats"
[ $TAP_FAILED = 0 ]
