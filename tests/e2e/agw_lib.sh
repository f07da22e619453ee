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

# agw_config [LINE...]: writes $E2E_TMP/agw.yaml; each LINE (YAML, indented
# as a list item's: "  - name: x", "    pool: ...") is appended to the apns
# list, after the default APN "internet" and the others.
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
$(printf '%s\n' "$@")
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

# agw_bearer_setup PLAN N TIMERS: the common start of the bearer and QoS
# scripts (agw_bearer.sh, agw_bearer_mob.sh, agw_default_qos.sh): the
# requirements (and each command of AGW_NEEDS), the EXIT trap, the TAP
# plan, the topology, agw_config with the mme lines TIMERS after t3470
# (in sed's replacement syntax, e.g. "\n  t3485: 1s"), N subscribers in
# the gateway's database and $E2E_TMP/subs.csv; IMSI is the first one's.
agw_bearer_setup() {
    local c
    e2e_require
    agw_require
    for c in $AGW_NEEDS; do
        command -v "$c" >/dev/null || skip_all "$c missing"
    done
    trap e2e_cleanup EXIT
    tap_plan "$1"
    e2e_topology || { not_ok "topology"; exit 1; }
    agw_config
    sed -i -e "s/^  t3470: 2s\$/  t3470: 2s$3/" "$AGW_CONF"
    agw_subscribers "$2" >/dev/null || not_ok "subscriber import"
    IMSI=$(awk -F, 'NR == 2 {print $1}' "$E2E_TMP/subs.csv")
}

# agw_s1_capture SECONDS FILTER: tshark in the eNB namespace on the S1 link
# into CAP ($E2E_TMP/s1.pcap; TSHARK_PID, also killed by e2e_cleanup) for
# at most SECONDS after its marker (30 s more: the wait for the marker
# runs within tshark's time), capture filter FILTER or the marker;
# returns once the capture holds e2e_capture_marked's marker.
agw_s1_capture() {
    CAP=$E2E_TMP/s1.pcap
    ip netns exec "$NS_ENB" timeout $(($1 + 30)) tshark -q -i "$E_IF" -f "($2) or ($E2E_S1_MARK)" -w "$CAP" \
        >"$E2E_TMP/tshark.log" 2>&1 &
    TSHARK_PID=$!
    echo $TSHARK_PID >"$E2E_TMP/tshark-$TSHARK_PID.pid"
    e2e_wait_capturing "$E2E_TMP/tshark.log" || diag "tshark did not say it captures"
    e2e_capture_marked "$CAP" || diag "the S1 capture shows no marker after 30 s"
}

# agw_bearer_val EBI FIELD: a field of bearer EBI's line in `xepcctl ue show
# $IMSI` (state, qci, gbr, ul_teid ...); agw_bearer_usage EBI FIELD: one
# of its datapath usage (ul_pkts, dl_bytes ...).
agw_bearer_val() {
    agwctl ue show "$IMSI" | awk -v e="$1" -v f="$2" '$1 == "bearer" && $3 == e && $4 == "linked" {
        for (i = 4; i < NF; i++) if ($i == f) { print $(i + 1); exit } }'
}
agw_bearer_usage() {
    agwctl ue show "$IMSI" | awk -v e="$1" -v f="$2" '$1 == "bearer" && $3 == e && $4 == "usage" {
        for (i = 4; i < NF; i++) if ($i == f) { print $(i + 1); exit } }'
}

