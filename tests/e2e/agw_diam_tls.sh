#!/bin/bash
# xepc-agwd's Diameter node over TLS (RFC 6733 13: TLS from the connection
# start) toward diamsim as HSS, PCRF and OCS, configured from the gateway's
# YAML (docs/agw.md "diameter": diameter.tls, diameter.*.tls).  The CA and
# the certificates are made here with openssl.  The gateway's database has
# no subscriber: an attach that succeeds went through S6a.
#   1. config check accepts the section; a missing certificate file stops
#      the daemon at start with the file named, so does `transport: sctp`
#      on a kernel without SCTP (this machine's);
#   2. a UE attaches (AIR/ULR, Gx CCR-I, Gy CCR-I all over the TLS
#      connection), its traffic passes within the Gy grant, the detach
#      sends PUR and both CCR-Ts; diameter_peers_open is 1;
#   3. tshark: the connection to diamsim's TLS port starts with a TLS
#      ClientHello from the gateway, carries application data, and not one
#      Diameter message in clear; nothing went to the plain port;
#   4. a diamsim whose certificate another CA signed is refused: no peer
#      opens, an attach is rejected (#17 network failure, S6a unreachable),
#      the peer stays closed.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"
source "$(dirname "$0")/diam_lib.sh"

# the grant lines ("rg N granted ... in all") are at debug level: the
# request's line is a report cycle's one info line (gy_handler.c)
export AGW_LOG_LEVEL=debug
e2e_require
agw_require
diam_require
command -v tshark >/dev/null || skip_all "tshark missing"
command -v openssl >/dev/null || skip_all "openssl missing"
trap 'diam_cleanup; e2e_cleanup' EXIT
tap_plan 15

e2e_topology || { not_ok "topology"; exit 1; }

# a test CA; the gateway's and diamsim's certificates (CN = Diameter
# identity, which freeDiameter checks); a rogue CA for part 4
PKI=$E2E_TMP/pki
mkdir -p "$PKI"
mkcert() { # NAME CN CA
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$2" \
        -keyout "$PKI/$1.key" -out "$PKI/$1.csr" >/dev/null 2>&1 &&
        openssl x509 -req -in "$PKI/$1.csr" -CA "$PKI/$3.pem" -CAkey "$PKI/$3.key" \
            -CAcreateserial -days 1 -out "$PKI/$1.pem" >/dev/null 2>&1
}
for ca in ca rogue-ca; do
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
        -subj "/CN=xepc-test-$ca" -keyout "$PKI/$ca.key" -out "$PKI/$ca.pem" >/dev/null 2>&1
done
mkcert agw agw.localdomain ca && mkcert sim diamsim.localdomain ca &&
    mkcert rogue diamsim.localdomain rogue-ca || { not_ok "openssl: test certificates"; exit 1; }

DIAM_TLS_PORT=$((DIAM_PORT + 2))
agw_config
DIAM_NODE_EXTRA="  tls: {cert: $PKI/agw.pem, key: $PKI/agw.key, ca: $PKI/ca.pem}"
DIAM_PEER_PORT=$DIAM_TLS_PORT
DIAM_S6A_EXTRA="    tls: true
    tx_timeout: 1s"
DIAM_GX_EXTRA="    tls: true"
DIAM_GY_EXTRA="    tls: true"
diam_config s6a gx gy
check "xepcctl config check accepts diameter.tls and tls: true on S6a, Gx and Gy" \
    "$XEPCCTL" config check "$AGW_CONF"

"$ENBSIM" gen-subscribers --count 2 --imsi-base 001010000000001 --apn internet \
    >"$E2E_TMP/subs.csv" || not_ok "gen-subscribers"
IMSI=$(awk -F, 'NR==2 {print $1}' "$E2E_TMP/subs.csv")
SCRIPT=$E2E_TMP/sim.script
awk -F, 'NR > 1 { printf "subscriber %s k=%s opc=%s apn=internet\n", $1, $2, $3 }' \
    "$E2E_TMP/subs.csv" >"$SCRIPT"
