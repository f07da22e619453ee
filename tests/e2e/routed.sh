#!/bin/bash
# End to end, routed mode: real ping and iperf3 through gtpu-ue and the XDP
# datapath in both directions, scapy probes (extension-header chain, echo,
# unknown TEID with Error Indication, malformed headers), tshark as the
# judge of what the gateway sends toward the eNB, SDF rule drop, and an
# idle UE whose downlink packets are kept and delivered once its tunnel is
# back.
source "$(dirname "$0")/lib.sh"
e2e_require
trap e2e_cleanup EXIT INT TERM
tap_plan 29
PROBE="$PY $E2E_ROOT/tests/e2e/gtpu_probe.py"

check "topology: three namespaces, two veth links" e2e_topology
check "dp up in routed mode (restart counter 7, event and echo rate limits)" \
    e2e_dp_up routed --recovery 7 --teid-event-rate 500,50 --echo-rate 800

status_links() {
    xepcctl dp status >"$E2E_TMP/status" || return 1
    cat "$E2E_TMP/status"
    grep -q 'xdp_s1u prog [1-9][0-9]* link [1-9]' "$E2E_TMP/status" &&
        grep -q 'xdp_sgi prog [1-9][0-9]* link [1-9]' "$E2E_TMP/status" &&
        grep -q '^limits    unknown-TEID events 500/s (50/s per peer), echo 800/s (10/s per peer)' \
            "$E2E_TMP/status"
}
check "dp status shows both XDP links" status_links
check "session add: UE 10.45.0.2 (plain)" e2e_ue_session 2 0x101 0x901
check "session add: UE 10.45.0.3 (rules, AMBR, quota)" e2e_ue_session 3 0x102 0x902 \
    --ul-ambr 500M --dl-ambr 500M \
    --rule 'prec=10,dir=ul,proto=udp,dport=9,action=drop' \
    --rule 'prec=20,proto=any,rg=7,always' --quota 'rg=7,bytes=1G,threshold=80%,fua=drop'
check "gtpu-ue up with two UEs" e2e_gtpu_ue 2,0x101,0x901 3,0x102,0x902

check "ping UE -> PDN through the datapath" \
    in_enb ping -c 5 -i 0.2 -W 2 -I 10.45.0.2 $PDN_ADDR
check "ping PDN -> UE through the datapath" \
    in_pdn ping -c 5 -i 0.2 -W 2 10.45.0.3
check "iperf3 TCP uplink UE -> PDN" e2e_iperf "$NS_PDN" $PDN_ADDR "$NS_ENB" 10.45.0.2
check "iperf3 TCP downlink PDN -> UE (-R)" e2e_iperf "$NS_PDN" $PDN_ADDR "$NS_ENB" 10.45.0.2 -R

e2e_capture_start "$E2E_TMP/dl.pcap"
in_pdn ping -c 5 -i 0.1 -W 2 -s 1000 10.45.0.2 >/dev/null
e2e_capture_stop
check "tshark: downlink G-PDUs carry TEID 0x901, PDN -> UE, checksums valid, nothing malformed" \
    e2e_tshark_verify "$E2E_TMP/dl.pcap" 0x901 10.45.0.2 $PDN_ADDR

usage_ok() {
    local out
    out=$(xepcctl session show --ue 10.45.0.2) || return 1
    echo "$out" | grep usage
    echo "$out" | grep -Eq 'usage +ul [1-9][0-9]* bytes [1-9][0-9]* pkts.*dl [1-9][0-9]* bytes [1-9]'
}
check "session usage counted both ways" usage_ok

# The downlink's direct UE table (bpf/xepc_dp.h, struct xepc_ue_direct):
# what the library wrote for a UE, read back with bpftool.  Prints the
# slot's "ue_addr sid" (0 0 when empty).
ue_slot() {
    local ue=$1
    ip netns exec "$NS_GW" bpftool -j map show pinned "$PIN/xepc_ue_direct" >"$E2E_TMP/ud.json" ||
        return 1
    local key
    key=$($PY - "$ue" "$E2E_TMP/ud.json" <<'PY'
import json, socket, struct, sys
mask = json.load(open(sys.argv[2]))["max_entries"] - 1
slot = struct.unpack("!I", socket.inet_aton(sys.argv[1]))[0] & mask
print(" ".join(str(b) for b in struct.pack("<I", slot)))
PY
) || return 1
    ip netns exec "$NS_GW" bpftool -j map lookup pinned "$PIN/xepc_ue_direct" key $key |
        $PY -c 'import json,sys,socket,struct; v=json.load(sys.stdin)["formatted"]["value"]; print(socket.inet_ntoa(struct.pack("<I", v["ue_addr"])) if v["ue_addr"] else 0, v["sid"])'
}
ue_slots_ok() {
    local a b
    a=$(ue_slot 10.45.0.2) && b=$(ue_slot 10.45.0.3) || return 1
    echo "# slots: $a / $b"
    [ "$a" = "10.45.0.2 $((0x101))" ] && [ "$b" = "10.45.0.3 $((0x102))" ] || return 1
    xepcctl dp status | grep '^ue-slots'
    xepcctl dp status | grep -q '^ue-slots  2 UEs in direct slots (of [0-9]*), 0 through the UE hash'
}
check "each UE is in its direct slot (xepc_ue_direct), read with bpftool" ue_slots_ok
ue_slot_del_ok() {
    local a b
    xepcctl session add --teid 0x1a9 --ue 10.45.0.9 --enb $ENB_ADDR --dl-teid 0x9a9 >/dev/null ||
        return 1
    a=$(ue_slot 10.45.0.9) || return 1
    xepcctl session del --teid 0x1a9 || return 1
    b=$(ue_slot 10.45.0.9) || return 1
    echo "# after add: $a, after del: $b"
    [ "$a" = "10.45.0.9 $((0x1a9))" ] && [ "$b" = "0 0" ]
}
check "session del empties the UE's direct slot" ue_slot_del_ok

