#!/bin/bash
# The orchestrator end to end (issue 10 §2, §5): xepc-orcd in the PDN
# namespace ("the cloud"), two xepc-agwd in namespaces of their own, enbsim
# as eNBs and UEs.
#
#   [enb ns] E_IF 172.16.1.2 ---- S_IF 172.16.1.1 [gw ns: gateway 1, datapath]
#                                    G_IF 172.16.2.1 ---- 172.16.2.2 [pdn ns: orcd]
#            E2_IF 172.16.3.2 --- S2_IF 172.16.3.1 [gw2 ns: gateway 2, signalling only]
#                                    G2_IF 172.16.4.1 --- 172.16.4.2 [pdn ns]
#
# Both gateways bootstrap (gateway 2 first refused while unregistered);
# mutual TLS refuses a certificate of another CA and a revoked one; a
# subscriber added in orcd attaches through gateway 1 without a restart; a
# subscriber deleted in orcd while attached is detached; orcd stopped ->
# both gateways keep attaching known subscribers -> orcd back -> a change
# converges on both and check-ins resume.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"
source "$(dirname "$0")/orc_lib.sh"

e2e_require
agw_require
[ -x "$ORCD" ] || skip_all "build first: make all (xepc-orcd)"
command -v sqlite3 >/dev/null && command -v curl >/dev/null || skip_all "sqlite3/curl missing (make deps)"
NS_GW2=xe-gw2-$E2E_SFX
E2_IF=xe${E2E_SFX}f; S2_IF=xe${E2E_SFX}t; G2_IF=xe${E2E_SFX}h; P2_IF=xe${E2E_SFX}q
orc_cleanup() {
    orcd_stop
    ip netns del "$NS_GW2" 2>/dev/null
    e2e_cleanup
}
trap orc_cleanup EXIT
tap_plan 28

e2e_topology || { not_ok "topology"; exit 1; }
ip netns add "$NS_GW2" || { not_ok "namespace gw2"; exit 1; }
ip link add "$E2_IF" netns "$NS_ENB" type veth peer name "$S2_IF" netns "$NS_GW2" &&
    ip link add "$G2_IF" netns "$NS_GW2" type veth peer name "$P2_IF" netns "$NS_PDN" || {
    not_ok "links of gw2"
    exit 1
}
ip -n "$NS_GW2" link set lo up
ip -n "$NS_ENB" addr add 172.16.3.2/24 dev "$E2_IF" && ip -n "$NS_ENB" link set "$E2_IF" up
ip -n "$NS_GW2" addr add 172.16.3.1/24 dev "$S2_IF" && ip -n "$NS_GW2" link set "$S2_IF" up
ip -n "$NS_GW2" addr add 172.16.4.1/24 dev "$G2_IF" && ip -n "$NS_GW2" link set "$G2_IF" up
ip -n "$NS_PDN" addr add 172.16.4.2/24 dev "$P2_IF" && ip -n "$NS_PDN" link set "$P2_IF" up

# --- orcd, with a certificate for both of its addresses ---------------------------
orc_setup 172.16.2.2 172.16.4.2 || { not_ok "orcd setup"; exit 1; }
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$O/foreign.key" \
    -out "$O/foreign.crt" -days 2 -subj "/CN=net1\/gw1" 2>/dev/null
status() { orc_status "$@"; }
orcd_start && ok "xepc-orcd serves in the PDN namespace" || { not_ok "orcd start"; exit 1; }
status POST /v1/networks '{"id":"net1","plmn":{"mcc":"001","mnc":"01"},"tacs":[1,2,3]}' >/dev/null
status POST /v1/networks/net1/apns '{"id":"internet","ambr":{"ul":50000000,"dl":100000000}}' >/dev/null