echo "quota * rg=1 total=100000" >>"$SCRIPT"
sim_tls() { # CERT-NAME ARGS...
    local n=$1
    shift
    diam_sim_start "$@" --tls-port "$DIAM_TLS_PORT" --tls-cert "$PKI/$n.pem" \
        --tls-key "$PKI/$n.key" --tls-ca "$PKI/ca.pem" --script "$SCRIPT"
}

# start_refused NAME MESSAGE DESCRIPTION: xepc-agwd on $AGW_CONF exits at
# start (not by the timeout) with MESSAGE in its log
start_refused() {
    in_gw timeout 60 "$AGWD" -c "$AGW_CONF" >"$E2E_TMP/agwd-$1.log" 2>&1
    local rc=$?
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && grep -qF "$2" "$E2E_TMP/agwd-$1.log"; then
        ok "$3 (rc $rc)"
    else
        not_ok "$3: rc $rc"
        tail -n 12 "$E2E_TMP/agwd-$1.log" | sed 's/^/# /'
    fi
}

# 1. a missing certificate file: named at start, the daemon exits
cp "$AGW_CONF" "$E2E_TMP/good.yaml"
sed -i "s|key: $PKI/agw.key|key: $PKI/missing.key|" "$AGW_CONF"
start_refused key "diameter.tls.key $PKI/missing.key: No such file" \
    "a missing diameter.tls.key stops the daemon at start, the file named"
cp "$E2E_TMP/good.yaml" "$AGW_CONF"
# SCTP asked of a kernel without it: said at start (on a kernel with SCTP
# the daemon would connect over it: not this check's business)
sed -i 's/^    tls: true$/    tls: true\n    transport: sctp/' "$AGW_CONF"
if python3 -c "import socket; socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_SCTP)" 2>/dev/null; then
    ok "transport: sctp on a kernel without SCTP # SKIP this kernel has SCTP"
else
    start_refused sctp "transport: sctp, but this kernel cannot open SCTP sockets" \
        "transport: sctp on a kernel without SCTP stops the daemon at start, saying so"
fi
cp "$E2E_TMP/good.yaml" "$AGW_CONF"

# 2. attach, traffic, detach over TLS
DIAM_TS_FILTER="tcp port $DIAM_TLS_PORT or tcp port $DIAM_PORT" diam_tshark_start tls ||
    not_ok "tshark did not start"
sleep 1
sim_tls sim "$E2E_TMP/tls.jsonl"
agw_start || { not_ok "xepc-agwd start"; exit 1; }
peers_open() { agw_stat diameter_peers_open; }
wait_open() {
    for _ in $(seq 200); do
        [ "$(peers_open)" = "$1" ] && return 0
        sleep 0.1
    done
    return 1
}
check "the gateway's TLS connection to diamsim opens (diameter_peers_open 1)" wait_open 1

{ head -n 1 "$E2E_TMP/subs.csv"; sed -n 2p "$E2E_TMP/subs.csv"; } >"$E2E_TMP/one.csv"
cp "$E2E_TMP/subs.csv" "$E2E_TMP/all.csv"
cp "$E2E_TMP/one.csv" "$E2E_TMP/subs.csv"
diam_ue_up 60
[ -n "$UE_IP" ] && ok "a UE attached through S6a over TLS ($UE_IP)" ||
    { not_ok "no UE"; tail -n 20 "$E2E_TMP/agwd.log" | sed 's/^/# /'; }
rec() { diam_j "$DIAM_REC" "$1"; }
wait_rec() {
    for _ in $(seq 100); do
        rec "$1" >/dev/null && return 0
        sleep 0.1
    done
    rec "$1"
}
check "diamsim got AIR, ULR, the Gx CCR-I and the Gy CCR-I" \
    wait_rec "all(any(m.get('cmd')==c and m.get('app')==a for m in lines) for c,a in [('AIR','s6a'),('ULR','s6a'),('CCR','gx'),('CCR','gy')])"
