#!/bin/bash
# Dedicated bearers end to end (issue 12): the real xepc-agwd, enbsim with
# TUN user plane, XDP on veths.  A network-initiated dedicated bearer
# (xepcctl ue bearer add) whose TFT steers a UDP flow into its tunnel — on
# the wire (the GTP-U TEID of the downlink, tshark) and in the datapath's
# per-bearer counters — while other traffic stays on the default bearer;
# its modification and deactivation; the bearer kept over a restart of the
# daemon; UE-requested bearer resource allocation accepted and rejected;
# VoLTE: the IMS APN's default bearer is QCI 5, a QCI 1 bearer's GBR
# meter drops what exceeds it; tshark decodes E-RAB Setup / Modify /
# Release with the bearers' QoS (the ESM messages inside are ciphered with
# EEA2, which tshark cannot read: enbsim's answers judge them).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"

# short ESM timers, QCIs a UE may ask for on ims
AGW_NEEDS=tshark agw_bearer_setup 27 2 '\n  t3485: 1s\n  t3486: 1s\n  t3495: 1s'
sed -i -e 's/^    pcscf: \[10.46.0.1\]$/    pcscf: [10.46.0.1]\n    bearer_qcis: [1, 2, 8]/' "$AGW_CONF"
in_pdn ip route add 10.46.0.0/24 via $SGI_ADDR
agw_s1_capture 300 "sctp or udp port 2152"
# on a loaded machine the BPF verifier alone takes a minute: wait longer
# than agw_start does as long as the daemon lives
agw_start_slow() {
    agw_start && return 0
    for _ in $(seq 1200); do
        grep -q "xepc-agwd ready" "$E2E_TMP/agwd.log" && [ -S "$AGW_SOCK" ] && return 0
        kill -0 "$AGW_PID" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}
agw_start_slow || { not_ok "xepc-agwd start"; exit 1; }

show() { agwctl ue show "$IMSI"; }
wait_state() {
    for _ in $(seq 80); do
        [ "$(agw_bearer_val "$1" state)" = "$2" ] && return 0
        sleep 0.1
    done
    show | sed 's/^/# /'
    return 1
}
# send_udp DST PORT COUNT [SIZE]: from the PDN side to a UE
send_udp() {
    in_pdn $PY -c "
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range($3):
    s.sendto(b'v' * ${4:-100}, ('$1', $2))
"
}
wait_enbsim_ready() {
    for _ in $(seq 150); do
        [ -s "$1" ] && return 0
        sleep 0.1
    done
    return 1
}

# --- 1. network-initiated activation, TFT steering ---------------------------
enbsim_bg "$E2E_TMP/e1.out" --ues 1 --hold -1 --detach --tun --ready-file "$E2E_TMP/ready1"
wait_enbsim_ready "$E2E_TMP/ready1" || not_ok "enbsim attach"
UE_IP=$(show | awk '$1 == "pdn" && $5 == "internet" {print $7}')
DEF_TEID=$(show | awk '$1 == "pdn" && $5 == "internet" {print $13}')
diag "UE $IMSI at $UE_IP, default bearer downlink TEID $DEF_TEID"
out=$(agwctl ue bearer add "$IMSI" --apn internet --qci 1 --gbr-ul 1M --gbr-dl 1M \
    --tft 'permit out udp from any to 10.45.0.0/16 49152-65535' 2>&1)
[ "$out" = "ebi 6" ] && ok "xepcctl ue bearer add answers with the new bearer's EBI" ||
    not_ok "bearer add: $out"
wait_state 6 active && ok "the UE accepted the dedicated bearer (ue show: state active)" ||
    not_ok "dedicated bearer not active"
check "ue show lists its TFT filter" \
    bash -c "$XEPCCTL ue show $IMSI --socket $AGW_SOCK | grep -q '^bearer ebi 6 filter 0 prec 1 dir both permit out udp from any to 10.45.0.0/16 49152-65535'"
BEARER_TEID=$(agw_bearer_val 6 dl_teid)
[ -n "$BEARER_TEID" ] && [ "$BEARER_TEID" != 0x00000000 ] && [ "$BEARER_TEID" != "$DEF_TEID" ] &&
    ok "the bearer has its own eNB TEID ($BEARER_TEID)" || not_ok "bearer dl_teid '$BEARER_TEID'"
