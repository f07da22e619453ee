#!/bin/bash
# xepc-agwd's idle mode against enbsim (issue 12): downlink data for an
# ECM-IDLE UE pages it (S1AP Paging by S-TMSI), the UE answers with a
# SERVICE REQUEST, the Initial Context Setup restores its bearers and the
# packets the datapath kept are delivered, none lost; idle/active cycles
# with SERVICE REQUEST and EXTENDED SERVICE REQUEST; periodic TAU and TAU
# with the active flag (GUTI reallocated, TAU COMPLETE); GUTI reallocation
# on its own (xepcctl ue guti-realloc) and MME-initiated release (xepcctl
# ue release); Service Reject #10 for an implicitly detached UE and #9 for
# one the gateway does not know; a restart of xepc-agwd while it pages.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"

e2e_require
agw_require
trap e2e_cleanup EXIT
tap_plan 28

e2e_topology || { not_ok "topology"; exit 1; }
agw_config
# T3413 short, so that a paging that is not answered ends within the test
sed -i \
    -e 's/^  level: \(.*\)$/  level: \1\n  mask_imsi: false/' "$AGW_CONF"
agw_subscribers 4 || not_ok "subscriber import"
agw_start || { not_ok "xepc-agwd start"; exit 1; }

out_diag() {
    grep -v '_p[0-9]*_us' "$1" | tail -25 | sed 's/^/# /'
    tail -20 "$E2E_TMP/agwd.log" | sed 's/^/# agwd: /'
}

ue_tmsi() { agwctl ue list | awk -v i="$1" 'NR > 1 && $1 ~ i { print $6 }'; }

# --- 1. idle/active cycles: SERVICE REQUEST, EXTENDED SERVICE REQUEST ------
enbsim_run "$E2E_TMP/c1.out" --ues 2 --no-tun --idle-after 0 --active-after 0.2 --cycles 3 \
    --hold 0.3 --detach --timeout 20
rc=$?
[ $rc = 0 ] && [ "$(enbsim_val "$E2E_TMP/c1.out" service_request_ok)" = 6 ] &&
    [ "$(enbsim_val "$E2E_TMP/c1.out" kenb_mismatch)" = 0 ] &&
    ok "3 idle->active cycles per UE: SERVICE REQUEST -> ICS, KeNB from its COUNT" || {
    not_ok "service request cycles (enbsim rc $rc)"
    out_diag "$E2E_TMP/c1.out"
}
[ "$(agw_stat service_accept)" -ge 6 ] && [ "$(enbsim_val "$E2E_TMP/c1.out" detach_ok)" = 2 ] &&
    ok "the gateway accepted 6 service requests; the UEs detach afterwards" ||
    not_ok "service_accept $(agw_stat service_accept)"

enbsim_run "$E2E_TMP/c2.out" --ues 2 --no-tun --idle-after 0 --release-cause radio-loss \
    --active-after 0.2 --cycles 2 --ext-service --hold 0.3 --detach --timeout 20
rc=$?
[ $rc = 0 ] && [ "$(enbsim_val "$E2E_TMP/c2.out" service_request_ok)" = 4 ] &&
    [ "$(enbsim_val "$E2E_TMP/c2.out" kenb_mismatch)" = 0 ] &&
    ok "EXTENDED SERVICE REQUEST (packet services via S1) brings the bearers back" || {
    not_ok "extended service request (enbsim rc $rc)"
    out_diag "$E2E_TMP/c2.out"
}

# --- 2. periodic TAU from ECM-IDLE, with and without the active flag ---------
enbsim_run "$E2E_TMP/t1.out" --ues 2 --no-tun --idle-after 0 --tau-period 0.3 --hold 1.2 \
    --detach --timeout 20
rc=$?
tau=$(enbsim_val "$E2E_TMP/t1.out" tau_ok)
[ $rc = 0 ] && [ "${tau:-0}" -ge 2 ] && [ "$(enbsim_val "$E2E_TMP/t1.out" detach_ok)" = 2 ] &&
    ok "periodic TAU accepted ($tau), new GUTIs taken (TAU COMPLETE), detach by the new GUTI" || {
    not_ok "periodic TAU (enbsim rc $rc, tau_ok $tau)"
    out_diag "$E2E_TMP/t1.out"
}
check "the gateway reallocated a GUTI with each TAU and released the connection after it" \
    bash -c "[ \$($XEPCCTL agw stats --socket $AGW_SOCK | awk '\$1==\"tau_accept\"{print \$2}') -ge $tau ]"

