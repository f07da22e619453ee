# tests/e2e/diam_lib.sh — diamsim (HSS + PCRF + OCS) beside xepc-agwd on
# the e2e topology of lib.sh and agw_lib.sh (source both first): the
# Diameter part of the charging tests and benches (agw_s6a.sh, agw_gx.sh,
# agw_gx_rules.sh, agw_gy.sh, agw_gx_gy.sh, agw_gx_usage.sh,
# agw_gx_events.sh, agw_gx_monitor.sh, agw_gy_bearer.sh, agw_gy_bearer_redirect.sh,
# agw_gx_rule_fail.sh, agw_gy_full.sh, agw_gx_state.sh, agw_gx_ccau.sh,
# agw_gx_retry.sh, agw_gy_retry.sh, agw_gx_rule_refused.sh, tools/bench/gy_bench.sh,
# tools/bench/diam_bench.sh).  diam_gx_setup is their common start.
#
# diamsim listens on the gateway namespace's loopback on DIAM_PORT; the
# gateway's own node on DIAM_PORT + 1.  Elsewhere (the demo: the OCS in the
# PDN namespace): DIAM_SIM_NS and DIAM_SIM_ADDR for diamsim, DIAM_GW_ADDR
# for the gateway's node, set before diam_config and diam_sim_start.
# Every PID started here is written to $E2E_TMP/NAME.bgpid, which
# diam_cleanup (call it from the EXIT trap before e2e_cleanup) kills.

DIAMSIM=${DIAMSIM:-$E2E_ROOT/build/bin/diamsim}
DIAM_PORT=$((30000 + E2E_ID % 20000))
DIAM_REC=""         # diamsim's record of the last diam_sim_start
DIAM_SIM_PID=""

diam_require() {
    [ -x "$DIAMSIM" ] || skip_all "build first: make all (diamsim)"
}

# diam_gx_setup PLAN APP...: the common start of a charging e2e script
# (after sourcing lib.sh, agw_lib.sh and this file): the requirements (and
# each command of DIAM_NEEDS, e.g. "tshark curl"), the EXIT trap
# (DIAM_TRAP_EXTRA, then diam_cleanup and e2e_cleanup), the TAP plan, the
# topology, the gateway's configuration with the diameter section for the
# APPs (diam_config: DIAM_GX_EXTRA ...), DIAM_SUBS subscribers (default 1,
# their APNs AGW_SUB_APNS, default internet) in the gateway's database and
# $E2E_TMP/subs.csv; IMSI is the first one's.
diam_gx_setup() {
    local plan=$1 c
    shift
    e2e_require
    agw_require
    diam_require
    for c in $DIAM_NEEDS; do
        command -v "$c" >/dev/null || skip_all "$c missing"
    done
    # shellcheck disable=SC2064 # expanded now: the extra cleanup as given
    trap "${DIAM_TRAP_EXTRA:+$DIAM_TRAP_EXTRA; }diam_cleanup; e2e_cleanup" EXIT
    tap_plan "$plan"
    e2e_topology || { not_ok "topology"; exit 1; }
    agw_config
    diam_config "$@"
    AGW_SUB_APNS=${AGW_SUB_APNS:-internet} agw_subscribers "${DIAM_SUBS:-1}" >/dev/null ||
        not_ok "subscriber import"
    IMSI=$(awk -F, 'NR==2 {print $1}' "$E2E_TMP/subs.csv")
}

