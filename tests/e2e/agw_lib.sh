# tests/e2e/agw_lib.sh — xepc-agwd and enbsim on the e2e topology of
# lib.sh (source lib.sh first).  The gateway's S1-MME listens on the S1
# link's gateway address (usrsctp over raw IPv4 unless AGW_BACKEND says
# otherwise), enbsim runs in the eNB namespace: the two SCTP stacks are in
# different namespaces, as they must be (docs/sctp.md).

AGWD=${AGWD:-$E2E_ROOT/build/bin/xepc-agwd}
ENBSIM=${ENBSIM:-$E2E_ROOT/build/bin/enbsim}
AGW_BACKEND=${AGW_BACKEND:-usrsctp-raw}
AGW_PID=""
AGW_METRICS_PORT=$((20000 + E2E_ID % 20000))

agw_require() {
    [ -x "$AGWD" ] && [ -x "$ENBSIM" ] || skip_all "build first: make all (xepc-agwd, enbsim)"
}

# agw_config [extra YAML appended to the apns list...]: writes $E2E_TMP/agw.yaml
agw_config() {
    AGW_CONF=$E2E_TMP/agw.yaml
    AGW_DB=$E2E_TMP/agw.db
    AGW_SOCK=$E2E_TMP/agwd.sock
    cat >"$AGW_CONF" <<EOF
logger:
  level: ${AGW_LOG_LEVEL:-info}
mme:
  name: xepc-e2e
  gummei:
    plmn: { mcc: "001", mnc: "01" }
    mme_gid: 1
    mme_code: 1
  tai:
    - plmn: { mcc: "001", mnc: "01" }
      tac: [1, 2, 3]
  s1ap:
    backend: $AGW_BACKEND
    address: $S1U_ADDR
    heartbeat: 1s
  network_name: { full: "xepc e2e", short: "xepc" }
  t3450: 2s
  t3460: 2s
  t3470: 2s
gtpu:
  address: $S1U_ADDR
datapath:
  s1u: $S_IF
  sgi: $G_IF
  mode: routed
  pin_dir: $PIN
  max_sessions: 4096
apns:
  - name: internet
    pool: 10.45.0.0/16
    dns: [8.8.8.8]
    mtu: 1400
    ambr: { ul: 100Mbps, dl: 200Mbps }
  - name: ims
    pool: 10.46.0.0/24
    qci: 5
    ims: true
    pcscf: [10.46.0.1]
  - name: tiny
    pool: 10.47.0.0/30
database:
  path: $AGW_DB
control:
  socket: $AGW_SOCK
metrics:
  address: 127.0.0.1
  port: $AGW_METRICS_PORT
EOF
}

# agw_start: xepc-agwd in the gateway namespace; waits for its socket.
agw_start() {
    rm -f "$AGW_SOCK"
    ip netns exec "$NS_GW" "$AGWD" -c "$AGW_CONF" >>"$E2E_TMP/agwd.log" 2>&1 &
    AGW_PID=$!
    echo $AGW_PID >"$E2E_TMP/agwd.pid"
    # bringing the datapath up takes seconds (BPF verification), more on a
    # loaded machine
    for _ in $(seq 600); do
        [ -S "$AGW_SOCK" ] && grep -q "xepc-agwd ready" "$E2E_TMP/agwd.log" && return 0
        kill -0 $AGW_PID 2>/dev/null || break
        sleep 0.1
    done
    tail -n 20 "$E2E_TMP/agwd.log" | sed 's/^/# agwd: /'
    return 1
}

# agw_stop [SIGNAL]
agw_stop() {
    [ -n "$AGW_PID" ] || return 0
    kill "-${1:-TERM}" "$AGW_PID" 2>/dev/null
    wait "$AGW_PID" 2>/dev/null
    local rc=$?
    AGW_PID=""
    rm -f "$E2E_TMP/agwd.pid"
    return $rc
}

agwctl() { "$XEPCCTL" "$@" --socket "$AGW_SOCK"; }

# One counter of `xepcctl agw stats`.
agw_stat() {
    agwctl agw stats | awk -v n="$1" '$1 == n { print $2; f = 1 } END { if (!f) print 0 }'
}

# agw_subscribers N [IMSI_BASE]: N subscribers with random keys, in the
# database and in $E2E_TMP/subs.csv for enbsim.
agw_subscribers() {
    local n=$1 base=${2:-001010000000001}
    "$ENBSIM" gen-subscribers --count "$n" --imsi-base "$base" --apn "${AGW_SUB_APNS:-internet;ims}" \
        >"$E2E_TMP/subs.csv" &&
        "${XEPCCTL_SUB:-$XEPCCTL}" subscriber import --db "$AGW_DB" "$E2E_TMP/subs.csv"
}

