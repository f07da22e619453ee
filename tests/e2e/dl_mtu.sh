#!/bin/bash
# Issue 13, section 3: downlink over a configured S1-U MTU (dp up
# --s1u-mtu 1000), routed mode, on veth; scapy sends from the PDN, tshark
# judges on both sides.
# - DF clear: the G-PDU reaches the eNB as outer IPv4 fragments of at most
#   1000 bytes, which reassemble to the whole inner packet;
# - DF set: the sender gets ICMP Fragmentation Needed with next-hop MTU
#   1000 - 36 = 964 (RFC 1191), and nothing goes to the eNB.
source "$(dirname "$0")/lib.sh"
e2e_require
trap e2e_cleanup EXIT INT TERM
tap_plan 9

check "topology" e2e_topology
check "dp up --s1u-mtu 1000" e2e_dp_up routed --s1u-mtu 1000
check "dp status shows it" \
    bash -c "ip netns exec $NS_GW $XEPCCTL dp status --pin-dir $PIN | grep -q '^s1u-mtu   1000'"
check "a session for UE 10.45.0.2" e2e_ue_session 2 0x201 0xa01

capture() { e2e_capture_bg "$@"; }
capture_stop() { e2e_capture_bg_stop "$@"; }

capture "$NS_ENB" "$E_IF" "ip and src host $S1U_ADDR" enb || diag "tshark (eNB) did not start (no marker)"
capture "$NS_PDN" "$P_IF" "icmp" pdn || diag "tshark (PDN) did not start (no marker)"
# the follower sends what the kernel hands over (XEPC_EV_OVERSIZE)
# (a long timeout, stopped with SIGTERM once scapy has sent: loading scapy
# takes seconds on a loaded machine)
ip netns exec "$NS_GW" "$XEPCCTL" events --timeout 60 --pin-dir "$PIN" >"$E2E_TMP/ev.out" 2>&1 &
echo $! >"$E2E_TMP/follower.pid"
sleep 0.5
in_pdn $PY - >"$E2E_TMP/send.out" 2>&1 <<'EOF'
from scapy.all import IP, UDP, Raw, conf, send
conf.verb = 0
payload = bytes(range(256)) * 5 + b"y" * 120       # 1400 bytes
send(IP(src="172.16.2.2", dst="10.45.0.2", flags=0) / UDP(sport=5555, dport=9999) / Raw(payload))
send(IP(src="172.16.2.2", dst="10.45.0.2", flags="DF", id=0x7777) /
     UDP(sport=5556, dport=9998) / Raw(payload))
print("sent 1428-byte packets to the UE: DF clear, DF set")
EOF
sed 's/^/# /' "$E2E_TMP/send.out"
sleep 1
kill -TERM "$(cat "$E2E_TMP/follower.pid")" 2>/dev/null
wait "$(cat "$E2E_TMP/follower.pid")"
rm -f "$E2E_TMP/follower.pid"
capture_stop enb
capture_stop pdn
sed 's/^/#   /' "$E2E_TMP/ev.out"

# the outer header of each frame (-T fields lists the outer layer first)
# (not the capture's marker, an echo request to the eNB)
tshark -r "$E2E_TMP/enb.pcapng" -o ip.defragment:FALSE -T fields -E occurrence=f \
    -Y "!(icmp.type == 8 && ip.dst == $ENB_ADDR)" \
    -e ip.len -e ip.flags.mf 2>/dev/null >"$E2E_TMP/outer.txt"
diag "outer packets at the eNB (length MF): $(tr '\t\n' ' ,' <"$E2E_TMP/outer.txt")"
check "the G-PDU left as outer fragments (MF set on the first)" \
    bash -c "awk '\$2 == 1' $E2E_TMP/outer.txt | grep -q ."
check "no outer packet above the S1-U MTU" \
    bash -c "[ -s $E2E_TMP/outer.txt ] && awk '\$1 > 1000 { bad = 1 } END { exit bad }' $E2E_TMP/outer.txt"
inner=$(tshark -r "$E2E_TMP/enb.pcapng" -d udp.port==2152,gtp -Y "gtp.teid == 0xa01 && udp.dstport == 9999" \
    -T fields -e udp.length -e ip.ttl 2>/dev/null | head -n 1)
diag "reassembled at the eNB (udp lengths, ip ttls): ${inner:-nothing}"
check "they reassemble to the whole inner packet in TEID 0xa01 (UDP 1408, TTL 63)" \
    bash -c "echo '$inner' | grep -qE '(^|,)1408([[:space:]]|$).*(^|,|[[:space:]])63$'"
check "the DF packet never reached the eNB" \
    bash -c "! tshark -r $E2E_TMP/enb.pcapng -d udp.port==2152,gtp -Y 'udp.dstport == 9998' 2>/dev/null | grep -q ."
fn=$(tshark -r "$E2E_TMP/pdn.pcapng" -Y "icmp.type == 3 && icmp.code == 4" \
    -T fields -e ip.src -e icmp.mtu -e icmp.checksum.status 2>/dev/null | head -n 1)
diag "ICMP Fragmentation Needed at the sender (src, mtu, checksum status): ${fn:-none}"
check "the DF sender gets Fragmentation Needed, next-hop MTU 964, good checksum" \
    bash -c "echo '$fn' | grep -qE '^$S1U_ADDR(,[0-9.]+)*[[:space:]]964[[:space:]]1$'"
[ $TAP_FAILED = 0 ]
