#!/bin/bash
# xepc-agwd end to end: real usrsctp between namespaces, real XDP on veths,
# enbsim as eNBs and UEs.  Attach and detach (IMSI and GUTI), two eNBs,
# traffic through the datapath, an additional PDN connection, network
# detach, restart of the daemon (SIGTERM and kill -9) with traffic flowing,
# and an eNB that comes back with the same eNB ID while the gateway still
# holds its old association.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"

e2e_require
agw_require
trap e2e_cleanup EXIT
tap_plan 30

e2e_topology || { not_ok "topology"; exit 1; }
in_enb ip addr add 172.16.1.3/24 dev "$E_IF"
agw_config
agw_subscribers 6 && ok "6 subscribers imported" || not_ok "subscriber import"
check "xepcctl config check accepts the generated configuration" "$XEPCCTL" config check "$AGW_CONF"
agw_start && ok "xepc-agwd started (datapath up, S1-MME listening)" || { not_ok "xepc-agwd start"; exit 1; }

# --- 1. two UEs attach through one eNB, hold, detach -----------------------
enbsim_run "$E2E_TMP/e1.out" --ues 2 --hold 1 --detach --no-tun
rc=$?
[ $rc = 0 ] && [ "$(enbsim_val "$E2E_TMP/e1.out" attached)" = 2 ] &&
    ok "two UEs attach (IMSI) and detach" || {
    not_ok "two UEs attach and detach (enbsim rc $rc)"
    tail -20 "$E2E_TMP/e1.out" | sed 's/^/# /'
    tail -20 "$E2E_TMP/agwd.log" | sed 's/^/# /'
}
check "the gateway counted 2 attaches and 2 UE detaches" \
    bash -c "[ \$($XEPCCTL agw stats --socket $AGW_SOCK | awk '\$1==\"attach_success\"{print \$2}') -ge 2 ] &&
             [ \$($XEPCCTL agw stats --socket $AGW_SOCK | awk '\$1==\"detach_ue\"{print \$2}') -ge 2 ]"
sleep 0.5
check "after the detaches no UE is registered (their security contexts are kept, TS 33.401 7.2.5.2.1)" \
    bash -c "$XEPCCTL ue list --socket $AGW_SOCK | tail -n +2 | awk '{print \$3}' | sort -u | grep -qx deregistered &&
             ! $XEPCCTL ue list --socket $AGW_SOCK | grep -q ' registered '"
n_sess=$(in_gw "$XEPCCTL" session list --pin-dir "$PIN" 2>/dev/null | awk '/^[0-9]+ sessions?$/ {print $1}')
[ "$n_sess" = 0 ] && ok "datapath holds 0 sessions after the detaches" ||
    not_ok "datapath holds '${n_sess}' sessions after the detaches"

# --- 2. GUTI attach: the second attach of each UE uses the kept GUTI ---------
enbsim_run "$E2E_TMP/e2.out" --ues 2 --attaches 2 --detach --no-tun
[ $? = 0 ] && [ "$(enbsim_val "$E2E_TMP/e2.out" attach_ok)" = 4 ] &&
    ok "GUTI attach after detach (2 UEs x 2 attaches)" || {
    not_ok "GUTI attach"
    tail -20 "$E2E_TMP/e2.out" | sed 's/^/# /'
}

# --- 3. two eNBs, UEs with TUN devices, traffic through XDP ------------------
enbsim_bg "$E2E_TMP/e3.out" --enbs 2 --enb-addr 172.16.1.3 --ues 4 --hold -1 --detach --tun \
    --ue-report "$E2E_TMP/ues.txt"
for _ in $(seq 100); do
    [ "$(agw_stat attach_success)" -ge 8 ] && break
    sleep 0.1
done
check "two eNBs are set up" bash -c "[ \$($XEPCCTL enb list --socket $AGW_SOCK | tail -n +2 | wc -l) = 2 ]"
check "four UEs registered" bash -c "[ \$($XEPCCTL ue list --socket $AGW_SOCK | grep -c ' registered ') = 4 ]"
UE0_IP=$("$XEPCCTL" ue list --socket "$AGW_SOCK" | awk 'NR > 1 && $3 == "registered" {print $5; exit}')
IMSI0=$(awk 'NR == 2 {print $1}' "$E2E_TMP/subs.csv" | cut -d, -f1)
for _ in $(seq 50); do
    in_enb ip -o addr show 2>/dev/null | grep -q " $UE0_IP/" && break
    sleep 0.1
done
UE0_IF=$(in_enb ip -o addr show | awk -v ip="$UE0_IP" '$4 ~ "^"ip"/" {print $2; exit}')
diag "UE $UE0_IP on $UE0_IF"
# traffic from the UE's address leaves through its TUN device
in_enb ip rule add from "$UE0_IP" table 200
in_enb ip route add default dev "$UE0_IF" table 200
check "ping from a UE to the PDN through the XDP datapath" \
    in_enb ping -c 3 -i 0.2 -W 2 -I "$UE0_IF" $PDN_ADDR
check "iperf3 (TCP) from a UE to the PDN" e2e_iperf "$NS_PDN" $PDN_ADDR "$NS_ENB" "$UE0_IP"
check "xepcctl ue show lists the UE's PDN connection with both TEIDs" \
    bash -c "$XEPCCTL ue show $IMSI0 --socket $AGW_SOCK | grep -E '^pdn ebi 5 apn internet ip [0-9.]+ state active ul_teid 0x[0-9a-f]{8} dl_teid 0x[0-9a-f]{8}'"
check "keys do not appear in ue show" \
    bash -c "! $XEPCCTL ue show $IMSI0 --socket $AGW_SOCK | grep -qi kasme"
