# tests/e2e/orc_lib.sh — xepc-orcd in the PDN namespace ("the cloud") for
# the gateway's orchestrator tests and the demo (source lib.sh first).
# orcd listens on every address of that namespace, port 9443; its server
# certificate names the addresses given to orc_setup.

ORCD=${ORCD:-$E2E_ROOT/build/bin/xepc-orcd}
ORCD_PID=""
ORC_ADDR=""

# orc_setup ADDR...: certificates (server, the gateways' CA), configuration
# and an admin token ($ORC_TOKEN) in $E2E_TMP/orc; the first ADDR is the
# one api() uses.
orc_setup() {
    O=$E2E_TMP/orc
    ORC_ADDR=$1
    mkdir -p "$O"
    local san="" a
    for a in "$@"; do san="${san:+$san,}IP:$a"; done
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$O/server.key" \
        -out "$O/server.crt" -days 2 -subj /CN=xepc-orcd -addext "subjectAltName=$san" 2>/dev/null &&
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$O/ca.key" \
        -out "$O/ca.crt" -days 2 -subj "/CN=xepc gateway CA" -addext basicConstraints=critical,CA:TRUE \
        -addext keyUsage=critical,keyCertSign 2>/dev/null || return 1
    cat >"$O/orc.yaml" <<EOF2
listen: {address: 0.0.0.0, port: 9443}
tls: {cert: $O/server.crt, key: $O/server.key}
store: {backend: sqlite, path: $O/orc.db}
gateways: {ca_cert: $O/ca.crt, ca_key: $O/ca.key, stale_after: 10s}
EOF2
    ORC_TOKEN=$("$ORCD" -c "$O/orc.yaml" token create --name e2e --scope admin) && [ -n "$ORC_TOKEN" ]
}

# orcd_start: in the PDN namespace; waits until it answers.
orcd_start() {
    ip netns exec "$NS_PDN" "$ORCD" -c "$O/orc.yaml" >>"$E2E_TMP/orcd.log" 2>&1 &
    ORCD_PID=$!
    echo $ORCD_PID >"$E2E_TMP/orcd.pid"
    for _ in $(seq 150); do
        api GET /healthz >/dev/null 2>&1 && return 0
        kill -0 $ORCD_PID 2>/dev/null || break
        sleep 0.1
    done
    return 1
}

orcd_stop() {
    [ -n "$ORCD_PID" ] || return 0
    kill "$ORCD_PID" 2>/dev/null
    wait "$ORCD_PID" 2>/dev/null
    ORCD_PID=""
    rm -f "$E2E_TMP/orcd.pid"
}

# api METHOD PATH [BODY] [Content-Type]: from the PDN namespace, as admin;
# prints the body, then the HTTP status on a line of its own.
api() {
    ip netns exec "$NS_PDN" curl -sS --max-time 10 --cacert "$O/server.crt" \
        -H "Authorization: Bearer $ORC_TOKEN" -H "Content-Type: ${4:-application/json}" \
        -X "$1" ${3:+--data-binary "$3"} -w '\n%{http_code}\n' "https://$ORC_ADDR:9443$2"
}
# orc_status METHOD PATH [BODY] [Content-Type]: the HTTP status only.
orc_status() { api "$@" | tail -1; }

# orc_xepcctl ARGS...: xepcctl orc against this orcd (from the PDN namespace).
orc_xepcctl() {
    ip netns exec "$NS_PDN" env XEPC_ORC_URL="https://$ORC_ADDR:9443" XEPC_ORC_CA="$O/server.crt" \
        XEPC_ORC_TOKEN="$ORC_TOKEN" "$XEPCCTL" orc "$@"
}

# orc_gw_config CONF NETWORK GATEWAY HWID ORC_ADDR: appends the orchestrator
# section to a gateway's configuration (quick intervals: tests and demo).
orc_gw_config() {
    cat >>"$1" <<EOF2
orchestrator:
  url: https://$5:9443
  ca: $O/server.crt
  dir: $E2E_TMP/$3
  network: $2
  gateway: $3
  hardware_id: $4
  checkin_interval: 1s
  sync_interval: 1s
  connect_timeout: 1s
  timeout: 5s
  backoff_max: 2s
EOF2
}

# orc_register CONF NETWORK: the gateway's printed identity registered.
orc_register() {
    local id
    id=$("$AGWD" -c "$1" --print-identity) &&
        [ "$(orc_status POST "/v1/networks/$2/gateways" "$id")" = 201 ]
}

# The agwd + orcd scripts (agw_orc_*.sh) share these steps.
# agw_orc_require [TOOL...]: skip unless agwd, orcd, sqlite3, curl and each
# TOOL are here.
agw_orc_require() {
    local t
    e2e_require
    agw_require
    [ -x "$ORCD" ] || skip_all "build first: make all (xepc-orcd)"
    for t in sqlite3 curl "$@"; do
        command -v "$t" >/dev/null || skip_all "$t missing (make deps)"
    done
}

# agw_orc_up: the namespaces, and orcd in the PDN namespace at 172.16.2.2
# (the script stops with not ok when a step fails).
agw_orc_up() {
    e2e_topology || { not_ok "topology"; exit 1; }
    orc_setup 172.16.2.2 || { not_ok "orcd setup"; exit 1; }
    orcd_start || { not_ok "orcd start"; exit 1; }
}

# orc_gen_subscriber: one subscriber of APN internet in $E2E_TMP/subs.csv
# (enbsim's keys); sets IMSI.
orc_gen_subscriber() {
    "$ENBSIM" gen-subscribers --count 1 --imsi-base 001010000000001 --apn internet >"$E2E_TMP/subs.csv"
    IMSI=$(awk -F, 'NR==2 {print $1}' "$E2E_TMP/subs.csv")
}

# orc_post_subscriber FIELDS: that subscriber created in network net1 with
# the JSON FIELDS beside its keys (e.g. '"apns":["internet"]'); prints the
# HTTP status.
orc_post_subscriber() {
    orc_status POST /v1/networks/net1/subscribers \
        "$(awk -F, -v f="$1" 'NR==2 {printf "{\"imsi\":\"%s\",\"k\":\"%s\",\"opc\":\"%s\",%s}", $1, $2, $3, f}' "$E2E_TMP/subs.csv")"
}

# agw_orc_config HWID: agwd's configuration as gateway gw1 of net1 (hardware
# id HWID), registered with orcd; agw_start comes next.
agw_orc_config() {
    AGW_LOG_LEVEL=info agw_config
    orc_gw_config "$AGW_CONF" net1 gw1 "$1" 172.16.2.2
    orc_register "$AGW_CONF" net1 || not_ok "register"
}

# wait_for TENTHS CMD...: polls CMD every 0.1 s, at most TENTHS times.
wait_for() {
    local n=$1; shift
    for _ in $(seq "$n"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
    return 1
}
