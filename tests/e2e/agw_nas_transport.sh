#!/bin/bash
# xepc-agwd: generic NAS transport (TS 24.301 5.6.4) and NAS Non Delivery
# Indication (TS 36.413 8.6.2.3) with enbsim's two eNBs (172.16.1.2, .3):
#   1. `xepcctl ue generic-nas` sends a DOWNLINK GENERIC NAS TRANSPORT; the
#      source eNB does not deliver it because it starts an S1 handover
#      (enbsim --nas-non-delivery 0x68 with --s1-handover-after): the
#      gateway holds the NAS PDU and re-sends it, unchanged, to the target
#      after the Handover Notify; the UE answers with an UPLINK GENERIC NAS
#      TRANSPORT (enbsim echoes the container) that the gateway logs;
#      tshark decodes the S1AP sequence and compares the NAS PDUs;
#   2. a second one goes straight to the UE at the target;
#   3. an idle UE is refused; a non-delivery without a handover (one eNB)
#      is re-sent at once.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"

e2e_require
agw_require
trap e2e_cleanup EXIT
tap_plan 13

e2e_topology || { not_ok "topology"; exit 1; }
ENB1_ADDR=172.16.1.2
ENB2_ADDR=172.16.1.3
in_enb ip addr add $ENB2_ADDR/24 dev "$E_IF"
agw_config
agw_subscribers 2 >/dev/null || not_ok "subscriber import"

CAP=$E2E_TMP/s1ap.pcap
ip netns exec "$NS_ENB" timeout 120 tshark -q -i "$E_IF" -f "sctp or ($E2E_S1_MARK)" -w "$CAP" >"$E2E_TMP/tshark.log" 2>&1 &
TS_PID=$!
e2e_wait_capturing "$E2E_TMP/tshark.log" || diag "tshark did not say it captures"
e2e_capture_marked "$CAP" || diag "the S1 capture shows no marker after 30 s"
agw_start || { not_ok "xepc-agwd start"; exit 1; }

# the first subscriber's IMSI (enbsim --ues 1 is that one; `ue list` masks it)
registered_imsi() {
    awk -F, 'NR == 2 {print $1}' "$E2E_TMP/subs.csv"
}
# wait_connected IMSI: the gateway has taken its Attach Complete and the
# UE is connected (enbsim's ready file may come before the gateway read it)
wait_connected() {
    for _ in $(seq 300); do
        agwctl ue show "$1" 2>/dev/null | grep -q '^emm registered' &&
            agwctl ue show "$1" | grep -q '^ecm connected' && return 0
        sleep 0.1
    done
    diag "UE $1 not registered and connected: $(agwctl ue show "$1" 2>&1 | head -4 | tr '\n' ' ')"
    return 1
}
# wait_log PATTERN: until agwd.log has it (30 s at most)
wait_log() {
    for _ in $(seq 300); do
        grep -q "$1" "$E2E_TMP/agwd.log" && return 0
        sleep 0.1
    done
    return 1
}

# --- 1. not delivered during an S1 handover: re-sent to the target ----------
READY=$E2E_TMP/ready
enbsim_bg "$E2E_TMP/n1.out" --enbs 2 --ues 1 --no-tun --hold -1 --detach --verbose \
    --s1-handover-after 3600 --handovers 1 --nas-non-delivery 0x68 --ready-file "$READY"
for _ in $(seq 300); do [ -s "$READY" ] && break; sleep 0.1; done
IMSI=$(registered_imsi)
diag "UE $IMSI"
wait_connected "$IMSI"
check "xepcctl ue generic-nas: DOWNLINK GENERIC NAS TRANSPORT (LPP) to the connected UE" \
    agwctl ue generic-nas "$IMSI" 1 0102030405
agw_wait_stat s1_handover_success 1 300 && agw_wait_stat nas_non_delivery_resent 1 100 &&
    ok "the source did not deliver it (handover), the gateway re-sent it after the S1 handover" ||
    not_ok "non-delivery: rx $(agw_stat nas_non_delivery_rx), resent $(agw_stat nas_non_delivery_resent), handovers $(agw_stat s1_handover_success)"
wait_log "uplink generic NAS transport, container type 1 (LPP), 5 octets: 0102030405" &&
    [ "$(agw_stat nas_generic_ul_rx)" = 1 ] &&
    ok "the UE got it at the target and answered: UPLINK GENERIC NAS TRANSPORT logged and counted" ||
    not_ok "uplink generic NAS transport: $(agw_stat nas_generic_ul_rx)"

# --- 2. a second one goes straight through ------------------------------------
check "a second generic NAS transport to the UE at the target" \
    agwctl ue generic-nas "$IMSI" 2 aabb 0c
agw_wait_stat nas_generic_ul_rx 2 300 && [ "$(agw_stat nas_non_delivery_rx)" = 1 ] &&
    [ "$(agw_stat nas_generic_dl_tx)" = 2 ] &&
    ok "delivered and answered without a non-delivery" ||
    not_ok "second transport: ul $(agw_stat nas_generic_ul_rx), nnd $(agw_stat nas_non_delivery_rx)"
kill -INT "$ENBSIM_PID" 2>/dev/null
wait_bounded "$ENBSIM_PID" 30
rc=$?
[ $rc = 0 ] && [ "$(enbsim_val "$E2E_TMP/n1.out" nas_non_delivery_tx)" = 1 ] &&
    [ "$(enbsim_val "$E2E_TMP/n1.out" generic_nas_rx)" = 2 ] &&
    [ "$(enbsim_val "$E2E_TMP/n1.out" s1_handover_ok)" = 1 ] &&
    [ "$(enbsim_val "$E2E_TMP/n1.out" detach_ok)" = 1 ] &&
    ok "enbsim: 1 non-delivery, 1 S1 handover, 2 generic transports received, detached" || {
    not_ok "enbsim (rc $rc)"
    grep -v '_p[0-9]*_us' "$E2E_TMP/n1.out" | tail -30 | sed 's/^/# /'
}

