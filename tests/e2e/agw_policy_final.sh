#!/bin/bash
# The local policy's final-unit actions (docs/charging.md "Local policy",
# policy.rating_groups[].final_action): no Diameter, real UDP and TCP
# through the XDP datapath.
#   restrict: rating group 30 (3000 bytes a day; UDP from ports 7002 and
#             7003), restricted to rule allow-7003 (port 7003, a rule of
#             no session): exactly 3000 bytes pass, then port 7002 is
#             dropped and port 7003 passes (5000 bytes counted apart)
#   redirect: rating group 20 (3000 bytes a PDN connection; UDP from the
#             PDN's port 7001 and TCP to port 80): exactly 3000 bytes pass,
#             then (the kernel's exhaustion event) the UE's HTTP to
#             198.51.100.7 reaches the portal (a second address of the PDN
#             host), while the group's UDP is dropped both ways (not sent
#             to the portal's address either, as Gy's REDIRECT would); the
#             portal's exchange is counted apart (rg 20 uncharged)
#   terminate: rating group 50 (1000 bytes, UDP from port 7004): exactly
#             1000 bytes pass, then the UE is detached (its only PDN
#             connection) and its datapath session goes
#   the day:  the connection ended, rg 30's book is 3000; a new connection
#             that day: 7002 dropped from the start, 7003 passes; rg 20's
#             new 3000 bytes used while the daemon is stopped: started
#             again it finds that (local_final_check) and HTTP goes to the
#             portal; killed (SIGKILL) and started again, all of it holds
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"
source "$(dirname "$0")/diam_lib.sh"

e2e_require
agw_require
diam_require
command -v curl >/dev/null || skip_all "curl missing"
command -v sqlite3 >/dev/null || skip_all "sqlite3 missing"
trap 'for f in "$E2E_TMP"/*.bgpid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null; done; diam_cleanup; e2e_cleanup' EXIT
tap_plan 14

e2e_topology || { not_ok "topology"; exit 1; }
# the portal, a host of its own on the PDN link: the datapath takes every
# packet from the portal's address for a portal reply (its source is
# restored to the redirected destination)
PORTAL=172.16.2.80
ip -n "$NS_PDN" addr add $PORTAL/24 dev "$P_IF" || not_ok "portal address"
agw_config
cat >>"$AGW_CONF" <<EOF
policy:
  rules:
    - { name: g20, precedence: 20, rating_group: 20,
        flows: ["permit out 17 from $PDN_ADDR 7001 to assigned",
                "permit out 6 from any 80 to assigned"] }
    - { name: g30, precedence: 30, rating_group: 30,
        flows: ["permit out 17 from $PDN_ADDR 7002 to assigned",
                "permit out 17 from $PDN_ADDR 7003 to assigned"] }
    - { name: allow-7003, precedence: 40,
        flows: ["permit out 17 from $PDN_ADDR 7003 to assigned"] }
    - { name: g50, precedence: 50, rating_group: 50,
        flows: ["permit out 17 from $PDN_ADDR 7004 to assigned"] }
  rating_groups:
    - { id: 20, type: finite, quota: 3000,
        final_action: { redirect: { address: $PORTAL } } }
    - { id: 30, type: finite, quota: 3000, period: daily,
        final_action: { restrict: { rules: [allow-7003] } } }
    - { id: 50, type: finite, quota: 1000, final_action: terminate }
  static: { rules: [g20, g30, g50] }
EOF
sed 's/rules: \[allow-7003\]/rules: [allow-7004]/' "$AGW_CONF" >"$E2E_TMP/bad.yaml"
out=$("$XEPCCTL" config check "$E2E_TMP/bad.yaml" 2>&1)
rc=$?
[ $rc != 0 ] && grep -q "final_action.restrict.rules\[0\]: 'allow-7004' is not a rule of policy.rules" <<<"$out" &&
    "$XEPCCTL" config check "$AGW_CONF" >/dev/null &&
    ok "xepcctl config check takes the final actions, refuses a restrict to an unknown rule" ||
    not_ok "config check: rc $rc, '$out'"
AGW_SUB_APNS=internet agw_subscribers 1 >/dev/null || not_ok "subscriber import"

