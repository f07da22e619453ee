#!/bin/bash
# xepc-agwd: X2 handover (TS 23.401 5.5.1.1.2, TS 36.413 8.4.4) with
# enbsim's two eNBs (172.16.1.2 and .3) and the real datapath.  A TCP
# transfer (iperf3, downlink) runs through a UE's TUN device while the UE
# is handed over three times; each Path Switch Request must be
# acknowledged with the next NH of the chain, the downlink must follow the
# UE, and each old path must get its GTP-U End Marker (TS 29.281 7.3.2),
# after which nothing more goes down that tunnel.  tshark checks the
# captured S1AP and GTP-U.  Then xepc-agwd is killed (-9) while a UE is
# being handed over, and must come back consistent.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"

e2e_require
agw_require
trap e2e_cleanup EXIT
tap_plan 14

e2e_topology || { not_ok "topology"; exit 1; }
ENB2_ADDR=172.16.1.3
in_enb ip addr add $ENB2_ADDR/24 dev "$E_IF"
agw_config
agw_subscribers 4 >/dev/null || not_ok "subscriber import"

# S1AP whole; GTP-U from the gateway, headers only (96 octets)
agw_capture_s1 90
agw_start || { not_ok "xepc-agwd start"; exit 1; }

# --- 1. a TCP transfer survives three X2 handovers --------------------------
READY=$E2E_TMP/ready
enbsim_bg "$E2E_TMP/h1.out" --enbs 2 --ues 1 --tun --hold -1 --detach \
    --x2-handover-after 2.5 --handovers 3 --ready-file "$READY"
agw_ue_tun "$READY"
h0=$(agw_stat x2_handover_success)
# downlink (-R): the direction whose tunnel the path switch moves
check "iperf3 -R (TCP, downlink) through the UE runs across its X2 handovers" \
    e2e_iperf "$NS_PDN" $PDN_ADDR "$NS_ENB" "$UE_IP" -R -t 7 -b 20M
h1=$(agw_stat x2_handover_success)
diag "X2 handovers during the transfer: $((h1 - h0))"
[ $((h1 - h0)) -ge 2 ] && ok "at least two handovers happened while the transfer ran" ||
    not_ok "handovers during the transfer: $((h1 - h0))"
agw_wait_stat x2_handover_success 3 50
check "ping through the UE after its handovers" \
    in_enb ping -c 3 -i 0.2 -W 2 -I "$UE_IF" $PDN_ADDR
kill -INT "$ENBSIM_PID" 2>/dev/null
wait "$ENBSIM_PID"
rc=$?
[ $rc = 0 ] && [ "$(enbsim_val "$E2E_TMP/h1.out" x2_handover_ok)" = 3 ] &&
    [ "$(enbsim_val "$E2E_TMP/h1.out" nh_mismatch)" = 0 ] &&
    ok "enbsim: 3 X2 handovers acknowledged, every {NH, NCC} the UE's (TS 33.401 7.2.8)" || {
    not_ok "enbsim X2 handovers (rc $rc, ok $(enbsim_val "$E2E_TMP/h1.out" x2_handover_ok), nh_mismatch $(enbsim_val "$E2E_TMP/h1.out" nh_mismatch))"
    grep -v '_p[0-9]*_us' "$E2E_TMP/h1.out" | tail -25 | sed 's/^/# /'
    tail -20 "$E2E_TMP/agwd.log" | sed 's/^/# /'
}
[ "$(agw_stat gtpu_end_marker_tx)" -ge 3 ] && ok "the gateway sent an End Marker per handover" ||
    not_ok "End Markers sent: $(agw_stat gtpu_end_marker_tx)"

