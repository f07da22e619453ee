#!/bin/bash
# Issue 13, section 4: PDN types IPv6 and IPv4v6 end to end through
# xepc-agwd (routed mode).  A UE attaches with PDN type IPv4v6 on an
# IPv4v6 APN: tshark reads the PDN Address (IPv4 + interface identifier)
# in the ACTIVATE DEFAULT EPS BEARER CONTEXT REQUEST (the UEs offer EEA0
# only, so that NAS is readable); the unsolicited Router Advertisement gives its
# TUN device PREFIX::IID in the APN's pool6; ping -6 and iperf3 -6 reach
# the PDN through the XDP datapath, and IPv4 still works.  Then the
# single-family cases of TS 24.301 6.5.1.3/6.5.1.4: IPv4v6 asked on an
# IPv6-only APN gets IPv6 with ESM cause #51, IPv6 asked on an IPv4-only
# APN is rejected with #50.  Detach leaves no session in the datapath.
# The UE asks for IPv6 DNS servers and P-CSCFs in its PCO: enbsim reports
# and tshark reads the APN's dns6 and pcscf6 (TS 24.008 10.5.6.3).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"

e2e_require
agw_require
trap e2e_cleanup EXIT INT TERM
tap_plan 20

DNS6=2001:db8:53::1
PCSCF6=2001:db8:5060::1

e2e_topology || { not_ok "topology"; exit 1; }
check "IPv6 on SGi ($GW6 - $PDN6, $UE_NET6 routed to the gateway) and in the eNB namespace" \
    agw_ipv6_on

agw_config
# the IPv6 APNs
agw_apn_v6 '\n    dns: [8.8.8.8]\n    dns6: ['"$DNS6"']\n    ims: true\n    pcscf6: ['"$PCSCF6"']\n  - name: v6only\n    pdn_type: ipv6\n    pool6: 2001:db8:4510::/44'
AGW_SUB_APNS="v6;v6only;internet" agw_subscribers 3 || not_ok "subscriber import"
agw_sub_split 3
check "xepcctl config check accepts IPv4v6 and IPv6 APNs with pool6" "$XEPCCTL" config check "$AGW_CONF"

CAP=$E2E_TMP/s1.pcap
ip netns exec "$NS_ENB" timeout 300 tshark -q -i "$E_IF" -f "sctp or ($E2E_S1_MARK)" -w "$CAP" \
    >"$E2E_TMP/tshark.log" 2>&1 &
TSHARK_PID=$!
echo $TSHARK_PID >"$E2E_TMP/tshark.pid"
e2e_wait_capturing "$E2E_TMP/tshark.log" || diag "tshark did not say it captures"
e2e_capture_marked "$CAP" || diag "the S1 capture shows no marker after 30 s"
agw_start && ok "xepc-agwd started" || { not_ok "xepc-agwd start"; exit 1; }

# --- 1. IPv4v6 on the IPv4v6 APN, traffic both families ---------------------
agw_sub_use 1
enbsim_bg "$E2E_TMP/e1.out" --ues 1 --apn v6 --pdn-type ipv4v6 --ue-eea 0x80 --hold -1 --detach --tun \
    --ue-report "$E2E_TMP/e1.ues" --ready-file "$E2E_TMP/e1.ready"
check "UE attached with PDN type IPv4v6" agw_wait_stat attach_success 1 600
pco6_report() {
    for _ in $(seq 300); do
        [ -s "$E2E_TMP/e1.ready" ] && break
        sleep 0.1
    done
    grep -v '^#' "$E2E_TMP/e1.ues" 2>&1 | sed 's/^/#   /'
    # columns 11 and 12: the PCO's first IPv6 DNS server and P-CSCF
    [ "$(awk '!/^#/ {print $11, $12; exit}' "$E2E_TMP/e1.ues" 2>/dev/null)" = "$DNS6 $PCSCF6" ]
}
check "enbsim: the PCO answered the UE's requests with the IPv6 DNS server and P-CSCF" pco6_report
check "the unsolicited Router Advertisement gave ue0 a global address" agw_wait_ue6
UE6=$(agw_ue6_addr)
UE4=$(in_enb ip -4 -o addr show dev ue0 2>/dev/null | awk '{print $4}' | cut -d/ -f1)
diag "UE ue0: $UE4 and $UE6"
in_pdn_prefix() {
    # the session id's /64 in 2001:db8:4500::/44, the IID 0:0:1:TEID
    [[ $UE6 =~ ^2001:db8:450[0-9a-f]:[0-9a-f]{1,4}:0:1: ]] && [[ $UE4 =~ ^10\.48\.0\. ]]
}
check "its /64 is in the APN's pool6, its IID from the PDN Address, its IPv4 from the pool" in_pdn_prefix
IMSI1=$(awk -F, 'NR == 2 {print $1}' "$E2E_TMP/sub1.csv")
ue_show_v6() {
    agwctl ue show "$IMSI1" >"$E2E_TMP/show.txt" 2>&1
    sed 's/^/#   /' "$E2E_TMP/show.txt"
    local p64
    p64=$(echo "$UE6" | cut -d: -f1-4)
    grep -qE "^pdn ebi 5 ipv6 $p64::/64$" "$E2E_TMP/show.txt"
}
check "xepcctl ue show: the PDN connection's /64 is the UE's" ue_show_v6
in_enb ip -6 rule add from "$UE6" table 200
in_enb ip -6 route add default dev ue0 table 200
in_enb ip rule add from "$UE4" table 200
in_enb ip route add default dev ue0 table 200
check "ping -6 from the UE to the PDN through the XDP datapath" \
    in_enb ping -6 -c 3 -i 0.2 -W 2 -I "$UE6" $PDN6