# subscribers: 5 with keys (enbsim's CSV for the USIMs); 1..3 go to orcd now
AGW_SUB_APNS=internet
"$ENBSIM" gen-subscribers --count 5 --imsi-base 001010000000001 --apn internet >"$E2E_TMP/all.csv"
sub_csv() { # sub_csv OUT N...: the header and those rows (1-based)
    local out=$1; shift
    head -1 "$E2E_TMP/all.csv" >"$out"
    for n in "$@"; do sed -n "$((n + 1))p" "$E2E_TMP/all.csv" >>"$out"; done
}
orc_csv() { # orcd's import columns from rows N...
    echo "imsi,k,opc,apns"
    for n in "$@"; do
        sed -n "$((n + 1))p" "$E2E_TMP/all.csv" | awk -F, '{print $1","$2","$3",internet"}'
    done
}
[ "$(status POST /v1/networks/net1/subscribers:import "$(orc_csv 1 2 3)" text/csv)" = 200 ] &&
    ok "subscribers 1-3 imported into orcd" || not_ok "import into orcd"
grep -q '^[0-9]*,[0-9a-f]\{32\},[0-9a-f]\{32\},' "$E2E_TMP/all.csv" ||
    diag "enbsim's CSV has no OPc column filled: $(sed -n 2p "$E2E_TMP/all.csv")"

# --- the two gateways ---------------------------------------------------------
AGW_LOG_LEVEL=info agw_config
# gateway 1: the lib's configuration (datapath, routed), plus the orchestrator
orc_gw_config "$AGW_CONF" net1 gw1 hw-e2e-gw1 172.16.2.2
# gateway 2: signalling only (--no-datapath), its own S1 address, files, ids
GW2_CONF=$E2E_TMP/agw2.yaml
GW2_SOCK=$E2E_TMP/agwd2.sock
GW2_DB=$E2E_TMP/agw2.db
sed -e "s|$S1U_ADDR|172.16.3.1|g" -e "s|$AGW_DB|$GW2_DB|" -e "s|$AGW_SOCK|$GW2_SOCK|" \
    -e "s|port: $AGW_METRICS_PORT|port: 0|" -e "s|$E2E_TMP/gw1|$E2E_TMP/gw2|" \
    -e "s|gateway: gw1|gateway: gw2|" -e "s|hw-e2e-gw1|hw-e2e-gw2|" \
    -e "s|172.16.2.2:9443|172.16.4.2:9443|" -e "s|s1u: $S_IF|s1u: $S2_IF|" \
    -e "s|sgi: $G_IF|sgi: $G2_IF|" "$AGW_CONF" >"$GW2_CONF"
register() { orc_register "$2" net1; }
register gw1 "$AGW_CONF" && ok "gateway 1's printed identity registered in orcd" || not_ok "register gw1"
agw_start && ok "gateway 1 started" || { not_ok "gateway 1 start"; exit 1; }
ip netns exec "$NS_GW2" "$AGWD" -c "$GW2_CONF" --no-datapath >>"$E2E_TMP/agwd2.log" 2>&1 &
GW2_PID=$!
echo $GW2_PID >"$E2E_TMP/agwd2.pid"
wait_for 150 grep -q "challenge refused (404" "$E2E_TMP/agwd2.log" &&
    ok "gateway 2, not registered yet: its bootstrap is refused (404), logged" ||
    not_ok "gateway 2 unregistered refusal"
register gw2 "$GW2_CONF" && ok "gateway 2 registered" || not_ok "register gw2"
healthy() { api GET "/v1/networks/net1/gateways/$1/state" | head -1 | grep -q '"status": *"healthy"'; }
wait_for 200 healthy gw1 && wait_for 200 healthy gw2 &&
    ok "both gateways bootstrapped and checked in over mutual TLS (orcd: healthy)" ||
    not_ok "both healthy: $(api GET /v1/networks/net1/gateways | head -1)"
subs_in() { [ "$(sqlite3 "$1" "SELECT count(*) FROM subscribers WHERE imsi IN ($2)")" = "$3" ]; }
wait_for 100 subs_in "$AGW_DB" "'001010000000001','001010000000002','001010000000003'" 3 &&
    wait_for 100 subs_in "$GW2_DB" "'001010000000001','001010000000002','001010000000003'" 3 &&
    ok "both gateways synced orcd's 3 subscribers into their SQLite" || not_ok "initial sync"