sleep 0.5
kill -INT $TS_PID $TG_PID 2>/dev/null
wait $TS_PID $TG_PID 2>/dev/null
TS=(tshark -r "$CAP" -o nas-eps.null_decipher:FALSE)  # ciphered NAS stays ciphered (see agw_tshark.sh)
bad=$("${TS[@]}" -Y '_ws.malformed || _ws.expert.severity >= "Error"' 2>"$E2E_TMP/ts.err" | head -5) ||
    bad="tshark failed: $(cat "$E2E_TMP/ts.err")"
[ -s "$CAP" ] || bad="empty capture"
[ -z "$bad" ] && ok "tshark: no malformed S1AP packet in the capture" || {
    not_ok "tshark: malformed packets"
    echo "$bad" | sed 's/^/# /'
}
seq=$("${TS[@]}" -Y 's1ap.procedureCode == 3' -T fields -e _ws.col.Info 2>/dev/null |
    grep -oE 'PathSwitchRequest(Acknowledge|Failure)?' | tr '\n' ' ')
diag "path switch sequence: $seq"
[ "$(echo $seq)" = "PathSwitchRequest PathSwitchRequestAcknowledge PathSwitchRequest PathSwitchRequestAcknowledge PathSwitchRequest PathSwitchRequestAcknowledge" ] &&
    ok "tshark decodes 3 x (Path Switch Request, Path Switch Request Acknowledge)" ||
    not_ok "path switch sequence"

# End Markers (GTP-U type 254) from the gateway: each to the eNB the UE
# left, with the TEID it had there; after each, no G-PDU goes down the
# old tunnel (TS 23.401 5.5.1.1.2 step 5)
tshark -r "$GCAP" -Y "ip.src == $S1U_ADDR && gtp" -T fields -E occurrence=f -e frame.number -e ip.dst \
    -e gtp.message -e gtp.teid >"$E2E_TMP/gtp.txt" 2>/dev/null
awk '$3 == "0xfe" || $3 == "254"' "$E2E_TMP/gtp.txt" >"$E2E_TMP/em.txt"
diag "End Markers (frame, to, teid): $(awk '{printf "%s %s %s; ", $1, $2, $4}' "$E2E_TMP/em.txt")"
em_ok=1
[ "$(wc -l <"$E2E_TMP/em.txt")" -ge 3 ] || em_ok=0
while read -r fr dst _ teid; do
    # the old tunnel carried G-PDUs before and none after the End Marker
    before=$(awk -v f="$fr" -v d="$dst" -v t="$teid" '$1 < f && $2 == d && $4 == t && ($3 == "0xff" || $3 == "255")' "$E2E_TMP/gtp.txt" | wc -l)
    after=$(awk -v f="$fr" -v d="$dst" -v t="$teid" '$1 > f && $2 == d && $4 == t && ($3 == "0xff" || $3 == "255")' "$E2E_TMP/gtp.txt" | wc -l)
    [ "$before" -gt 0 ] && [ "$after" = 0 ] || { em_ok=0; diag "End Marker $fr to $dst teid $teid: $before G-PDUs before, $after after"; }
done <"$E2E_TMP/em.txt"
[ $em_ok = 1 ] && ok "End Marker on each old path (to the old eNB, old TEID), no G-PDU after it" ||
    not_ok "End Markers on the old paths"

# --- 2. xepc-agwd killed while UEs are being handed over --------------------
enbsim_bg "$E2E_TMP/h2.out" --enbs 2 --ues 4 --no-tun --hold -1 --detach \
    --x2-handover-after 0.5 --handovers 0 --concurrency 4
agw_wait_stat x2_handover_success 20 150
agw_stop KILL
agw_start || { not_ok "xepc-agwd restart after kill -9 during handovers"; exit 1; }
check "after kill -9 during handovers: the 4 UEs are back from SQLite, registered" \
    bash -c "[ \$($XEPCCTL ue list --socket $AGW_SOCK | grep -c ' registered ') = 4 ]"