sleep 0.5
kill -INT $TS_PID 2>/dev/null
wait $TS_PID 2>/dev/null
TS=(tshark -r "$CAP" -o nas-eps.null_decipher:FALSE)
bad=$("${TS[@]}" -Y '_ws.malformed || _ws.expert.severity >= "Error"' 2>"$E2E_TMP/ts.err" | head -5) ||
    bad="tshark failed: $(cat "$E2E_TMP/ts.err")"
[ -s "$CAP" ] || bad="empty capture"
[ -z "$bad" ] && ok "tshark: no malformed S1AP packet" || {
    not_ok "tshark: malformed packets"
    echo "$bad" | sed 's/^/# /'
}
# procedure codes: 11 downlinkNASTransport, 16 NASNonDeliveryIndication,
# 0/1/2 handover preparation / resource allocation / notification.  One
# SCTP packet may bundle several S1AP PDUs: all occurrences, in order (the
# NAS-PDUs are those of the 11s and 16s, in the same order)
"${TS[@]}" -Y 's1ap.procedureCode in {0,1,2,11,16}' -T fields -E occurrence=a -E separator=' ' \
    -e ip.dst -e s1ap.procedureCode -e s1ap.NAS_PDU >"$E2E_TMP/seq.txt" 2>/dev/null
awk '{ n = split($2, c, ","); split($3, p, ","); k = 0
       for (i = 1; i <= n; i++)
           if (c[i] == 11 || c[i] == 16) print $1, c[i], p[++k]; else print $1, c[i], "-" }' \
    "$E2E_TMP/seq.txt" >"$E2E_TMP/seq2.txt"
NND=$(awk '$2 == 16 {print $3; exit}' "$E2E_TMP/seq2.txt")
NND_CAUSES=$("${TS[@]}" -Y 's1ap.NASNonDeliveryIndication_element' -T fields -E occurrence=a \
    -e s1ap.radioNetwork 2>/dev/null | tr '\n' ',')
diag "NAS Non Delivery Indication: NAS-PDU ${NND:0:24}..., radioNetwork causes in its frame: $NND_CAUSES"
# what happened to that PDU, in order: sent to eNB 1, not delivered, the
# handover, sent again to eNB 2.  The gateway may send the Handover Request
# (ho1) to eNB 2 before eNB 1's non-delivery, sent after its Handover
# Required, is on the wire: both orders are right
seq=$(awk -v p="$NND" '($2 == 11 && $3 == p) {print "dl-nas:" $1; next}
                      $2 == 16 {print "non-delivery"; next}
                      $2 == 0 || $2 == 1 || $2 == 2 {print "ho" $2}' "$E2E_TMP/seq2.txt" |
    uniq | tr '\n' ' ')
diag "sequence: $seq"
[ -n "$NND" ] && [[ ",$NND_CAUSES" == *",33,"* ]] &&
    [[ "$(echo $seq)" =~ ^"dl-nas:$ENB1_ADDR ho0 "("ho1 ")?"non-delivery ho1 ho0 ho2 dl-nas:$ENB2_ADDR"$ ]] &&
    ok "tshark: the NAS PDU to eNB 1, its non-delivery (s1-intra-system-handover-triggered), the handover, the same PDU to eNB 2" ||
    not_ok "tshark sequence: $seq"

# --- 3. an idle UE; a non-delivery without a handover -------------------------
READY=$E2E_TMP/ready3
enbsim_bg "$E2E_TMP/n3.out" --enbs 1 --ues 1 --no-tun --hold -1 --detach \
    --nas-non-delivery 0x68 --ready-file "$READY"
for _ in $(seq 300); do [ -s "$READY" ] && break; sleep 0.1; done
IMSI=$(registered_imsi)
wait_connected "$IMSI"
r0=$(agw_stat nas_non_delivery_resent)
check "generic NAS transport to a UE at the only eNB" agwctl ue generic-nas "$IMSI" 1 0607
agw_wait_stat nas_non_delivery_resent $((r0 + 1)) 300 && agw_wait_stat nas_generic_ul_rx 3 300 &&
    ok "not delivered, no handover: re-sent at once, then delivered and answered" ||
    not_ok "re-send without handover: resent $(agw_stat nas_non_delivery_resent), ul $(agw_stat nas_generic_ul_rx)"
agwctl ue release "$IMSI" >/dev/null
for _ in $(seq 100); do
    agwctl ue list | grep -q ' idle ' && break
    sleep 0.1
done
out=$(agwctl ue generic-nas "$IMSI" 1 0607 2>&1)
[[ "$out" == *"idle"* ]] && ok "an idle UE is refused: $out" || not_ok "idle UE: $out"
out=$(agwctl ue generic-nas "$IMSI" 1 0x6 2>&1)
[[ "$out" == *"container type"* ]] && ok "a container that is not hex is refused" ||
    not_ok "bad container: $out"
kill -INT "$ENBSIM_PID" 2>/dev/null
wait_bounded "$ENBSIM_PID" 30
[ "$(agw_stat nas_non_delivery_dropped)" = 0 ] && ok "nothing given up" ||
    not_ok "nas_non_delivery_dropped $(agw_stat nas_non_delivery_dropped)"
