#!/bin/bash
# Issue 13, section 4: GTP-U over IPv6 on S1-U (routed mode).  The eNB side
# gets IPv6 (2001:db8:1::2, the gateway's S1-U 2001:db8:1::1, dp up
# --gtpu-addr6); scapy sends G-PDUs over IPv6 with an inner IPv4 and an
# inner IPv6 packet and checks the PDN's replies come back in G-PDUs over
# IPv6 with a valid UDP checksum (RFC 8200 8.1); the Echo Request is
# answered over IPv6; a datagram with UDP checksum 0 is dropped; tshark
# decodes the capture (GTP-U over IPv6, UDP checksums good).
source "$(dirname "$0")/lib.sh"
e2e_require
trap e2e_cleanup EXIT INT TERM
tap_plan 12
PROBE="$PY $E2E_ROOT/tests/e2e/outer6_probe.py"
ENB6=2001:db8:1::2
GW6S1U=2001:db8:1::1
GW6=2001:db8:2::1
PDN6=2001:db8:2::2
UE6_PFX=2001:db8:45:6::

check "topology" e2e_topology
ipv6_on() {
    # lib.sh turns IPv6 off everywhere: back on for S1-U and SGi
    local ns
    for ns in "$NS_ENB" "$NS_GW" "$NS_PDN"; do
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 \
            net.ipv6.conf.default.disable_ipv6=0 net.ipv6.conf.lo.disable_ipv6=0 || return 1
    done
    in_enb sysctl -qw net.ipv6.conf."$E_IF".disable_ipv6=0 &&
        in_gw sysctl -qw net.ipv6.conf."$S_IF".disable_ipv6=0 \
            net.ipv6.conf."$G_IF".disable_ipv6=0 net.ipv6.conf.all.forwarding=1 &&
        in_pdn sysctl -qw net.ipv6.conf."$P_IF".disable_ipv6=0 &&
        in_enb ip -6 addr add $ENB6/64 dev "$E_IF" nodad &&
        in_gw ip -6 addr add $GW6S1U/64 dev "$S_IF" nodad &&
        in_gw ip -6 addr add $GW6/64 dev "$G_IF" nodad &&
        in_pdn ip -6 addr add $PDN6/64 dev "$P_IF" nodad &&
        in_pdn ip -6 route add 2001:db8:45::/48 via $GW6 &&
        in_gw ping -6 -c1 -W2 $PDN6 >/dev/null &&
        in_gw ping -6 -c1 -W2 $ENB6 >/dev/null
}
check "IPv6 on S1-U ($ENB6 / $GW6S1U) and SGi" ipv6_on
check "dp up (routed) with --gtpu-addr6 $GW6S1U" e2e_dp_up routed --gtpu-addr6 $GW6S1U
status6() {
    xepcctl dp status >"$E2E_TMP/status.txt" || return 1
    grep "gtpu-addr6" "$E2E_TMP/status.txt" | sed 's/^/#   /'
    grep -q "^gtpu-addr6 $GW6S1U\$" "$E2E_TMP/status.txt"
}
check "dp status shows the IPv6 S1-U address" status6
# the eNB's neighbour entry stays: the downlink's bpf_fib_lookup needs it
# (without it the packet takes userspace, which needs the events follower)
enb_mac=$(in_enb cat /sys/class/net/"$E_IF"/address)
in_gw ip -6 neigh replace $ENB6 lladdr "$enb_mac" nud permanent dev "$S_IF"

check "session add: IPv4v6 UE 10.45.0.6 + $UE6_PFX/64, eNB $ENB6" \
    xepcctl session add --teid 0x106 --ue 10.45.0.6 --ue6 $UE6_PFX/64 --enb $ENB6 \
        --dl-teid 0x906
show6() {
    xepcctl session show --teid 0x106 >"$E2E_TMP/show.txt" || return 1
    grep "^tunnel" "$E2E_TMP/show.txt" | sed 's/^/#   /'
    grep -q "^tunnel *eNB $ENB6, dl-teid 0x00000906" "$E2E_TMP/show.txt"
}
check "session show: the tunnel to the IPv6 eNB" show6

# (and the marker of lib.sh, an IPv4 ping, which decoded() does not take)
ip netns exec "$NS_ENB" timeout 60 tshark -q -i "$E_IF" -f "(ip6 and udp port 2152) or ($E2E_S1_MARK)" \
    -w "$E2E_TMP/o6.pcap" >"$E2E_TMP/tshark.log" 2>&1 &
CAP=$!
o6_capturing() { e2e_wait_capturing "$E2E_TMP/tshark.log" && e2e_capture_marked "$E2E_TMP/o6.pcap"; }
check "tshark capturing on the eNB side (its marker in the capture)" o6_capturing
check "Echo Request over IPv6 answered (Recovery IE, UDP checksum good)" \
    in_enb $PROBE echo "$E_IF" $ENB6 $GW6S1U
check "inner IPv4 over IPv6: ICMP echo UE -> PDN, the reply back over IPv6" \
    in_enb $PROBE ping4 "$E_IF" $ENB6 $GW6S1U 0x106 0x906 10.45.0.6 $PDN_ADDR
check "inner IPv6 over IPv6: ICMPv6 echo UE -> PDN, the reply back over IPv6" \
    in_enb $PROBE ping6 "$E_IF" $ENB6 $GW6S1U 0x106 0x906 ${UE6_PFX}1234 $PDN6
zero_dropped() {
    in_enb $PROBE zero "$E_IF" $ENB6 $GW6S1U 0x106 0x906 10.45.0.6 $PDN_ADDR || return 1
    xepcctl stats >"$E2E_TMP/stats.txt" || return 1
    grep -E "checksum 0 over outer IPv6" "$E2E_TMP/stats.txt" | sed 's/^/#   /'
    grep -E "checksum 0 over outer IPv6" "$E2E_TMP/stats.txt" | grep -qE '[1-9]'
}
check "UDP checksum 0 over IPv6: dropped (RFC 8200 8.1) and counted" zero_dropped
sleep 0.5
kill -INT $CAP 2>/dev/null
wait $CAP 2>/dev/null
decoded() {
    local ts="tshark -r $E2E_TMP/o6.pcap -o udp.check_checksum:TRUE"
    $ts -T fields -e ipv6.src -e ipv6.dst -e gtp.message -e gtp.teid -e udp.checksum.status \
        -Y "ipv6.src == $GW6S1U" >"$E2E_TMP/o6.txt" 2>/dev/null || return 1
    sed 's/^/#   /' "$E2E_TMP/o6.txt"
    # the echo response and the two replies (an inner IPv6 packet adds its
    # addresses after a comma), all with a good UDP checksum
    grep -qE "^$GW6S1U	$ENB6	0x0*2	.*	(1|Good)\$" "$E2E_TMP/o6.txt" &&
        [ "$(grep -cE "^$GW6S1U(,[^	]*)?	$ENB6(,[^	]*)?	0x0*ff	0x00000906	(1|Good)\$" \
            "$E2E_TMP/o6.txt")" -ge 2 ] &&
        ! grep -qE "Bad|	[02]\$" "$E2E_TMP/o6.txt"
}
check "tshark: Echo Response and G-PDUs (TEID 0x906) over IPv6, UDP checksums good" decoded
[ $TAP_FAILED = 0 ]
