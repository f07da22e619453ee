#!/bin/bash
# Issue 13, section 4: an IPv6 UE behind a gateway in NAT mode, through
# xepc-agwd and enbsim.  NAT mode translates IPv4 only (nftables
# masquerade); IPv6 UEs are routed (no NAT66): the uplink goes up the
# gateway's stack decapsulated and the kernel routes it, the downlink to
# the UE's /64 is routed by the kernel to the UE-pool device, where tc_ue
# encapsulates it (docs/datapath.md "Routed or NAT").  An IPv4v6 UE
# attaches, reaches the PDN over IPv6 (routed) and IPv4 (masqueraded), is
# reached from the PDN over IPv6, goes ECM-IDLE; then a ping -6 from the
# PDN finds it idle in tc_ue: the packets are kept, the downlink-data
# event pages the UE, and once its Service Request has set the tunnel up
# again every packet arrives, in order, with the hop limit decremented
# once (by the gateway's forwarding; tc_ue leaves it, as the fast path
# does for what it forwards itself).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"

e2e_require
agw_require
trap e2e_cleanup EXIT INT TERM
tap_plan 15

POOL4=10.48.0.0/24         # the APN "v6" of agw_apn_v6
POOL6=2001:db8:4500::/44
UE_DEV=xe${E2E_SFX}u    # the UE-pool device (a NOARP veth: no dummy here)

e2e_topology || { not_ok "topology"; exit 1; }
nat6_setup() {
    # IPv6 on SGi and in the eNB namespace (agw_lib.sh); the PDN routes
    # the UEs' IPv6 pool to the gateway, not their IPv4 pool (masqueraded)
    agw_ipv6_on && in_pdn ip route del $POOL4 || return 1
    # the UE-pool device: a veth without ARP/ND (the kernel hands tc_ue
    # the packets without resolving the UEs' addresses)
    in_gw ip link add "$UE_DEV" type veth peer name "${UE_DEV%u}v" || return 1
    in_gw ip link set "$UE_DEV" arp off up && in_gw ip link set "${UE_DEV%u}v" up &&
        in_gw ethtool -K "$UE_DEV" tso off gso off >/dev/null 2>&1
    in_gw ip route add $POOL4 dev "$UE_DEV" && in_gw ip -6 route add $POOL6 dev "$UE_DEV" || return 1
    in_gw nft -f - <<EOF || return 1
table ip xepc_e2e_nat6 {
    chain post {
        type nat hook postrouting priority srcnat; policy accept;
        ip saddr $POOL4 oifname "$G_IF" masquerade
    }
}
EOF
    # The UE's kernel must not send on its own (MLD reports, router
    # solicitations): enbsim would take that for uplink data and bring the
    # idle UE back itself, not because it was paged
    in_enb nft -f - <<EOF || return 1
table inet xepc_e2e_quiet {
    chain out {
        type filter hook output priority 0; policy accept;
        icmpv6 type { mld-listener-report, mld2-listener-report, mld-listener-done, nd-router-solicit } drop
    }
}
EOF
    in_gw ping -6 -c1 -W2 $PDN6 >/dev/null
}
check "IPv6 on SGi and in the eNB namespace; UE pools routed to $UE_DEV; IPv4 masqueraded" \
    nat6_setup

agw_config
sed -i -e "s|^  mode: routed$|  mode: nat\n  ue_dev: $UE_DEV|" "$AGW_CONF"
agw_apn_v6
AGW_SUB_APNS="v6" agw_subscribers 1 || not_ok "subscriber import"
agw_start && ok "xepc-agwd started in NAT mode" || { not_ok "xepc-agwd start"; exit 1; }
status_nat() {
    xepcctl dp status >"$E2E_TMP/status" || return 1
    cat "$E2E_TMP/status"
    grep -q '^mode *nat' "$E2E_TMP/status" &&
        grep -q "ue-dev *$UE_DEV .*tc_ue *prog [1-9]" "$E2E_TMP/status"
}
check "dp status: NAT mode, tc_ue on the UE-pool device" status_nat

