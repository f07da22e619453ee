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
tap_plan 35

e2e_topology || { not_ok "topology"; exit 1; }
agw_config
# T3413 short, so that a paging that is not answered ends within the test
sed -i -e 's/^  t3470: 2s$/  t3470: 2s\n  t3413: 1s\n  paging_retries: 1/' \
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

# ESM information transfer (TS 24.301 6.6.1.2): an ESM INFORMATION RESPONSE
# comes after the SECURITY MODE COMPLETE; the attach's KeNB is still from
# the SECURITY MODE COMPLETE's COUNT (TS 33.401 7.2.6.1, A.3), as the UE
# derives it
enbsim_run "$E2E_TMP/e1.out" --ues 2 --no-tun --esm-info --idle-after 0 --active-after 0.2 \
    --cycles 1 --hold 0.3 --detach --timeout 20
rc=$?
[ $rc = 0 ] && [ "$(enbsim_val "$E2E_TMP/e1.out" attach_ok)" = 2 ] &&
    [ "$(enbsim_val "$E2E_TMP/e1.out" kenb_mismatch)" = 0 ] &&
    ok "attach with ESM information transfer: KeNB from the SECURITY MODE COMPLETE's COUNT" || {
    not_ok "ESM information attach (enbsim rc $rc, kenb_mismatch $(enbsim_val "$E2E_TMP/e1.out" kenb_mismatch))"
    out_diag "$E2E_TMP/e1.out"
}

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
enbsim_run "$E2E_TMP/t1.out" --ues 2 --no-tun --idle-after 0 --tau-period 0.3 --hold 2.5 \
    --detach --timeout 30
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
    --hold 2.5 --detach --timeout 30
rc=$?
tau=$(enbsim_val "$E2E_TMP/t2.out" tau_ok)
[ $rc = 0 ] && [ "${tau:-0}" -ge 2 ] && [ "$(enbsim_val "$E2E_TMP/t2.out" kenb_mismatch)" = 0 ] &&
    ok "TAU with the active flag: TAU ACCEPT, then ICS with KeNB from the TAU's COUNT" || {
    not_ok "active-flag TAU (enbsim rc $rc, tau_ok $tau)"
    out_diag "$E2E_TMP/t2.out"
}

# --- 3. paging: downlink ping to an idle UE ---------------------------------
enbsim_bg "$E2E_TMP/p1.out" --ues 4 --tun --idle-after 1 --hold -1 --detach \
    --ready-file "$E2E_TMP/p1.ready" --timeout 10
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
ip netns exec "$NS_ENB" timeout 60 tshark -q -i "$E_IF" -f "sctp or icmp" -w "$CAP" >"$E2E_TMP/tshark.log" 2>&1 &
TSHARK_PID=$!
e2e_wait_capturing "$E2E_TMP/tshark.log"
# "Capturing on" is no proof that the capture gets packets yet: a marker is
e2e_capture_marked "$CAP" || diag "the capture shows no marker after 30 s"
# 10 packets, 50 ms apart: the first ones wait in the datapath (bound: 16
# per UE) while the UE is paged and comes back
in_pdn ping -c 10 -i 0.05 -W 8 "$UE0_IP" >"$E2E_TMP/ping1.txt" 2>&1
sleep 0.3
kill -INT $TSHARK_PID 2>/dev/null
wait $TSHARK_PID 2>/dev/null
diag "$(grep transmitted "$E2E_TMP/ping1.txt")"
check "downlink ping to the idle UE: 10 sent, 10 answered (none lost while paging)" \
    grep -q '10 packets transmitted, 10 received' "$E2E_TMP/ping1.txt"
check "the UE was paged once (S1AP Paging) and answered" \
    bash -c "[ \$(( \$($XEPCCTL agw stats --socket $AGW_SOCK | awk '\$1==\"paging_started\"{print \$2}') - $paged0 )) = 1 ] &&
             [ \$($XEPCCTL agw stats --socket $AGW_SOCK | awk '\$1==\"paging_success\"{print \$2}') -ge 1 ]"

TS=(tshark -r "$CAP" -o nas-eps.null_decipher:FALSE)  # ciphered NAS stays ciphered (see agw_tshark.sh)
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
in_pdn ping -c 16 -i 0.002 -W 8 "$UE0_IP" >"$E2E_TMP/ping2.txt" 2>&1
diag "$(grep transmitted "$E2E_TMP/ping2.txt")"
check "16 packets in a burst to the idle UE (the buffer bound): all 16 answered" \
    grep -q '16 packets transmitted, 16 received' "$E2E_TMP/ping2.txt"

# --- 4. MME-initiated release, GUTI reallocation ----------------------------
in_pdn ping -c 1 -W 3 "$UE0_IP" >/dev/null 2>&1
tmsi_before=$(ue_tmsi "$IMSI0")
check "xepcctl ue guti-realloc: GUTI REALLOCATION COMMAND answered" \
    bash -c "$XEPCCTL ue guti-realloc $IMSI0 --socket $AGW_SOCK"