# diam_config APP...: appends the diameter section to $AGW_CONF (after
# agw_config), with one subsection per APP (gx, s6a, gy) toward diamsim.
# Extra lines of a subsection: DIAM_GX_EXTRA, DIAM_S6A_EXTRA, DIAM_GY_EXTRA
# (YAML lines indented by four spaces); of the section: DIAM_NODE_EXTRA
# (two spaces).  DIAM_PEER_PORT: diamsim's port (default DIAM_PORT).
diam_config() {
    {
        echo "diameter:"
        echo "  identity: agw.localdomain"
        echo "  realm: localdomain"
        echo "  address: ${DIAM_GW_ADDR:-127.0.0.1}"
        echo "  port: $((DIAM_PORT + 1))"
        # a peer restarted by the test is reconnected within a second
        echo "  reconnect: 1s"
        [ -n "${DIAM_NODE_EXTRA:-}" ] && printf '%s\n' "$DIAM_NODE_EXTRA"
        local app extra
        for app in "$@"; do
            echo "  $app:"
            echo "    peer: diamsim.localdomain"
            echo "    address: ${DIAM_SIM_ADDR:-127.0.0.1}"
            echo "    port: ${DIAM_PEER_PORT:-$DIAM_PORT}"
            case $app in
            gx) extra=$DIAM_GX_EXTRA ;;
            s6a) extra=$DIAM_S6A_EXTRA ;;
            gy) extra=$DIAM_GY_EXTRA ;;
            esac
            [ -n "$extra" ] && printf '%s\n' "$extra"
        done
    } >>"$AGW_CONF"
}

# diam_sim_start REC ARGS...: diamsim in the gateway namespace (or
# DIAM_SIM_NS) in the background, recording to REC (DIAM_REC), its log
# appended to $E2E_TMP/diamsim.log; ARGS are diamsim's (-c LINE, --script
# FILE, --record-answers).
diam_sim_start() {
    DIAM_REC=$1
    shift
    ip netns exec "${DIAM_SIM_NS:-$NS_GW}" "$DIAMSIM" ${DIAM_SIM_ADDR:+--listen "$DIAM_SIM_ADDR"} \
        --port "$DIAM_PORT" --record "$DIAM_REC" "$@" >>"$E2E_TMP/diamsim.log" 2>&1 &
    DIAM_SIM_PID=$!
    echo "$DIAM_SIM_PID" >"$E2E_TMP/diamsim.bgpid"
}

diam_sim_stop() {
    [ -n "$DIAM_SIM_PID" ] || return 0
    kill "$DIAM_SIM_PID" 2>/dev/null
    wait "$DIAM_SIM_PID" 2>/dev/null
    DIAM_SIM_PID=""
    rm -f "$E2E_TMP/diamsim.bgpid"
}

# diam_local_booked RG: once no local_quota reservation is left (the
# connections' releases gave back what the kernel had left, at most 10 s),
# the bytes booked on rating group RG's local allowance (local_quota.c).
diam_local_booked() {
    for _ in $(seq 100); do
        [ "$(sqlite3 "$AGW_DB" "SELECT COUNT(*) FROM local_quota_sess" 2>/dev/null)" = 0 ] && break
        sleep 0.1
    done
    sqlite3 "$AGW_DB" "SELECT used FROM local_quota WHERE rating_group = $1" 2>/dev/null
}

# diam_peer_up [TENTHS]: until the gateway's connection to diamsim is
# established (either side may have opened it; freeDiameter reconnects
# within Tc, 5 s), then half a second for the CER/CEA.
diam_peer_up() {
    for _ in $(seq "${1:-150}"); do
        [ -n "$(ip netns exec "$NS_GW" ss -tn state established \
            "( dport = :$DIAM_PORT or sport = :$DIAM_PORT )" | tail -n +2)" ] && break
        sleep 0.1
    done
    sleep 0.5
}

# --- a second diamsim: the alternate PCRF or OCS of RETRY_AND_TERMINATE
# (agw_gx_retry.sh, agw_gy_retry.sh) -------------------------------------

# diam_alt_start IDENTITY PORT REC ARGS...: diamsim as IDENTITY on PORT in
# the gateway namespace, recording to REC (DIAM_ALT_PID; its log
# $E2E_TMP/diamsim2.log); diam_alt_stop ends it; diam_alt_up PORT: until
# the gateway's connection to it is established, then half a second.
DIAM_ALT_PID=""
diam_alt_start() {
    local id=$1 port=$2 rec=$3
    shift 3
    ip netns exec "$NS_GW" "$DIAMSIM" --identity "$id" --port "$port" --record "$rec" "$@" \
        >>"$E2E_TMP/diamsim2.log" 2>&1 &
    DIAM_ALT_PID=$!
    echo "$DIAM_ALT_PID" >"$E2E_TMP/diamsim2.bgpid"
}
diam_alt_stop() {
    [ -n "$DIAM_ALT_PID" ] && kill "$DIAM_ALT_PID" 2>/dev/null
    wait "$DIAM_ALT_PID" 2>/dev/null
    DIAM_ALT_PID=""
}
diam_alt_up() {
    for _ in $(seq 150); do
        [ -n "$(ip netns exec "$NS_GW" ss -tn state established \
            "( dport = :$1 or sport = :$1 )" | tail -n +2)" ] && break
        sleep 0.1
    done
    sleep 0.5
}

