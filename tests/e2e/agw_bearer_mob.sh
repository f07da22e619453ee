#!/bin/bash
# Dedicated bearers and mobility (issue 12): the real xepc-agwd, enbsim's
# two eNBs with TUN user plane, XDP on veths.
#  1. A UE with a dedicated bearer goes ECM-IDLE (xepcctl ue release) and is
#     paged back by downlink data: the Initial Context Setup of its service
#     request carries both E-RABs (the dedicated one with its GBR QoS,
#     TS 23.401 5.3.4.1 step 4) and the TFT steers into the bearer's new
#     tunnel again.
#  2. A network-initiated activation and a deactivation for an ECM-IDLE UE
#     page it first and run once it is connected (TS 23.401 5.4.1 step 4,
#     5.4.4.1): Paging, Service Request, Initial Context Setup, then the
#     E-RAB Setup / Release Command.
#  3. An X2 handover moves the dedicated bearer with the default one (Path
#     Switch Request with two E-RABs, TS 23.401 5.5.1.1.2): the bearer's
#     downlink goes to the target eNB with its new TEID, and both old paths
#     get an End Marker.
#  4. The same with an S1 handover (TS 23.401 5.5.1.2.2): the Handover
#     Request carries both E-RABs with their QoS (tshark), the Notify
#     switches both tunnels, traffic on the bearer after it.
#  5. An ECM-IDLE UE paged for a bearer activation answers with a TAU
#     without the active flag: the activation completes in that connection.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"

# short ESM timers; readable NAS (null ciphering)
AGW_NEEDS=tshark agw_bearer_setup 22 2 \
    '\n  t3485: 1s\n  t3486: 1s\n  t3495: 1s\n  t3413: 1s\n  security: { ciphering: [EEA0] }'
ENB2_ADDR=172.16.1.3
in_enb ip addr add $ENB2_ADDR/24 dev "$E_IF"
agw_s1_capture 120 "sctp or udp port 2152"
agw_start || { not_ok "xepc-agwd start"; exit 1; }

show() { agwctl ue show "$IMSI"; }
wait_state() {
    for _ in $(seq 100); do
        [ "$(agw_bearer_val "$1" state)" = "$2" ] && return 0
        sleep 0.1
    done
    show | sed 's/^/# /'
    return 1
}
wait_ecm() {
    for _ in $(seq 100); do
        show | grep -q "^ecm $1" && return 0
        sleep 0.1
    done
    return 1
}
wait_tunnel() {         # the bearer EBI has a downlink tunnel
    for _ in $(seq 100); do
        t=$(agw_bearer_val "$1" dl_teid)
        [ -n "$t" ] && [ "$t" != 0x00000000 ] && return 0
        sleep 0.1
    done
    return 1
}
send_udp() {            # send_udp DST PORT COUNT: from the PDN side to the UE
    in_pdn $PY -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range($3):
    s.sendto(b'v' * 100, ('$1', $2))
"
}
wait_ready() {
    for _ in $(seq 150); do [ -s "$1" ] && return 0; sleep 0.1; done
    return 1
}

# --- 1. ECM-IDLE and back: the bearer in the Initial Context Setup -----------
enbsim_bg "$E2E_TMP/e1.out" --ues 1 --hold -1 --detach --tun --ready-file "$E2E_TMP/ready1"
wait_ready "$E2E_TMP/ready1" || not_ok "enbsim attach"
UE_IP=$(show | awk '$1 == "pdn" && $3 == 5 {print $7}')
out=$(agwctl ue bearer add "$IMSI" --qci 1 --gbr-ul 1M --gbr-dl 1M \
    --tft 'permit out udp from any to 10.45.0.0/16 50000-50010' 2>&1)
wait_state 6 active || diag "bearer add: $out"
agwctl ue release "$IMSI" >/dev/null
wait_ecm idle && [ "$(agw_bearer_val 6 state)" = active ] && [ "$(agw_bearer_val 6 dl_teid)" = 0x00000000 ] &&
    ok "released to ECM-IDLE: the dedicated bearer is kept, without downlink tunnel" ||
    { not_ok "idle with the bearer"; show | sed 's/^/# /'; }