send_udp "$UE_IP" 50001 5
send_udp "$UE_IP" 40001 5
sleep 0.3
[ "$(agw_bearer_usage 6 dl_pkts)" = 5 ] && ok "the 5 packets to port 50001 counted on the dedicated bearer" ||
    not_ok "bearer dl_pkts $(agw_bearer_usage 6 dl_pkts), wanted 5"

# --- 2. modification: the filter moves to ports 40000-40010 -----------------
out=$(agwctl ue bearer modify "$IMSI" 6 --gbr-ul 2M --gbr-dl 2M \
    --tft 'permit out udp from any to 10.45.0.0/16 40000-40010' 2>&1)
[ "$out" = "ebi 6" ] || diag "bearer modify: $out"
agw_wait_stat bearer_modified 1 80 && wait_state 6 active &&
    [ "$(agw_bearer_val 6 gbr)" = ul ] && show | grep -q '^bearer ebi 6 .* gbr ul 2000000 dl 2000000' &&
    ok "modification accepted: new GBR in ue show" || not_ok "bearer modification"
send_udp "$UE_IP" 40002 4
send_udp "$UE_IP" 50002 4
sleep 0.3
[ "$(agw_bearer_usage 6 dl_pkts)" = 9 ] && ok "after the modification port 40002 goes to the bearer, 50002 not" ||
    not_ok "bearer dl_pkts $(agw_bearer_usage 6 dl_pkts), wanted 9"

# --- 3. deactivation ----------------------------------------------------------
out=$(agwctl ue bearer delete "$IMSI" 6 2>&1)
agw_wait_stat bearer_deactivated 1 80 && ! show | grep -q '^bearer ' &&
    ok "deactivation accepted: the bearer is gone from ue show" || not_ok "bearer delete: $out"
check "its datapath session is gone (only the default bearer's left)" \
    bash -c "[ \$(ip netns exec $NS_GW $XEPCCTL session list --pin-dir $PIN | awk '/^[0-9]+ sessions?\$/ {print \$1}') = 1 ]"
send_udp "$UE_IP" 40003 3

# --- 4. a bearer survives a restart of the daemon -----------------------------
agwctl ue bearer add "$IMSI" --qci 8 --tft 'permit out udp from any 7000-7100 to any' >/dev/null 2>&1
wait_state 6 active || diag "second bearer not active"
agw_stop TERM
agw_start_slow || not_ok "restart"
check "after a restart ue show lists the dedicated bearer again, active" \
    bash -c "$XEPCCTL ue show $IMSI --socket $AGW_SOCK | grep -q '^bearer ebi 6 linked 5 state active qci 8'"
check "the stored bearer is in SQLite" \
    bash -c "[ \$(sqlite3 $AGW_DB 'SELECT COUNT(*) FROM dedicated_bearer WHERE ebi = 6') = 1 ]"
in_pdn $PY -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('0.0.0.0', 7050))
for i in range(3):
    s.sendto(b'w' * 80, ('$UE_IP', 33333))
"
sleep 0.3
[ "$(agw_bearer_usage 6 dl_pkts)" = 3 ] && ok "after the restart the TFT still steers (remote port 7050 -> bearer)" ||
    not_ok "bearer dl_pkts after restart: $(agw_bearer_usage 6 dl_pkts)"
kill -TERM "$ENBSIM_PID"
wait "$ENBSIM_PID"
rc=$?
[ $rc = 0 ] && [ "$(enbsim_val "$E2E_TMP/e1.out" dedicated_dl_pkts)" -ge 12 ] 2>/dev/null &&
    ok "enbsim received the steered packets on its dedicated bearers ($(enbsim_val "$E2E_TMP/e1.out" dedicated_dl_pkts))" || {
    not_ok "enbsim rc $rc, dedicated_dl_pkts $(enbsim_val "$E2E_TMP/e1.out" dedicated_dl_pkts)"
    grep -v '_p[0-9]*_us' "$E2E_TMP/e1.out" | tail -20 | sed 's/^/# /'
}

