#!/bin/bash
# The default bearer's QoS and APN-AMBR modified toward the UE and the eNB
# (docs/agw.md "Default bearer modification", TS 23.401 5.4.2.1, TS 24.301
# 6.4.3, TS 36.413 8.2.2, 8.3.4) with `xepcctl ue qos`: the real
# xepc-agwd, enbsim with TUN user plane (EEA0, so that tshark reads the
# ESM messages), XDP on veths.
#   1. QCI, ARP and APN-AMBR of a connected UE: E-RAB Modify Request with
#      the new QCI/ARP, the MODIFY EPS BEARER CONTEXT REQUEST with the new
#      EPS QoS and APN-AMBR inside, the UE's ACCEPT; the datapath's meters
#      take the new APN-AMBR: a downlink burst that the old one passed
#      whole is cut to the new bucket (datapath counters);
#   2. the APN-AMBR alone: the request in a Downlink NAS Transport, the
#      new UE-AMBR (sum of the APN-AMBRs) in a UE Context Modification;
#   3. the UE rejects (ESM cause) and 4. the eNB fails the E-RAB: the old
#      values stay;
#   5. an ECM-IDLE UE is paged and modified on its service request's
#      connection;
#   6. a modification waiting for a paged UE survives a kill -9 of the
#      daemon (SQLite) and is done after the restart.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"

# short ESM timer; paging long enough to outlast a restart of the daemon
AGW_NEEDS=tshark agw_bearer_setup 25 1 '\n  t3486: 1s\n  t3413: 3s\n  paging_retries: 10'
agw_s1_capture 600 sctp
agw_start || { not_ok "xepc-agwd start"; exit 1; }

show() { agwctl ue show "$IMSI"; }
# pdn_val FIELD: a field of the default bearer's line in `ue show`
pdn_val() {
    show | awk -v f="$1" '$1 == "pdn" && $2 == "ebi" && $3 == 5 && $4 == "apn" {
        for (i = 4; i < NF; i++) if ($i == f) { print $(i + 1); exit } }'
}
pdn_ambr() { show | awk '$1 == "pdn" && $3 == 5 && $4 == "apn" { print $(NF-2) "/" $NF }'; }
wait_for() {   # wait_for TENTHS CMD...: until CMD succeeds
    local n=$1
    shift
    for _ in $(seq "$n"); do "$@" && return 0; sleep 0.1; done
    return 1
}
wait_ready() { wait_for 300 test -s "$1"; }
wait_ecm() { wait_for 100 bash -c "$XEPCCTL ue show $IMSI --socket $AGW_SOCK | grep -q '^ecm $1'"; }
sess() { ip netns exec "$NS_GW" "$XEPCCTL" session show --teid "$1" --pin-dir "$PIN"; }
# dl_counts TEID: "PKTS DROPS" of the session's downlink
dl_counts() { sess "$1" | awk '$1 == "usage" { gsub(/[(),]/, ""); print $12, $14 }'; }
# burst UE_IP N: N datagrams of 1000 bytes at once toward the UE; prints
# "PASSED DROPPED" once the datapath has counted all N
burst() {
    local ip=$1 n=$2 a b
    read -r a b <<<"$(dl_counts "$TEID")"
    in_pdn $PY -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range($n):
    s.sendto(b'q' * 1000, ('$ip', 40000))
"
    local c d
    for _ in $(seq 100); do
        read -r c d <<<"$(dl_counts "$TEID")"
        [ $((c - a + d - b)) -ge "$n" ] && break
        sleep 0.1
    done
    echo $((c - a)) $((d - b))
}

# --- 1. QCI, ARP and APN-AMBR of a connected UE --------------------------------
enbsim_bg "$E2E_TMP/e1.out" --ues 1 --hold -1 --detach --tun --ue-eea 0x80 --verbose \
    --ready-file "$E2E_TMP/ready1"
E1=$ENBSIM_PID
wait_ready "$E2E_TMP/ready1" || not_ok "enbsim attach"
UE_IP=$(pdn_val ip)
TEID=$(pdn_val ul_teid)
diag "UE $IMSI at $UE_IP, default bearer session $TEID: qci $(pdn_val qci), APN-AMBR $(pdn_ambr)"
read -r pass drop <<<"$(burst "$UE_IP" 300)"
[ "$pass" = 300 ] && [ "$drop" = 0 ] &&
    ok "the APN-AMBR of the attach (100M/200M) passes a burst of 300 x 1000 bytes whole" ||
    not_ok "burst before: passed $pass dropped $drop"