for _ in $(seq 50); do
    [ "$(agw_stat guti_realloc)" -ge 1 ] && agwctl ue show "$IMSI0" | grep -q '^ecm connected' && sleep 0.3 && break
    sleep 0.1
done
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
in_pdn ping -c 3 -i 0.2 -W 8 "$UE0_IP" >"$E2E_TMP/ping3.txt" 2>&1
check "paged by its new S-TMSI after the reallocation, 3 of 3 answered" \
    grep -q '3 packets transmitted, 3 received' "$E2E_TMP/ping3.txt"

# --- 5. network detach of idle UEs; Service Reject #10 -------------------
# An idle UE that answers is paged and detached with a DETACH REQUEST (TS
# 23.401 5.3.8.3); one that does not answer is detached locally, and its
# next SERVICE REQUEST gets #10 (implicitly detached).
UE_IPS=$(agwctl ue list | awk 'NR > 1 && $3 == "registered" {print $5}')
UE1_IP=$(echo "$UE_IPS" | grep -vx "$UE0_IP" | head -n 1)
UE2_IP=$(echo "$UE_IPS" | grep -vx "$UE0_IP" | grep -vx "$UE1_IP" | head -n 1)
UE3_IP=$(echo "$UE_IPS" | grep -vx "$UE0_IP" | grep -vx "$UE1_IP" | grep -vx "$UE2_IP" | head -n 1)
IMSI1=$(agwctl ue list | awk -v ip="$UE1_IP" 'NR > 1 && $5 == ip {print $1}')
IMSI3=$(agwctl ue list | awk -v ip="$UE3_IP" 'NR > 1 && $5 == ip {print $1}')
UE2_IF=$(in_enb ip -o addr show | awk -v ip="$UE2_IP" '$4 ~ "^"ip"/" {print $2; exit}')
in_enb ip rule add from "$UE2_IP" table 202
in_enb ip route add default dev "$UE2_IF" table 202
wait_log() {
    for _ in $(seq 100); do grep -q "$1" "$E2E_TMP/agwd.log" && return 0; sleep 0.1; done
    return 1
}
check "the fourth UE is idle" wait_idle "$UE3_IP"
paged0=$(agw_stat paging_started)
check "xepcctl ue detach of an idle UE that answers: it is paged" \
    bash -c "$XEPCCTL ue detach $IMSI3 --socket $AGW_SOCK 2>&1 | grep -q 'idle and paged'"
for _ in $(seq 100); do
    agwctl ue show "$IMSI3" 2>/dev/null | grep -q '^emm deregistered' && break
    sleep 0.1
done
[ "$(agw_stat paging_started)" = $((paged0 + 1)) ] && [ "$(agw_stat detach_local)" = 0 ] &&
    grep -q "ue $IMSI3: network detach started" "$E2E_TMP/agwd.log" &&
    agwctl ue show "$IMSI3" | grep -q '^emm deregistered' &&
    ! agwctl ue show "$IMSI3" | grep -q '^pdn ' &&
    ok "it answered the paging, got the DETACH REQUEST and accepted it: deregistered, no session" || {
    not_ok "detach of a paged UE: paging $(agw_stat paging_started), local $(agw_stat detach_local)"
    agwctl ue show "$IMSI3" | sed 's/^/# /'
    grep "$IMSI3" "$E2E_TMP/agwd.log" | tail -8 | sed 's/^/# agwd: /'
}

check "idle again" wait_idle "$UE0_IP"
kill -STOP "$ENBSIM_PID"
check "xepcctl ue detach of an idle UE that does not answer: paged" \
    bash -c "$XEPCCTL ue detach $IMSI0 --socket $AGW_SOCK 2>&1 | grep -q 'idle and paged'"
# the detach is in SQLite before xepcctl got its answer: a daemon killed
# while it pages goes on with it after the restart
agw_stop KILL
agw_start || not_ok "xepc-agwd restart"
check "paging unanswered across a kill -9 (T3413 1 s, 1 repetition): detached locally" \
    bash -c "for _ in \$(seq 150); do grep -q 'ue $IMSI0: detached locally (paging not answered)' \
             '$E2E_TMP/agwd.log' && exit 0; sleep 0.1; done; exit 1"
kill -CONT "$ENBSIM_PID"
for _ in $(seq 300); do
    [ "$(agwctl enb list | tail -n +2 | wc -l)" -ge 1 ] && break
    sleep 0.1
done
# uplink data from the UE: it comes back with a SERVICE REQUEST
in_enb ping -c 1 -W 2 -I "$UE0_IF" "$PDN_ADDR" >/dev/null 2>&1
check "the detached UE's SERVICE REQUEST gets SERVICE REJECT #10 (implicitly detached)" \
    wait_log 'service rejected, #10'

