#!/bin/bash
# The last bytes of sessions that end between two check-ins
# (docs/orchestrator.md "What a check-in carries", "final"): xepc-orcd in
# the PDN namespace, one xepc-agwd with its XDP datapath, enbsim with a TUN
# UE, real UDP downlink (gy_traffic.py).
#
#   - check-ins every second: the UE receives 5 x 1000 bytes and detaches
#     at once; orcd's usage of the subscriber and of the gateway shows
#     5000 bytes, and still 5000 after more check-ins (never twice)
#   - check-ins every 30 s: the UE receives 4 x 1000 bytes and detaches
#     between two check-ins; its bytes wait in agwd's SQLite
#     (orc_usage_final); agwd restarts before the next check-in, and the
#     first check-in after the restart carries them: 9000 in orcd, the row
#     deleted once acknowledged
#   - the same final bytes sent again (an answer lost): still 9000
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"
source "$(dirname "$0")/diam_lib.sh"
source "$(dirname "$0")/orc_lib.sh"

agw_orc_require
UE_PID=""
trap '[ -n "$UE_PID" ] && kill "$UE_PID" 2>/dev/null; orcd_stop; e2e_cleanup' EXIT
tap_plan 9

agw_orc_up
st() { orc_status "$@"; }
s1=$(st POST /v1/networks '{"id":"net1","plmn":{"mcc":"001","mnc":"01"},"tacs":[1,2,3]}')
s2=$(st POST /v1/networks/net1/apns '{"id":"internet","ambr":{"ul":50000000,"dl":100000000}}')
orc_gen_subscriber
s3=$(orc_post_subscriber '"apns":["internet"]')
[ "$s1 $s2 $s3" = "201 201 201" ] && ok "orcd: network, APN, subscriber" || not_ok "orcd objects: $s1 $s2 $s3"

agw_orc_config hw-e2e-use
agw_start || { not_ok "xepc-agwd start"; exit 1; }
checked_in() { [ "$(agw_stat orc_checkin_ok)" -ge "$1" ]; }
ue_up() {
    rm -f "$E2E_TMP/ue.ready" "$E2E_TMP/ue.ues"
    ip netns exec "$NS_ENB" "$ENBSIM" --mme "$S1U_ADDR" --backend "$AGW_BACKEND" \
        --enb-addr "$ENB_ADDR" --subscribers "$E2E_TMP/subs.csv" --ues 1 --hold -1 --detach \
        --tun --timeout 60 --ready-file "$E2E_TMP/ue.ready" --ue-report "$E2E_TMP/ue.ues" \
        >"$E2E_TMP/ue.out" 2>&1 &
    UE_PID=$!
    wait_for 300 test -s "$E2E_TMP/ue.ready"
    UE_IP=$(awk '!/^#/ && $2 != "-" {print $2; exit}' "$E2E_TMP/ue.ues" 2>/dev/null)
}
ue_down() { kill -TERM "$UE_PID" 2>/dev/null; wait "$UE_PID" 2>/dev/null; UE_PID=""; }
send() { diam_flow "$UE_IP" "$1" 1000 20 7000 2; }
usage_dl() { # usage_dl PATH: the sum of dl_bytes of its points
    api GET "$1" | head -1 | python3 -c 'import json,sys; print(sum(p["dl_bytes"] for p in json.load(sys.stdin)["points"]))'
}
SUB=/v1/networks/net1/subscribers/$IMSI/usage
GW=/v1/networks/net1/gateways/gw1/usage
dl_is() { [ "$(usage_dl "$SUB")" = "$1" ] && [ "$(usage_dl "$GW")" = "$1" ]; }

# 1. check-ins every second, a detach right after the traffic
wait_for 300 checked_in 1 || diag "no check-in yet"
ue_up
got=$(send 5)
ue_down
[ -n "$UE_IP" ] && [ "$got" = "5 5000" ] && ok "the UE received 5000 bytes and detached at once" ||
    not_ok "first session: '$UE_IP' received '$got'"
wait_for 200 dl_is 5000 &&
    ok "orcd's usage of the subscriber and the gateway: 5000 bytes" ||
    not_ok "usage after the detach: subscriber $(usage_dl "$SUB"), gateway $(usage_dl "$GW"), wanted 5000"
n=$(agw_stat orc_checkin_ok)
wait_for 200 checked_in $((n + 3))
dl_is 5000 && ok "3 check-ins later still 5000 (not counted twice)" ||
    not_ok "after more check-ins: subscriber $(usage_dl "$SUB"), gateway $(usage_dl "$GW")"

# 2. check-ins every 30 s: the detach between two, a restart before the next
agw_stop TERM || diag "agwd stop"
sed -i 's/^  checkin_interval: 1s$/  checkin_interval: 30s/' "$AGW_CONF"
: >"$E2E_TMP/agwd.log"
agw_start || { not_ok "xepc-agwd start (30 s check-ins)"; exit 1; }
wait_for 300 checked_in 1 || diag "no check-in after the restart"
ue_up
got=$(send 4)
ue_down
row=$(sqlite3 "$AGW_DB" "SELECT imsi, dl_bytes FROM orc_usage_final")
[ "$got" = "4 4000" ] && [ "$row" = "$IMSI|4000" ] &&
    ok "4000 bytes, detached between two check-ins: kept in SQLite (orc_usage_final)" ||
    not_ok "second session: received '$got', orc_usage_final '$row'"
KEY=$(sqlite3 "$AGW_DB" "SELECT key FROM orc_usage_final LIMIT 1")
agw_stop TERM || diag "agwd stop"
agw_start || { not_ok "xepc-agwd start again"; exit 1; }
wait_for 300 dl_is 9000 &&
    ok "after a restart, the first check-in carries them: 9000 bytes in orcd" ||
    not_ok "after the restart: subscriber $(usage_dl "$SUB"), gateway $(usage_dl "$GW"), wanted 9000"
empty() { [ "$(sqlite3 "$AGW_DB" "SELECT COUNT(*) FROM orc_usage_final")" = 0 ]; }
wait_for 100 empty && ok "acknowledged: the row is deleted" ||
    not_ok "orc_usage_final still has $(sqlite3 "$AGW_DB" "SELECT COUNT(*) FROM orc_usage_final") row(s)"

# 3. the same key again, as after a lost answer: counted once
G=$E2E_TMP/gw1
code=$(ip netns exec "$NS_PDN" curl -sS --max-time 10 --cacert "$O/server.crt" --cert "$G/gateway.crt" \
    --key "$G/gateway.key" -H "Content-Type: application/json" -o /dev/null -w '%{http_code}' \
    --data-binary "{\"final\":[{\"key\":\"$KEY\",\"imsi\":\"$IMSI\",\"ul_bytes\":0,\"dl_bytes\":4000}]}" \
    "https://$ORC_ADDR:9443/v1/gw/checkin")
[ "$code" = 200 ] && dl_is 9000 && ok "the same final bytes sent again: still 9000" ||
    not_ok "resend: $code, subscriber $(usage_dl "$SUB"), gateway $(usage_dl "$GW")"
agw_stop TERM && ok "xepc-agwd stops cleanly" || not_ok "agwd stop"
exit $((TAP_FAILED > 0))
