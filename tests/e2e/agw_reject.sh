#!/bin/bash
# xepc-agwd against what peers get wrong: every attach reject cause of
# docs/agw.md, an eNB with a TAC we do not serve, resynchronisation, wrong
# RES, a wrong MAC and a replayed NAS message (discarded and counted, the UE
# unharmed), truncated and unknown IEs, a UE that never answers, and an SCTP
# abort in the middle of an attach.  Each case checks the cause on the UE's
# side (enbsim) and that the gateway kept nothing it should not.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"

e2e_require
agw_require
trap e2e_cleanup EXIT
tap_plan 22

e2e_topology || { not_ok "topology"; exit 1; }
agw_config
AGW_SUB_APNS="internet;tiny" agw_subscribers 8 || not_ok "subscriber import"
# one subscriber the HSS does not know: only in enbsim's file
"$ENBSIM" gen-subscribers --count 1 --imsi-base 001019999999999 | tail -n 1 >>"$E2E_TMP/subs.csv"
agw_start || { not_ok "xepc-agwd start"; exit 1; }

# enbsim_cause OUTFILE: the first failed_cause of an enbsim run
enbsim_cause() { awk '$1 == "enbsim:" && $2 == "failed_cause" { print $3; exit }' "$1"; }
# attach_expect NAME CAUSE ENBSIM-ARGS...: one attach fails with CAUSE
attach_expect() {
    local name=$1 want=$2
    shift 2
    enbsim_run "$E2E_TMP/$name.out" --no-tun --timeout 15 "$@"
    local got
    got=$(enbsim_cause "$E2E_TMP/$name.out")
    if [ "$got" = "$want" ]; then
        ok "$name: $want"
    else
        not_ok "$name: wanted $want, got '${got}'"
        grep -v "^enbsim: [a-z_0-9]*_p[0-9]" "$E2E_TMP/$name.out" | tail -n 8 | sed 's/^/# /'
    fi
}
SUB() { sed -n "$(($1 + 1))p" "$E2E_TMP/subs.csv" | cut -d, -f1; }
# enbsim --ues 1 takes the first subscriber of the file: per case, a file
# holding just the subscriber to use
one() {
    { head -n 1 "$E2E_TMP/subs.csv"; grep "^$1," "$E2E_TMP/subs.csv"; } >"$E2E_TMP/one-$1.csv"
    echo "$E2E_TMP/one-$1.csv"
}

attach_expect unknown-imsi attach:attach-reject-8 --ues 1 --subscribers "$(one 001019999999999)"
"$XEPCCTL" subscriber state --db "$AGW_DB" "$(SUB 1)" barred >/dev/null
attach_expect barred attach:attach-reject-3 --ues 1 --subscribers "$(one "$(SUB 1)")"
"$XEPCCTL" subscriber state --db "$AGW_DB" "$(SUB 1)" inactive >/dev/null
attach_expect inactive attach:attach-reject-7 --ues 1 --subscribers "$(one "$(SUB 1)")"
"$XEPCCTL" subscriber state --db "$AGW_DB" "$(SUB 1)" active >/dev/null
check "state changes take effect without a restart: the same subscriber attaches now" \
    enbsim_run "$E2E_TMP/active.out" --ues 1 --subscribers "$(one "$(SUB 1)")" --no-tun --detach
attach_expect unknown-apn attach:attach-reject-19 --ues 1 --apn nosuchapn --subscribers "$(one "$(SUB 2)")"
check "the unknown APN's ESM cause is #27" grep -q 'APN "nosuchapn" is not configured' "$E2E_TMP/agwd.log"
attach_expect unsubscribed-apn attach:attach-reject-19 --ues 1 --apn ims --subscribers "$(one "$(SUB 2)")"
check "the unsubscribed APN's ESM cause is #33" grep -q 'APN "ims" is not subscribed' "$E2E_TMP/agwd.log"

# the "tiny" pool (/30) holds one address: the second UE finds it exhausted
{ head -n 1 "$E2E_TMP/subs.csv"; sed -n '4,5p' "$E2E_TMP/subs.csv"; } >"$E2E_TMP/tiny.csv"
enbsim_run "$E2E_TMP/tiny.out" --ues 2 --apn tiny --hold 2 --detach --no-tun --timeout 10 \
    --subscribers "$E2E_TMP/tiny.csv"
[ "$(enbsim_val "$E2E_TMP/tiny.out" attach_ok)" = 1 ] &&
    [ "$(enbsim_cause "$E2E_TMP/tiny.out")" = attach:attach-reject-19 ] &&
    ok "pool exhausted: the first UE gets the pool's one address, the second #19" ||
    not_ok "pool exhausted: attach_ok $(enbsim_val "$E2E_TMP/tiny.out" attach_ok), cause $(enbsim_cause "$E2E_TMP/tiny.out")"
check "the exhausted pool was logged" grep -q "address pool exhausted" "$E2E_TMP/agwd.log"

# an eNB whose TAC is not served: S1 Setup Failure (unknown PLMN), Time To Wait
ip netns exec "$NS_ENB" "$ENBSIM" --mme "$S1U_ADDR" --enb-addr "$ENB_ADDR" --tac 99 --ues 1 \
    --subscribers "$E2E_TMP/subs.csv" --no-tun --timeout 5 >"$E2E_TMP/tac.out" 2>&1
check "an eNB with an unserved TAC gets S1 Setup Failure" \
    bash -c "[ \$(awk '\$2 == \"s1_setup_failed\" {print \$3}' $E2E_TMP/tac.out) = 1 ]"

