#!/bin/bash
# xepc-agwd: S1-based handover within the gateway (TS 23.401 5.5.1.2.2
# without MME/SGW relocation, TS 36.413 8.4.1-8.4.3, 8.4.5-8.4.7) between
# enbsim's two eNBs (172.16.1.2 and .3), with the real datapath:
#   1. a TCP transfer (iperf3, downlink) runs through a UE's TUN device
#      while the UE is handed over three times (Handover Required ->
#      Request -> Request Acknowledge -> Command -> eNB/MME Status Transfer
#      -> Notify -> the source's UE Context Release); each Handover Request
#      carries the next {NH, NCC} of the chain, the downlink follows the UE
#      with an End Marker on each old path; tshark decodes the procedure;
#   2. Handover Cancel after the Command: the UE stays with the source;
#   3. no Notify within mme.ts1relocoverall: the target's connection is
#      released (tS1relocoverall-expiry), the tunnel stays at the source;
#   4. xepc-agwd killed (-9) between Handover Request and Notify: after the
#      restart the UE is on one eNB (the source), its stored tunnel is the
#      datapath's, and it attaches again and carries traffic.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"

e2e_require
agw_require
trap e2e_cleanup EXIT
tap_plan 20

e2e_topology || { not_ok "topology"; exit 1; }
ENB1_ADDR=172.16.1.2
ENB2_ADDR=172.16.1.3
in_enb ip addr add $ENB2_ADDR/24 dev "$E_IF"
agw_config
# the handover guards of docs/agw.md, short for part 3
sed -i 's/^  t3450: 2s$/  t3450: 2s\n  ts1relocprep: 2s\n  ts1relocoverall: 1500ms/' "$AGW_CONF"
grep -q "ts1relocoverall: 1500ms" "$AGW_CONF" || not_ok "config: ts1relocoverall"
agw_subscribers 4 >/dev/null || not_ok "subscriber import"

agw_capture_s1 120
agw_start || { not_ok "xepc-agwd start"; exit 1; }

# The downlink tunnel of the session with uplink TEID $1 in the datapath:
# "ENB_ADDR DL_TEID".
dp_tunnel() {
    ip netns exec "$NS_GW" "$XEPCCTL" session show --teid "$1" --pin-dir "$PIN" |
        sed -n 's/.*eNB \([0-9.]*\), dl-teid \(0x[0-9a-f]*\).*/\1 \2/p'
}
# The stored session of the UE: "UL_TEID DL_TEID ENB_ADDR".
db_session() {
    sqlite3 -separator ' ' "$AGW_DB" \
        "SELECT printf('0x%08x', ul_teid), printf('0x%08x', dl_teid), enb_ipv4 FROM pdn_session LIMIT 1"
}

# --- 1. a TCP transfer survives three S1 handovers --------------------------
READY=$E2E_TMP/ready
enbsim_bg "$E2E_TMP/h1.out" --enbs 2 --ues 1 --tun --hold -1 --detach \
    --s1-handover-after 2.5 --handovers 3 --ready-file "$READY"
agw_ue_tun "$READY"
h0=$(agw_stat s1_handover_success)
check "iperf3 -R (TCP, downlink) through the UE runs across its S1 handovers" \
    e2e_iperf "$NS_PDN" $PDN_ADDR "$NS_ENB" "$UE_IP" -R -t 7 -b 20M
h1=$(agw_stat s1_handover_success)
diag "S1 handovers during the transfer: $((h1 - h0))"
[ $((h1 - h0)) -ge 2 ] && ok "at least two S1 handovers happened while the transfer ran" ||
    not_ok "S1 handovers during the transfer: $((h1 - h0))"
agw_wait_stat s1_handover_success 3 50
check "ping through the UE after its S1 handovers" \
    in_enb ping -c 3 -i 0.2 -W 2 -I "$UE_IF" $PDN_ADDR
read -r ul dl enb <<<"$(db_session)"
[ "$enb" = $ENB2_ADDR ] && [ "$(dp_tunnel "$ul")" = "$enb $dl" ] &&
    ok "after 3 handovers the UE is at eNB $ENB2_ADDR, stored and datapath tunnel agree" ||
    not_ok "after 3 handovers: stored $ul $dl $enb, datapath $(dp_tunnel "$ul")"