check "scapy: G-PDU with a PDU Session Container and an unknown extension header is forwarded" \
    in_enb $PROBE gpdu-ext "$E_IF" $ENB_ADDR $S1U_ADDR 0x101 0x901 10.45.0.2 $PDN_ADDR
check "scapy: Echo Request answered with an Echo Response and Recovery IE 7" \
    in_enb $PROBE echo "$E_IF" $ENB_ADDR $S1U_ADDR 7

unknown_before=$(e2e_stat UNKNOWN_TEID)
# tshark first: its start-up may take long on a loaded machine, and the
# follower's --timeout runs from its own start
e2e_capture_start "$E2E_TMP/ei.pcap"
e2e_bg_xepcctl "$E2E_TMP/events.log" events --error-indication --count 1 --timeout 60 ||
    diag "the events follower did not start: $(cat "$E2E_TMP/events.log")"
EV_PID=$BG_PID
check "scapy: unknown TEID answered with an Error Indication (TEID Data I, peer address)" \
    in_enb $PROBE unknown "$E_IF" $ENB_ADDR $S1U_ADDR 0x00dead01 --expect-ei
e2e_capture_stop
wait $EV_PID
check "events printed the unknown-teid event" grep -q 'unknown-teid *teid=0x00dead01 peer=172.16.1.2' "$E2E_TMP/events.log"
ei_ok() {
    local n bad
    n=$(tshark -r "$E2E_TMP/ei.pcap" -Y 'gtp.message == 26 && gtp.teid_data == 0x00dead01' 2>/dev/null | wc -l)
    bad=$(tshark -r "$E2E_TMP/ei.pcap" -o udp.check_checksum:TRUE -Y '_ws.malformed || _ws.expert.severity >= "Error"' 2>/dev/null | wc -l)
    tshark -r "$E2E_TMP/ei.pcap" -Y 'gtp.message == 26' -V 2>/dev/null | grep -E 'TEID Data I|Peer Address|GSN address' | sed 's/^/# /'
    [ "$n" -ge 1 ] && [ "$bad" = 0 ] && [ "$(e2e_stat UNKNOWN_TEID)" -gt "$unknown_before" ]
}
check "tshark decodes the Error Indication; UNKNOWN_TEID drop counted" ei_ok

malformed_ok() {
    local kind=$1 reason=$2 before
    before=$(e2e_stat "$reason")
    in_enb $PROBE malformed "$E_IF" $ENB_ADDR $S1U_ADDR 0x101 "$kind" || return 1
    sleep 0.3
    [ "$(e2e_stat "$reason")" -gt "$before" ]
}
check "malformed: GTP length beyond the packet -> GTP_LEN_LONG" malformed_ok len-long GTP_LEN_LONG
check "malformed: extension header length 0 -> GTP_EXT_LEN" malformed_ok ext-zero GTP_EXT_LEN

rule_drop_ok() {
    local before
    before=$(e2e_stat RULE_DROP)
    in_enb $PY -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('10.45.0.3', 0))
for i in range(5):
    s.sendto(b'discard me', ('$PDN_ADDR', 9))
" || return 1
    sleep 0.3
    [ $(($(e2e_stat RULE_DROP) - before)) -ge 5 ]
}
check "SDF rule 'udp dport 9 drop' drops the UE's packets (RULE_DROP)" rule_drop_ok