check "iperf3 -6 (TCP) from the UE to the PDN" e2e_iperf "$NS_PDN" $PDN6 "$NS_ENB" "$UE6"
check "IPv4 of the same PDN connection: ping to the PDN" \
    in_enb ping -c 3 -i 0.2 -W 2 -I "$UE4" $PDN_ADDR
dp_counts_v6() {
    xepcctl stats >"$E2E_TMP/stats.txt" 2>&1 || return 1
    grep -iE "ipv6|router adv" "$E2E_TMP/stats.txt" | sed 's/^/#   /'
    grep -iE "uplink inner IPv6" "$E2E_TMP/stats.txt" | grep -qE '[1-9]'
}
check "the datapath counted uplink IPv6 packets" dp_counts_v6

# detach (the next UEs need the eNB's GTP-U port): nothing left
kill -INT "$ENBSIM_PID" 2>/dev/null
wait "$ENBSIM_PID" 2>/dev/null
check "after the detach the datapath holds no session" agw_no_sessions
check "xepcctl dp check: no orphan (IPv6 prefixes removed too)" xepcctl dp check

# --- 2. IPv4v6 asked on the IPv6-only APN: IPv6 with #51 ---------------------
agw_sub_use 2
enbsim_run "$E2E_TMP/e2.out" --ues 1 --apn v6only --pdn-type ipv4v6 --ue-eea 0x80 --hold 0.5 --detach --no-tun
check "IPv4v6 on an IPv6-only APN: attached (and detached)" \
    bash -c "[ \"\$(awk '\$2 == \"attach_ok\" {print \$3}' $E2E_TMP/e2.out)\" = 1 ]"

# --- 3. IPv6 asked on the IPv4-only APN: rejected with #50 -------------------
agw_sub_use 3
enbsim_run "$E2E_TMP/e3.out" --ues 1 --apn internet --pdn-type ipv6 --ue-eea 0x80 --no-tun --timeout 5
check "IPv6 on an IPv4-only APN: the attach is rejected" \
    bash -c "[ \"\$(awk '\$2 == \"attach_failed\" {print \$3}' $E2E_TMP/e3.out)\" = 1 ]"

# the capture holds the last message (dumpcap writes in batches: wait
# until the reject is in the file rather than stop it at once)
wait_in_capture() {
    for _ in $(seq 150); do
        tshark -r "$CAP" -o nas-eps.null_decipher:TRUE -Y "$1" 2>/dev/null | grep -q . && return 0
        sleep 0.2
    done
    diag "not in the capture after 30 s: $1"
    return 1
}
wait_in_capture 'nas_eps.nas_msg_esm_type == 0xd1'
kill -INT "$TSHARK_PID" 2>/dev/null
wait "$TSHARK_PID" 2>/dev/null
TS=(tshark -r "$CAP" -o nas-eps.null_decipher:TRUE)
act_default() {
    "${TS[@]}" -Y 'nas_eps.esm_pdn_type' -T fields -e nas_eps.esm_pdn_type \
        -e nas_eps.esm.pdn_ipv4 -e nas_eps.esm.pdn_ipv6_if_id -e nas_eps.esm.cause \
        >"$E2E_TMP/pdn.txt" 2>"$E2E_TMP/ts.err"
    sed 's/^/#   /' "$E2E_TMP/pdn.txt"
}
act_default
check "tshark: PDN address IPv4v6 with the UE's IPv4 and interface identifier" \
    grep -qE "^3	$UE4	00000001[0-9a-f]{8}	?$" "$E2E_TMP/pdn.txt"
check "tshark: IPv6 granted for IPv4v6 on the IPv6-only APN, ESM cause #51" \
    grep -qE "^2		00000001[0-9a-f]{8}	51$" "$E2E_TMP/pdn.txt"
pco6_wire() {
    # TS 24.008 10.5.6.3 containers 0x0003 and 0x0001 in the IPv4v6 UE's
    # ACTIVATE DEFAULT EPS BEARER CONTEXT REQUEST
    "${TS[@]}" -Y 'nas_eps.esm_pdn_type == 3' -T fields -e gsm_a.gm.sm.pco.dns.ipv6 \
        -e gsm_a.gm.sm.pco.pcscf.ipv6 >"$E2E_TMP/pco6.txt" 2>"$E2E_TMP/ts.err"
    sed 's/^/#   /' "$E2E_TMP/pco6.txt"
    grep -qx "$DNS6	$PCSCF6" "$E2E_TMP/pco6.txt"
}
check "tshark: the PCO carries DNS Server IPv6 Address $DNS6 and P-CSCF IPv6 Address $PCSCF6" pco6_wire
rejected_50() {
    "${TS[@]}" -Y 'nas_eps.nas_msg_esm_type == 0xd1' -T fields -e nas_eps.esm.cause \
        >"$E2E_TMP/rej.txt" 2>"$E2E_TMP/ts.err"
    sed 's/^/#   /' "$E2E_TMP/rej.txt"
    grep -qx 50 "$E2E_TMP/rej.txt"
}
check "tshark: PDN CONNECTIVITY REJECT with ESM cause #50 (IPv4 only allowed)" rejected_50
agw_stop TERM
[ -n "${E2E_KEEP:-}" ] && diag "kept $E2E_TMP"
[ $TAP_FAILED = 0 ]