p0=$(agw_stat paging_started)
d0=$(agw_bearer_usage 6 dl_pkts)
send_udp "$UE_IP" 50001 3
wait_tunnel 6 && [ $(( $(agw_stat paging_started) - p0 )) = 1 ] &&
    ok "downlink data for the bearer's TFT paged the UE; its service request set the bearer's tunnel again" ||
    { not_ok "paged back: paging $(( $(agw_stat paging_started) - p0 )), dl_teid $(agw_bearer_val 6 dl_teid)"; show | sed 's/^/# /'; }
sleep 0.3
send_udp "$UE_IP" 50002 4
sleep 0.3
d1=$(agw_bearer_usage 6 dl_pkts)
[ $(( d1 - d0 )) -ge 4 ] && ok "after the service request the TFT steers into the dedicated bearer again ($((d1 - d0)) packets)" ||
    not_ok "bearer dl_pkts $d0 -> $d1"
TEID_SR=$(agw_bearer_val 6 dl_teid)

# --- 2. network-initiated procedures for an idle UE page it ------------------
agwctl ue release "$IMSI" >/dev/null
wait_ecm idle || diag "not idle"
p0=$(agw_stat paging_started)
out=$(agwctl ue bearer add "$IMSI" --qci 2 --gbr-ul 384k --gbr-dl 384k \
    --tft 'permit out udp from any to 10.45.0.0/16 40000-40010' 2>&1)
diag "bearer add to the idle UE: $(echo $out)"
echo "$out" | grep -q '^ebi 7$' && echo "$out" | grep -q 'ECM-IDLE, paged' &&
    ok "bearer add for an ECM-IDLE UE: accepted, the UE is paged" || not_ok "bearer add idle: $out"
wait_state 7 active && [ $(( $(agw_stat paging_started) - p0 )) = 1 ] && wait_tunnel 7 &&
    ok "the UE answered the paging and accepted the bearer (E-RAB set up)" ||
    not_ok "deferred activation: state $(agw_bearer_val 7 state), paging $(( $(agw_stat paging_started) - p0 ))"
send_udp "$UE_IP" 40001 3
sleep 0.3
[ "$(agw_bearer_usage 7 dl_pkts)" = 3 ] && ok "the new bearer's TFT steers its flow" ||
    not_ok "bearer 7 dl_pkts $(agw_bearer_usage 7 dl_pkts)"
agwctl ue release "$IMSI" >/dev/null
wait_ecm idle || diag "not idle"
p0=$(agw_stat paging_started)
x0=$(agw_stat bearer_deactivated)
out=$(agwctl ue bearer delete "$IMSI" 7 2>&1)
agw_wait_stat bearer_deactivated $((x0 + 1)) 100 && [ -z "$(agw_bearer_val 7 state)" ] &&
    [ $(( $(agw_stat paging_started) - p0 )) = 1 ] && wait_ecm connected &&
    ok "bearer delete for an ECM-IDLE UE pages it; the UE accepts the deactivation" ||
    { not_ok "deferred deactivation: $out"; show | sed 's/^/# /'; }
kill -INT "$ENBSIM_PID"
wait "$ENBSIM_PID"
[ $? = 0 ] && ok "enbsim: every procedure of the idle UE succeeded" || {
    not_ok "enbsim (idle part)"
    grep -v '_p[0-9]*_us' "$E2E_TMP/e1.out" | tail -15 | sed 's/^/# /'
}

