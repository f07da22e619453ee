#!/bin/bash
# orcd's rules the gateway could not install before (docs/orchestrator.md
# "What the gateway enforces"), each through the XDP datapath with real
# packets: xepc-orcd in the PDN namespace, one xepc-agwd, enbsim with a
# TUN UE, UDP downlink from the PDN (gy_traffic.py), HTTP from the UE.
#
#   - many: 6 flows (UDP from the PDN's ports 7001..7006), rating group 30
#     finite with 2000 bytes: installed as 2 rules of 4 + 2 flows; port
#     7006 (the second part) passes exactly 2 datagrams of 1000 bytes, then
#     port 7001 (the first part) none: one quota for both parts
#   - precedences above 16381 keep their order: allow-7010 (permit, 30000)
#     before deny-udp (deny all UDP from the PDN, 50000): port 7010 passes,
#     port 7011 is dropped
#   - portal: redirect (40000) of the UE's TCP to port 80 anywhere to
#     redirect.url's host, the PDN host: the UE's HTTP to 198.51.100.7 is
#     answered by it
#   - huge: 16 flows, more than a session's datapath rules: not installed,
#     logged and counted (orc_policy_not_enforced); the rest is
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"
source "$(dirname "$0")/diam_lib.sh"
source "$(dirname "$0")/orc_lib.sh"

agw_orc_require
UE_PID=""
trap '[ -n "$UE_PID" ] && kill "$UE_PID" 2>/dev/null; [ -s "$E2E_TMP/portal.bgpid" ] && kill "$(cat "$E2E_TMP/portal.bgpid")" 2>/dev/null; orcd_stop; e2e_cleanup' EXIT
tap_plan 8

agw_orc_up
st() { orc_status "$@"; }
flow() { # flow PORT: a downlink flow from the PDN's UDP PORT to the UE
    echo "{\"direction\":\"downlink\",\"protocol\":17,\"remote\":\"$PDN_ADDR/32\",\"port_lo\":$1,\"port_hi\":$1}"
}
flows() { # flows FROM TO: flow FROM, ..., flow TO
    local p out=""
    for p in $(seq "$1" "$2"); do out="${out:+$out,}$(flow "$p")"; done
    echo "$out"
}
r=""
r="$r $(st POST /v1/networks '{"id":"net1","plmn":{"mcc":"001","mnc":"01"},"tacs":[1,2,3]}')"
r="$r $(st POST /v1/networks/net1/apns '{"id":"internet","ambr":{"ul":50000000,"dl":100000000}}')"
r="$r $(st POST /v1/networks/net1/rating_groups '{"id":"30","limit_type":"finite","quota":2000}')"
r="$r $(st POST /v1/networks/net1/policies "{\"id\":\"many\",\"precedence\":20000,\"rating_group\":\"30\",\"flows\":[$(flows 7001 7006)]}")"
r="$r $(st POST /v1/networks/net1/policies "{\"id\":\"allow-7010\",\"precedence\":30000,\"flows\":[$(flow 7010)]}")"
r="$r $(st POST /v1/networks/net1/policies "{\"id\":\"deny-udp\",\"precedence\":50000,\"action\":\"deny\",\"flows\":[{\"direction\":\"downlink\",\"protocol\":17,\"remote\":\"$PDN_ADDR/32\"}]}")"
r="$r $(st POST /v1/networks/net1/policies "{\"id\":\"portal\",\"precedence\":40000,\"action\":\"redirect\",\"redirect\":{\"url\":\"http://$PDN_ADDR/\"},\"flows\":[{\"direction\":\"uplink\",\"protocol\":6,\"port_lo\":80,\"port_hi\":80}]}")"
r="$r $(st POST /v1/networks/net1/policies "{\"id\":\"huge\",\"precedence\":60000,\"flows\":[$(flows 7101 7116)]}")"
orc_gen_subscriber
r="$r $(orc_post_subscriber '"apns":["internet"],"policies":["many","allow-7010","deny-udp","portal","huge"]')"
[ "$r" = " 201 201 201 201 201 201 201 201 201" ] &&
    ok "orcd: 5 policies (6 flows, precedences 20000..60000, a redirect, 16 flows), finite rating group, subscriber" ||
    not_ok "orcd objects:$r"

