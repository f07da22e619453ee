#!/bin/bash
# Issue 13, section 4: an eNB whose S1-U transport address is IPv6, end to
# end through xepc-agwd (routed mode).  The gateway has gtpu.address6 and
# gives its Transport Layer Address as IPv4 + IPv6 (160 bits); enbsim
# (--s1u-addr6) answers with a 128-bit address, so the E-RAB's tunnel is
# GTP-U over IPv6 both ways.  A UE attaches with PDN type IPv4v6: the
# Router Advertisement reaches it through the IPv6 tunnel, ping and
# ping -6 reach the PDN, tshark decodes the S1-AP addresses (TS 36.413
# 9.2.2.1) and the G-PDUs over IPv6 with good UDP checksums.  GTP-U path
# management reaches the eNB over IPv6 (TS 29.281 7.2.1; echo every
# 500 ms here): its path comes up, goes down (counted, logged) while its
# Echo Responses are dropped, and comes back.  Detach leaves no session.
# Then two eNBs, the first on IPv6 only, the second on IPv4: a dedicated
# bearer is set up on the first (E-RAB Setup answered with a 128-bit
# address), the UE is handed over by X2 (Path Switch) and by S1 to the
# IPv4 eNB and back, both bearers' tunnels following, and each old path
# gets its End Marker over its own family.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"

e2e_require
agw_require
trap e2e_cleanup EXIT INT TERM
tap_plan 23

e2e_topology || { not_ok "topology"; exit 1; }
check "IPv6 on S1-U ($ENB6 - $GWS1U6) and SGi" agw_ipv6_on s1u

agw_config
sed -i -e "s|^gtpu:\$|gtpu:\n  address6: $GWS1U6\n  echo_interval: 500ms\n  echo_misses: 3|" "$AGW_CONF"
agw_apn_v6 '\n    bearer_qcis: [8]'
AGW_SUB_APNS="v6;internet" agw_subscribers 3 || not_ok "subscriber import"
agw_sub_split 3
agw_sub_use 1
check "xepcctl config check accepts gtpu.address6" "$XEPCCTL" config check "$AGW_CONF"

CAP=$E2E_TMP/s1.pcap
ip netns exec "$NS_ENB" timeout 300 tshark -q -i "$E_IF" -f "sctp or udp port 2152 or ($E2E_S1_MARK)" \
    -w "$CAP" >"$E2E_TMP/tshark.log" 2>&1 &
TSHARK_PID=$!
echo $TSHARK_PID >"$E2E_TMP/tshark.pid"
e2e_wait_capturing "$E2E_TMP/tshark.log" || diag "tshark did not say it captures"
e2e_capture_marked "$CAP" || diag "the S1 capture shows no marker after 30 s"
agw_start && ok "xepc-agwd started" || { not_ok "xepc-agwd start"; exit 1; }

enbsim_bg "$E2E_TMP/e1.out" --ues 1 --apn v6 --pdn-type ipv4v6 --ue-eea 0x80 --hold -1 \
    --detach --tun --s1u-addr6 $ENB6
check "UE attached (PDN type IPv4v6) through an eNB on IPv6" agw_wait_stat attach_success 1 600
check "the Router Advertisement came through the IPv6 tunnel: ue0 has a global address" agw_wait_ue6
UE6=$(agw_ue6_addr)
UE4=$(in_enb ip -4 -o addr show dev ue0 2>/dev/null | awk '{print $4}' | cut -d/ -f1)
diag "UE ue0: $UE4 and $UE6"
IMSI1=$(awk -F, 'NR == 2 {print $1}' "$E2E_TMP/subs.csv")
tunnel6() {
    agwctl ue show "$IMSI1" >"$E2E_TMP/show.txt" 2>&1
    xepcctl session list >"$E2E_TMP/list.txt" 2>&1
    sed 's/^/#   /' "$E2E_TMP/show.txt" "$E2E_TMP/list.txt"
    grep -qE "^pdn ebi 5 .* enb $ENB6 " "$E2E_TMP/show.txt" &&
        grep -qE " $ENB6/0x" "$E2E_TMP/list.txt"
}
check "xepcctl ue show and session list: the tunnel goes to $ENB6" tunnel6
in_enb ip -6 rule add from "$UE6" table 200
in_enb ip -6 route add default dev ue0 table 200
in_enb ip rule add from "$UE4" table 200
in_enb ip route add default dev ue0 table 200
check "ping from the UE to the PDN (inner IPv4 over IPv6)" \
    in_enb ping -c 3 -i 0.2 -W 2 -I "$UE4" $PDN_ADDR