kill -INT "$ENBSIM_PID" 2>/dev/null
wait_bounded "$ENBSIM_PID" 20
rc=$?
[ $rc = 0 ] && [ "$(enbsim_val "$E2E_TMP/h1.out" s1_handover_ok)" = 3 ] &&
    [ "$(enbsim_val "$E2E_TMP/h1.out" nh_mismatch)" = 0 ] &&
    [ "$(enbsim_val "$E2E_TMP/h1.out" s1_ho_unexpected)" = 0 ] &&
    [ "$(enbsim_val "$E2E_TMP/h1.out" s1_ho_release_cause_other)" = 0 ] &&
    ok "enbsim: 3 S1 handovers, each Handover Request with the UE's next {NH, NCC} (TS 33.401 7.2.8.4.3)" || {
    not_ok "enbsim S1 handovers (rc $rc, ok $(enbsim_val "$E2E_TMP/h1.out" s1_handover_ok), nh_mismatch $(enbsim_val "$E2E_TMP/h1.out" nh_mismatch))"
    grep -v '_p[0-9]*_us' "$E2E_TMP/h1.out" | tail -30 | sed 's/^/# /'
    tail -20 "$E2E_TMP/agwd.log" | sed 's/^/# /'
}
[ "$(agw_stat gtpu_end_marker_tx)" -ge 3 ] && ok "the gateway sent an End Marker per S1 handover" ||
    not_ok "End Markers sent: $(agw_stat gtpu_end_marker_tx)"

# --- 2. Handover Cancel -------------------------------------------------------
c0=$(agw_stat s1_handover_cancel)
enbsim_bg "$E2E_TMP/h2.out" --enbs 2 --ues 1 --no-tun --hold 4 --detach \
    --s1-handover-after 0.5 --handovers 2 --s1-handover-cancel --ue-report "$E2E_TMP/h2.ues"
wait_bounded "$ENBSIM_PID" 30
rc=$?
[ $rc = 0 ] && [ "$(enbsim_val "$E2E_TMP/h2.out" s1_handover_cancel_ok)" = 2 ] &&
    [ "$(enbsim_val "$E2E_TMP/h2.out" detach_ok)" = 1 ] &&
    [ "$(awk 'NR > 1 {print $6}' "$E2E_TMP/h2.ues")" = 0 ] &&
    ok "Handover Cancel after the Command, twice: acknowledged, the UE stays at the source and detaches there" || {
    not_ok "Handover Cancel (rc $rc)"
    grep -v '_p[0-9]*_us' "$E2E_TMP/h2.out" | tail -30 | sed 's/^/# /'
}
[ $(($(agw_stat s1_handover_cancel) - c0)) = 2 ] && ok "the gateway counted 2 cancelled S1 handovers" ||
    not_ok "s1_handover_cancel: $(($(agw_stat s1_handover_cancel) - c0))"

sleep 0.5
kill -INT $TS_PID $TG_PID 2>/dev/null
wait $TS_PID $TG_PID 2>/dev/null
# ciphered NAS stays ciphered (null_decipher would parse EEA2 output as
# plain NAS and call it malformed); S1AP is what is judged here
TS=(tshark -r "$CAP" -o nas-eps.null_decipher:FALSE)
bad=$("${TS[@]}" -Y '_ws.malformed || _ws.expert.severity >= "Error"' 2>"$E2E_TMP/ts.err" | head -5) ||
    bad="tshark failed: $(cat "$E2E_TMP/ts.err")"
[ -s "$CAP" ] || bad="empty capture"
[ -z "$bad" ] && ok "tshark: no malformed S1AP packet (the transparent containers decode)" || {
    not_ok "tshark: malformed packets"
    echo "$bad" | sed 's/^/# /'
}
# procedure codes 0 handoverPreparation, 1 handoverResourceAllocation,
# 2 handoverNotification, 4 handoverCancel, 24/25 status transfer
NAMES='HandoverRequired|HandoverRequestAcknowledge|HandoverRequest|HandoverCommand|ENBStatusTransfer|MMEStatusTransfer|HandoverNotify|HandoverCancelAcknowledge|HandoverCancel'
seq=$("${TS[@]}" -Y 's1ap.procedureCode in {0,1,2,4,24,25}' -T fields -e _ws.col.Info 2>/dev/null |
    grep -oE "$NAMES" | tr '\n' ' ')