check "metrics: attaches, eNBs and datapath counters exported" \
    bash -c "ip netns exec $NS_GW curl -s http://127.0.0.1:$AGW_METRICS_PORT/metrics | grep -q '^xepc_agw_attach_success_total [1-9]' &&
             ip netns exec $NS_GW curl -s http://127.0.0.1:$AGW_METRICS_PORT/metrics | grep -q 'xepc_agw_enbs{state=\"setup\"} 2' &&
             ip netns exec $NS_GW curl -s http://127.0.0.1:$AGW_METRICS_PORT/metrics | grep -q '^xepc_dp_packets_total'"

check "a second follower of the datapath events is refused with a clear error" \
    bash -c "! timeout 5 ip netns exec $NS_GW $XEPCCTL events --pin-dir $PIN >$E2E_TMP/ev2.out 2>&1 &&
             grep -q 'already follows the datapath events' $E2E_TMP/ev2.out"

# --- 4. restart with traffic flowing: SIGTERM, then kill -9 ------------------
for sig in TERM KILL; do
    in_enb ping -q -i 0.01 -c 400 -W 1 -I "$UE0_IF" $PDN_ADDR >"$E2E_TMP/ping-$sig.txt" 2>&1 &
    ping_pid=$!
    sleep 0.5
    agw_stop $sig
    sleep 0.3
    agw_start || not_ok "xepc-agwd restarts after SIG$sig"
    wait $ping_pid
    loss=$(grep -o '[0-9.]*% packet loss' "$E2E_TMP/ping-$sig.txt" | cut -d% -f1)
    diag "SIG$sig: $(grep -E 'transmitted' "$E2E_TMP/ping-$sig.txt")"
    [ "$loss" = 0 ] && ok "restart after SIG$sig: 0 packets lost from an established session" ||
        not_ok "restart after SIG$sig: ${loss:-?}% loss"
    check "after SIG$sig the 4 UEs are restored from SQLite" \
        bash -c "[ \$($XEPCCTL ue list --socket $AGW_SOCK | grep -c ' registered ') = 4 ]"
done
check "the eNBs re-establish SCTP and S1 Setup after the restart" \
    bash -c "for i in \$(seq 100); do [ \$($XEPCCTL enb list --socket $AGW_SOCK | tail -n +2 | grep -vc 'no S1 Setup') = 2 ] && exit 0; sleep 0.1; done; exit 1"

# --- 5. network-initiated detach -------------------------------------------
check "xepcctl ue detach: network-initiated detach" "$XEPCCTL" ue detach "$IMSI0" --socket "$AGW_SOCK"
check "the detached UE is deregistered, its session gone from the datapath" \
    bash -c "for i in \$(seq 50); do $XEPCCTL ue show $IMSI0 --socket $AGW_SOCK | grep -qx 'emm deregistered' &&
             ! $XEPCCTL ue show $IMSI0 --socket $AGW_SOCK | grep -q '^pdn' && exit 0; sleep 0.1; done; exit 1"
# the UEs left ECM-IDLE by the restart detach through new S1 connections:
# their integrity-protected DETACH REQUESTs must verify with the NAS COUNTs
# the daemon stored (TS 24.301 4.4.3)
d=$(agw_stat detach_ue)
m=$(agw_stat nas_mac_failure)
kill -INT $ENBSIM_PID 2>/dev/null
wait $ENBSIM_PID 2>/dev/null
[ "$(agw_stat detach_ue)" -ge $((d + 3)) ] && [ "$(agw_stat nas_mac_failure)" = "$m" ] &&
    ok "after the restarts the UEs' next NAS messages verify with the stored counts (3 detaches)" ||
    not_ok "after the restarts: detach_ue $(agw_stat detach_ue) (was $d), nas_mac_failure $(agw_stat nas_mac_failure) (was $m)"

# --- 6. additional PDN connection and disconnect -----------------------------
enbsim_run "$E2E_TMP/e6.out" --ues 1 --pdn ims --detach --no-tun
[ $? = 0 ] && ok "additional PDN connection (ims) set up and disconnected" || {
    not_ok "additional PDN connection"
    tail -20 "$E2E_TMP/e6.out" | sed 's/^/# /'
}
check "the gateway counted the PDN connection and its disconnection" \
    bash -c "[ \$($XEPCCTL agw stats --socket $AGW_SOCK | awk '\$1==\"pdn_disconnect\"{print \$2}') -ge 1 ]"

# --- 7. an eNB killed and back at once with the same eNB ID ------------------
enbsim_bg "$E2E_TMP/e7a.out" --ues 1 --hold -1 --no-tun
sleep 1.5
kill -9 $ENBSIM_PID
wait $ENBSIM_PID 2>/dev/null
enbsim_run "$E2E_TMP/e7b.out" --ues 1 --detach --no-tun --timeout 5
[ $? = 0 ] && ok "an eNB back after a link flap with the same eNB ID is served at once" || {
    not_ok "eNB back after link flap"
    tail -20 "$E2E_TMP/e7b.out" | sed 's/^/# /'
    grep -i "s1ap\|sctp" "$E2E_TMP/agwd.log" | tail -10 | sed 's/^/# /'
}

check "xepc-agwd stops cleanly on SIGTERM" agw_stop TERM
check "no sanitizer or assertion message in the daemon's log" \
    bash -c "! grep -qiE 'AddressSanitizer|runtime error|assert' $E2E_TMP/agwd.log"
check "the datapath is still attached with the daemon stopped (pins kept)" \
    in_gw "$XEPCCTL" dp status --pin-dir "$PIN"
[ $TAP_FAILED = 0 ]