enbsim_run "$E2E_TMP/t2.out" --ues 2 --no-tun --idle-after 0.3 --tau-period 0.3 --tau-active \
    --hold 1.5 --detach --timeout 20
rc=$?
tau=$(enbsim_val "$E2E_TMP/t2.out" tau_ok)
[ $rc = 0 ] && [ "${tau:-0}" -ge 2 ] && [ "$(enbsim_val "$E2E_TMP/t2.out" kenb_mismatch)" = 0 ] &&
    ok "TAU with the active flag: TAU ACCEPT, then ICS with KeNB from the TAU's COUNT" || {
    not_ok "active-flag TAU (enbsim rc $rc, tau_ok $tau)"
    out_diag "$E2E_TMP/t2.out"
}

# --- 3. paging: downlink ping to an idle UE ---------------------------------
enbsim_bg "$E2E_TMP/p1.out" --ues 2 --tun --idle-after 1 --hold -1 --detach \
    --ready-file "$E2E_TMP/p1.ready" --timeout 150
for _ in $(seq 100); do [ -f "$E2E_TMP/p1.ready" ] && break; sleep 0.1; done
UE0_IP=$(agwctl ue list | awk 'NR > 1 && $3 == "registered" {print $5; exit}')
IMSI0=$(agwctl ue list | awk -v ip="$UE0_IP" 'NR > 1 && $5 == ip {print $1}')
for _ in $(seq 50); do
    in_enb ip -o addr show 2>/dev/null | grep -q " $UE0_IP/" && break
    sleep 0.1
done
UE0_IF=$(in_enb ip -o addr show | awk -v ip="$UE0_IP" '$4 ~ "^"ip"/" {print $2; exit}')
in_enb ip rule add from "$UE0_IP" table 200
in_enb ip route add default dev "$UE0_IF" table 200
diag "UE $UE0_IP on $UE0_IF"
wait_idle() {
    for _ in $(seq 100); do
        agwctl ue list | awk -v ip="$1" 'NR > 1 && $5 == ip' | grep -q ' idle ' && return 0
        sleep 0.1
    done
    return 1
}
check "the UE went ECM-IDLE after a second without traffic" wait_idle "$UE0_IP"
paged0=$(agw_stat paging_started)
CAP=$E2E_TMP/paging.pcap
in_enb timeout 30 tshark -q -i "$E_IF" -f sctp -w "$CAP" >"$E2E_TMP/tshark.log" 2>&1 &
TSHARK_PID=$!
for _ in $(seq 50); do
    grep -q "Capturing on" "$E2E_TMP/tshark.log" 2>/dev/null && break
    sleep 0.1
done
sleep 0.3
# 10 packets, 50 ms apart: the first ones wait in the datapath (bound: 16
# per UE) while the UE is paged and comes back
in_pdn ping -c 10 -i 0.05 -W 3 "$UE0_IP" >"$E2E_TMP/ping1.txt" 2>&1
sleep 0.3
kill -INT $TSHARK_PID 2>/dev/null
wait $TSHARK_PID 2>/dev/null
diag "$(grep transmitted "$E2E_TMP/ping1.txt")"
check "downlink ping to the idle UE: 10 sent, 10 answered (none lost while paging)" \
    grep -q '10 packets transmitted, 10 received' "$E2E_TMP/ping1.txt"
check "the UE was paged once (S1AP Paging) and answered" \
    bash -c "[ \$(( \$($XEPCCTL agw stats --socket $AGW_SOCK | awk '\$1==\"paging_started\"{print \$2}') - $paged0 )) = 1 ] &&
             [ \$($XEPCCTL agw stats --socket $AGW_SOCK | awk '\$1==\"paging_success\"{print \$2}') -ge 1 ]"

