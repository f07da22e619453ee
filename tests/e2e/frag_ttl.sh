#!/bin/bash
# Issue 13, section 3, on veth: scapy sends, tshark judges.
# - An uplink G-PDU fragmented on the outer IPv4 header is reassembled (the
#   kernel, for the follower's GTP-U socket on port 2152) and forwarded
#   like any other through xdp_s1u: the PDN side receives the whole inner
#   packet, UL_REASSEMBLED counts it, the eNB gets no Port Unreachable.
# - An uplink packet whose inner TTL runs out is answered with ICMP Time
#   Exceeded to the UE through its tunnel (a UE's traceroute shows the
#   gateway).
source "$(dirname "$0")/lib.sh"
e2e_require
trap e2e_cleanup EXIT INT TERM
tap_plan 10

check "topology" e2e_topology
check "dp up" e2e_dp_up routed
check "a session for UE 10.45.0.2" e2e_ue_session 2 0x201 0xa01

# capture NS IFACE FILTER NAME: tshark in the background until capture_stop
# (lib.sh: returns once the capture holds its marker)
capture() { e2e_capture_bg "$@"; }
capture_stop() { e2e_capture_bg_stop "$@"; }

# 1. fragments: one G-PDU with 1400 bytes of UDP payload, sent as three
# outer fragments of at most 600 bytes
capture "$NS_PDN" "$P_IF" "udp port 9999" pdn || diag "tshark (PDN) did not start (no marker)"
capture "$NS_ENB" "$E_IF" "icmp and src host $S1U_ADDR" enbicmp || diag "tshark (eNB) did not start (no marker)"
# The sender loads scapy first (seconds on a loaded machine) and sends once
# the follower runs (the go file), well within the follower's 4 s.
in_enb $PY - "$E_IF" $ENB_ADDR $S1U_ADDR "$E2E_TMP/frag.go" >"$E2E_TMP/send.out" 2>&1 <<'EOF' &
import os, struct, sys, time
from scapy.all import IP, UDP, Raw, conf, fragment, send
conf.verb = 0
iface, enb, s1u, go = sys.argv[1:5]
print("ready", flush=True)
for _ in range(300):
    if os.path.exists(go):
        break
    time.sleep(0.1)
inner = bytes(IP(src="10.45.0.2", dst="172.16.2.2") / UDP(sport=4444, dport=9999)
              / Raw(bytes(range(256)) * 5 + b"x" * 120))
gtpu = struct.pack("!BBHI", 0x30, 0xFF, len(inner), 0x201) + inner
outer = IP(src=enb, dst=s1u, id=0x4242) / UDP(sport=2152, dport=2152) / Raw(gtpu)
frags = fragment(outer, fragsize=600)
for f in frags:
    send(f, iface=iface)
print(f"sent {len(frags)} fragments of a {len(outer)}-byte G-PDU")
EOF
sender=$!
for _ in $(seq 300); do grep -q ready "$E2E_TMP/send.out" && break; sleep 0.1; done
ip netns exec "$NS_GW" "$XEPCCTL" events --fragments --timeout 4 --pin-dir "$PIN" \
    >"$E2E_TMP/frag.out" 2>&1 &
echo $! >"$E2E_TMP/follower.pid"
sleep 0.5
touch "$E2E_TMP/frag.go"
wait $sender
sed '/^ready$/d; s/^/# /' "$E2E_TMP/send.out"
wait "$(cat "$E2E_TMP/follower.pid")"
rm -f "$E2E_TMP/follower.pid"
capture_stop pdn
capture_stop enbicmp
sed 's/^/#   /' "$E2E_TMP/frag.out"
got=$(tshark -r "$E2E_TMP/pdn.pcapng" -Y "udp.dstport == 9999 && ip.src == 10.45.0.2" \
    -T fields -e udp.length -e ip.ttl 2>/dev/null)
diag "at the PDN (udp length, ttl): ${got:-nothing}"
check "the reassembled G-PDU's inner packet reaches the PDN whole (1400 + 8 bytes of UDP)" \
    test "$(echo "$got" | awk 'NF {print $1; exit}')" = 1408
check "forwarded by the datapath: inner TTL decremented once" \
    test "$(echo "$got" | awk 'NF {print $2; exit}')" = 63
punr=$(tshark -r "$E2E_TMP/enbicmp.pcapng" -Y "icmp.type == 3 && icmp.code == 3" 2>/dev/null | wc -l)
check "no ICMP Port Unreachable to the eNB" test "$punr" = 0
stat_of() { xepcctl stats | awk -v k="$1" '$1 == k {print $2}'; }
check "counted: UL_REASSEMBLED 1" test "$(stat_of UL_REASSEMBLED)" = 1
check "the follower says so" grep -q "fragments reassembled=1 " "$E2E_TMP/frag.out"

# 2. inner TTL 1: ICMP Time Exceeded to the UE, in the tunnel
capture "$NS_ENB" "$E_IF" "udp port 2152" enbgtp || diag "tshark (eNB) did not start (no marker)"
in_enb $PY - "$E_IF" $ENB_ADDR $S1U_ADDR >"$E2E_TMP/ttl.out" 2>&1 <<'EOF'
import struct, sys
from scapy.all import IP, UDP, Raw, conf, send
conf.verb = 0
iface, enb, s1u = sys.argv[1:4]
inner = bytes(IP(src="10.45.0.2", dst="172.16.2.2", ttl=1) / UDP(sport=33434, dport=33435)
              / Raw(b"traceroute probe"))
gtpu = struct.pack("!BBHI", 0x30, 0xFF, len(inner), 0x201) + inner
send(IP(src=enb, dst=s1u) / UDP(sport=2152, dport=2152) / Raw(gtpu), iface=iface)
print("sent a G-PDU with inner TTL 1")
EOF
sleep 1
capture_stop enbgtp
te=$(tshark -r "$E2E_TMP/enbgtp.pcapng" -d udp.port==2152,gtp \
    -Y "gtp.teid == 0xa01 && icmp.type == 11 && icmp.code == 0" \
    -T fields -e ip.src -e ip.dst -e icmp.checksum.status 2>/dev/null)
# -T fields joins the three IPv4 headers: outer, ICMP's, quoted; status 1 = good
diag "Time Exceeded in the tunnel (ip.src, ip.dst, ICMP checksum status): ${te:-none}"
check "ICMP Time Exceeded comes back in the UE's tunnel (TEID 0xa01) to 10.45.0.2" \
    bash -c "echo '$te' | grep -q '10.45.0.2'"
check "from the gateway, with a good ICMP checksum" \
    bash -c "echo '$te' | grep -qE '^$S1U_ADDR,$S1U_ADDR,10.45.0.2[[:space:]].*[[:space:]]1\$'"
[ $TAP_FAILED = 0 ]
