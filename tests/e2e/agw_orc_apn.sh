#!/bin/bash
# APNs and pools from the orchestrator (docs/orchestrator.md "APNs and pools
# from the orchestrator"): xepc-orcd in the PDN namespace, one xepc-agwd
# with its XDP datapath, enbsim with a TUN UE, real UDP downlink through
# the datapath (gy_traffic.py), no restart of agwd:
#
#   - internet (in the YAML file, pool 10.45.0.0/16) gets pools
#     [10.48.0.0/24] in orcd: the UE attached before keeps its address and
#     its traffic; the next session gets 10.48.0.2, traffic passes
#   - corp, an APN only orcd defines (pool 10.49.0.0/24, DNS 10.99.0.54,
#     MTU 1300): created on the gateway, a UE asking for it gets a session
#     from its pool with its DNS and MTU in the PCO
#   - corp's pools changed to one overlapping internet's: refused (log line,
#     orc_pool_refused), the next corp session still from 10.49.0.0/24
#   - corp removed in orcd: the running corp session keeps passing traffic,
#     a new one is rejected with ESM cause #27
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"
source "$(dirname "$0")/diam_lib.sh"
source "$(dirname "$0")/orc_lib.sh"

agw_orc_require
UE_PID=""
trap '[ -n "$UE_PID" ] && kill "$UE_PID" 2>/dev/null; orcd_stop; e2e_cleanup' EXIT
tap_plan 13

agw_orc_up
st() { orc_status "$@"; }
s1=$(st POST /v1/networks '{"id":"net1","plmn":{"mcc":"001","mnc":"01"},"tacs":[1,2,3]}')
s2=$(st POST /v1/networks/net1/apns '{"id":"internet","ambr":{"ul":50000000,"dl":100000000}}')
s3=$(st POST /v1/networks/net1/apns \
    '{"id":"corp","ambr":{"ul":20000000,"dl":40000000},"pools":["10.49.0.0/24"],"dns":["10.99.0.54"],"mtu":1300}')
orc_gen_subscriber
s4=$(orc_post_subscriber '"apns":["internet","corp"]')
[ "$s1 $s2 $s3 $s4" = "201 201 201 201" ] &&
    ok "orcd: network, APN internet (no pools), APN corp (orcd only, pool 10.49.0.0/24), subscriber" ||
    not_ok "orcd objects: $s1 $s2 $s3 $s4"

agw_orc_config hw-e2e-apn
agw_start || { not_ok "xepc-agwd start"; exit 1; }
# the PDN side routes orcd's pools to the gateway, as it does the file's
in_pdn ip route add 10.48.0.0/24 via "$SGI_ADDR"
in_pdn ip route add 10.49.0.0/24 via "$SGI_ADDR"
log_has() { grep -q "$1" "$E2E_TMP/agwd.log"; }
wait_for 300 log_has "apn 'corp': pools 10.49.0.0/24 for new sessions" &&
    ok "the gateway created corp from orcd, with its pool" ||
    not_ok "corp not created: $(grep "orc" "$E2E_TMP/agwd.log" | tail -3)"

# ue_up APN: the UE attached on APN and held (UE_IP, UE_PID, $E2E_TMP/ue.ues)
ue_up() {
    rm -f "$E2E_TMP/ue.ready" "$E2E_TMP/ue.ues"
    ip netns exec "$NS_ENB" "$ENBSIM" --mme "$S1U_ADDR" --backend "$AGW_BACKEND" \
        --enb-addr "$ENB_ADDR" --subscribers "$E2E_TMP/subs.csv" --ues 1 --hold -1 --detach \
        --tun --timeout 60 --apn "$1" --ready-file "$E2E_TMP/ue.ready" --ue-report "$E2E_TMP/ue.ues" \
        >"$E2E_TMP/ue.out" 2>&1 &
    UE_PID=$!
    for _ in $(seq 300); do [ -s "$E2E_TMP/ue.ready" ] && break; sleep 0.1; done
    UE_IP=$(awk '!/^#/ && $2 != "-" {print $2; exit}' "$E2E_TMP/ue.ues" 2>/dev/null)
}
ue_down() { kill -TERM "$UE_PID" 2>/dev/null; wait "$UE_PID" 2>/dev/null; UE_PID=""; }
# send COUNT: COUNT datagrams of 1000 bytes from the PDN to the UE; prints
# "received bytes"
send() { diam_flow "$UE_IP" "$1" 1000 20 7000 2; }
# the UE's address as the gateway shows it (xepcctl ue show)
in_ue_list() { in_gw "$XEPCCTL" ue show "$IMSI" --socket "$AGW_SOCK" | grep -q "^pdn .* ip $1 "; }

# 1. the file's pool while orcd has none for internet
ue_up internet
case "$UE_IP" in
10.45.*) ok "internet without orcd pools: the file's pool ($UE_IP)" ;;
*) not_ok "internet: address '$UE_IP', wanted 10.45.x: $(tail -3 "$E2E_TMP/ue.out")" ;;
esac
OLD_IP=$UE_IP