idle_ok() {
    xepcctl session modify --teid 0x102 --idle || return 1
    e2e_bg_xepcctl "$E2E_TMP/idle-events.log" events --buffer --timeout 8
    local ev=$BG_PID
    sleep 0.5
    # Three echo requests while the UE is idle, then the tunnel comes back.
    in_pdn ping -c 3 -i 0.2 -W 5 10.45.0.3 >"$E2E_TMP/idle-ping.log" 2>&1 &
    local pp=$!
    sleep 1.5
    xepcctl session modify --teid 0x102 --enb $ENB_ADDR --dl-teid 0x902 || return 1
    wait $pp
    kill -INT $ev 2>/dev/null
    wait $ev
    sed 's/^/# /' "$E2E_TMP/idle-events.log" | head -n 6
    grep 'packets transmitted' "$E2E_TMP/idle-ping.log" | sed 's/^/# /'
    grep -q 'downlink-data *sid=258 ue=10.45.0.3' "$E2E_TMP/idle-events.log" &&
        grep -q '^buffered ' "$E2E_TMP/idle-events.log" &&
        grep -q ' 3 received' "$E2E_TMP/idle-ping.log"
}
check "idle UE: downlink-data event, packets kept and delivered when the tunnel returns" idle_ok

# The flush gives the kernel its buffer back: the next idle period starts
# from 0 kept packets (the 3 above would still show if it did not).
idle_reset_ok() {
    xepcctl session modify --teid 0x102 --idle || return 1
    local out
    out=$(xepcctl session show --teid 0x102) || return 1
    xepcctl session modify --teid 0x102 --enb $ENB_ADDR --dl-teid 0x902 || return 1
    echo "$out" | grep 'tunnel' | sed 's/^/# /'
    echo "$out" | grep -q 'idle UE), 0 packets buffered'
}
check "idle UE: the buffer count is back to 0 after the packets were delivered" idle_reset_ok

# Kept packets belong to their session's identity, not to its session id
# (issue 8, item 1): packets kept for an idle UE whose session is deleted,
# and whose TEID (so its session id) is given to another UE with a tunnel
# before the packets are flushed, must never enter the new tunnel.  The
# events process is stopped while the session is replaced, so that it
# sees the successor and not an empty slot.
idle_sid_reuse_ok() {
    local leaked
    xepcctl session add --teid 0x1b0 --ue 10.45.0.20 || return 1
    e2e_bg_xepcctl "$E2E_TMP/reuse-events.log" events --buffer --timeout 10
    local ev=$BG_PID
    sleep 0.5
    in_pdn ping -c 3 -i 0.2 -W 1 10.45.0.20 >/dev/null 2>&1
    sleep 0.5
    e2e_capture_start "$E2E_TMP/reuse.pcap"
    kill -STOP $ev
    xepcctl session del --teid 0x1b0 &&
        xepcctl session add --teid 0x1b0 --ue 10.45.0.21 --enb $ENB_ADDR --dl-teid 0x9b0
    local rc=$?
    kill -CONT $ev
    sleep 1
    kill -INT $ev 2>/dev/null
    wait $ev
    e2e_capture_stop
    xepcctl session del --teid 0x1b0
    [ $rc = 0 ] || return 1
    leaked=$(tshark -r "$E2E_TMP/reuse.pcap" -Y 'gtp.teid == 0x9b0' 2>/dev/null | wc -l)
    sed 's/^/# /' "$E2E_TMP/reuse-events.log" | tail -n 4
    echo "# G-PDUs into the new session's tunnel: $leaked"
    [ "$leaked" = 0 ] && [ "$(grep -c '^buffered ' "$E2E_TMP/reuse-events.log")" = 3 ] &&
        grep -q 'buffer sent=0 .*dropped-stale=3 ' "$E2E_TMP/reuse-events.log"
}
check "idle UE: kept packets of a deleted session never enter the tunnel of the session that reuses its id (counted dropped-stale)" \
    idle_sid_reuse_ok

path_mgmt() {
    e2e_bg_xepcctl "$E2E_TMP/path.log" events --echo-interval 0.5 --echo-misses 2 --timeout 6
    local ev=$BG_PID
    sleep 2.5
    e2e_stop_gtpu_ue    # the eNB stops answering
    wait $ev
    sed 's/^/# /' "$E2E_TMP/path.log"
    grep -q '^path-up *enb=172.16.1.2' "$E2E_TMP/path.log" &&
        grep -q '^path-down *enb=172.16.1.2 missed=2' "$E2E_TMP/path.log"
}
check "path management: Echo Requests to the eNB, path-up, then path-down when it stops answering" \
    path_mgmt

stats_by_name() {
    xepcctl stats >"$E2E_TMP/stats" || return 1
    cat "$E2E_TMP/stats"
    grep -q 'RULE_DROP .*SDF rule action drop' "$E2E_TMP/stats"
}
check "stats print drop reasons by name" stats_by_name
check "dp down detaches and unpins" xepcctl dp down
no_xdp_left() {
    ! in_gw ip link show "$S_IF" | grep -q 'prog/xdp' &&
        ! in_gw ip link show "$G_IF" | grep -q 'prog/xdp' && [ ! -e "$PIN" ]
}
check "no XDP program left on S1-U/SGi, pin directory gone" no_xdp_left
[ $TAP_FAILED = 0 ]