# --- 3./4. X2 and S1 handover with the dedicated bearer ----------------------
# ho_with_bearer NAME OPTION STAT ENBSIM_KEY: a UE with a dedicated bearer
# handed over once by OPTION (--x2-handover-after / --s1-handover-after);
# the bearer's tunnel follows, End Markers on both old paths, traffic after
ho_with_bearer() {
    local name=$1 opt=$2 stat=$3 key=$4 out=$E2E_TMP/$1.out
    enbsim_bg "$out" --enbs 2 --ues 1 --tun --hold -1 --detach \
        "$opt" 3 --handovers 1 --ready-file "$E2E_TMP/ready-$name"
    wait_ready "$E2E_TMP/ready-$name" || not_ok "enbsim attach ($name handover)"
    UE_IP=$(show | awk '$1 == "pdn" && $3 == 5 {print $7}')
    local h0 em0 t_before e_before t_after e_after d0 rc
    h0=$(agw_stat "$stat")
    em0=$(agw_stat gtpu_end_marker_tx)
    out2=$(agwctl ue bearer add "$IMSI" --qci 1 --gbr-ul 1M --gbr-dl 1M \
        --tft 'permit out udp from any to 10.45.0.0/16 50000-50010' 2>&1)
    wait_state 6 active || diag "bearer add: $out2"
    t_before=$(agw_bearer_val 6 dl_teid)
    e_before=$(agw_bearer_val 6 enb)
    agw_wait_stat "$stat" $((h0 + 1)) 150
    t_after=$(agw_bearer_val 6 dl_teid)
    e_after=$(agw_bearer_val 6 enb)
    diag "dedicated bearer ($name): $e_before $t_before -> $e_after $t_after"
    [ "$(agw_bearer_val 6 state)" = active ] && [ -n "$t_after" ] && [ "$t_after" != "$t_before" ] &&
        [ "$e_after" != "$e_before" ] &&
        ok "$name handover: the dedicated bearer's downlink tunnel moved to the target eNB" ||
        { not_ok "bearer after the $name handover"; show | sed 's/^/# /'; }
    [ $(( $(agw_stat gtpu_end_marker_tx) - em0 )) -ge 2 ] &&
        ok "$name: an End Marker on each old path (default and dedicated bearer)" ||
        not_ok "$name End Markers: $(( $(agw_stat gtpu_end_marker_tx) - em0 ))"
    d0=$(agw_bearer_usage 6 dl_pkts)
    send_udp "$UE_IP" 50003 4
    for _ in $(seq 30); do
        [ $(( $(agw_bearer_usage 6 dl_pkts) - d0 )) -ge 4 ] && break
        sleep 0.1
    done
    [ $(( $(agw_bearer_usage 6 dl_pkts) - d0 )) = 4 ] && ok "$name: after the handover the TFT's flow goes into the bearer" ||
        not_ok "$name: bearer dl_pkts after the handover: $d0 -> $(agw_bearer_usage 6 dl_pkts)"
    kill -INT "$ENBSIM_PID"
    wait "$ENBSIM_PID"
    rc=$?
    [ $rc = 0 ] && [ "$(enbsim_val "$out" "$key")" = 1 ] &&
        [ "$(enbsim_val "$out" dedicated_dl_pkts)" -ge 4 ] 2>/dev/null &&
        ok "enbsim ($name): the handover done, the steered packets received on the dedicated bearer" || {
        not_ok "enbsim $name handover (rc $rc, $key $(enbsim_val "$out" "$key"), ded $(enbsim_val "$out" dedicated_dl_pkts))"
        grep -v '_p[0-9]*_us' "$out" | tail -15 | sed 's/^/# /'
    }
}
ho_with_bearer X2 --x2-handover-after x2_handover_success x2_handover_ok
# 4. S1 handover (TS 23.401 5.5.1.2.2): the Handover Request carries both
# E-RABs with their QoS, the Notify switches both tunnels
ho_with_bearer S1 --s1-handover-after s1_handover_success s1_handover_ok

# --- 5. paged for a bearer, answered with a TAU without the active flag ------
# (TS 24.301 5.6.2.2.1, 5.5.3.2.4): the activation must not wait for
# another paging: the TAU's connection gets the bearers (Initial Context
# Setup) and the E-RAB Setup follows
enbsim_bg "$E2E_TMP/t5.out" --ues 1 --no-tun --hold -1 --detach --paging-tau \
    --ready-file "$E2E_TMP/ready5"
wait_ready "$E2E_TMP/ready5" || not_ok "enbsim attach (paging-tau)"
wait_ecm connected || diag "not connected"
agwctl ue release "$IMSI" >/dev/null
wait_ecm idle || diag "not idle"
p0=$(agw_stat paging_started)
t0=$(agw_stat tau_request)
s0=$(agw_stat service_request)
out=$(agwctl ue bearer add "$IMSI" --qci 1 --gbr-ul 1M --gbr-dl 1M \
    --tft 'permit out udp from any to 10.45.0.0/16 50000-50010' 2>&1)