# every stored tunnel is the one in the datapath (no session half switched)
check "after kill -9: each UE's stored downlink tunnel is the datapath's" bash -c "
    n=0
    for t in \$(sqlite3 -separator , $AGW_DB \"SELECT printf('0x%08x', ul_teid), printf('0x%08x', dl_teid), enb_ipv4 FROM pdn_session\"); do
        IFS=, read -r ul dl enb <<<\"\$t\"
        ip netns exec $NS_GW $XEPCCTL session show --teid \$ul --pin-dir $PIN >$E2E_TMP/show.txt || exit 1
        grep -q \"eNB \$enb, dl-teid \$dl\" $E2E_TMP/show.txt || { echo \"stored \$t\"; cat $E2E_TMP/show.txt; exit 1; }
        n=\$((n + 1))
    done
    [ \$n = 4 ]"
# the eNBs' associations died with the daemon; they notice it only by
# heartbeat, so make them restart their transport now (SIGUSR1) and wait
# for both S1 Setups
kill -USR1 "$ENBSIM_PID"
for _ in $(seq 100); do
    [ "$("$XEPCCTL" enb list --socket "$AGW_SOCK" | tail -n +2 | grep -vc 'no S1 Setup')" = 2 ] && break
    sleep 0.1
done
kill -INT "$ENBSIM_PID" 2>/dev/null
wait "$ENBSIM_PID"
sleep 0.5
reg=$("$XEPCCTL" ue list --socket "$AGW_SOCK" | grep -c ' registered ')
det=$(agw_stat detach_ue)
# a UE whose handover the kill interrupted fails on enbsim's side (it
# stops there); every other UE detaches with its NAS counts carrying on
failed=$(enbsim_val "$E2E_TMP/h2.out" failed)
diag "after enbsim ended: $det detached, $reg registered, enbsim failed ${failed:-?} ($(enbsim_val "$E2E_TMP/h2.out" x2_handover_ok) handovers acknowledged)"
[ $((reg + det)) = 4 ] && [ "$det" = $((4 - ${failed:-4})) ] && [ "$det" -ge 1 ] &&
    ok "after the restart every UE still held detaches, the others stay registered (none lost)" || {
    not_ok "after the restart: $det detached, $reg registered"
    grep -v '_p[0-9]*_us' "$E2E_TMP/h2.out" | grep -E 'fail|cause' | sed 's/^/# /'
}

# --- 3. MME-initiated Reset (xepcctl enb reset) -----------------------------
enbsim_bg "$E2E_TMP/r1.out" --ues 2 --no-tun --hold -1 --detach
agw_wait_stat attach_success $(($(agw_stat attach_success) + 2)) 100
ENB_ID=$("$XEPCCTL" enb list --socket "$AGW_SOCK" | awk 'NR == 2 {print $2}')
check "xepcctl enb reset $ENB_ID: Reset sent, 2 UE connections released" bash -c \
    "$XEPCCTL enb reset $ENB_ID --socket $AGW_SOCK | grep -q '2 UE connections released'"
check "after the reset both UEs are registered and ECM-IDLE (sessions kept)" bash -c \
    "for i in \$(seq 30); do [ \$($XEPCCTL ue list --socket $AGW_SOCK | grep ' registered ' | grep -c ' idle ') = 2 ] && exit 0; sleep 0.1; done; exit 1"
kill -INT "$ENBSIM_PID" 2>/dev/null
wait "$ENBSIM_PID"
rc=$?
[ $rc = 0 ] && [ "$(enbsim_val "$E2E_TMP/r1.out" s1_resets_received)" = 1 ] &&
    [ "$(enbsim_val "$E2E_TMP/r1.out" detach_ok)" = 2 ] &&
    ok "enbsim acknowledged the Reset, its UEs detach from ECM-IDLE" || {
    not_ok "enbsim after the MME reset (rc $rc)"
    grep -v '_p[0-9]*_us' "$E2E_TMP/r1.out" | tail -20 | sed 's/^/# /'
}