# authentication: resynchronisation, wrong RES, MAC failure at the UE
b=$(agw_stat auth_synch_failure)
check "SQN out of range at the USIM: resynchronisation, then the attach succeeds" \
    enbsim_run "$E2E_TMP/sqn.out" --ues 1 --misbehave sqn-ahead --detach --no-tun --subscribers "$(one "$(SUB 5)")"
[ "$(agw_stat auth_synch_failure)" -gt "$b" ] && ok "the synch failure was counted" ||
    not_ok "auth_synch_failure did not move"
attach_expect wrong-res attach:auth-reject --ues 1 --misbehave wrong-res --subscribers "$(one "$(SUB 5)")"
attach_expect autn-mac-failure attach:auth-reject --ues 1 --misbehave autn-mac-failure --subscribers "$(one "$(SUB 5)")"

# integrity: a wrong MAC and a replay are discarded and counted; the UE goes on
m=$(agw_stat nas_mac_failure)
r=$(agw_stat nas_replay)
enbsim_run "$E2E_TMP/badmac.out" --ues 1 --misbehave bad-mac --detach --no-tun --subscribers "$(one "$(SUB 6)")"
[ "$(agw_stat nas_mac_failure)" -gt "$m" ] && ok "a NAS message with a wrong MAC is discarded and counted" ||
    not_ok "nas_mac_failure did not move"
enbsim_run "$E2E_TMP/replay.out" --ues 1 --misbehave replay --detach --no-tun --subscribers "$(one "$(SUB 6)")"
[ "$(agw_stat nas_replay)" -gt "$r" ] && [ "$(enbsim_val "$E2E_TMP/replay.out" attach_ok)" = 1 ] &&
    ok "a replayed NAS message is discarded and counted; the UE's attach completes" ||
    not_ok "replay: nas_replay $(agw_stat nas_replay) (was $r), attach_ok $(enbsim_val "$E2E_TMP/replay.out" attach_ok)"

# malformed NAS: answered, not fatal
enbsim_run "$E2E_TMP/trunc.out" --ues 1 --misbehave truncated-ie --no-tun --timeout 5 --subscribers "$(one "$(SUB 7)")"
enbsim_run "$E2E_TMP/unknown.out" --ues 1 --misbehave unknown-ie --no-tun --timeout 5 --subscribers "$(one "$(SUB 7)")"
check "truncated and unknown IEs: the gateway answers and keeps serving" \
    bash -c "kill -0 $AGW_PID && [ \$($XEPCCTL agw stats --socket $AGW_SOCK | awk '\$1 == \"nas_decode_errors\" || \$1 == \"emm_status_tx\" || \$1 == \"attach_reject\" {s += \$2} END {print s}') -gt 0 ]"

# malformed S1AP: an Error Indication comes back (TS 36.413 10), the eNB
# and the daemon go on
e=$(agw_stat s1ap_error_indication_tx)
enbsim_run "$E2E_TMP/s1trunc.out" --ues 1 --misbehave s1ap-truncated --no-tun --timeout 5 --subscribers "$(one "$(SUB 7)")"
[ "$(agw_stat s1ap_error_indication_tx)" -gt "$e" ] && [ "$(enbsim_val "$E2E_TMP/s1trunc.out" error_indications)" -ge 1 ] &&
    ok "truncated S1AP is answered with an Error Indication, counted on both sides" ||
    not_ok "s1ap-truncated: error_indication_tx $(agw_stat s1ap_error_indication_tx) (was $e), enbsim saw $(enbsim_val "$E2E_TMP/s1trunc.out" error_indications)"
# an unknown IE with criticality reject: TS 36.413 10.3.4.2, the message is
# not processed and an Error Indication with Criticality Diagnostics goes back
e=$(agw_stat s1ap_error_indication_tx)
enbsim_run "$E2E_TMP/s1unk.out" --ues 1 --misbehave s1ap-unknown-ie --no-tun --timeout 5 --subscribers "$(one "$(SUB 7)")"
[ "$(agw_stat s1ap_error_indication_tx)" -gt "$e" ] && [ "$(enbsim_val "$E2E_TMP/s1unk.out" error_indications)" -ge 1 ] &&
    ok "an unknown S1AP IE with criticality reject is answered with an Error Indication" ||
    not_ok "s1ap-unknown-ie: error_indication_tx $(agw_stat s1ap_error_indication_tx) (was $e), enbsim saw $(enbsim_val "$E2E_TMP/s1unk.out" error_indications)"

# a UE that never completes SMC, and an SCTP abort mid-attach: nothing left
enbsim_run "$E2E_TMP/nosmc.out" --ues 1 --misbehave no-smc-complete --no-tun --timeout 14 --subscribers "$(one "$(SUB 7)")"
enbsim_run "$E2E_TMP/abort.out" --ues 1 --misbehave sctp-abort-mid-attach --no-tun --timeout 5 --subscribers "$(one "$(SUB 8)")"
sleep 1
"$XEPCCTL" ue list --socket "$AGW_SOCK" | sed 's/^/# /'
check "after the failed attaches no UE is half-attached and no session is left" \
    bash -c "! $XEPCCTL ue list --socket $AGW_SOCK | awk 'NR > 1 {print \$3}' | grep -qv deregistered &&
             [ \"\$(ip netns exec $NS_GW $XEPCCTL session list --pin-dir $PIN | tail -n 1)\" = '0 sessions' ]"
check "the daemon is alive and no sanitizer or assertion message was logged" \
    bash -c "kill -0 $AGW_PID && ! grep -qiE 'AddressSanitizer|runtime error|assert' $E2E_TMP/agwd.log"
[ $TAP_FAILED = 0 ]