enbsim_bg "$E2E_TMP/e1.out" --ues 1 --apn v6 --pdn-type ipv4v6 --tun --idle-after 1 --hold -1 \
    --detach --ready-file "$E2E_TMP/e1.ready" --timeout 10
check "UE attached with PDN type IPv4v6" agw_wait_stat attach_success 1 600
check "the unsolicited Router Advertisement gave ue0 a global address" agw_wait_ue6
UE6=$(agw_ue6_addr)
UE4=$(in_enb ip -4 -o addr show dev ue0 2>/dev/null | awk '{print $4}' | cut -d/ -f1)
IMSI=$(awk -F, 'NR == 2 {print $1}' "$E2E_TMP/subs.csv")
diag "UE $IMSI: $UE4 and $UE6"
in_enb ip -6 rule add from "$UE6" table 200
in_enb ip -6 route add default dev ue0 table 200
in_enb ip rule add from "$UE4" table 200
in_enb ip route add default dev ue0 table 200

# --- NAT mode: IPv4 translated, IPv6 routed ----------------------------------
check "ping -6 UE -> PDN: up the stack decapsulated (UL_NAT_PASS), routed by the kernel" \
    in_enb ping -6 -c 3 -i 0.2 -W 3 -I "$UE6" $PDN6
check "ping UE -> PDN over IPv4: masqueraded (the PDN has no route to $POOL4)" \
    in_enb ping -c 3 -i 0.2 -W 3 -I "$UE4" $PDN_ADDR
check "ping -6 PDN -> UE: the UE's /64 is routed to it, tc_ue encapsulates" \
    in_pdn ping -6 -c 3 -i 0.2 -W 3 "$UE6"

# --- the UE goes ECM-IDLE; a ping -6 from the PDN pages it -------------------
wait_idle() {
    for _ in $(seq 200); do
        agwctl ue show "$IMSI" >"$E2E_TMP/show.txt" 2>&1
        grep -q '^ecm idle' "$E2E_TMP/show.txt" &&
            grep -q '^pdn ebi 5 .* dl_teid 0x00000000' "$E2E_TMP/show.txt" && return 0
        sleep 0.1
    done
    sed 's/^/#   /' "$E2E_TMP/show.txt"
    return 1
}
check "the UE went ECM-IDLE (no tunnel in the datapath) after a second without traffic" wait_idle
paged0=$(agw_stat paging_started)
buf0=$(e2e_stat IDLE_BUFFERED)
ddn0=$(e2e_stat EV_DDN)
CAP=$E2E_TMP/s1.pcap
ip netns exec "$NS_ENB" timeout 120 tshark -q -i "$E_IF" \
    -f "sctp or (udp port 2152 and src host $S1U_ADDR) or (icmp and src host $S1U_ADDR)" \
    -w "$CAP" >"$E2E_TMP/tshark.log" 2>&1 &
TSHARK_PID=$!
echo $TSHARK_PID >"$E2E_TMP/tshark.pid"
e2e_wait_capturing "$E2E_TMP/tshark.log" || diag "tshark did not say it captures"
# "Capturing on" came before packets did in one loaded run (the paging
# missing from the capture): a ping from the gateway to the eNB marks the
# moment the capture is known to hold what follows
e2e_capture_marked "$CAP" || diag "the capture shows no marker after 30 s"
# 10 echo requests 50 ms apart: the first ones wait in the datapath (tc_ue
# keeps at most 16 per UE) while the UE is paged and comes back
in_pdn ping -6 -c 10 -i 0.05 -W 8 "$UE6" >"$E2E_TMP/ping.txt" 2>&1
diag "$(grep transmitted "$E2E_TMP/ping.txt")"
check "ping -6 to the idle UE: 10 sent, 10 answered (none lost while paging)" \
    grep -q '10 packets transmitted, 10 received' "$E2E_TMP/ping.txt"