# --- 5. UE-requested bearer resource allocation ------------------------------
enbsim_run "$E2E_TMP/a1.out" --ues 1 --no-tun --apn ims --bearer-alloc 8:5060 --hold 1 --detach
rc=$?
[ $rc = 0 ] && [ "$(enbsim_val "$E2E_TMP/a1.out" dedicated_bearer_ok)" = 1 ] &&
    ok "bearer resource allocation on ims, QCI 8 allowed: granted as a dedicated bearer" || {
    not_ok "bearer resource allocation (rc $rc)"
    grep -v '_p[0-9]*_us' "$E2E_TMP/a1.out" | tail -20 | sed 's/^/# /'
}
enbsim_run "$E2E_TMP/a2.out" --ues 1 --no-tun --apn internet --bearer-alloc 8:5060 --hold 1 --detach
grep -q 'bearer-alloc-reject-32' "$E2E_TMP/a2.out" &&
    ok "on internet (no bearer_qcis) it is rejected #32 (service option not supported)" ||
    { not_ok "reject #32"; grep -i 'reject\|fail' "$E2E_TMP/a2.out" | head -5 | sed 's/^/# /'; }
enbsim_run "$E2E_TMP/a3.out" --ues 1 --no-tun --apn ims --bearer-alloc 9:5060 --hold 1 --detach
grep -q 'bearer-alloc-reject-37' "$E2E_TMP/a3.out" &&
    ok "on ims a QCI outside bearer_qcis is rejected #37 (EPS QoS not accepted)" ||
    { not_ok "reject #37"; grep -i 'reject\|fail' "$E2E_TMP/a3.out" | head -5 | sed 's/^/# /'; }

# --- 6. VoLTE: IMS default bearer QCI 5, QCI 1 and 2 GBR bearers ----------------
enbsim_bg "$E2E_TMP/v.out" --ues 1 --hold -1 --detach --tun --apn ims --ready-file "$E2E_TMP/ready2"
wait_enbsim_ready "$E2E_TMP/ready2" || not_ok "enbsim ims attach"
IMS_IP=$(show | awk '$1 == "pdn" && $5 == "ims" {print $7}')
check "the IMS APN's default bearer is QCI 5" \
    bash -c "$XEPCCTL ue show $IMSI --socket $AGW_SOCK | grep -q '^pdn ebi 5 apn ims .* qci 5 '"
# what a P-CSCF asks for (TS 29.214 Media-Component -> TS 29.212 flows):
# the peer's media address and ports towards the UE's RTP/RTCP ports
out=$(agwctl ue bearer add "$IMSI" --apn ims --qci 1 --gbr-ul 64k --gbr-dl 64k \
    --tft "permit out udp from $PDN_ADDR 30000-30001 to $IMS_IP 49152-49153" \
    --tft "permit in udp from $IMS_IP 49152-49153 to $PDN_ADDR 30000-30001" 2>&1)
[ "$out" = "ebi 6" ] && wait_state 6 active && ok "QCI 1 voice bearer active (GBR 64 kbit/s)" ||
    not_ok "voice bearer: $out"
out=$(agwctl ue bearer add "$IMSI" --apn ims --qci 2 --gbr-ul 384k --gbr-dl 384k \
    --tft "permit out udp from $PDN_ADDR 30002-30003 to $IMS_IP 49154-49155" 2>&1)
[ "$out" = "ebi 7" ] && wait_state 7 active && ok "QCI 2 video bearer active (GBR 384 kbit/s)" ||
    not_ok "video bearer: $out"
# 300 x 1000 bytes at once into the voice bearer: its meter (64 kbit/s, a
# 15 000-byte bucket) passes about 15, drops the rest
in_pdn $PY -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('0.0.0.0', 30000))
for i in range(300):
    s.sendto(b'r' * 972, ('$IMS_IP', 49152))
"
sleep 0.3
v_pk=$(agw_bearer_usage 6 dl_pkts)
v_dr=$(agw_bearer_usage 6 dl_drops)
diag "voice bearer: $v_pk passed, $v_dr dropped"
[ "${v_pk:-0}" -ge 10 ] && [ "${v_pk:-0}" -le 40 ] && [ "${v_dr:-0}" -ge 260 ] &&
    ok "the voice bearer's GBR meter passes its bucket and drops the excess" ||
    not_ok "voice meter: passed $v_pk dropped $v_dr"