# --- 6. restart of xepc-agwd while it pages ----------------------------------
# The eNB side is stopped so that the paging stays unanswered; the daemon
# is killed while it pages and started again.  What the gateway must keep:
# the UE registered and idle with its sessions (no tunnel), and paging it
# again on the next downlink data once the eNB is back.
check "the UE to page is idle" wait_idle "$UE1_IP"
kill -STOP "$ENBSIM_PID"
paged0=$(agw_stat paging_started)
in_pdn ping -c 2 -i 0.1 -W 1 "$UE1_IP" >/dev/null 2>&1
agw_wait_stat paging_started $((paged0 + 1)) 30
agw_stop KILL
agw_start || not_ok "xepc-agwd restart"
kill -CONT "$ENBSIM_PID"
check "after a kill -9 during paging the UE is still registered and idle, sessions kept" \
    bash -c "$XEPCCTL ue show $IMSI1 --socket $AGW_SOCK | grep -q '^emm registered' &&
             $XEPCCTL ue show $IMSI1 --socket $AGW_SOCK | grep -q '^ecm idle' &&
             $XEPCCTL ue show $IMSI1 --socket $AGW_SOCK | grep -q '^pdn ebi 5 .* dl_teid 0x00000000'"
# enbsim sets S1 up again (its association died with the old daemon)
for _ in $(seq 300); do
    [ "$(agwctl enb list | tail -n +2 | wc -l)" -ge 1 ] && break
    sleep 0.1
done
in_pdn ping -c 10 -i 0.3 -W 5 "$UE1_IP" >"$E2E_TMP/ping4.txt" 2>&1
diag "after the restart: $(grep transmitted "$E2E_TMP/ping4.txt")"
check "the new daemon pages the UE again on downlink data (S1AP Paging to the eNB)" \
    bash -c "[ \$($XEPCCTL agw stats --socket $AGW_SOCK | awk '\$1==\"paging_sent\"{print \$2}') -ge 1 ]"

# --- 7. Service Reject #9: the gateway forgot the UE -------------------------
check "the third UE is idle" wait_idle "$UE2_IP"
agw_stop KILL
/usr/bin/python3 -c "import sqlite3,sys; d=sqlite3.connect(sys.argv[1]); d.execute('DELETE FROM pdn_session'); d.execute('DELETE FROM ue_context'); d.commit()" "$AGW_DB"
agw_start || not_ok "xepc-agwd restart"
for _ in $(seq 300); do
    [ "$(agwctl enb list | tail -n +2 | wc -l)" -ge 1 ] && break
    sleep 0.1
done
in_enb ping -c 1 -W 2 -I "$UE2_IF" "$PDN_ADDR" >/dev/null 2>&1
check "a SERVICE REQUEST with an S-TMSI the gateway does not know: SERVICE REJECT #9" \
    wait_log 'service rejected, #9'
kill -TERM "$ENBSIM_PID" 2>/dev/null
wait "$ENBSIM_PID" 2>/dev/null
check "the gateway answered no eNB message with an Error Indication" \
    bash -c "[ \$($XEPCCTL agw stats --socket $AGW_SOCK | awk '\$1==\"s1ap_unexpected\"{print \$2}') = 0 ]"

# --- 8. a UE that never comes back: mobile reachable, implicit detach -------
agw_stop TERM
sed -i 's/^  paging_retries: 1$/  paging_retries: 1\n  mobile_reachable: 2s\n  implicit_detach: 1s/' "$AGW_CONF"
agw_start || not_ok "xepc-agwd restart with short reachability timers"
det0=$(agw_stat implicit_detach)
enbsim_bg "$E2E_TMP/r1.out" --ues 1 --no-tun --idle-after 0 --hold -1 --timeout 30
for _ in $(seq 100); do
    agwctl ue list | grep ' registered ' | grep -q ' idle ' && break
    sleep 0.1
done
IMSI_R=$(agwctl ue list | awk 'NR > 1 && $3 == "registered" && $4 == "idle" {print $1; exit}')
check "a UE goes ECM-IDLE and never comes back" test -n "$IMSI_R"
agw_wait_stat implicit_detach $((det0 + 1)) 60
check "mobile reachable (2 s) then implicit detach (1 s): the UE is detached" \
    bash -c "[ \$($XEPCCTL agw stats --socket $AGW_SOCK | awk '\$1==\"implicit_detach\"{print \$2}') -gt $det0 ] &&
             $XEPCCTL ue show $IMSI_R --socket $AGW_SOCK | grep -q '^emm deregistered' &&
             ! $XEPCCTL ue show $IMSI_R --socket $AGW_SOCK | grep -q '^pdn '"
check "its session and address are gone from the database" \
    bash -c "[ \"\$(/usr/bin/python3 -c \"import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT count(*) FROM pdn_session WHERE imsi=?', (sys.argv[2],)).fetchone()[0])\" $AGW_DB $IMSI_R)\" = 0 ]"
kill -TERM "$ENBSIM_PID" 2>/dev/null
wait "$ENBSIM_PID" 2>/dev/null