paged_once() {
    local p s
    p=$(( $(agw_stat paging_started) - paged0 ))
    s=$(agw_stat paging_success)
    diag "paging_started +$p, paging_success $s"
    [ "$p" = 1 ] && [ "$s" -ge 1 ]
}
check "the downlink-data event paged the UE once, and it answered" paged_once
kept() {
    local b d full
    b=$(( $(e2e_stat IDLE_BUFFERED) - buf0 ))
    d=$(( $(e2e_stat EV_DDN) - ddn0 ))
    full=$(( $(e2e_stat IDLE_BUFFER_FULL) + $(e2e_stat IDLE_RINGBUF_FULL) + $(e2e_stat IDLE_NO_BUFFER) +
        $(e2e_stat IDLE_TOO_BIG) ))
    diag "IDLE_BUFFERED +$b, EV_DDN +$d, idle drops $full, DL6_RX $(e2e_stat DL6_RX), DL_TC_FWD $(e2e_stat DL_TC_FWD)"
    [ "$b" -ge 1 ] && [ "$d" -ge 1 ] && [ "$full" = 0 ] && [ "$(e2e_stat DL6_RX)" -ge 13 ]
}
check "tc_ue kept the IPv6 packets (IDLE_BUFFERED), raised the downlink-data event, dropped none" kept

# the capture holds the tenth echo request: wait for it, then stop tshark
in_capture() {
    tshark -r "$CAP" -Y 'icmpv6.type == 128' -T fields -e icmpv6.echo.sequence_number \
        -e ipv6.hlim -e gtp.teid >"$E2E_TMP/req.txt" 2>/dev/null
    [ "$(wc -l <"$E2E_TMP/req.txt")" -ge 10 ]
}
for _ in $(seq 100); do in_capture && break; sleep 0.2; done
kill -INT "$TSHARK_PID" 2>/dev/null
wait "$TSHARK_PID" 2>/dev/null
in_capture
sed 's/^/#   /' "$E2E_TMP/req.txt"
in_order() {
    # sequence numbers 1..10 in the order sent, each once, hop limit 63:
    # sent with 64, decremented once by the gateway's kernel
    [ "$(cut -f1 "$E2E_TMP/req.txt" | tr '\n' ' ')" = "1 2 3 4 5 6 7 8 9 10 " ] &&
        [ "$(cut -f2 "$E2E_TMP/req.txt" | sort -u)" = 63 ]
}
check "tshark at the eNB: echo requests 1-10 in order through the tunnel, hop limit 63" in_order
TS=(tshark -r "$CAP" -o nas-eps.null_decipher:FALSE)
seq_s1() {
    local bad seq
    bad=$("${TS[@]}" -Y '_ws.malformed || _ws.expert.severity >= "Error"' 2>/dev/null)
    seq=$("${TS[@]}" -Y s1ap -T fields -e _ws.col.Info 2>/dev/null | tr ',' '\n' |
        grep -oE '^ *(Paging|InitialUEMessage|InitialContextSetup(Request|Response))\b' |
        tr -d ' ' | tr '\n' ' ')
    diag "S1AP: $seq"
    [ -z "$bad" ] && [ "$seq" = "Paging InitialUEMessage InitialContextSetupRequest InitialContextSetupResponse " ]
}
check "tshark: Paging -> Initial UE Message -> Initial Context Setup, nothing malformed" seq_s1

# detach: nothing left in the datapath
kill -INT "$ENBSIM_PID" 2>/dev/null
wait "$ENBSIM_PID" 2>/dev/null
clean() { agw_no_sessions && xepcctl dp check; }
check "after the detach the datapath holds no session; dp check finds nothing" clean
agw_stop TERM
[ -n "${E2E_KEEP:-}" ] && diag "kept $E2E_TMP"
[ $TAP_FAILED = 0 ]