ue_up() { rm -f "$E2E_TMP/ue.ues"; diam_ue_up 60 && diam_ue_route; }
# dl SPORT COUNT: COUNT datagrams of 1000 bytes from the PDN's SPORT to the
# UE; ul DPORT COUNT: from the UE to the PDN's DPORT, received on any
# address of the PDN host (the portal's too); "received bytes"
# (a receiver that waits SECONDS, default 6, for the first)
dl() { diam_flow "$UE_IP" "$2" 1000 30 "$1" "${3:-6}"; }
ul() { diam_udp "$NS_PDN" 0.0.0.0 "$1" 3 "$NS_ENB" "$PDN_ADDR" "$1" "$2" 1000 30 6001 "$UE_IP"; }
# rg_val RG usage|uncharged: the bytes (ul + dl) the datapath counted
rg_val() {
    in_gw "$XEPCCTL" session show --ue "$UE_IP" --pin-dir "$PIN" |
        awk -v rg="$1" -v k="$2" '$1 == "rg" && $2 == rg && $3 == k { print $5 + $10; f = 1; exit }
                                  END { if (!f) print "none" }'
}
# http: the UE's HTTP request to 198.51.100.7, a portal on PORTAL:80 that
# answers one with the page "xepc-portal"; prints what the UE got
http() {
    ip netns exec "$NS_PDN" python3 -c "
import socket
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('$PORTAL', 80)); s.listen(1); s.settimeout(8)
c,_=s.accept(); c.recv(1000); c.sendall(b'HTTP/1.0 200 OK\\r\\n\\r\\nxepc-portal\\n'); c.close()" &
    local pid=$!
    echo $pid >"$E2E_TMP/portal.bgpid"
    for _ in $(seq 50); do
        [ -n "$(ip netns exec "$NS_PDN" ss -tln "( sport = :80 )" | tail -n +2)" ] && break
        sleep 0.1
    done
    ip netns exec "$NS_ENB" curl -s -m 6 --interface "$UE_IP" http://198.51.100.7/ 2>&1
    kill $pid 2>/dev/null
    wait $pid 2>/dev/null
}
booked() { diam_local_booked 30; }

agw_start || { not_ok "xepc-agwd start"; exit 1; }
ue_up
[ -n "$UE_IP" ] && ok "the UE attached ($UE_IP)" || { not_ok "no UE"; exit 1; }

# --- restrict (daily) -----------------------------------------------------------
a=$(dl 7002 5)
b=$(dl 7002 3 3)
c=$(dl 7003 5)
[ "$a" = "3 3000" ] && [ "$b" = "0 0" ] && [ "$c" = "5 5000" ] &&
    ok "restrict: exactly 3000 bytes of the group, then port 7002 is dropped and only allow-7003's flow passes" ||
    not_ok "restrict: 7002 '$a' (want 3 3000), then '$b' (want 0 0), 7003 '$c' (want 5 5000)"
u=$(rg_val 30 usage) n=$(rg_val 30 uncharged)
[ "$u" = 3000 ] && [ "$n" = 5000 ] && ok "restrict: rg 30 used 3000, the allowed 5000 bytes counted apart" ||
    not_ok "restrict: rg 30 usage '$u' (want 3000), uncharged '$n' (want 5000)"

# --- redirect (per connection): the kernel's exhaustion event -----------------
a=$(dl 7001 5)
for _ in $(seq 50); do grep -q "rating group 20: its HTTP (port 80) now to the portal" "$E2E_TMP/agwd.log" && break; sleep 0.1; done
page=$(http)
[ "$a" = "3 3000" ] && [ "$page" = "xepc-portal" ] &&
    ok "redirect: exactly 3000 bytes of the group pass, then the UE's HTTP to 198.51.100.7 reaches the portal" ||
    { not_ok "redirect: 7001 '$a' (want 3 3000), HTTP got '$page' (want xepc-portal)"
      grep pcef "$E2E_TMP/agwd.log" | tail -5 | sed 's/^/# /'; }
b=$(dl 7001 3 3)
c=$(ul 7001 3)
[ "$b" = "0 0" ] && [ "$c" = "0 0" ] &&
    ok "redirect: the group's other traffic is dropped (UDP port 7001 down and up, the portal's address too)" ||
    { not_ok "redirect: 7001 downlink '$b', uplink '$c' (want 0 0 each)"
      in_gw "$XEPCCTL" session show --ue "$UE_IP" --pin-dir "$PIN" | sed 's/^/# /'; }