# diam_gy_retry_config: DIAM_GY_EXTRA for RETRY_AND_TERMINATE with an
# alternate OCS (ocs2.localdomain on ALT_PORT = DIAM_PORT + 2), Tx timer
# 1 s, the catch-all rating group 1 for the APN internet.
diam_gy_retry_config() {
    ALT_PORT=$((DIAM_PORT + 2))
    DIAM_GY_EXTRA="    tx_timeout: 1s
    failure_handling: retry_and_terminate
    rating_group: 1
    apn: internet
    alternate: { peer: ocs2.localdomain, address: 127.0.0.1, port: $ALT_PORT }"
}

# diam_last_sid REC: the Session-Id of the last Gy CCR-I in diamsim's
# record REC.
diam_last_sid() {
    python3 -c "
import json,sys
l=[json.loads(x)['msg'] for x in open(sys.argv[1]) if x.strip()]
print([m['sid'] for m in l if m.get('app')=='gy' and m.get('cmd')=='CCR' and m.get('cc_type')==1][-1])" "$1" 2>/dev/null
}

# diam_sid_j REC EXPR: diam_j's EXPR over one record, with mine: the Gy
# CCRs of session SID as (type, number, T flag, left unanswered, USU).
diam_sid_j() {
    diam_j "$1" "(lambda mine: ($2))([(m['cc_type'],m['cc_number'],m.get('retransmit',False),bool(m.get('silenced')),usu(m)) for m in gy if m.get('cmd')=='CCR' and m.get('sid')=='$SID'])"
}