# agw_wait_stat NAME VALUE [TENTHS]: until the counter reaches VALUE.
agw_wait_stat() {
    local name=$1 want=$2 tries=${3:-100}
    for _ in $(seq "$tries"); do
        [ "$(agw_stat "$name")" -ge "$want" ] 2>/dev/null && return 0
        sleep 0.1
    done
    diag "$name = $(agw_stat "$name"), wanted $want"
    return 1
}

# enbsim_run OUT ARGS...: enbsim in the eNB namespace, in the foreground.
enbsim_run() {
    local out=$1
    shift
    ip netns exec "$NS_ENB" "$ENBSIM" --mme "$S1U_ADDR" --backend "$AGW_BACKEND" \
        --enb-addr "$ENB_ADDR" --subscribers "$E2E_TMP/subs.csv" "$@" >"$out" 2>&1
}

# enbsim_bg OUT ARGS...: the same in the background (ENBSIM_PID).
enbsim_bg() {
    local out=$1
    shift
    ip netns exec "$NS_ENB" "$ENBSIM" --mme "$S1U_ADDR" --backend "$AGW_BACKEND" \
        --enb-addr "$ENB_ADDR" --subscribers "$E2E_TMP/subs.csv" "$@" >"$out" 2>&1 &
    ENBSIM_PID=$!
    echo $ENBSIM_PID >"$E2E_TMP/enbsim-$ENBSIM_PID.pid"
}

# wait_bounded PID SECS: waits for an enbsim (its exit status), interrupting it
# after SECS.
wait_bounded() {
    local pid=$1 t=$2
    for _ in $(seq $((t * 10))); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        diag "enbsim $pid still running after ${t}s: interrupted"
        kill -INT "$pid" 2>/dev/null
    fi
    wait "$pid"
}

# The value of an `enbsim: KEY VALUE` line of an enbsim output file.
enbsim_val() {
    awk -v k="$2" '$1 == "enbsim:" && $2 == k { print $3; f = 1 } END { if (!f) print "" }' "$1"
}

# agw_capture_s1 SECONDS: tshark in the eNB namespace on the S1 link for
# at most SECONDS: S1AP whole in CAP ($E2E_TMP/s1ap.pcap, TS_PID), the
# gateway's GTP-U headers (96 octets) in GCAP ($E2E_TMP/gtpu.pcap,
# TG_PID); returns once both capture (the handover tests).
agw_capture_s1() {
    CAP=$E2E_TMP/s1ap.pcap
    GCAP=$E2E_TMP/gtpu.pcap
    ip netns exec "$NS_ENB" timeout "$1" tshark -q -i "$E_IF" -f "sctp" -w "$CAP" \
        >"$E2E_TMP/tshark.log" 2>&1 &
    TS_PID=$!
    ip netns exec "$NS_ENB" timeout "$1" tshark -q -i "$E_IF" -s 96 \
        -f "udp port 2152 and src host $S1U_ADDR" -w "$GCAP" >"$E2E_TMP/tshark-g.log" 2>&1 &
    TG_PID=$!
    e2e_wait_capturing "$E2E_TMP/tshark.log" && e2e_wait_capturing "$E2E_TMP/tshark-g.log" ||
        diag "tshark did not say it captures"
    sleep 0.3
}

# agw_ue_tun READY_FILE: once enbsim wrote READY_FILE, the first registered
# UE's address (UE_IP) and its TUN device in the eNB namespace (UE_IF);
# what leaves from UE_IP goes through UE_IF (policy routing, table 200).
agw_ue_tun() {
    for _ in $(seq 100); do [ -s "$1" ] && break; sleep 0.1; done
    UE_IP=$("$XEPCCTL" ue list --socket "$AGW_SOCK" | awk 'NR > 1 && $3 == "registered" {print $5; exit}')
    for _ in $(seq 50); do
        in_enb ip -o addr show 2>/dev/null | grep -q " $UE_IP/" && break
        sleep 0.1
    done
    UE_IF=$(in_enb ip -o addr show | awk -v ip="$UE_IP" '$4 ~ "^"ip"/" {print $2; exit}')
    diag "UE $UE_IP on $UE_IF"
    in_enb ip rule add from "$UE_IP" table 200
    in_enb ip route add default dev "$UE_IF" table 200
}