diag "S1 handover sequence: $seq"
one="HandoverRequired HandoverRequest HandoverRequestAcknowledge HandoverCommand ENBStatusTransfer MMEStatusTransfer HandoverNotify"
can="HandoverRequired HandoverRequest HandoverRequestAcknowledge HandoverCommand HandoverCancel HandoverCancelAcknowledge"
[ "$(echo $seq)" = "$one $one $one $can $can" ] &&
    ok "tshark decodes 3 complete S1 handovers, then 2 cancelled ones, in order" ||
    not_ok "S1 handover sequence"
# the source's context goes with cause successful-handover (TS 23.401
# 5.5.1.2.2 step 19); the cancelled targets' with handover-cancelled
rel=$("${TS[@]}" -Y 's1ap.UEContextReleaseCommand_element' -T fields -e s1ap.radioNetwork 2>/dev/null |
    sort | uniq -c | awk '{printf "%s:%s ", $2, $1}')
diag "UE Context Release Command causes (radioNetwork value:count): $rel"
[ "$("${TS[@]}" -Y 's1ap.radioNetwork == 2' -T fields -e frame.number 2>/dev/null | wc -l)" -ge 3 ] &&
    [ "$("${TS[@]}" -Y 's1ap.UEContextReleaseCommand_element && s1ap.radioNetwork == 4' -T fields -e frame.number 2>/dev/null | wc -l)" = 2 ] &&
    ok "tshark: the sources released with successful-handover, the cancelled targets with handover-cancelled" ||
    not_ok "release causes: $rel"
# End Markers (GTP-U 254) from the gateway, each after the old tunnel's
# last G-PDU
tshark -r "$GCAP" -Y "ip.src == $S1U_ADDR && gtp" -T fields -E occurrence=f -e frame.number -e ip.dst \
    -e gtp.message -e gtp.teid >"$E2E_TMP/gtp.txt" 2>/dev/null
awk '$3 == "0xfe" || $3 == "254"' "$E2E_TMP/gtp.txt" >"$E2E_TMP/em.txt"
em_ok=1
[ "$(wc -l <"$E2E_TMP/em.txt")" -ge 3 ] || em_ok=0
while read -r fr dst _ teid; do
    after=$(awk -v f="$fr" -v d="$dst" -v t="$teid" '$1 > f && $2 == d && $4 == t && ($3 == "0xff" || $3 == "255")' "$E2E_TMP/gtp.txt" | wc -l)
    [ "$after" = 0 ] || { em_ok=0; diag "End Marker $fr to $dst teid $teid: $after G-PDUs after"; }
done <"$E2E_TMP/em.txt"
[ $em_ok = 1 ] && ok "End Marker on each old path, no G-PDU down it afterwards" ||
    not_ok "End Markers on the old paths"

# --- 3. no Handover Notify within mme.ts1relocoverall -------------------------
t0=$(agw_stat s1_handover_timeout)
enbsim_bg "$E2E_TMP/h3.out" --enbs 2 --ues 1 --no-tun --hold 5 --detach \
    --s1-handover-after 0.5 --handovers 1 --s1-notify-delay 3 --ue-report "$E2E_TMP/h3.ues"
agw_wait_stat s1_handover_timeout $((t0 + 1)) 60
read -r ul dl enb <<<"$(db_session)"
[ "$enb" = $ENB1_ADDR ] && [ "$(dp_tunnel "$ul")" = "$enb $dl" ] &&
    ok "TS1RELOCoverall expired: the tunnel stays at the source $ENB1_ADDR (stored and datapath)" ||
    not_ok "after the expiry: stored $ul $dl $enb, datapath $(dp_tunnel "$ul")"