agw_orc_config hw-e2e-rules
agw_start || { not_ok "xepc-agwd start"; exit 1; }
log_has() { grep -q "$1" "$E2E_TMP/agwd.log"; }
# many in 2 parts, allow-7010, deny-udp, portal: 5 rules; huge not
wait_for 300 log_has "policy: 5 rule(s), 0 base name(s), 1 rating group(s)" &&
    log_has "policy 'huge' not enforced: more than 15 flows" &&
    [ "$(agw_stat orc_policy_not_enforced)" -ge 1 ] &&
    ok "the gateway maps them: huge not installed, logged and counted (orc_policy_not_enforced $(agw_stat orc_policy_not_enforced))" ||
    not_ok "policy reload: $(grep 'orc.*policy' "$E2E_TMP/agwd.log" | tail -2)"

rm -f "$E2E_TMP/ue.ready" "$E2E_TMP/ue.ues"
ip netns exec "$NS_ENB" "$ENBSIM" --mme "$S1U_ADDR" --backend "$AGW_BACKEND" \
    --enb-addr "$ENB_ADDR" --subscribers "$E2E_TMP/subs.csv" --ues 1 --hold -1 --detach \
    --tun --timeout 60 --ready-file "$E2E_TMP/ue.ready" --ue-report "$E2E_TMP/ue.ues" \
    >"$E2E_TMP/ue.out" 2>&1 &
UE_PID=$!
wait_for 300 test -s "$E2E_TMP/ue.ready"
UE_IP=$(awk '!/^#/ && $2 != "-" {print $2; exit}' "$E2E_TMP/ue.ues" 2>/dev/null)
# PCC rules: many (2), allow-7010, deny-udp, portal; dp rules 6 + 1 + 1 + 1
[ -n "$UE_IP" ] && log_has "local policy: 5 PCC rule(s), 9 datapath rule(s), 1 quota(s)" &&
    ok "the UE attached ($UE_IP) with 5 PCC rules, 9 datapath rules, 1 quota" ||
    not_ok "session: '$UE_IP' $(grep 'local policy' "$E2E_TMP/agwd.log" | tail -1)"
send() { diam_flow "$UE_IP" "$2" 1000 20 "$1" 2; }

got="$(send 7006 3) / $(send 7001 2)"
[ "$got" = "2 2000 / 0 0" ] &&
    ok "6 flows in 2 parts: port 7006 (part 2) passes 2 datagrams of rating group 30's 2000 bytes, then port 7001 (part 1) none" ||
    not_ok "many: received '$got', wanted '2 2000 / 0 0'"
got="$(send 7010 3) / $(send 7011 3)"
[ "$got" = "3 3000 / 0 0" ] &&
    ok "precedences 30000 and 50000 in order: port 7010 permitted before deny-udp, port 7011 dropped" ||
    not_ok "precedence: received '$got', wanted '3 3000 / 0 0'"

# the redirect: the UE's HTTP to anywhere lands on the PDN host's port 80
UE_IF=$(ip -n "$NS_ENB" -o addr show | awk -v ip="$UE_IP" '$4 ~ "^"ip"/" {print $2; exit}')
ip -n "$NS_ENB" rule add from "$UE_IP" table 200
ip -n "$NS_ENB" route add default dev "$UE_IF" table 200
ip netns exec "$NS_PDN" python3 -c "
import socket
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('$PDN_ADDR', 80)); s.listen(1); s.settimeout(20)
c,_=s.accept(); c.recv(1000); c.sendall(b'HTTP/1.0 200 OK\r\n\r\nxepc-portal\n'); c.close()" &
echo $! >"$E2E_TMP/portal.bgpid"
for _ in $(seq 100); do
    [ -n "$(ip netns exec "$NS_PDN" ss -tln "( sport = :80 )" | tail -n +2)" ] && break
    sleep 0.1
done
page=$(ip netns exec "$NS_ENB" curl -s -m 10 --interface "$UE_IP" http://198.51.100.7/ 2>&1)
[ "$page" = "xepc-portal" ] &&
    ok "redirect rule: the UE's HTTP to 198.51.100.7 is answered by the portal ($PDN_ADDR)" ||
    { not_ok "redirect: got '$page'"
      in_gw "$XEPCCTL" stats --pin-dir "$PIN" | grep -iE "redirect|portal" | sed 's/^/# /'; }
wait "$(cat "$E2E_TMP/portal.bgpid")" 2>/dev/null
rm -f "$E2E_TMP/portal.bgpid"

kill -TERM "$UE_PID" 2>/dev/null
wait "$UE_PID" 2>/dev/null
UE_PID=""
[ "$(cat "$E2E_TMP/agwd.pid")" = "$AGW_PID" ] && ok "no restart of xepc-agwd" || not_ok "agwd restarted"
agw_stop TERM && ok "xepc-agwd stops cleanly" || not_ok "agwd stop"
exit $((TAP_FAILED > 0))