u=$(rg_val 20 usage) n=$(rg_val 20 uncharged)
[ "$u" = 3000 ] && [ "$n" != none ] && [ "$n" -gt 0 ] 2>/dev/null &&
    ok "redirect: rg 20 used 3000, the portal's $n bytes counted apart" ||
    not_ok "redirect: rg 20 usage '$u' (want 3000), uncharged '$n' (want > 0)"
check "the exhausted quotas are counted (local_quota_used)" test "$(agw_stat local_quota_used)" -ge 2
# --- terminate: the PDN connection (the UE's only one) ends ------------------------
a=$(dl 7004 3)
for _ in $(seq 100); do grep -q "final_action terminate of EBI 5: detach (last PDN connection)" "$E2E_TMP/agwd.log" && break; sleep 0.1; done
for _ in $(seq 100); do in_gw "$XEPCCTL" session show --ue "$UE_IP" --pin-dir "$PIN" >/dev/null 2>&1 || break; sleep 0.1; done
[ "$a" = "1 1000" ] && grep -q "final_action terminate of EBI 5: detach (last PDN connection)" "$E2E_TMP/agwd.log" &&
    ! in_gw "$XEPCCTL" session show --ue "$UE_IP" --pin-dir "$PIN" >/dev/null 2>&1 &&
    ok "terminate: exactly 1000 bytes of rg 50, then the UE is detached (its only PDN connection) and its session is gone" ||
    not_ok "terminate: 7004 '$a' (want 1 1000), $(grep -c 'final_action terminate' "$E2E_TMP/agwd.log") log line(s), session $(in_gw "$XEPCCTL" session show --ue "$UE_IP" --pin-dir "$PIN" 2>&1 | head -1)"
diam_ue_down
used=$(booked)
[ "$used" = 3000 ] && [ "$(sqlite3 "$AGW_DB" "SELECT COUNT(*) FROM local_quota_sess")" = 0 ] &&
    ok "the connection ended: the day's book of rg 30 is 3000 (what passed after the quota is not charged to it)" ||
    not_ok "rg 30 booked '$used' (want 3000), reservations left $(sqlite3 "$AGW_DB" "SELECT COUNT(*) FROM local_quota_sess")"

# --- a new connection the same day, across restarts ----------------------------
ue_up
b=$(dl 7002 2 3)
c=$(dl 7003 2)
[ "$b" = "0 0" ] && [ "$c" = "2 2000" ] &&
    ok "a new connection, nothing left of the day: 7002 dropped from the start, 7003 passes" ||
    not_ok "new connection: 7002 '$b' (want 0 0), 7003 '$c' (want 2 2000)"
# rg 20's 3000 bytes (a new connection's) used while the daemon is stopped
agw_stop TERM
a=$(dl 7001 5)
agw_start || { not_ok "xepc-agwd start"; exit 1; }
for _ in $(seq 50); do [ "$(grep -c "rating group 20: its HTTP (port 80) now to the portal" "$E2E_TMP/agwd.log")" -ge 2 ] && break; sleep 0.1; done
page=$(http)
[ "$a" = "3 3000" ] && [ "$page" = "xepc-portal" ] &&
    ok "rg 20 used up while the daemon was stopped (3000 bytes passed): started again, HTTP goes to the portal" ||
    not_ok "across a stop: 7001 '$a' (want 3 3000), HTTP '$page' (want xepc-portal)"
agw_stop KILL
agw_start || { not_ok "xepc-agwd start after SIGKILL"; exit 1; }
page=$(http)
b=$(dl 7002 2 3)
c=$(dl 7003 2)
[ "$page" = "xepc-portal" ] && [ "$b" = "0 0" ] && [ "$c" = "2 2000" ] &&
    ok "killed (SIGKILL) and started again: HTTP still to the portal, 7002 dropped, 7003 passes" ||
    not_ok "after SIGKILL: HTTP '$page', 7002 '$b' (want 0 0), 7003 '$c' (want 2 2000)"
check "no ASAN/UBSAN report in the daemon's log" bash -c "! grep -qE 'runtime error|AddressSanitizer' '$E2E_TMP/agwd.log'"
agw_stop TERM
diag "${SECONDS}s"
exit $((TAP_FAILED > 0))