check "ping -6 from the UE to the PDN (inner IPv6 over IPv6)" \
    in_enb ping -6 -c 3 -i 0.2 -W 2 -I "$UE6" $PDN6
outer6_counted() {
    xepcctl stats >"$E2E_TMP/stats.txt" 2>&1 || return 1
    grep -iE "outer IPv6" "$E2E_TMP/stats.txt" | sed 's/^/#   /'
    grep -iE "uplink G-PDUs over outer IPv6" "$E2E_TMP/stats.txt" | grep -qE '[1-9]' &&
        grep -iE "downlink encapsulated in outer IPv6" "$E2E_TMP/stats.txt" | grep -qE '[1-9]'
}
check "the datapath counted G-PDUs over IPv6 both ways" outer6_counted

# GTP-U path management toward the eNB on IPv6: enbsim answers the Echo
# Requests (TS 29.281 7.2.2) until nft drops its Echo Responses (GTP-U
# message type 2: the second octet after the UDP header)
path_log() {
    local n=$1 what=$2
    for _ in $(seq 300); do
        [ "$(grep -c "path to eNB $ENB6 $what" "$E2E_TMP/agwd.log")" -ge "$n" ] && return 0
        sleep 0.1
    done
    grep "gtpu" "$E2E_TMP/agwd.log" | tail -n 5 | sed 's/^/#   /'
    return 1
}
check "GTP-U path management: the path to $ENB6 is up (Echo over IPv6 answered)" path_log 1 up
echo_block() {
    in_enb nft -f - <<EOF
table ip6 xepc_e2e_echo {
    chain out {
        type filter hook output priority 0;
        udp sport 2152 @th,72,8 2 drop
    }
}
EOF
}
echo_block || diag "nft could not drop the Echo Responses"
path_down() {
    path_log 1 down && agw_wait_stat gtpu_path_down 1 50
}
check "Echo Responses dropped: the path to $ENB6 is found down, logged and counted" path_down
in_enb nft delete table ip6 xepc_e2e_echo
check "Echo Responses back: the path to $ENB6 comes up again" path_log 2 up

kill -INT "$ENBSIM_PID" 2>/dev/null
wait "$ENBSIM_PID" 2>/dev/null
check "after the detach the datapath holds no session" agw_no_sessions

# --- eNB 1 on IPv6 only, eNB 2 on IPv4: a dedicated bearer, handovers ------
ENB2_ADDR=172.16.1.3
in_enb ip addr add $ENB2_ADDR/24 dev "$E_IF"
ho_run() {   # OUT I ARGS...: subscriber I, X2 or S1 handovers there and back
    local out=$1 sub=$2
    shift 2
    agw_sub_use "$sub"
    enbsim_run "$out" --enbs 2 --s1u-addr6 $ENB6 --s1u6-enbs 1 --ues 1 --apn v6 \
        --pdn-type ipv4v6 --ue-eea 0x80 --no-tun --bearer-alloc 8:5060 --handovers 2 \
        --hold 6 --detach --timeout 20 "$@"
    grep -E "_(ok|failed) " "$out" | grep -vE " 0$" | sed 's/^/#   /'
}
b0=$(agw_stat bearer_activated)
em0=$(agw_stat gtpu_end_marker_tx)
ho_run "$E2E_TMP/x2.out" 2 --x2-handover-after 2
check "a dedicated bearer activated through the eNB on IPv6" \
    bash -c "[ \"\$(awk '\$2 == \"dedicated_bearer_ok\" {print \$3}' $E2E_TMP/x2.out)\" = 1 ]"
check "X2 handovers IPv6 -> IPv4 -> IPv6 with the dedicated bearer: both acknowledged" \
    bash -c "[ \"\$(awk '\$2 == \"x2_handover_ok\" {print \$3}' $E2E_TMP/x2.out)\" = 2 ]"
