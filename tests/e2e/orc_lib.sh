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