# 2. orcd sets internet's pools: the running session keeps its address
[ "$(st PATCH /v1/networks/net1/apns/internet '{"pools":["10.48.0.0/24"]}')" = 200 ] ||
    not_ok "PATCH internet"
wait_for 300 log_has "apn 'internet': pools 10.48.0.0/24 for new sessions; 1 running session(s) keep" &&
    got=$(send 3) && [ "$got" = "3 3000" ] && in_ue_list "$OLD_IP" &&
    ok "internet's pools set in orcd: the running session keeps $OLD_IP and its traffic" ||
    not_ok "running session after the pool change: received '$got'; $(grep "apn 'internet'" "$E2E_TMP/agwd.log" | tail -1)"
ue_down

# 3. the next session from orcd's pool, traffic through it
ue_up internet
[ "$UE_IP" = "10.48.0.2" ] && in_ue_list 10.48.0.2 &&
    ok "the next internet session gets 10.48.0.2 from orcd's pool (enbsim and xepcctl ue show)" ||
    not_ok "next internet session: '$UE_IP', wanted 10.48.0.2: $(tail -3 "$E2E_TMP/ue.out")"
got=$(send 5)
[ "$got" = "5 5000" ] && ok "UDP downlink to 10.48.0.2 through the datapath" ||
    not_ok "traffic to $UE_IP: received '$got', wanted '5 5000'"
ue_down

# 4. corp, an APN only orcd defines
ue_up corp
pco=$(awk '!/^#/ {print $9, $10; exit}' "$E2E_TMP/ue.ues" 2>/dev/null)
[ "$UE_IP" = "10.49.0.2" ] && [ "$pco" = "10.99.0.54 1300" ] &&
    ok "a UE asking for corp gets 10.49.0.2 with corp's DNS and MTU in the PCO" ||
    not_ok "corp session: '$UE_IP' PCO '$pco', wanted 10.49.0.2 / '10.99.0.54 1300': $(tail -3 "$E2E_TMP/ue.out")"
got=$(send 3)
[ "$got" = "3 3000" ] && ok "UDP downlink to the corp session" ||
    not_ok "traffic to corp's $UE_IP: received '$got'"

# 5. an overlapping pool set: refused, the last good pools stay
[ "$(st PATCH /v1/networks/net1/apns/corp '{"pools":["10.48.0.128/25"]}')" = 200 ] ||
    not_ok "PATCH corp"
refused() { [ "$(agw_stat orc_pool_refused)" -ge 1 ]; }
wait_for 300 refused &&
    grep -q "apn 'corp': the orchestrator's pools refused: 10.48.0.128/25 overlaps 10.48.0.0/24 of apn 'internet'; the pools in use stay" "$E2E_TMP/agwd.log" &&
    ok "corp's pools overlapping internet's: refused, logged, counted (orc_pool_refused $(agw_stat orc_pool_refused))" ||
    not_ok "overlap: orc_pool_refused $(agw_stat orc_pool_refused); $(grep "apn 'corp'" "$E2E_TMP/agwd.log" | tail -1)"

# 6. corp removed in orcd: the running session stays
[ "$(st DELETE /v1/networks/net1/apns/corp)" = 204 ] || not_ok "DELETE corp"
wait_for 300 log_has "apn 'corp' removed by the orchestrator: new sessions refused (#27), 1 running session(s) stay" &&
    got=$(send 3) && [ "$got" = "3 3000" ] &&
    ok "corp removed in orcd: the running corp session still passes traffic" ||
    not_ok "after removing corp: received '$got'; $(grep "apn 'corp'" "$E2E_TMP/agwd.log" | tail -1)"
ue_down

# 7. ... and a new one is refused with #27
c27() { ip netns exec "$NS_GW" curl -s "http://127.0.0.1:$AGW_METRICS_PORT/metrics" |
    awk '$1 == "xepc_agw_esm_reject_cause_total{cause=\"27\"}" {print $2}'; }
before=$(c27)
ue_up corp
state=$(awk '!/^#/ {print $5; exit}' "$E2E_TMP/ue.ues" 2>/dev/null)
after=$(c27)
[ "$state" != attached ] && [ "${after:-0}" -gt "${before:-0}" ] &&
    grep -q 'APN "corp" is not configured' "$E2E_TMP/agwd.log" &&
    ok "a new corp session is rejected with ESM cause #27 (missing or unknown APN)" ||
    not_ok "corp after removal: state '$state', #27 sent ${before:-0} -> ${after:-0}: $(tail -3 "$E2E_TMP/ue.out")"
ue_down

[ "$(cat "$E2E_TMP/agwd.pid")" = "$AGW_PID" ] && ok "all of it without a restart of xepc-agwd" ||
    not_ok "agwd restarted"
agw_stop TERM && ok "xepc-agwd stops cleanly" || not_ok "agwd stop"
exit $((TAP_FAILED > 0))