# --- mutual TLS refusals --------------------------------------------------------
mtls() { # mtls CERT KEY: the status of a check-in with that client certificate
    ip netns exec "$NS_PDN" curl -sS --max-time 5 --cacert "$O/server.crt" --cert "$1" --key "$2" \
        -H "Content-Type: application/json" -d '{"ues":0}' -o "$E2E_TMP/mtls.out" -w '%{http_code}' \
        https://172.16.2.2:9443/v1/gw/checkin
}
[ "$(mtls "$O/foreign.crt" "$O/foreign.key")" = 401 ] &&
    ok "mTLS: a certificate of another CA (an unregistered gateway) is refused (401)" ||
    not_ok "foreign certificate: $(cat "$E2E_TMP/mtls.out")"
[ "$(mtls "$E2E_TMP/gw2/gateway.crt" "$E2E_TMP/gw2/gateway.key")" = 200 ] &&
    ok "mTLS: gateway 2's own certificate is accepted (200)" || not_ok "gw2 certificate"

# --- a subscriber added in orcd attaches through gateway 1, no restart ----------
status POST /v1/networks/net1/subscribers "$(orc_csv 4 | tail -1 |
    awk -F, '{printf "{\"imsi\":\"%s\",\"k\":\"%s\",\"opc\":\"%s\",\"apns\":[\"internet\"]}", $1, $2, $3}')" >/dev/null
wait_for 100 subs_in "$AGW_DB" "'001010000000004'" 1 &&
    ok "subscriber 4 added in orcd reaches gateway 1" || not_ok "subscriber 4 synced"
sub_csv "$E2E_TMP/subs.csv" 4
enbsim_run "$E2E_TMP/a4.out" --ues 1 --hold 0 --detach --no-tun
[ "$(enbsim_val "$E2E_TMP/a4.out" attached)" = 1 ] && [ "$(cat "$E2E_TMP/agwd.pid")" = "$AGW_PID" ] &&
    ok "it attaches through gateway 1, not restarted" || {
    not_ok "subscriber 4 attach"
    tail -5 "$E2E_TMP/a4.out" | sed 's/^/# /'
}

# --- a subscriber deleted in orcd while attached: detached ----------------------
sub_csv "$E2E_TMP/subs.csv" 3
enbsim_bg "$E2E_TMP/a3.out" --ues 1 --hold -1 --detach --no-tun
wait_for 100 bash -c "$XEPCCTL ue list --socket $AGW_SOCK | grep -q '001010000000003.* registered\| registered .*001010000000003'"
agw_wait_stat attach_success 2 100 && ok "subscriber 3 attached through gateway 1 and held" || not_ok "subscriber 3 attach"
status DELETE /v1/networks/net1/subscribers/001010000000003 >/dev/null
agw_wait_stat orc_subscriber_detached 1 100 && agw_wait_stat detach_network 1 50 &&
    ok "deleted in orcd: the attached UE is detached by the network" || not_ok "detach of a deleted subscriber"
wait_for 50 subs_in "$AGW_DB" "'001010000000003'" 0 && ok "and it is gone from gateway 1's HSS" ||
    not_ok "subscriber 3 still in gateway 1"
kill "$ENBSIM_PID" 2>/dev/null; wait "$ENBSIM_PID" 2>/dev/null

# --- orcd away: both gateways keep serving ---------------------------------------
orcd_stop
f1=$(agw_stat orc_sync_failure)
wait_for 100 bash -c "[ \$($XEPCCTL agw stats --socket $AGW_SOCK | awk '\$1==\"orc_sync_failure\"{print \$2}') -gt $f1 ]" &&
    grep -q "orchestrator unreachable" "$E2E_TMP/agwd.log" &&
    ok "orcd stopped: gateway 1 counts and logs the failed syncs" || not_ok "gateway 1 offline counters"
sub_csv "$E2E_TMP/subs.csv" 1
enbsim_run "$E2E_TMP/o1.out" --ues 1 --hold 0 --detach --no-tun
[ "$(enbsim_val "$E2E_TMP/o1.out" attached)" = 1 ] && ok "orcd away: subscriber 1 attaches through gateway 1" ||
    not_ok "gateway 1 offline attach"