for _ in $(seq 100); do grep -q "rg 1 granted" "$E2E_TMP/agwd.log" && break; sleep 0.1; done
got=$(diam_flow "$UE_IP" 5 1000 20)
[ "$got" = "5 5000" ] && ok "5 datagrams of 1000 bytes pass within the Gy grant" ||
    not_ok "traffic: received '$got', wanted '5 5000'"
diam_ue_down
check "the detach sent PUR and the Gx and Gy CCR-Ts, the Gy one reporting 5000 bytes" \
    wait_rec "any(m.get('cmd')=='PUR' for m in lines) and any(m.get('cmd')=='CCR' and m.get('app')=='gx' and m.get('cc_type')==3 for m in lines) and [usu(m) for m in ccr('$IMSI') if m.get('cc_type')==3]==[5000]"
diam_tshark_stop

# 3. what was on the wire
PCAP=$E2E_TMP/tls.pcap
TS=(tshark -r "$PCAP" -d "tcp.port==$DIAM_TLS_PORT,tls" -d "tcp.port==$DIAM_PORT,diameter")
hello=$("${TS[@]}" -Y "tls.handshake.type == 1 && tcp.dstport == $DIAM_TLS_PORT" -T fields -e ip.src 2>/dev/null | sort -u)
[ "$hello" = "127.0.0.1" ] && ok "the gateway opens the connection with a TLS ClientHello" ||
    not_ok "no TLS ClientHello toward port $DIAM_TLS_PORT (got '$hello')"
appdata=$("${TS[@]}" -Y "tls.app_data" 2>/dev/null | wc -l)
[ "$appdata" -ge 8 ] && ok "$appdata TLS application-data records (the Diameter messages, encrypted)" ||
    not_ok "only $appdata TLS application-data records"
# decoded as Diameter on both ports, not one message is in clear
clear=$(tshark -r "$PCAP" -d "tcp.port==$DIAM_TLS_PORT,diameter" -d "tcp.port==$DIAM_PORT,diameter" \
    -Y "diameter.cmd.code" 2>/dev/null | wc -l)
plain=$("${TS[@]}" -Y "tcp.port == $DIAM_PORT && tcp.len > 0" 2>/dev/null | wc -l)
[ "$clear" = 0 ] && [ "$plain" = 0 ] && ok "no Diameter message in clear, nothing on the plain port" ||
    not_ok "$clear Diameter messages readable in clear, $plain segments on the plain port"

# 4. a diamsim with a certificate of another CA
diam_sim_stop
check "the peer is closed once diamsim is gone" wait_open 0
sim_tls rogue "$E2E_TMP/rogue.jsonl"
sleep 8         # more than Tc (5 s): the gateway tried to connect again
check "a certificate signed by another CA is refused: no peer opens" [ "$(peers_open)" = 0 ]
cp "$E2E_TMP/all.csv" "$E2E_TMP/subs.csv"
{ head -n 1 "$E2E_TMP/all.csv"; sed -n 3p "$E2E_TMP/all.csv"; } >"$E2E_TMP/subs.csv"
enbsim_run "$E2E_TMP/rogue-attach.out" --ues 1 --no-tun --timeout 15
cause=$(awk '$1 == "enbsim:" && $2 == "failed_cause" { print $3; exit }' "$E2E_TMP/rogue-attach.out")
case $cause in *-17) true ;; *) false ;; esac && ok "an attach meanwhile is rejected with #17 network failure" ||
    { not_ok "the attach with the rogue HSS: cause '$cause', wanted 17"; tail -n 5 "$E2E_TMP/agwd.log" | sed 's/^/# /'; }
no_request() {
    [ ! -s "$E2E_TMP/rogue.jsonl" ] ||
        diam_j "$E2E_TMP/rogue.jsonl" "not any(m.get('cmd') in ('AIR','CCR','ULR') for m in lines)"
}
check "the rogue diamsim got no request" no_request