check "the drops are counted as METER_RULE by the datapath" \
    bash -c "ip netns exec $NS_GW $XEPCCTL stats --pin-dir $PIN | grep -iE 'METER_RULE|rule MBR' | grep -qE '[1-9][0-9]{2}'"
in_pdn $PY -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('0.0.0.0', 30002))
for i in range(4):
    s.sendto(b'v' * 200, ('$IMS_IP', 49154))
"
sleep 0.2
[ "$(agw_bearer_usage 7 dl_pkts)" = 4 ] && ok "the video flow goes into the QCI 2 bearer" ||
    not_ok "video dl_pkts $(agw_bearer_usage 7 dl_pkts)"
kill -TERM "$ENBSIM_PID"
wait "$ENBSIM_PID"

# --- 7. on the wire ------------------------------------------------------------
sleep 0.5
kill -INT $TSHARK_PID 2>/dev/null
wait $TSHARK_PID 2>/dev/null
TS=(tshark -r "$CAP" -o nas-eps.null_decipher:FALSE)
teids() { "${TS[@]}" -Y "gtp && udp.dstport == $1" -T fields -e gtp.teid 2>/dev/null | sort -u | tr '\n' ' '; }
t1=$(teids 50001)
t2=$(teids 40001)
diag "downlink TEIDs: port 50001 -> $t1, port 40001 -> $t2"
[ "$t1" = "$BEARER_TEID " ] && [ "$t2" = "$DEF_TEID " ] &&
    ok "on the wire: the TFT's flow carries the dedicated bearer's TEID, the other flow the default's" ||
    not_ok "GTP-U TEIDs: 50001 '$t1' (want $BEARER_TEID), 40001 '$t2' (want $DEF_TEID)"
t3=$(teids 40002)
t4=$(teids 40003)
[ "$t3" = "$BEARER_TEID " ] && [ "$t4" = "$DEF_TEID " ] &&
    ok "on the wire: modified TFT steers 40002 to the bearer; after deletion 40003 is on the default bearer" ||
    not_ok "GTP-U TEIDs after modify/delete: 40002 '$t3', 40003 '$t4'"
# initiating messages (s1ap.pdu 0) of E-RAB Setup (5), Modify (6), Release (7)
erab() { "${TS[@]}" -Y "s1ap.initiatingMessage_element && s1ap.procedureCode == $1 && (s1ap.nAS_PDU || s1ap.NAS_PDU) $2" \
    2>/dev/null | wc -l; }
[ "$(erab 5 '&& s1ap.qCI == 1 && s1ap.e_RAB_GuaranteedBitrateDL == 1000000')" -ge 1 ] &&
    [ "$(erab 5 '&& s1ap.qCI == 1 && s1ap.e_RAB_GuaranteedBitrateDL == 64000')" -ge 1 ] &&
    [ "$(erab 5 '&& s1ap.qCI == 2 && s1ap.e_RAB_GuaranteedBitrateUL == 384000')" -ge 1 ] &&
    [ "$(erab 6 '&& s1ap.e_RAB_GuaranteedBitrateDL == 2000000')" -ge 1 ] &&
    [ "$(erab 7 '')" -ge 1 ] &&
    ok "tshark: E-RAB Setup (QCI 1 and 2, GBR), Modify (new GBR) and Release Command, each with its NAS PDU" ||
    not_ok "tshark E-RAB: setup $(erab 5 '') modify $(erab 6 '') release $(erab 7 '')"
bad=$("${TS[@]}" -Y 's1ap.procedureCode >= 5 && s1ap.procedureCode <= 7 && (_ws.malformed || _ws.expert.severity >= "Error")' 2>&1 | grep -v 'Running as user' | head -5)
[ -z "$bad" ] && ok "tshark: no E-RAB message malformed or with an expert error" || {
    not_ok "malformed E-RAB messages"
    echo "$bad" | sed 's/^/# /'
}
check "the gateway sent no Error Indication and saw nothing unexpected" \
    bash -c "[ \$($XEPCCTL agw stats --socket $AGW_SOCK | awk '\$1==\"s1ap_unexpected\"{print \$2}') = 0 ]"
