#!/bin/bash
# What orcd syncs, enforced by the gateway (docs/orchestrator.md "What the
# gateway enforces", "What a check-in carries"): xepc-orcd in the PDN
# namespace, one xepc-agwd with its XDP datapath, enbsim with a TUN UE,
# real UDP downlink through the datapath (gy_traffic.py).
#
#   - the subscriber's orcd policies: block-7000 (deny, UDP from the PDN's
#     port 7000) drops, rated-7001 (finite rating group 20, quota 3000 in
#     orcd) passes exactly 3 datagrams of 1000 bytes; the YAML file has no
#     policy section at all
#   - the APN's DNS and MTU from orcd reach the UE in the PCO (enbsim's
#     report); the YAML file's are 8.8.8.8 / 1400
#   - block-7000 changed to permit in orcd: the running session lets port
#     7000 through (its used-up finite quota is not refilled), and so does
#     the next session, without a restart
#   - the traffic shows up in orcd's usage history, for the gateway and for
#     the subscriber (the check-in's ul_bytes/dl_bytes and subscribers)
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"
source "$(dirname "$0")/diam_lib.sh"
source "$(dirname "$0")/orc_lib.sh"

agw_orc_require
UE_PID=""
trap '[ -n "$UE_PID" ] && kill "$UE_PID" 2>/dev/null; orcd_stop; e2e_cleanup' EXIT
tap_plan 12

agw_orc_up
st() { orc_status "$@"; }
s1=$(st POST /v1/networks '{"id":"net1","plmn":{"mcc":"001","mnc":"01"},"tacs":[1,2,3]}')
s2=$(st POST /v1/networks/net1/apns \
    '{"id":"internet","ambr":{"ul":50000000,"dl":100000000},"dns":["10.99.0.53"],"mtu":1340}')
s3=$(st POST /v1/networks/net1/rating_groups '{"id":"20","limit_type":"finite","quota":3000}')
flow() { # flow PORT: a downlink flow from the PDN's UDP PORT to the UE
    echo "{\"direction\":\"downlink\",\"protocol\":17,\"remote\":\"$PDN_ADDR/32\",\"port_lo\":$1,\"port_hi\":$1}"
}
s4=$(st POST /v1/networks/net1/policies "{\"id\":\"block-7000\",\"precedence\":10,\"action\":\"deny\",\"flows\":[$(flow 7000)]}")
s5=$(st POST /v1/networks/net1/policies "{\"id\":\"rated-7001\",\"precedence\":20,\"rating_group\":\"20\",\"flows\":[$(flow 7001)]}")
orc_gen_subscriber
s6=$(orc_post_subscriber '"apns":["internet"],"policies":["block-7000","rated-7001"]')
[ "$s1 $s2 $s3 $s4 $s5 $s6" = "201 201 201 201 201 201" ] &&
    ok "orcd: network, APN (DNS 10.99.0.53, MTU 1340), finite rating group, 2 policies, subscriber" ||
    not_ok "orcd objects: $s1 $s2 $s3 $s4 $s5 $s6"

agw_orc_config hw-e2e-pol
agw_start || { not_ok "xepc-agwd start"; exit 1; }
wait_for 300 grep -q "policy: 2 rule(s), 0 base name(s), 1 rating group(s); 1 of 3 APN(s)" "$E2E_TMP/agwd.log" &&
    ok "the gateway synced and mapped orcd's policies, rating group and APN" ||
    not_ok "policy reload: $(grep 'orc.*policy' "$E2E_TMP/agwd.log" | tail -2)"

# ue_up: the UE attached and held (UE_IP, UE_PID, $E2E_TMP/ue.ues)
ue_up() {
    rm -f "$E2E_TMP/ue.ready" "$E2E_TMP/ue.ues"
    ip netns exec "$NS_ENB" "$ENBSIM" --mme "$S1U_ADDR" --backend "$AGW_BACKEND" \
        --enb-addr "$ENB_ADDR" --subscribers "$E2E_TMP/subs.csv" --ues 1 --hold -1 --detach \
        --tun --timeout 60 --ready-file "$E2E_TMP/ue.ready" --ue-report "$E2E_TMP/ue.ues" \
        >"$E2E_TMP/ue.out" 2>&1 &
    UE_PID=$!
    for _ in $(seq 300); do [ -s "$E2E_TMP/ue.ready" ] && break; sleep 0.1; done
    UE_IP=$(awk '!/^#/ && $2 != "-" {print $2; exit}' "$E2E_TMP/ue.ues")
}
ue_down() { kill -TERM "$UE_PID" 2>/dev/null; wait "$UE_PID" 2>/dev/null; UE_PID=""; }
# send SPORT COUNT: COUNT datagrams of 1000 bytes from the PDN's SPORT to
# the UE; prints "received bytes"
send() { diam_flow "$UE_IP" "$2" 1000 20 "$1" 2; }