TS=(tshark -r "$CAP" -o nas-eps.null_decipher:TRUE)
bad=$("${TS[@]}" -Y '_ws.malformed || _ws.expert.severity >= "Error"' 2>/dev/null)
seq=$("${TS[@]}" -Y s1ap -T fields -e _ws.col.Info 2>/dev/null | tr ',' '\n' |
    grep -oE '^ *(Paging|InitialUEMessage|InitialContextSetup(Request|Response))\b' | tr -d ' ' | tr '\n' ' ')
diag "S1AP: $seq"
[ -z "$bad" ] && [ "$(echo $seq)" = "Paging InitialUEMessage InitialContextSetupRequest InitialContextSetupResponse" ] &&
    ok "tshark: Paging -> Initial UE Message -> Initial Context Setup, nothing malformed" || {
    not_ok "tshark: paging sequence"
    echo "$bad" | head -5 | sed 's/^/# /'
}
pg=$("${TS[@]}" -Y 's1ap.UEPagingID && s1ap.m_TMSI && s1ap.CNDomain == 0 && s1ap.TAIItem_element' 2>/dev/null | wc -l)
sr=$("${TS[@]}" -Y 'nas_eps.security_header_type == 12 && s1ap.RRC_Establishment_Cause == 2' 2>/dev/null | wc -l)
[ "$pg" = 1 ] && [ "$sr" = 1 ] &&
    ok "tshark: Paging by S-TMSI (PS, TAI list); SERVICE REQUEST (header type 12) with cause mt-Access" ||
    not_ok "tshark: paging by S-TMSI $pg, service request mt-Access $sr"

# the documented bound: 16 packets within a few ms, all delivered
check "idle again" wait_idle "$UE0_IP"
in_pdn ping -c 16 -i 0.002 -W 3 "$UE0_IP" >"$E2E_TMP/ping2.txt" 2>&1
diag "$(grep transmitted "$E2E_TMP/ping2.txt")"
check "16 packets in a burst to the idle UE (the buffer bound): all 16 answered" \
    grep -q '16 packets transmitted, 16 received' "$E2E_TMP/ping2.txt"

# --- 4. MME-initiated release, GUTI reallocation ----------------------------
in_pdn ping -c 1 -W 3 "$UE0_IP" >/dev/null 2>&1
tmsi_before=$(ue_tmsi "$IMSI0")
check "xepcctl ue guti-realloc: GUTI REALLOCATION COMMAND answered" \
    bash -c "$XEPCCTL ue guti-realloc $IMSI0 --socket $AGW_SOCK"
sleep 0.5
tmsi_after=$(ue_tmsi "$IMSI0")
diag "M-TMSI $tmsi_before -> $tmsi_after"
[ -n "$tmsi_after" ] && [ "$tmsi_before" != "$tmsi_after" ] && [ "$(agw_stat guti_realloc)" -ge 1 ] &&
    [ "$(agw_stat nas_retransmissions)" = 0 ] &&
    ok "the UE has a new M-TMSI, GUTI REALLOCATION COMPLETE received (no T3450 retransmission)" ||
    not_ok "GUTI reallocation: $tmsi_before -> $tmsi_after"
in_pdn ping -c 1 -W 3 "$UE0_IP" >/dev/null 2>&1
rel0=$(agw_stat ue_context_release)
check "xepcctl ue release: the connected UE is released to ECM-IDLE" \
    bash -c "$XEPCCTL ue release $IMSI0 --socket $AGW_SOCK"
check "the UE is ECM-IDLE, registered" wait_idle "$UE0_IP"
in_pdn ping -c 3 -i 0.2 -W 3 "$UE0_IP" >"$E2E_TMP/ping3.txt" 2>&1
check "paged by its new S-TMSI after the reallocation, 3 of 3 answered" \
    grep -q '3 packets transmitted, 3 received' "$E2E_TMP/ping3.txt"