m0=$(agw_stat default_qos_modified)
out=$(agwctl ue qos "$IMSI" 5 --qci 6 --arp 4 --apn-ambr 128kbps/200kbps 2>&1)
echo "$out" | grep -q 'ebi 5 qci 6 arp 4 ambr ul 128000 dl 200000: sent to the UE' &&
    ok "xepcctl ue qos: sent to the UE" || not_ok "ue qos: $out"
agw_wait_stat default_qos_modified $((m0 + 1)) 100 &&
    [ "$(pdn_val qci)" = 6 ] && [ "$(pdn_ambr)" = 128000/200000 ] &&
    ok "the UE accepted: ue show has QCI 6 and APN-AMBR 128000/200000" ||
    { not_ok "modification not applied"; show | sed 's/^/# /'; }
check "the datapath session's meters have the new APN-AMBR" \
    bash -c "ip netns exec $NS_GW $XEPCCTL session show --teid $TEID --pin-dir $PIN | grep -q '^ambr *ul 128000 bit/s, dl 200000 bit/s'"
read -r pass drop <<<"$(burst "$UE_IP" 300)"
diag "burst after: $pass passed, $drop dropped"
# 200 kbit/s: a 12 500-byte bucket (500 ms), about 12 datagrams of 1000 bytes
[ "$pass" -ge 5 ] && [ "$pass" -le 40 ] && [ "$drop" -ge 260 ] &&
    ok "the new APN-AMBR is enforced: the same burst is cut to the 200 kbit/s bucket" ||
    not_ok "burst after: passed $pass dropped $drop"
check "no row left in default_bearer_mod once done" \
    bash -c "[ \$(sqlite3 $AGW_DB 'SELECT COUNT(*) FROM default_bearer_mod') = 0 ]"

# --- 2. the APN-AMBR alone: Downlink NAS Transport, UE Context Modification ---
u0=$(agw_stat ue_ctx_modification_tx)
out=$(agwctl ue qos "$IMSI" 5 --apn-ambr 304kbps/400kbps 2>&1)
agw_wait_stat default_qos_modified $((m0 + 2)) 100 && [ "$(pdn_ambr)" = 304000/400000 ] &&
    [ "$(pdn_val qci)" = 6 ] &&
    ok "the APN-AMBR alone: accepted, QCI kept" || { not_ok "ambr only: $out"; show | sed 's/^/# /'; }
[ "$(agw_stat ue_ctx_modification_tx)" = $((u0 + 1)) ] &&
    ok "the UE-AMBR (the sum of the APN-AMBRs) went in a UE Context Modification Request" ||
    not_ok "ue_ctx_modification_tx $u0 -> $(agw_stat ue_ctx_modification_tx)"
out=$(agwctl ue qos "$IMSI" 5 --qci 6 2>&1)
echo "$out" | grep -q '^unchanged' && ok "the same values again: unchanged, nothing sent" ||
    not_ok "unchanged: $out"
kill -TERM "$E1"
wait "$E1"
# (the APN-AMBR values encodable exactly, TS 24.301 9.9.4.2: 8 kbit/s steps)
grep -q 'default bearer EBI 5 modified: QCI 6, APN-AMBR 128/200 kbit/s' "$E2E_TMP/e1.out" &&
    grep -q 'enbsim: default_modified 2' "$E2E_TMP/e1.out" &&
    grep -q 'enbsim: default_modified_last_apn_ambr_kbps 304/400' "$E2E_TMP/e1.out" &&
    ok "enbsim's UE saw both modifications with the new QCI and APN-AMBR" ||
    { not_ok "enbsim's view"; grep -E 'modif|default_' "$E2E_TMP/e1.out" | head -8 | sed 's/^/# /'; }

# --- 3. the UE rejects ------------------------------------------------------------
f0=$(agw_stat default_qos_modify_failed)
enbsim_bg "$E2E_TMP/e3.out" --ues 1 --hold -1 --detach --no-tun --ue-eea 0x80 \
    --modify-reject ue:37 --ready-file "$E2E_TMP/ready3"
