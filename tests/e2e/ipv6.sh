#!/bin/bash
# Issue 13, section 4: IPv6 UEs through the XDP datapath (routed mode).
# A session with an IPv6 /64 (xepcctl session add --ue6): the unsolicited
# Router Advertisement on the way to the eNB (tshark decodes it); a Router
# Solicitation answered by the datapath (scapy); an ICMPv6 echo from the
# UE's /64 to the PDN and the PDN kernel's reply back through the tunnel;
# a source outside the /64 dropped; an IPv6-only session; the IPv4 UE of
# the same IPv4v6 session still works.
source "$(dirname "$0")/lib.sh"
e2e_require
trap e2e_cleanup EXIT INT TERM
tap_plan 15
PROBE="$PY $E2E_ROOT/tests/e2e/ipv6_probe.py"
UE6_PFX=2001:db8:45:2::

check "topology" e2e_topology
check "IPv6 on SGi: gateway $GW6, PDN $PDN6, UE prefixes routed to the gateway" e2e_sgi6_on 2001:db8:45::/48
check "dp up (routed)" e2e_dp_up routed

e2e_capture_start "$E2E_TMP/ra.pcap"
check "session add: IPv4v6 UE 10.45.0.2 + $UE6_PFX/64 with its tunnel" \
    e2e_ue_session 2 0x101 0x901 --ue6 $UE6_PFX/64
e2e_capture_stop
ra_decoded() {
    tshark -r "$E2E_TMP/ra.pcap" -Y 'gtp.teid == 0x901 && icmpv6.type == 134' \
        -T fields -e ipv6.src -e ipv6.dst -e icmpv6.opt.prefix -e icmpv6.opt.prefix.length \
        -e icmpv6.opt.prefix.flag.a -e icmpv6.opt.prefix.flag.l -e icmpv6.checksum.status \
        >"$E2E_TMP/ra.txt" 2>&1
    sed 's/^/#   /' "$E2E_TMP/ra.txt"
    grep -qE "^fe80::1	ff02::1	2001:db8:45:2::	64	(1|True)	(0|False)	(1|Good)" "$E2E_TMP/ra.txt"
}
check "tshark: the unsolicited Router Advertisement (fe80::1 -> ff02::1, the /64, A set, L clear, checksum good)" \
    ra_decoded
show_ue6() {
    xepcctl session show --teid 0x101 | tee "$E2E_TMP/show.txt" | sed 's/^/#   /'
    grep -q "^ue6 *2001:db8:45:2::/64" "$E2E_TMP/show.txt"
}
check "session show has the /64" show_ue6

check "Router Solicitation answered with a Router Advertisement through the tunnel" \
    in_enb $PROBE rs "$E_IF" $ENB_ADDR $S1U_ADDR 0x101 0x901 $UE6_PFX
check "ICMPv6 echo UE -> PDN and the reply back through the tunnel" \
    in_enb $PROBE ping "$E_IF" $ENB_ADDR $S1U_ADDR 0x101 0x901 2001:db8:45:2::1234 $PDN6
check "a source outside the UE's /64 is dropped (no reply)" \
    in_enb $PROBE spoof "$E_IF" $ENB_ADDR $S1U_ADDR 0x101 0x901 2001:db8:45:3::1 $PDN6
dropped_spoofed() {
    xepcctl stats >"$E2E_TMP/stats.txt" || return 1
    grep -iE "spoof|not the UE" "$E2E_TMP/stats.txt" | sed 's/^/#   /'
    grep -iE "inner source is not the UE address" "$E2E_TMP/stats.txt" | grep -qE '[1-9]'
}
check "counted as a spoofed source" dropped_spoofed

check "session add: IPv6-only UE (no IPv4 address) with 2001:db8:45:3::/64" \
    xepcctl session add --teid 0x102 --ue6 2001:db8:45:3::/64 --enb $ENB_ADDR --dl-teid 0x902
check "IPv6-only UE: echo to the PDN and back" \
    in_enb $PROBE ping "$E_IF" $ENB_ADDR $S1U_ADDR 0x102 0x902 2001:db8:45:3::9 $PDN6
check "session add: a second IPv6-only UE with 2001:db8:45:4::/64" \
    xepcctl session add --teid 0x104 --ue6 2001:db8:45:4::/64 --enb $ENB_ADDR --dl-teid 0x904
dp_check_clean() {
    xepcctl dp check >"$E2E_TMP/check.txt" 2>&1
    local rc=$?
    sed 's/^/#   /' "$E2E_TMP/check.txt"
    [ $rc = 0 ]
}
check "dp check: IPv6-only sessions (UE 0.0.0.0) are no finding" dp_check_clean
refused_dup() {
    ! xepcctl session add --teid 0x103 --ue6 $UE6_PFX/64 >"$E2E_TMP/dup.txt" 2>&1 &&
        grep -q "already belongs to session" "$E2E_TMP/dup.txt"
}
check "a /64 another session owns is refused" refused_dup
[ $TAP_FAILED = 0 ]