# --- 5. restart of xepc-agwd while it pages ----------------------------------
check "idle before the restart" wait_idle "$UE0_IP"
kill -STOP "$ENBSIM_PID"        # the UE will not answer this paging
paged0=$(agw_stat paging_started)
in_pdn ping -c 2 -i 0.1 -W 1 "$UE0_IP" >/dev/null 2>&1
agw_wait_stat paging_started $((paged0 + 1)) 30
agw_stop KILL
agw_start || not_ok "xepc-agwd restart"
kill -CONT "$ENBSIM_PID"
check "after the restart the UE is still registered and idle, sessions kept" \
    bash -c "$XEPCCTL ue show $IMSI0 --socket $AGW_SOCK | grep -q '^ecm idle' &&
             $XEPCCTL ue show $IMSI0 --socket $AGW_SOCK | grep -q '^pdn ebi 5 .* dl_teid 0x00000000'"
# enbsim sets S1 up again (its association died with the old daemon)
for _ in $(seq 200); do
    [ "$(agwctl enb list | tail -n +2 | wc -l)" -ge 1 ] && break
    sleep 0.1
done
in_pdn ping -c 10 -i 0.3 -W 3 "$UE0_IP" >"$E2E_TMP/ping4.txt" 2>&1
diag "$(grep transmitted "$E2E_TMP/ping4.txt")"
check "after the restart the UE is paged again and answers (at most the first ping lost)" \
    bash -c "grep -Eq '10 packets transmitted, (9|10) received' $E2E_TMP/ping4.txt"
check "and a later idle period buffers again: 5 of 5" bash -c "
    for _ in \$(seq 100); do $XEPCCTL ue list --socket $AGW_SOCK | grep ' $UE0_IP ' | grep -q ' idle ' && break; sleep 0.1; done
    ip netns exec $NS_PDN ping -c 5 -i 0.05 -W 3 $UE0_IP | grep -q '5 packets transmitted, 5 received'"

# --- 6. Service Reject: #10 implicitly detached, #9 unknown ------------------
UE1_IP=$(agwctl ue list | awk -v ip="$UE0_IP" 'NR > 1 && $3 == "registered" && $5 != ip {print $5; exit}')
UE1_IF=$(in_enb ip -o addr show | awk -v ip="$UE1_IP" '$4 ~ "^"ip"/" {print $2; exit}')
in_enb ip rule add from "$UE1_IP" table 201
in_enb ip route add default dev "$UE1_IF" table 201
check "idle again" wait_idle "$UE0_IP"
check "xepcctl ue detach of an idle UE: detached locally" \
    bash -c "$XEPCCTL ue detach $IMSI0 --socket $AGW_SOCK"
# uplink data from the UE: it comes back with a SERVICE REQUEST
in_enb ping -c 1 -W 2 -I "$UE0_IF" "$PDN_ADDR" >/dev/null 2>&1
sleep 0.5
check "the detached UE's SERVICE REQUEST gets SERVICE REJECT #10 (implicitly detached)" \
    grep -q 'service rejected, #10' "$E2E_TMP/agwd.log"

# #9: the gateway forgot the UEs (their rows deleted while it was down)
check "the other UE is idle" wait_idle "$UE1_IP"
agw_stop KILL
/usr/bin/python3 -c "import sqlite3,sys; d=sqlite3.connect(sys.argv[1]); d.execute('DELETE FROM pdn_session'); d.execute('DELETE FROM ue_context'); d.commit()" "$AGW_DB"
agw_start || not_ok "xepc-agwd restart"
for _ in $(seq 200); do
    [ "$(agwctl enb list | tail -n +2 | wc -l)" -ge 1 ] && break
    sleep 0.1
done
in_enb ping -c 1 -W 2 -I "$UE1_IF" "$PDN_ADDR" >/dev/null 2>&1
sleep 0.5
check "a SERVICE REQUEST with an S-TMSI the gateway does not know: SERVICE REJECT #9" \
    grep -q 'service rejected, #9' "$E2E_TMP/agwd.log"
kill -TERM "$ENBSIM_PID"
wait "$ENBSIM_PID"
check "the gateway answered no eNB message with an Error Indication" \
    bash -c "[ \$($XEPCCTL agw stats --socket $AGW_SOCK | awk '\$1==\"s1ap_unexpected\"{print \$2}') = 0 ]"