# diam_received_bytes "COUNT BYTES": BYTES of diam_flow's output (0 when
# it is not a number).
diam_received_bytes() { case ${1#* } in '' | *[!0-9]*) echo 0 ;; *) echo "${1#* }" ;; esac; }

# diam_sid_counted N REC...: the OCSs of the records REC... counted N
# octets of session SID in all (CCRs neither a duplicate nor left
# unanswered); a TAP comment otherwise.
diam_sid_counted() {
    local want=$1 got
    shift
    got=$(python3 -c "
import json,sys
t=0
for f in sys.argv[1:]:
    for l in open(f):
        m=json.loads(l)['msg'] if l.strip() else {}
        if m.get('cmd')=='CCR' and m.get('sid')=='$SID' and not m.get('dup') and not m.get('silenced'):
            t+=sum(x.get('usu',{}).get('total',0) for x in m.get('mscc',[]))
print(t)" "$@")
    [ "$got" = "$want" ] || { diag "counted $got, want $want"; return 1; }
}

# diam_tshark_start NAME: a capture of the Diameter port (or the capture
# filter DIAM_TS_FILTER) on the gateway's loopback into $E2E_TMP/NAME.pcap
# (DIAM_TS_PID), returning once it holds its marker (diam_ts_mark);
# diam_tshark_stop ends it.
DIAM_TS_PID=""
diam_tshark_start() {
    command -v tshark >/dev/null || return 1
    ip netns exec "$NS_GW" tshark -q -i lo \
        -f "(${DIAM_TS_FILTER:-tcp port $DIAM_PORT}) or (udp dst port $DIAM_PORT)" \
        -w "$E2E_TMP/$1.pcap" >"$E2E_TMP/tshark-$1.log" 2>&1 &
    DIAM_TS_PID=$!
    echo "$DIAM_TS_PID" >"$E2E_TMP/tshark.bgpid"
    e2e_wait_capturing "$E2E_TMP/tshark-$1.log" &&
        e2e_capture_ready "$E2E_TMP/$1.pcap" "udp.dstport == $DIAM_PORT" diam_ts_mark
}

# diam_ts_mark: the marker of the Diameter captures: an empty UDP datagram
# to DIAM_PORT on the gateway's loopback (diamsim and the gateway speak
# TCP or SCTP only; the checks decode TCP as Diameter, so the marker is
# neither Diameter nor malformed, and diamsim never sees it).
diam_ts_mark() {
    ip netns exec "$NS_GW" python3 -c \
        'import socket, sys; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"", ("127.0.0.1", int(sys.argv[1])))' \
        "$DIAM_PORT"
}

diam_tshark_stop() {
    [ -n "$DIAM_TS_PID" ] || return 0
    kill -INT "$DIAM_TS_PID" 2>/dev/null
    wait "$DIAM_TS_PID" 2>/dev/null
    DIAM_TS_PID=""
    rm -f "$E2E_TMP/tshark.bgpid"
}

# diam_j REC PYTHON-EXPR: true when EXPR holds over diamsim's record.
# Names: lines (every message, with 't': diamsim's seconds when it came),
# gy (those of Gy), ccr(imsi) (the Gy CCRs of an IMSI), of(imsi) (every Gy
# message of its sessions), usu(m) (the used octets of a message's MSCCs),
# reasons(m) (their Reporting-Reasons), rgu(m) (its MSCCs as (rating
# group, used octets or None)), counted(imsi[, rg]) (the used octets the
# OCS counted, of rating group rg or all: of the CCRs neither duplicate
# nor left unanswered).
# On failure it prints the last Gy messages as a TAP comment.
diam_j() {
    python3 -c "
import json,sys
lines=[json.loads(l) for l in open(sys.argv[1]) if l.strip()]
lines=[dict(m.get('msg', m), t=m.get('t')) for m in lines]
gy=[m for m in lines if m.get('app')=='gy']
def ccr(imsi): return [m for m in gy if m.get('cmd')=='CCR' and m.get('imsi')==imsi]
def sids(imsi): return set(m['sid'] for m in ccr(imsi))
def of(imsi): return [m for m in gy if m.get('sid') in sids(imsi)]
def usu(m): return sum(x.get('usu',{}).get('total',0) for x in m.get('mscc',[]))
def reasons(m): return [x.get('reason') for x in m.get('mscc',[])]
def rgu(m): return [(x.get('rg'),x.get('usu',{}).get('total')) for x in m.get('mscc',[])]
def counted(imsi, rg=None): return sum(x.get('usu',{}).get('total',0) for m in ccr(imsi) if not m.get('dup') and not m.get('silenced') for x in m.get('mscc',[]) if rg is None or x.get('rg')==rg)
r = ($2)
if not r: print('#', [(m.get('cmd'),m.get('cc_type'),[ (x.get('usu'),x.get('reason')) for x in m.get('mscc',[])]) for m in gy][-12:])
sys.exit(0 if r else 1)" "$1"
}

# diam_gx_j EXPR: true when EXPR holds over diamsim's record (DIAM_REC),
# with gx (its Gx messages), ccri/ccru/ccrt (the Gx CCR-Is/-Us/-Ts),
# with_(T) (the CCR-Us carrying Event-Trigger T).  On failure it prints
# the CCR-Us' triggers, locations, APN-AMBRs and rule reports.
diam_gx_j() {
    python3 -c "
import json,sys
lines=[json.loads(l) for l in open(sys.argv[1]) if l.strip()]
lines=[m.get('msg', m) for m in lines]
gx=[m for m in lines if m.get('app')=='gx']
ccri=[m for m in gx if m.get('cmd')=='CCR' and m.get('cc_type')==1]
ccru=[m for m in gx if m.get('cmd')=='CCR' and m.get('cc_type')==2]
ccrt=[m for m in gx if m.get('cmd')=='CCR' and m.get('cc_type')==3]
def with_(t): return [m for m in ccru if t in m.get('triggers',[])]
r = ($1)
if not r: print('#', [(m.get('triggers'),m.get('uli'),m.get('apn_ambr_ul'),m.get('reports')) for m in ccru])
sys.exit(0 if r else 1)" "$DIAM_REC"
}

# diam_gx_wait EXPR [TENTHS]: until diam_gx_j EXPR holds (default 20 s).
diam_gx_wait() {
    for _ in $(seq "${2:-200}"); do diam_gx_j "$1" >/dev/null && return 0; sleep 0.1; done
    return 1
}

# diam_udp RNS RADDR PORT SECONDS SNS SEND-ARGS...: a receiver of
# tests/e2e/gy_traffic.py on RADDR:PORT in namespace RNS, then, once it is
# bound (a datagram sent before would be charged and still lost), its
# sender in SNS with SEND-ARGS (DST PORT COUNT LEN GAP_MS [SPORT [SADDR]]);
# prints "received bytes".
diam_udp() {
    local out=$E2E_TMP/flow.$$.recv rns=$1 raddr=$2 port=$3 secs=$4 sns=$5
    shift 5
    ip netns exec "$rns" python3 "$E2E_ROOT/tests/e2e/gy_traffic.py" recv "$raddr" "$port" "$secs" >"$out" &
    local r=$!
    for _ in $(seq 100); do
        [ -n "$(ip netns exec "$rns" ss -Huan "( sport = :$port )" 2>/dev/null)" ] && break
        sleep 0.05
    done
    ip netns exec "$sns" python3 "$E2E_ROOT/tests/e2e/gy_traffic.py" send "$@"
    wait $r
    cat "$out"
}

# diam_flow UE_IP COUNT LEN GAP_MS [SPORT [SECONDS]]: UDP downlink from the
# PDN host to UE_IP port 5001; prints "received bytes".
diam_flow() {
    diam_udp "$NS_ENB" "$1" 5001 "${6:-4}" "$NS_PDN" "$1" 5001 "$2" "$3" "$4" $5
}

# diam_flow_ul UE_IP COUNT LEN GAP_MS DPORT SPORT [SECONDS]: UDP uplink from
# the UE (UE_IP:SPORT, through its TUN device: enbsim's uplink TFT picks
# the bearer) to the PDN host's port DPORT; prints "received bytes".
diam_flow_ul() {
    diam_udp "$NS_PDN" "$PDN_ADDR" "$5" "${7:-4}" "$NS_ENB" "$PDN_ADDR" "$5" "$2" "$3" "$4" "$6" "$1"
}

# diam_j_wait REC EXPR [TENTHS]: until diam_j REC EXPR holds (default 30 s).
diam_j_wait() {
    for _ in $(seq "${3:-300}"); do diam_j "$1" "$2" >/dev/null && return 0; sleep 0.1; done
    return 1
}

# diam_ue_up [TIMEOUT [SUBS [APN]]]: one UE of SUBS (default
# $E2E_TMP/subs.csv; "" for that) attached by enbsim (on APN when given,
# else the subscriber's first) with a TUN device and held (UE_PID; enbsim
# gives up after TIMEOUT s, default 60); its address in UE_IP.
# diam_ue_down detaches it.
UE_PID=""
UE_IP=""
diam_ue_up() {
    rm -f "$E2E_TMP/ue.ready"
    ip netns exec "$NS_ENB" "$ENBSIM" --mme "$S1U_ADDR" --backend "$AGW_BACKEND" \
        --enb-addr "$ENB_ADDR" --subscribers "${2:-$E2E_TMP/subs.csv}" --ues 1 --hold -1 --detach \
        --tun --timeout "${1:-60}" ${3:+--apn "$3"} --ready-file "$E2E_TMP/ue.ready" \
        --ue-report "$E2E_TMP/ue.ues" >"$E2E_TMP/ue.out" 2>&1 &
    UE_PID=$!
    echo "$UE_PID" >"$E2E_TMP/ue.bgpid"
    for _ in $(seq 150); do [ -s "$E2E_TMP/ue.ready" ] && break; sleep 0.1; done
    UE_IP=$(awk '!/^#/ && $2 != "-" {print $2; exit}' "$E2E_TMP/ue.ues")
}

# diam_ue_route: the UE's uplink from its address (UE_IP) goes out of its
# TUN device (a rule of its own to table 200 in the eNB namespace), so that
# diam_flow_ul and the like reach the PDN through the datapath.
diam_ue_route() {
    local dev
    dev=$(ip -n "$NS_ENB" -o addr show | awk -v ip="$UE_IP" '$4 ~ "^"ip"/" {print $2; exit}')
    [ -n "$dev" ] || return 1
    ip -n "$NS_ENB" rule add from "$UE_IP" table 200 2>/dev/null
    ip -n "$NS_ENB" route replace default dev "$dev" table 200
}

# diam_ue_down: the UE detaches (enbsim's SIGTERM with --detach), enbsim ends.
diam_ue_down() {
    [ -n "$UE_PID" ] || return 0
    kill -TERM "$UE_PID" 2>/dev/null
    wait "$UE_PID" 2>/dev/null
    UE_PID=""
    rm -f "$E2E_TMP/ue.bgpid"
}

# diam_portal_start [SECONDS]: a captive portal on the PDN host
# (PDN_ADDR:80, the address diameter.gy.portal names) that answers one
# HTTP request with the page "xepc-portal" within SECONDS (default 8),
# listening when this returns.
diam_portal_start() {
    ip netns exec "$NS_PDN" python3 -c "
import socket
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('$PDN_ADDR', 80)); s.listen(1); s.settimeout(${1:-8})
c,_=s.accept(); c.recv(1000); c.sendall(b'HTTP/1.0 200 OK\r\n\r\nxepc-portal\n'); c.close()" &
    echo $! >"$E2E_TMP/portal.bgpid"
    for _ in $(seq 50); do
        [ -n "$(ip netns exec "$NS_PDN" ss -tln "( sport = :80 )" | tail -n +2)" ] && break
        sleep 0.1
    done
}

# --- xepc-agwd killed at each step of a request (agw_gy_crash.sh,
# agw_gx_crash.sh; docs/charging.md "Crash-safe usage reports") -----------

# diam_fault_start FAULT: xepc-agwd armed to kill itself at FAULT
# (XEPC_AGW_FAULT, docs/agw.md; "" = not armed), then its peer up.
diam_fault_start() {
    if [ -n "$1" ]; then export XEPC_AGW_FAULT=$1; else unset XEPC_AGW_FAULT; fi
    agw_start || not_ok "xepc-agwd start ($1)"
    unset XEPC_AGW_FAULT
    diam_peer_up
}

# diam_fault_killed POINT: xepc-agwd killed itself at POINT (its log says
# so); killed by the test after 30 s otherwise (false).
diam_fault_killed() {
    for _ in $(seq 300); do kill -0 "$AGW_PID" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$AGW_PID" 2>/dev/null; then
        agw_stop KILL
        return 1
    fi
    wait "$AGW_PID" 2>/dev/null
    AGW_PID=""
    grep -q "SIGKILL at $1 " "$E2E_TMP/agwd.log"
}

# diam_fault_step DESC POINT: started armed at POINT, the check DESC that
# it killed itself there (the request it sends again at the start leads
# to POINT).
diam_fault_step() {
    diam_fault_start "$2"
    check "$1" diam_fault_killed "$2"
}

# diam_gx_kill_waiting N: a UE attaches (enbsim, held) and xepc-agwd is
# killed (SIGKILL) while the N-th Gx CCR-I of the record (DIAM_REC; left
# unanswered by diamsim) waits for its CCA-I; DIAM_SID gets that CCR-I's
# Session-Id (agw_gx_fail.sh, agw_gx_state.sh).
diam_gx_kill_waiting() {
    enbsim_bg "$E2E_TMP/kill-waiting$1.out" --ues 1 --no-tun --hold -1 --timeout 60
    local ev=$ENBSIM_PID
    diam_gx_wait "len(ccri)==$1" 300
    sleep 1
    agw_stop KILL
    # SIGKILL: with its MME gone, enbsim would wait out its --timeout (60 s)
    kill -KILL "$ev" 2>/dev/null
    wait "$ev" 2>/dev/null
    DIAM_SID=$(python3 -c "
import json,sys
l=[json.loads(x)['msg'] for x in open(sys.argv[1]) if x.strip()]
print([m['sid'] for m in l if m.get('cmd')=='CCR' and m.get('cc_type')==1][-1])" "$DIAM_REC")
}

# diam_ccrs APP TYPE: how many CCRs of APP (gx, gy) and CC-Request-Type
# (1 I, 2 U, 3 T) diamsim recorded (DIAM_REC); diam_wait_ccrs APP TYPE N:
# until N (30 s).
diam_ccrs() { grep -c '"app":"'"$1"'","cmd":"CCR".*"cc_type":'"$2"'[,}]' "$DIAM_REC"; }
diam_wait_ccrs() {
    for _ in $(seq 300); do [ "$(diam_ccrs "$1" "$2")" -ge "$3" ] && return 0; sleep 0.1; done
    return 1
}

# diam_journal_empty [TENTHS]: until the gateway's ccr_journal is empty
# (default 10 s): every request it journalled was answered.
diam_journal_empty() {
    for _ in $(seq "${1:-100}"); do
        [ "$(sqlite3 "$AGW_DB" "SELECT COUNT(*) FROM ccr_journal")" = 0 ] && return 0
        sleep 0.1
    done
    return 1
}

# diam_one_request APP TYPE STARTS: the journalled CCR of APP (gx, gy) and
# CC-Request-Type TYPE (2 U, 3 T) that STARTS starts of xepc-agwd each sent
# again (the first CCR of that type in diamsim's record, DIAM_REC, and
# every CCR with its number) was sent STARTS times, plus once per Tx
# timeout or 3xxx the gateway logged for it ("kept, sent again": an
# answer the server dropped, e.g. freeDiameter's REOPEN state after the
# killed gateway's connection, docs/charging.md "Crash-safe usage
# reports"), and never otherwise; each send with the T flag, the same
# CC-Request-Number and End-to-End Identifier (RFC 6733 3, RFC 4006 5.1);
# the server counted the first and answered the others as duplicates.
diam_one_request() {
    local app=$1 type=$2 starts=$3 name no kept
    name=$([ "$app" = gy ] && echo Gy || echo Gx)
    no=$(python3 -c "
import json,sys
l=[json.loads(x)['msg'] for x in open(sys.argv[1]) if x.strip()]
print([m['cc_number'] for m in l if m.get('app')=='$app' and m.get('cmd')=='CCR' and m.get('cc_type')==$type][0])" \
        "$DIAM_REC" 2>/dev/null) || return 1
    kept=$(grep -c "ccr   $name CCR-$([ "$type" = 3 ] && echo T || echo U) #$no of .*: kept, sent again" \
        "$E2E_TMP/agwd.log")
    python3 -c "
import json,sys
l=[json.loads(x)['msg'] for x in open(sys.argv[1]) if x.strip()]
s=[m for m in l if m.get('app')=='$app' and m.get('cmd')=='CCR' and m.get('cc_type')==$type
   and m.get('cc_number')==$no]
r=(len(s)==$starts+$kept and all(m.get('retransmit') for m in s) and len(set(m.get('e2e') for m in s))==1
   and 0 not in set(m.get('e2e',0) for m in s) and [bool(m.get('dup')) for m in s]==[False]+[True]*(len(s)-1))
if not r: print('# CCR #$no: $starts starts, $kept kept (log); sent:', [(m.get('retransmit'),m.get('e2e'),m.get('dup')) for m in s])
sys.exit(0 if r else 1)" "$DIAM_REC"
}

# diam_s1_back N0: until the gateway's log has more than N0 S1 Setups
# (30 s): enbsim's eNB reconnected after a restart of xepc-agwd.
diam_s1_back() {
    for _ in $(seq 300); do
        [ "$(grep -c "set up on assoc" "$E2E_TMP/agwd.log")" -gt "$1" ] && return 0
        sleep 0.1
    done
    return 1
}

# Kills what this file started, and whatever else a script recorded in a
# $E2E_TMP/NAME.bgpid (the EXIT trap, before e2e_cleanup).
diam_cleanup() {
    local f
    for f in "$E2E_TMP"/*.bgpid; do
        [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
    done
    return 0
}
