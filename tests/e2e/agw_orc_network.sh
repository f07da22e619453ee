#!/bin/bash
# The network's PLMN and TACs from the orchestrator (docs/orchestrator.md
# "The network's PLMN and TACs"): the YAML file serves PLMN 001/01 with
# TACs 1-3, orcd's network PLMN 001/02 with TACs 7 and 8; no restart.
#
#   - an eNB of the file's TA (001/01, TAC 1) is refused: S1 Setup Failure,
#     cause misc unknown-PLMN (tshark decodes it)
#   - an eNB of TAC 7 in 001/02 is set up: the S1 Setup Response's served
#     GUMMEI carries orcd's PLMN 001/02 (tshark); a UE attaches, goes idle
#     and sends periodic TAUs, accepted
#   - TAC 7 taken out of the network in orcd: the set-up eNB keeps its
#     association, the UE's next TAU from TAC 7 is rejected with EMM cause
#     #12 (tracking area not allowed)
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"
source "$(dirname "$0")/orc_lib.sh"

agw_orc_require tshark
UE_PID=""
TS_PID=""
trap '[ -n "$UE_PID" ] && kill "$UE_PID" 2>/dev/null; [ -n "$TS_PID" ] && kill "$TS_PID" 2>/dev/null; orcd_stop; e2e_cleanup' EXIT
tap_plan 8

agw_orc_up
st() { orc_status "$@"; }
s1=$(st POST /v1/networks '{"id":"net1","plmn":{"mcc":"001","mnc":"02"},"tacs":[7,8]}')
s2=$(st POST /v1/networks/net1/apns '{"id":"internet","ambr":{"ul":50000000,"dl":100000000}}')
orc_gen_subscriber
s3=$(orc_post_subscriber '"apns":["internet"]')
[ "$s1 $s2 $s3" = "201 201 201" ] && ok "orcd: network net1 (PLMN 001/02, TACs 7 8), APN, subscriber" ||
    not_ok "orcd objects: $s1 $s2 $s3"

agw_orc_config hw-e2e-net
CAP=$E2E_TMP/s1ap.pcap
ip netns exec "$NS_ENB" timeout 120 tshark -q -i "$E_IF" -f "sctp or ($E2E_S1_MARK)" -w "$CAP" >"$E2E_TMP/tshark.log" 2>&1 &
TS_PID=$!
e2e_wait_capturing "$E2E_TMP/tshark.log" || diag "tshark did not say it captures"
e2e_capture_marked "$CAP" || diag "the S1 capture shows no marker after 30 s"
agw_start || { not_ok "xepc-agwd start"; exit 1; }
log_has() { grep -q "$1" "$E2E_TMP/agwd.log"; }
wait_for 300 log_has "network: the orchestrator's PLMN 001/02 and TACs 7 8 for new S1 Setups" &&
    ok "the gateway took orcd's PLMN and TACs over the file's" ||
    not_ok "network not applied: $(grep "orc" "$E2E_TMP/agwd.log" | tail -3)"

# an eNB of the file's tracking area: refused
enbsim_run "$E2E_TMP/enb1.out" --plmn 00101 --tac 1 --ues 1 --no-tun --timeout 10 --no-reconnect
rc=$?
[ $rc != 0 ] && [ "$(agw_stat s1_setup_failure)" -ge 1 ] &&
    ok "an eNB of TAC 1 in 001/01 (the file's) is refused" ||
    not_ok "eNB of the file's TA: enbsim exit $rc, s1_setup_failure $(agw_stat s1_setup_failure)"

# an eNB of TAC 7 in orcd's PLMN, a UE that idles and sends periodic TAUs
rm -f "$E2E_TMP/ue.ready"
ip netns exec "$NS_ENB" "$ENBSIM" --mme "$S1U_ADDR" --backend "$AGW_BACKEND" --enb-addr "$ENB_ADDR" \
    --subscribers "$E2E_TMP/subs.csv" --plmn 00102 --tac 7 --ues 1 --no-tun --hold -1 \
    --idle-after 0 --tau-period 1 --timeout 30 --ready-file "$E2E_TMP/ue.ready" \
    --ue-report "$E2E_TMP/ue.ues" >"$E2E_TMP/ue.out" 2>&1 &
UE_PID=$!
tau_ok() { [ "$(agw_stat tau_accept)" -ge 1 ]; }
wait_for 300 test -s "$E2E_TMP/ue.ready" && wait_for 300 tau_ok &&
    ok "an eNB of TAC 7 in 001/02 is set up, its UE attaches and its periodic TAU is accepted" ||
    not_ok "eNB of orcd's TA: tau_accept $(agw_stat tau_accept): $(tail -3 "$E2E_TMP/ue.out")"

# TAC 7 out of the network: the next TAU from it is rejected with #12
[ "$(st PATCH /v1/networks/net1 '{"tacs":[8]}')" = 200 ] || not_ok "PATCH net1"
wait_for 300 log_has "network: the orchestrator's PLMN 001/02 and TACs 8 for new S1 Setups" ||
    diag "no network reload: $(grep 'network:' "$E2E_TMP/agwd.log" | tail -1)"
rejected() { grep -q "tau-reject-12" "$E2E_TMP/ue.out"; }
c12() { ip netns exec "$NS_GW" curl -s "http://127.0.0.1:$AGW_METRICS_PORT/metrics" |
    awk '$1 == "xepc_agw_emm_reject_cause_total{cause=\"12\"}" {print $2}'; }
wait_for 300 rejected && [ "$(c12)" -ge 1 ] && [ "$(agw_stat s1_setup_success)" = 1 ] &&
    ok "TAC 7 taken out in orcd: the next TAU from it is rejected with #12, the eNB stays set up" ||
    not_ok "TAU after the change: $(grep -E "tau|TAU" "$E2E_TMP/ue.out" | tail -2); #12 sent '$(c12)'"
kill -TERM "$UE_PID" 2>/dev/null
wait "$UE_PID" 2>/dev/null
UE_PID=""

kill -INT "$TS_PID" 2>/dev/null
wait "$TS_PID" 2>/dev/null
TS_PID=""
ts() { tshark -r "$CAP" -o nas-eps.null_decipher:FALSE "$@" 2>/dev/null; }
# TS 36.413 9.1.8.5: S1 Setup Failure (procedure 17, unsuccessful outcome),
# CauseMisc unknown-PLMN (5)
fail=$(ts -Y "s1ap.procedureCode == 17 && s1ap.unsuccessfulOutcome_element" -T fields -e s1ap.misc | head -1)
[ "$fail" = 5 ] && ok "tshark: S1 Setup Failure with cause misc unknown-PLMN" ||
    not_ok "S1 Setup Failure cause '$fail', wanted 5 (unknown-PLMN)"
gummei=$(ts -Y "s1ap.procedureCode == 17 && s1ap.successfulOutcome_element" -T fields \
    -e e212.mcc -e e212.mnc | head -1)
[ "$gummei" = "$(printf '1\t2')" ] && ok "tshark: the S1 Setup Response serves GUMMEI PLMN 001/02" ||
    not_ok "S1 Setup Response PLMN '$gummei', wanted 001/02"
agw_stop TERM && ok "xepc-agwd stops cleanly" || not_ok "agwd stop"
exit $((TAP_FAILED > 0))
