#!/bin/bash
# End to end, NAT mode: uplink decapsulated by xdp_s1u goes up the gateway's
# stack and leaves SGi masqueraded by nftables; replies come back through
# conntrack toward the UE pool, which is routed to the S1-U device, where
# tc_ue encapsulates them on egress.  Real ping and iperf3 both directions
# of transfer (the UE opens the connections: the PDN cannot reach the UE
# pool, which is the point of NAT), tshark on what reaches the eNB.
source "$(dirname "$0")/lib.sh"
e2e_require
trap e2e_cleanup EXIT INT TERM
tap_plan 15

check "topology: three namespaces, two veth links" e2e_topology
check "nftables masquerade on SGi, UE pool routed to S1-U" e2e_nat_setup
check "dp up in NAT mode" e2e_dp_up nat

status_nat() {
    xepcctl dp status >"$E2E_TMP/status" || return 1
    cat "$E2E_TMP/status"
    grep -q '^mode *nat' "$E2E_TMP/status" &&
        grep -q 'xdp_s1u prog [1-9][0-9]* link [1-9]' "$E2E_TMP/status" &&
        grep -q "ue-dev *$S_IF .*tc_ue *prog [1-9]" "$E2E_TMP/status"
}
check "dp status: xdp_s1u link and tc_ue on the S1-U egress" status_nat
check "session add: UE 10.45.0.2" e2e_ue_session 2 0x201 0xa01
check "session add: UE 10.45.0.3" e2e_ue_session 3 0x202 0xa02
# Every uplink G-PDU carries a PDU Session Container: the chain walk on
# real traffic.
GTPU_UE_OPTS=--ext-hdr
check "gtpu-ue up with two UEs (uplink with extension headers)" e2e_gtpu_ue 2,0x201,0xa01 3,0x202,0xa02

check "ping UE -> PDN through NAT" in_enb ping -c 5 -i 0.2 -W 2 -I 10.45.0.2 $PDN_ADDR
check "ping second UE -> PDN through NAT" in_enb ping -c 5 -i 0.2 -W 2 -I 10.45.0.3 $PDN_ADDR

masq_seen() {
    # The PDN sees the gateway's SGi address, never the UE's.
    # tshark takes seconds to start on a loaded machine: wait until its
    # capture holds its marker (lib.sh: an echo request from the gateway
    # itself, without the UE pings' pattern 0x7865) rather than for a
    # fixed time
    ip netns exec "$NS_PDN" timeout 40 tshark -q -i "$P_IF" \
        -f "icmp and (src host $SGI_ADDR or src host 10.45.0.2)" \
        -w "$E2E_TMP/sgi.pcap" >"$E2E_TMP/masq-tshark.log" 2>&1 &
    local tp=$! n u
    e2e_wait_capturing "$E2E_TMP/masq-tshark.log" && e2e_sgi_marked "$E2E_TMP/sgi.pcap" ||
        diag "the SGi capture shows no marker after 30 s"
    in_enb ping -c 3 -i 0.2 -W 2 -p 7865 -I 10.45.0.2 $PDN_ADDR >/dev/null
    sleep 0.5
    kill -INT $tp 2>/dev/null
    wait $tp
    n=$(tshark -r "$E2E_TMP/sgi.pcap" -Y "ip.src == $SGI_ADDR && icmp.type == 8 && data.data contains 78:65:78:65" \
        2>/dev/null | wc -l)
    u=$(tshark -r "$E2E_TMP/sgi.pcap" -Y "ip.src == 10.45.0.2" 2>/dev/null | wc -l)
    diag "UE echo requests at the PDN: $n from $SGI_ADDR, $u from 10.45.0.2"
    [ "$n" -ge 1 ] && [ "$u" = 0 ]
}
check "PDN side sees the masqueraded source address" masq_seen

check "iperf3 TCP uplink UE -> PDN through NAT" e2e_iperf "$NS_PDN" $PDN_ADDR "$NS_ENB" 10.45.0.2
check "iperf3 TCP downlink PDN -> UE through NAT (-R)" \
    e2e_iperf "$NS_PDN" $PDN_ADDR "$NS_ENB" 10.45.0.3 -R

e2e_capture_start "$E2E_TMP/dl.pcap"
in_enb ping -c 5 -i 0.1 -W 2 -s 1000 -I 10.45.0.2 $PDN_ADDR >/dev/null
e2e_capture_stop
check "tshark: tc_ue's G-PDUs carry TEID 0xa01, PDN -> UE, checksums valid, nothing malformed" \
    e2e_tshark_verify "$E2E_TMP/dl.pcap" 0xa01 10.45.0.2 $PDN_ADDR

idle_nat() {
    xepcctl session modify --teid 0x202 --idle || return 1
    e2e_bg_xepcctl "$E2E_TMP/idle-events.log" events --buffer --timeout 8
    local ev=$BG_PID
    sleep 0.5
    # The requests leave (uplink needs no eNB tunnel); the replies come back
    # through conntrack to tc_ue, find the UE idle and are kept.
    in_enb ping -c 3 -i 0.2 -W 5 -I 10.45.0.3 $PDN_ADDR >"$E2E_TMP/idle-ping.log" 2>&1 &
    local pp=$!
    sleep 1.5
    xepcctl session modify --teid 0x202 --enb $ENB_ADDR --dl-teid 0xa02 || return 1
    wait $pp
    kill -INT $ev 2>/dev/null
    wait $ev
    sed 's/^/# /' "$E2E_TMP/idle-events.log" | head -n 5
    grep 'packets transmitted' "$E2E_TMP/idle-ping.log" | sed 's/^/# /'
    grep -q 'downlink-data *sid=514 ue=10.45.0.3' "$E2E_TMP/idle-events.log" &&
        grep -q ' 3 received' "$E2E_TMP/idle-ping.log"
}
check "idle UE behind NAT: tc_ue keeps the replies, delivered when the tunnel returns" idle_nat

counters_nat() {
    xepcctl stats >"$E2E_TMP/stats" || return 1
    cat "$E2E_TMP/stats"
    [ "$(e2e_stat UL_NAT_PASS)" -gt 0 ] && [ "$(e2e_stat DL_TC_FWD)" -gt 0 ]
}
check "counters: uplink passed to the stack (UL_NAT_PASS), downlink by tc_ue (DL_TC_FWD)" counters_nat
[ $TAP_FAILED = 0 ]