ue_up
[ -n "$UE_IP" ] && ok "the UE attached ($UE_IP)" || not_ok "no UE: $(tail -3 "$E2E_TMP/ue.out")"
check "orcd's policies installed on its session (no policy section in the YAML file)" \
    grep -q "local policy: 2 PCC rule(s), 2 datapath rule(s), 1 quota(s)" "$E2E_TMP/agwd.log"
pco=$(awk '!/^#/ {print $9, $10; exit}' "$E2E_TMP/ue.ues")
[ "$pco" = "10.99.0.53 1340" ] && ok "the PCO carries orcd's DNS and MTU for the APN" ||
    not_ok "PCO DNS/MTU '$pco', wanted '10.99.0.53 1340'"
got=$(send 7000 3)
[ "$got" = "0 0" ] && ok "orcd's deny rule block-7000 drops UDP from port 7000" ||
    not_ok "port 7000: received '$got', wanted '0 0'"
got=$(send 7001 5)
[ "$got" = "3 3000" ] && ok "orcd's finite rating group 20 (3000 bytes): exactly 3 datagrams pass" ||
    not_ok "port 7001: received '$got', wanted '3 3000'"
got=$(send 7002 4)
[ "$got" = "4 4000" ] || diag "port 7002: received '$got'"

# the traffic in orcd's usage history (check-ins every second)
usage_dl() { # usage_dl PATH: the sum of dl_bytes of its points
    api GET "$1" | head -1 | python3 -c 'import json,sys; print(sum(p["dl_bytes"] for p in json.load(sys.stdin)["points"]))'
}
# at least the 7000 bytes received (inner IP length: a bit more each)
dl_at_least() { [ "$(usage_dl "$1")" -ge "$2" ]; }
wait_for 150 dl_at_least /v1/networks/net1/gateways/gw1/usage 7000 &&
    ok "orcd's usage history of the gateway shows the downlink ($(usage_dl /v1/networks/net1/gateways/gw1/usage) bytes)" ||
    not_ok "gateway usage: $(api GET /v1/networks/net1/gateways/gw1/usage | head -1)"
wait_for 50 dl_at_least "/v1/networks/net1/subscribers/$IMSI/usage" 7000 &&
    ok "and that of the subscriber ($(usage_dl "/v1/networks/net1/subscribers/$IMSI/usage") bytes)" ||
    not_ok "subscriber usage: $(api GET "/v1/networks/net1/subscribers/$IMSI/usage" | head -1)"

# a change in orcd reaches the running session and the next one, no restart
[ "$(st PATCH /v1/networks/net1/policies/block-7000 '{"action":"permit"}')" = 200 ] ||
    not_ok "PATCH block-7000"
wait_for 150 grep -q "orc.*policy: 2 rule(s).* 1 running session(s) updated" "$E2E_TMP/agwd.log" ||
    diag "no policy reload after the PATCH: $(grep 'orc.*policy' "$E2E_TMP/agwd.log" | tail -1)"
got="$(send 7000 3) / $(send 7001 2)"
[ "$got" = "3 3000 / 0 0" ] &&
    ok "block-7000 made permit in orcd: the running session passes port 7000, its used-up quota stays used up" ||
    not_ok "running session after the change: received '$got', wanted '3 3000 / 0 0'"
ue_down
ue_up
got=$(send 7000 3)
[ "$got" = "3 3000" ] && [ "$(cat "$E2E_TMP/agwd.pid")" = "$AGW_PID" ] &&
    ok "block-7000 made permit in orcd: the next session passes port 7000 (no restart)" ||
    not_ok "port 7000 after the change: received '$got', wanted '3 3000'"
ue_down
agw_stop TERM && ok "xepc-agwd stops cleanly" || not_ok "agwd stop"
exit $((TAP_FAILED > 0))