diag "bearer add to the idle UE: $(echo $out)"
wait_state 6 active && wait_tunnel 6 && [ $(( $(agw_stat paging_started) - p0 )) = 1 ] &&
    [ $(( $(agw_stat tau_request) - t0 )) = 1 ] && [ "$(agw_stat service_request)" = "$s0" ] &&
    ok "paged for a bearer, the UE answered with a TAU (no active flag): the activation went on in that connection" ||
    { not_ok "bearer after a TAU answer: state $(agw_bearer_val 6 state), paging $(( $(agw_stat paging_started) - p0 )), tau $(( $(agw_stat tau_request) - t0 ))"; show | sed 's/^/# /'; }
kill -INT "$ENBSIM_PID"
wait "$ENBSIM_PID"
rc=$?
[ $rc = 0 ] && [ "$(enbsim_val "$E2E_TMP/t5.out" tau_ok)" = 1 ] &&
    [ "$(enbsim_val "$E2E_TMP/t5.out" dedicated_bearer_ok)" = 1 ] &&
    ok "enbsim: the TAU accepted, the dedicated bearer activated" || {
    not_ok "enbsim paging-tau (rc $rc)"
    grep -v '_p[0-9]*_us' "$E2E_TMP/t5.out" | tail -15 | sed 's/^/# /'
}

# --- on the wire ------------------------------------------------------------
sleep 0.5
kill -INT $TSHARK_PID 2>/dev/null
wait $TSHARK_PID 2>/dev/null
TS=(tshark -r "$CAP" -o nas-eps.null_decipher:FALSE)  # ciphered NAS stays ciphered (see agw_tshark.sh)
# Initial Context Setup Requests (procedure 9) that carry E-RAB 6 with QCI 1
# and its GBR: those of the service requests (the attach's has E-RAB 5 only)
ics=$("${TS[@]}" -Y 's1ap.procedureCode == 9 && s1ap.initiatingMessage_element && s1ap.e_RAB_ID == 6 && s1ap.qCI == 1 && s1ap.e_RAB_GuaranteedBitrateDL == 1000000' 2>/dev/null | wc -l)
[ "$ics" -ge 2 ] && ok "tshark: the service requests' Initial Context Setup carries the dedicated E-RAB (QCI 1, GBR)" ||
    not_ok "tshark: Initial Context Setup with E-RAB 6: $ics"
# after the Paging for the deferred activation: Initial UE Message, Initial
# Context Setup, then the E-RAB Setup Request with EBI 7
seq=$("${TS[@]}" -Y 's1ap' -T fields -e _ws.col.Info 2>/dev/null | tr ',' '\n' |
    grep -oE '^ *(Paging|InitialUEMessage|InitialContextSetupRequest|E-RABSetupRequest|E-RABReleaseCommand)\b' |
    tr -d ' ' | tr '\n' ' ')
diag "S1AP: $seq"
echo "$seq" | grep -q 'Paging InitialUEMessage InitialContextSetupRequest E-RABSetupRequest .*Paging InitialUEMessage InitialContextSetupRequest E-RABReleaseCommand' &&
    ok "tshark: Paging -> Initial UE Message -> Initial Context Setup -> E-RAB Setup (then the same with the Release Command)" ||
    not_ok "tshark: deferred procedures' sequence"
# the S1 handover's Handover Request (procedure 1, initiating) with the
# dedicated E-RAB 6, QCI 1 and its GBR beside the default E-RAB 5
hr=$("${TS[@]}" -Y 's1ap.procedureCode == 1 && s1ap.initiatingMessage_element && s1ap.e_RAB_ID == 5 && s1ap.e_RAB_ID == 6 && s1ap.qCI == 1 && s1ap.e_RAB_GuaranteedBitrateDL == 1000000' 2>/dev/null | wc -l)
[ "$hr" = 1 ] && ok "tshark: the Handover Request carries the default and the dedicated E-RAB (QCI 1, GBR)" ||
    not_ok "tshark: Handover Requests with E-RAB 6: $hr"
bad=$("${TS[@]}" -Y 's1ap && (_ws.malformed || _ws.expert.severity >= "Error")' 2>"$E2E_TMP/ts.err" | head -5) ||
    bad="tshark failed: $(cat "$E2E_TMP/ts.err")"
[ -s "$CAP" ] || bad="empty capture"
[ -z "$bad" ] && ok "tshark: no S1AP/NAS packet malformed or with an expert error" || {
    not_ok "malformed S1AP/NAS"
    echo "$bad" | sed 's/^/# /'
}