wait_bounded "$ENBSIM_PID" 30
grep -q "failed_cause s1_handover:radioNetwork/tS1relocoverall-expiry 1" "$E2E_TMP/h3.out" &&
    [ "$(enbsim_val "$E2E_TMP/h3.out" detach_ok)" = 1 ] &&
    [ "$(awk 'NR > 1 {print $6}' "$E2E_TMP/h3.ues")" = 0 ] &&
    ok "enbsim: the target released with tS1relocoverall-expiry, the UE detaches at the source" || {
    not_ok "enbsim after the expiry"
    grep -v '_p[0-9]*_us' "$E2E_TMP/h3.out" | grep -E 'fail|cause|detach' | sed 's/^/# /'
}

# --- 4. xepc-agwd killed between Handover Request and Notify ------------------
enbsim_bg "$E2E_TMP/h4.out" --enbs 2 --ues 1 --no-tun --hold -1 --detach --verbose \
    --s1-handover-after 0.5 --handovers 1 --s1-notify-delay 1
for _ in $(seq 100); do
    grep -q "S1 handover: status transfer" "$E2E_TMP/h4.out" && break
    sleep 0.05
done
grep -q "S1 handover: status transfer" "$E2E_TMP/h4.out" && ! grep -q "handover notify" "$E2E_TMP/h4.out" &&
    ok "enbsim is between Handover Command and Notify" ||
    not_ok "no S1 handover in execution to interrupt"
agw_stop KILL
agw_start || { not_ok "xepc-agwd restart after kill -9 during an S1 handover"; exit 1; }
read -r ul dl enb <<<"$(db_session)"
check "after kill -9: the UE is back from SQLite, registered" \
    bash -c "[ \$($XEPCCTL ue list --socket $AGW_SOCK | grep -c ' registered ') = 1 ]"
[ "$enb" = $ENB1_ADDR ] && [ "$(dp_tunnel "$ul")" = "$enb $dl" ] &&
    ok "after kill -9: the UE's tunnel is the source's ($ENB1_ADDR), stored and in the datapath" ||
    not_ok "after kill -9: stored $ul $dl $enb, datapath $(dp_tunnel "$ul")"
# the eNBs notice the lost association by heartbeat only: make them
# restart their transport now, then the UE is ECM-IDLE on no eNB
kill -USR1 "$ENBSIM_PID"
for _ in $(seq 100); do
    [ "$("$XEPCCTL" enb list --socket "$AGW_SOCK" | tail -n +2 | grep -vc 'no S1 Setup')" = 2 ] && break
    sleep 0.1
done
check "after the eNBs set up again the UE is registered and ECM-IDLE" bash -c \
    "for i in \$(seq 30); do [ \$($XEPCCTL ue list --socket $AGW_SOCK | grep ' registered ' | grep -c ' idle ') = 1 ] && exit 0; sleep 0.1; done; exit 1"
kill -INT "$ENBSIM_PID" 2>/dev/null
wait_bounded "$ENBSIM_PID" 20
# the UE's handover died with the association (enbsim fails it); a new
# attach of the same subscriber replaces the context, and traffic flows
READY=$E2E_TMP/ready5
enbsim_bg "$E2E_TMP/h5.out" --enbs 2 --ues 1 --tun --hold -1 --detach --ready-file "$READY"
for _ in $(seq 100); do [ -s "$READY" ] && break; sleep 0.1; done
UE_IP=$("$XEPCCTL" ue list --socket "$AGW_SOCK" | awk 'NR > 1 && $3 == "registered" {print $5; exit}')
for _ in $(seq 50); do
    in_enb ip -o addr show 2>/dev/null | grep -q " $UE_IP/" && break
    sleep 0.1
done
UE_IF=$(in_enb ip -o addr show | awk -v ip="$UE_IP" '$4 ~ "^"ip"/" {print $2; exit}')
check "after the restart the subscriber attaches again and pings through the datapath" \
    in_enb ping -c 3 -i 0.2 -W 2 -I "$UE_IF" $PDN_ADDR
kill -INT "$ENBSIM_PID" 2>/dev/null
wait_bounded "$ENBSIM_PID" 20
rc=$?
[ $rc = 0 ] && [ "$(enbsim_val "$E2E_TMP/h5.out" detach_ok)" = 1 ] &&
    ok "and detaches cleanly" || {
    not_ok "second attach/detach (rc $rc)"
    grep -v '_p[0-9]*_us' "$E2E_TMP/h5.out" | tail -20 | sed 's/^/# /'
}