em1=$(agw_stat gtpu_end_marker_tx)
diag "End Markers for the X2 handovers: $((em1 - em0))"
check "an End Marker per bearer and X2 handover (4)" test $((em1 - em0)) -ge 4
ho_run "$E2E_TMP/s1.out" 3 --s1-handover-after 2
check "S1 handovers IPv6 -> IPv4 -> IPv6 with the dedicated bearer: both completed" \
    bash -c "[ \"\$(awk '\$2 == \"s1_handover_ok\" {print \$3}' $E2E_TMP/s1.out)\" = 2 ]"
em2=$(agw_stat gtpu_end_marker_tx)
check "an End Marker per bearer and S1 handover (4)" test $((em2 - em1)) -ge 4
check "after the detaches the datapath holds no session" agw_no_sessions
sleep 1
kill -INT "$TSHARK_PID" 2>/dev/null
wait "$TSHARK_PID" 2>/dev/null
TS=(tshark -r "$CAP" -o nas-eps.null_decipher:FALSE -o udp.check_checksum:TRUE)
tla_decoded() {
    # TS 36.413 9.2.2.1: ours IPv4 + IPv6 in the request, the eNB's IPv6
    "${TS[@]}" -Y "s1ap.InitialContextSetupRequest_element || s1ap.InitialContextSetupResponse_element" \
        -T fields -e s1ap.procedureCode -e s1ap.transportLayerAddressIPv4 \
        -e s1ap.transportLayerAddressIPv6 >"$E2E_TMP/tla.txt" 2>/dev/null
    sed 's/^/#   /' "$E2E_TMP/tla.txt"
    grep -qE "	$S1U_ADDR	$GWS1U6\$" "$E2E_TMP/tla.txt" &&
        grep -qE "		$ENB6\$" "$E2E_TMP/tla.txt"
}
check "tshark: Transport Layer Addresses $S1U_ADDR + $GWS1U6 (ours) and $ENB6 (the eNB's)" tla_decoded
gpdus6() {
    "${TS[@]}" -Y "gtp.message == 0xff" -T fields -e ipv6.src -e ipv6.dst -e gtp.teid \
        -e udp.checksum.status >"$E2E_TMP/g6.txt" 2>/dev/null
    head -n 4 "$E2E_TMP/g6.txt" | sed 's/^/#   /'
    local up down bad
    up=$(grep -cE "^$ENB6(,[^	]*)?	$GWS1U6" "$E2E_TMP/g6.txt")
    down=$(grep -cE "^$GWS1U6(,[^	]*)?	$ENB6(,[^	]*)?	[^	]*	(1|Good)\$" "$E2E_TMP/g6.txt")
    bad=$(grep -cE "^$GWS1U6.*	(2|Bad)\$" "$E2E_TMP/g6.txt")
    diag "G-PDUs over IPv6: $up uplink, $down downlink with a good checksum, $bad bad"
    [ "$up" -ge 6 ] && [ "$down" -ge 6 ] && [ "$bad" = 0 ]
}
check "tshark: G-PDUs over IPv6 both ways, the gateway's with good UDP checksums" gpdus6
erab6() {
    # TS 36.413 9.2.2.1: the dedicated bearer's E-RAB Setup Response with
    # the eNB's 128-bit address
    "${TS[@]}" -Y "s1ap.E_RABSetupResponse_element" -T fields \
        -e s1ap.transportLayerAddressIPv6 >"$E2E_TMP/erab6.txt" 2>/dev/null
    sed 's/^/#   /' "$E2E_TMP/erab6.txt"
    grep -qx "$ENB6" "$E2E_TMP/erab6.txt"
}
check "tshark: the dedicated bearer's E-RAB Setup Response carries $ENB6" erab6
end_markers() {
    # TS 29.281 7.3.2: End Markers to the old eNB over its family
    "${TS[@]}" -Y "gtp.message == 0xfe" -T fields -e ip.dst -e ipv6.dst \
        >"$E2E_TMP/em.txt" 2>/dev/null
    sort "$E2E_TMP/em.txt" | uniq -c | sed 's/^/#   /'
    grep -qE "^	$ENB6\$" "$E2E_TMP/em.txt" && grep -qE "^$ENB2_ADDR	\$" "$E2E_TMP/em.txt"
}
check "tshark: End Markers over IPv6 to $ENB6 and over IPv4 to $ENB2_ADDR" end_markers
agw_stop TERM
[ -n "${E2E_KEEP:-}" ] && diag "kept $E2E_TMP"
[ $TAP_FAILED = 0 ]