# agw_capture_s1 SECONDS: tshark in the eNB namespace on the S1 link for
# at most SECONDS: S1AP whole in CAP ($E2E_TMP/s1ap.pcap, TS_PID), the
# gateway's GTP-U headers (96 octets) in GCAP ($E2E_TMP/gtpu.pcap,
# TG_PID); returns once both hold e2e_capture_marked's marker (the
# handover tests; their checks take SCTP or GTP-U, never the marker).
# SECONDS run from then: the waits for the markers (30 s each at most)
# run within tshark's time, so it gets 60 s more (with SECONDS alone, a
# loaded run of agw_handover.sh lost its path switches).
agw_capture_s1() {
    CAP=$E2E_TMP/s1ap.pcap
    GCAP=$E2E_TMP/gtpu.pcap
    ip netns exec "$NS_ENB" timeout $(($1 + 60)) tshark -q -i "$E_IF" -f "sctp or ($E2E_S1_MARK)" \
        -w "$CAP" >"$E2E_TMP/tshark.log" 2>&1 &
    TS_PID=$!
    ip netns exec "$NS_ENB" timeout $(($1 + 60)) tshark -q -i "$E_IF" -s 96 \
        -f "(udp port 2152 and src host $S1U_ADDR) or ($E2E_S1_MARK)" -w "$GCAP" \
        >"$E2E_TMP/tshark-g.log" 2>&1 &
    TG_PID=$!
    e2e_wait_capturing "$E2E_TMP/tshark.log" && e2e_wait_capturing "$E2E_TMP/tshark-g.log" ||
        diag "tshark did not say it captures"
    e2e_capture_marked "$CAP" && e2e_capture_marked "$GCAP" ||
        diag "the S1 captures show no marker after 30 s"
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

# --- IPv6 (agw_ipv6.sh, agw_outer6.sh) --------------------------------------
# SGi (the gateway, the PDN host), the UEs' /40 that the PDN routes to the
# gateway (the APN "v6" of agw_apn_v6 has 2001:db8:4500::/44 of it), and
# S1-U for an eNB on IPv6 (the eNB, the gateway's gtpu.address6).
GW6=2001:db8:2::1
PDN6=2001:db8:2::2
UE_NET6=2001:db8:4500::/40
ENB6=2001:db8:1::2
GWS1U6=2001:db8:1::1

# agw_ipv6_on [s1u]: lib.sh turns IPv6 off everywhere; the gateway, the
# PDN host and the eNB namespace (the UEs' TUN devices: no DAD, which the
# datapath does not answer; no kernel RA processing, enbsim configures
# the address from the RA itself, gtpu_ue_lib.h) get it back, with
# GW6 - PDN6 on SGi and UE_NET6 and 10.48.0.0/24 routed to the gateway;
# with s1u also ENB6 - GWS1U6 on S1-U.
agw_ipv6_on() {
    local ns
    for ns in "$NS_GW" "$NS_PDN" "$NS_ENB"; do
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 \
            net.ipv6.conf.default.disable_ipv6=0 net.ipv6.conf.lo.disable_ipv6=0 || return 1
    done
    in_enb sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.default.accept_ra=0 &&
        in_gw sysctl -qw net.ipv6.conf."$G_IF".disable_ipv6=0 net.ipv6.conf.all.forwarding=1 &&
        in_pdn sysctl -qw net.ipv6.conf."$P_IF".disable_ipv6=0 &&
        in_gw ip -6 addr add $GW6/64 dev "$G_IF" nodad &&
        in_pdn ip -6 addr add $PDN6/64 dev "$P_IF" nodad &&
        in_pdn ip -6 route add $UE_NET6 via $GW6 &&
        in_pdn ip route add 10.48.0.0/24 via "$SGI_ADDR" &&
        in_gw ping -6 -c1 -W2 $PDN6 >/dev/null || return 1
    [ "${1:-}" = s1u ] || return 0
    in_enb sysctl -qw net.ipv6.conf."$E_IF".disable_ipv6=0 &&
        in_gw sysctl -qw net.ipv6.conf."$S_IF".disable_ipv6=0 &&
        in_enb ip -6 addr add $ENB6/64 dev "$E_IF" nodad &&
        in_gw ip -6 addr add $GWS1U6/64 dev "$S_IF" nodad &&
        in_enb ping -6 -c1 -W2 $GWS1U6 >/dev/null
}

# agw_apn_v6 [MORE]: the IPv4v6 APN "v6" (10.48.0.0/24, 2001:db8:4500::/44)
# first, so the default APN, in $AGW_CONF (after agw_config); MORE, in
# sed's replacement syntax ("\n    key: value"), follows its pools: its
# other keys, and further APNs.
agw_apn_v6() {
    sed -i -e 's|^apns:$|apns:\n  - name: v6\n    pdn_type: ipv4v6\n    pool: 10.48.0.0/24\n    pool6: 2001:db8:4500::/44'"${1:-}"'|' \
        "$AGW_CONF"
}

# agw_sub_split N: $E2E_TMP/sub1.csv .. subN.csv, one subscriber of
# $E2E_TMP/subs.csv each (enbsim takes the first --ues of its file);
# agw_sub_use I makes subI.csv the one enbsim_run/enbsim_bg read.
agw_sub_split() {
    local i
    for i in $(seq "$1"); do
        { head -n 1 "$E2E_TMP/subs.csv"; sed -n "$((i + 1))p" "$E2E_TMP/subs.csv"; } \
            >"$E2E_TMP/sub$i.csv"
    done
}
agw_sub_use() { cp "$E2E_TMP/sub$1.csv" "$E2E_TMP/subs.csv"; }

# agw_ue6_addr [DEV]: the global IPv6 address of a UE's TUN device (ue0)
# in the eNB namespace; agw_wait_ue6 [DEV] waits up to 30 s for it (the
# Router Advertisement's /64).
agw_ue6_addr() {
    in_enb ip -6 -o addr show dev "${1:-ue0}" scope global 2>/dev/null | awk '{print $4}' |
        cut -d/ -f1
}
agw_wait_ue6() {
    for _ in $(seq 300); do
        [ -n "$(agw_ue6_addr "$@")" ] && return 0
        sleep 0.1
    done
    in_enb ip -6 addr show dev "${1:-ue0}" 2>&1 | sed 's/^/#   /'
    return 1
}

# agw_no_sessions: until the datapath holds no session (10 s).
agw_no_sessions() {
    for _ in $(seq 100); do
        [ "$(xepcctl session list 2>/dev/null | awk '/^[0-9]+ sessions?$/ {print $1}')" = 0 ] &&
            return 0
        sleep 0.1
    done
    return 1
}