E3=$ENBSIM_PID
wait_ready "$E2E_TMP/ready3" || not_ok "enbsim attach (3)"
out=$(agwctl ue qos "$IMSI" 5 --qci 7 --apn-ambr 1Mbps/2Mbps 2>&1)
agw_wait_stat default_qos_modify_failed $((f0 + 1)) 100 && [ "$(pdn_val qci)" = 9 ] &&
    [ "$(pdn_ambr)" = 100000000/200000000 ] &&
    ok "MODIFY EPS BEARER CONTEXT REJECT #37: the old QCI 9 and APN-AMBR stay" ||
    { not_ok "UE reject: $out"; show | sed 's/^/# /'; }
check "its datapath session keeps the old APN-AMBR" \
    bash -c "ip netns exec $NS_GW $XEPCCTL session show --teid $(pdn_val ul_teid) --pin-dir $PIN | grep -q '^ambr *ul 100000000 bit/s, dl 200000000 bit/s'"
kill -TERM "$E3"
wait "$E3"

# --- 4. the eNB fails the E-RAB ------------------------------------------------------
enbsim_bg "$E2E_TMP/e4.out" --ues 1 --hold -1 --detach --no-tun --ue-eea 0x80 \
    --modify-reject erab --ready-file "$E2E_TMP/ready4"
E4=$ENBSIM_PID
wait_ready "$E2E_TMP/ready4" || not_ok "enbsim attach (4)"
out=$(agwctl ue qos "$IMSI" 5 --qci 8 2>&1)
agw_wait_stat default_qos_modify_failed $((f0 + 2)) 100 && [ "$(pdn_val qci)" = 9 ] &&
    ok "E-RAB Failed to Modify List: the modification ends at once, QCI 9 stays" ||
    { not_ok "eNB failure: $out"; show | sed 's/^/# /'; }
kill -TERM "$E4"
wait "$E4"
grep -q 'enbsim: default_modify_erab_failed 1' "$E2E_TMP/e4.out" &&
    ok "enbsim failed the E-RAB and did not give the UE the request" || not_ok "enbsim e4"

# --- 5. an ECM-IDLE UE is paged -------------------------------------------------------
enbsim_bg "$E2E_TMP/e5.out" --ues 1 --hold -1 --detach --tun --ue-eea 0x80 \
    --ready-file "$E2E_TMP/ready5"
E5=$ENBSIM_PID
wait_ready "$E2E_TMP/ready5" || not_ok "enbsim attach (5)"
agwctl ue release "$IMSI" >/dev/null
wait_ecm idle || diag "not idle"
m1=$(agw_stat default_qos_modified)
p0=$(agw_stat paging_started)
out=$(agwctl ue qos "$IMSI" 5 --qci 7 2>&1)
echo "$out" | grep -q 'waiting for the UE: ECM-IDLE, paged' &&
    ok "ue qos for an ECM-IDLE UE: the UE is paged" || not_ok "idle: $out"
agw_wait_stat default_qos_modified $((m1 + 1)) 200 && [ "$(pdn_val qci)" = 7 ] &&
    [ $(($(agw_stat paging_started) - p0)) -ge 1 ] &&
    ok "the paged UE's service request opened the connection; the modification went on it" ||
    { not_ok "idle UE modification"; show | sed 's/^/# /'; }

# --- 6. a kill -9 while it waits for the paged UE ------------------------------------
agwctl ue release "$IMSI" >/dev/null
wait_ecm idle || diag "not idle (6)"
kill -STOP "$E5"
out=$(agwctl ue qos "$IMSI" 5 --qci 8 --apn-ambr 2Mbps/3Mbps 2>&1)
echo "$out" | grep -q 'ECM-IDLE, paged' || diag "ue qos (6): $out"
check "answered after it was stored: the row is in default_bearer_mod" \
    bash -c "[ \"\$(sqlite3 $AGW_DB 'SELECT ebi, qci, ambr_ul, ambr_dl FROM default_bearer_mod')\" = '5|8|2000000|3000000' ]"
agw_stop KILL
agw_start || not_ok "xepc-agwd restart"
kill -CONT "$E5"
check "after the restart ue show has the modification waiting for the UE" \
    bash -c "$XEPCCTL ue show $IMSI --socket $AGW_SOCK | grep -q '^pdn ebi 5 qos_modification waiting from xepcctl qci 8'"