ip netns exec "$NS_ENB" "$ENBSIM" --mme 172.16.3.1 --backend "$AGW_BACKEND" --enb-addr 172.16.3.2 \
    --subscribers "$E2E_TMP/subs.csv" --ues 1 --hold 0 --detach --no-tun >"$E2E_TMP/o2.out" 2>&1
[ "$(enbsim_val "$E2E_TMP/o2.out" attached)" = 1 ] && ok "orcd away: subscriber 1 attaches through gateway 2" || {
    not_ok "gateway 2 offline attach"
    tail -5 "$E2E_TMP/o2.out" | sed 's/^/# /'
    tail -5 "$E2E_TMP/agwd2.log" | sed 's/^/# /'
}
# waited for as gateway 1's (one reading could fail while the daemon is busy)
wait_for 100 bash -c "$XEPCCTL agw stats --socket $GW2_SOCK | awk '\$1==\"orc_sync_failure\" && \$2 > 0 {f=1} END {exit !f}'" &&
    ok "gateway 2 counts its failed syncs too" || not_ok "gateway 2 offline counters"

# --- orcd back: a change converges, check-ins resume -----------------------------
orcd_start && ok "orcd back" || not_ok "orcd restart"
status POST /v1/networks/net1/subscribers "$(orc_csv 5 | tail -1 |
    awk -F, '{printf "{\"imsi\":\"%s\",\"k\":\"%s\",\"opc\":\"%s\",\"apns\":[\"internet\"]}", $1, $2, $3}')" >/dev/null
# (subscriber 2 was imported without an msisdn: the PATCH keeps its "")
p=$(status PATCH /v1/networks/net1/subscribers/001010000000002 '{"state":"suspended"}')
[ "$p" = 200 ] || diag "PATCH subscriber 2: $p"
wait_for 150 subs_in "$AGW_DB" "'001010000000005'" 1 && wait_for 150 subs_in "$GW2_DB" "'001010000000005'" 1 &&
    [ "$(sqlite3 "$GW2_DB" "SELECT state FROM subscribers WHERE imsi='001010000000002'")" = inactive ] &&
    ok "the change made after the outage converges on both gateways" || not_ok "convergence"
grep -q "reachable again" "$E2E_TMP/agwd.log" && grep -q "reachable again" "$E2E_TMP/agwd2.log" &&
    ok "both log that orcd is reachable again" || not_ok "reachable again"
last() { api GET "/v1/networks/net1/gateways/$1/state" | head -1 | sed 's/.*"last_checkin": *"\{0,1\}\([^",}]*\).*/\1/'; }
c1=$(last gw1); c2=$(last gw2)
sleep 2.5
[ "$(last gw1)" != "$c1" ] && [ "$(last gw2)" != "$c2" ] && healthy gw1 && healthy gw2 &&
    ok "check-ins resumed: orcd shows both healthy" || not_ok "check-ins resumed"

# --- revoked: gateway 2 deleted in orcd ---------------------------------------------
cp "$E2E_TMP/gw2/gateway.crt" "$E2E_TMP/gw2-old.crt"
[ "$(status DELETE /v1/networks/net1/gateways/gw2)" = 204 ] && ok "the operator deletes gateway 2" ||
    not_ok "delete gw2"
[ "$(mtls "$E2E_TMP/gw2-old.crt" "$E2E_TMP/gw2/gateway.key")" = 401 ] && grep -q revoked "$E2E_TMP/mtls.out" &&
    ok "mTLS: gateway 2's certificate is now refused (401 revoked)" ||
    not_ok "revoked certificate: $(cat "$E2E_TMP/mtls.out")"
wait_for 100 grep -q "refused (401" "$E2E_TMP/agwd2.log" && kill -0 "$GW2_PID" &&
    ok "gateway 2 sees the refusal and keeps running on its last good config" || not_ok "gateway 2 revoked"

agw_stop TERM && ok "gateway 1 stops cleanly" || not_ok "gateway 1 stop"
kill "$GW2_PID"; wait "$GW2_PID"
[ $? = 0 ] && ok "gateway 2 stops cleanly" || not_ok "gateway 2 stop"
[ $TAP_FAILED = 0 ]