wait_for 600 bash -c "$XEPCCTL ue show $IMSI --socket $AGW_SOCK | grep -q '^pdn ebi 5 apn internet .* qci 8 ambr ul 2000000 dl 3000000'" &&
    ok "enbsim back, the UE paged again: QCI 8 and APN-AMBR 2M/3M applied after the restart" ||
    { not_ok "after the restart"; show | sed 's/^/# /'; tail -5 "$E2E_TMP/agwd.log" | sed 's/^/# /'; }
check "the datapath session has 2M/3M after the restart" \
    bash -c "ip netns exec $NS_GW $XEPCCTL session show --teid $(pdn_val ul_teid) --pin-dir $PIN | grep -q '^ambr *ul 2000000 bit/s, dl 3000000 bit/s'"
kill -TERM "$E5"
wait "$E5"

# --- 7. on the wire ----------------------------------------------------------------------
agw_stop TERM
kill -INT $TSHARK_PID 2>/dev/null
wait $TSHARK_PID 2>/dev/null
# every NAS message of this capture is EEA0 (enbsim --ue-eea 0x80): tshark
# decodes the ciphered ones as null-ciphered
TS=(tshark -r "$CAP" -o nas-eps.null_decipher:TRUE)
cnt() { "${TS[@]}" -Y "$1" 2>/dev/null | wc -l; }
# E-RAB Modify (procedure code 6) with QCI 6, ARP 4 and the MODIFY EPS
# BEARER CONTEXT REQUEST (0xc9) with QCI 6 inside
[ "$(cnt 's1ap.procedureCode == 6 && s1ap.initiatingMessage_element && s1ap.qCI == 6 && s1ap.priorityLevel == 4 && nas_eps.nas_msg_esm_type == 0xc9 && nas_eps.esm.qci == 6')" = 1 ] &&
    ok "tshark: E-RAB Modify Request with QCI 6, ARP 4 and MODIFY EPS BEARER CONTEXT REQUEST QCI 6 inside" ||
    not_ok "tshark: E-RAB Modify $(cnt 's1ap.procedureCode == 6')"
amb=$("${TS[@]}" -Y 'nas_eps.nas_msg_esm_type == 0xc9' -V 2>/dev/null | grep -E 'APN-AMBR for (down|up)link' | tr -s ' ' | tr '\n' ';')
diag "APN-AMBR decoded: $amb"
grep -q 'downlink: 200 kbps; APN-AMBR for uplink: 128 kbps' <<<"$amb" &&
    grep -q 'downlink: 400 kbps; APN-AMBR for uplink: 304 kbps' <<<"$amb" &&
    ok "tshark decodes the APN-AMBR of the MODIFY EPS BEARER CONTEXT REQUESTs (128/200, 304/400 kbit/s)" ||
    not_ok "tshark APN-AMBR: $amb"
[ "$(cnt 's1ap.procedureCode == 11 && nas_eps.nas_msg_esm_type == 0xc9 && !nas_eps.esm.qci')" = 1 ] &&
    [ "$(cnt 's1ap.procedureCode == 21 && s1ap.initiatingMessage_element && s1ap.uEaggregateMaximumBitRateDL == 400000')" = 1 ] &&
    ok "tshark: the APN-AMBR alone in a Downlink NAS Transport; UE Context Modification with UE-AMBR 400 kbit/s down" ||
    not_ok "tshark: DL NAS $(cnt 's1ap.procedureCode == 11 && nas_eps.nas_msg_esm_type == 0xc9'), UE ctx mod $(cnt 's1ap.procedureCode == 21')"
[ "$(cnt 'nas_eps.nas_msg_esm_type == 0xcb && nas_eps.esm.cause == 37')" = 1 ] &&
    ok "tshark: the UE's MODIFY EPS BEARER CONTEXT REJECT #37" || not_ok "tshark: reject"
bad=$("${TS[@]}" -Y '(s1ap.procedureCode == 6 || nas_eps.nas_msg_esm_type >= 0xc9) && (_ws.malformed || _ws.expert.severity >= "Error")' 2>&1 | grep -v 'Running as user' | head -5)
[ -z "$bad" ] && ok "tshark: no E-RAB Modify or ESM message malformed" ||
    { not_ok "malformed"; echo "$bad" | sed 's/^/# /'; }
exit $((TAP_FAILED > 0))
