#!/bin/bash
# make demo: a real attach on an embedded default.  Three network
# namespaces joined by veth pairs, xepc-agwd (MME + HSS + SGW/PGW control)
# with its XDP datapath in the gateway namespace, 100 UEs from 2 eNBs
# simulated by enbsim over real SCTP (usrsctp), then ping and iperf3 through
# the datapath from a UE's TUN device, and a short summary.  The
# subscribers come from the orchestrator: xepc-orcd (SQLite) runs in the PDN
# namespace, the gateway bootstraps against it (mutual TLS) and syncs them.
# Online charging: diamsim is the OCS (Gy) in the PDN namespace for the APN
# "ocs" of one of the subscribers; that UE downloads until its prepaid
# volume runs out, and the summary sets the kernel's count against the
# grants (docs/charging.md "Gy in xepc-agwd").
#
#   eNB namespace               gateway namespace                PDN namespace
#   enbsim: 2 eNBs, 100 UEs --- S1-MME (SCTP 36412), S1-U [XDP]
#   TUN ue0..ue99                SGi [XDP] ------------------------ iperf3/ping
#                                Diameter (Gy) -------------------- diamsim (OCS)
#                                                                   portal 172.16.2.80
#
# DEMO_PCAP=FILE also captures S1-MME and S1-U to FILE (Wireshark reads it)
# and keeps the configuration and the subscriber database beside it.
# Needs root.  Everything it creates is removed on exit, also on Ctrl-C.

source "$(dirname "$0")/../../tests/e2e/lib.sh"
source "$(dirname "$0")/../../tests/e2e/agw_lib.sh"
source "$(dirname "$0")/../../tests/e2e/orc_lib.sh"
source "$(dirname "$0")/../../tests/e2e/diam_lib.sh"

DEMO_UES=${DEMO_UES:-100}
# Online charging: the last subscriber's APN is "ocs" (its own pool); the
# OCS gives it OCS_TOTAL bytes in grants of OCS_GRANT, asking for more at
# OCS_THRESHOLD bytes left, then REDIRECT to the portal.  The download is
# datagrams of OCS_LEN bytes (IPv4 total length, what the kernel charges):
# OCS_TOTAL is a multiple of it, so the grants are used to the byte.
OCS_POOL=10.49.0.0/24
OCS_TOTAL=1400000
OCS_GRANT=500000
OCS_THRESHOLD=150000
OCS_LEN=1400
PORTAL_ADDR=172.16.2.80
DIAM_PORT=3868
BOLD=""
PLAIN=""
if [ -t 1 ]; then
    BOLD=$(tput bold 2>/dev/null || true)
    PLAIN=$(tput sgr0 2>/dev/null || true)
fi
STEP=0
step() {
    STEP=$((STEP + 1))
    printf '\n%s== %d. %s%s\n' "$BOLD" "$STEP" "$*" "$PLAIN"
}
run() {
    printf '%s$ %s%s\n' "$BOLD" "$*" "$PLAIN"
    "$@"
}
die() {
    echo "demo: $*" >&2
    [ -n "$E2E_TMP" ] && [ -f "$E2E_TMP/agwd.log" ] && tail -n 15 "$E2E_TMP/agwd.log" >&2
    exit 1
}

[ "$(id -u)" = 0 ] || die "run as root (network namespaces and XDP): sudo make demo"
[ -x "$XEPCCTL" ] && [ -x "$AGWD" ] && [ -x "$ENBSIM" ] && [ -x "$ORCD" ] && [ -x "$DIAMSIM" ] ||
    die "build first: make"
for t in ip ethtool iperf3 bpftool curl openssl sqlite3 python3; do
    command -v $t >/dev/null || die "$t is missing: make deps"
done
[ -f "$E2E_XDP_PASS" ] || die "$E2E_XDP_PASS is missing (xdp-tools): make deps"
if [ -n "${DEMO_PCAP:-}" ]; then
    command -v tshark >/dev/null || die "tshark is missing: make deps"
    DEMO_PCAP=$(realpath -m "$DEMO_PCAP")
fi

E2E_TMP=""
CAP_PID=""
GYCAP_PID=""
finish() {
    kill -INT $ENBSIM_PID 2>/dev/null && wait $ENBSIM_PID 2>/dev/null
    agw_stop TERM 2>/dev/null
    orcd_stop
    diam_sim_stop
    local f
    for f in "$E2E_TMP"/*.bgpid; do
        [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
    done
    if [ -n "$CAP_PID" ]; then
        kill -INT "$CAP_PID" $GYCAP_PID 2>/dev/null
        wait "$CAP_PID" $GYCAP_PID 2>/dev/null
        cp "$AGW_CONF" "${DEMO_PCAP%.*}.agw.yaml"
        sqlite3 "$AGW_DB" ".backup '${DEMO_PCAP%.*}.agw.db'" 2>/dev/null || cp "$AGW_DB" "${DEMO_PCAP%.*}.agw.db"
        cp "$E2E_TMP/subs.csv" "${DEMO_PCAP%.*}.subscribers.csv"
        [ -f "$E2E_TMP/ocs.jsonl" ] && cp "$E2E_TMP/ocs.jsonl" "${DEMO_PCAP%.*}.ocs.jsonl"
        echo "demo: capture in $DEMO_PCAP (tshark -r $DEMO_PCAP -Y s1ap), Gy in ${DEMO_PCAP%.*}.gy.pcap," \
            "configuration, database, subscribers and the OCS's record beside it"
    fi
    e2e_cleanup
    echo
    echo "demo: torn down (namespaces, veths, pins, processes removed)"
}
trap finish EXIT
trap 'exit 130' INT TERM

step "Topology: eNB | gateway | PDN namespaces, veth links, native XDP"
e2e_topology || die "could not build the topology"
in_enb ip addr add 172.16.1.3/24 dev "$E_IF"
in_pdn ip route add $OCS_POOL via $SGI_ADDR || die "route to $OCS_POOL"
in_pdn ip addr add $PORTAL_ADDR/24 dev "$P_IF" || die "portal address"
cat <<EOF
  eNB  $NS_ENB  $E_IF $ENB_ADDR, 172.16.1.3 (two eNBs)
  GW   $NS_GW   $S_IF $S1U_ADDR (S1-MME and S1-U)   $G_IF $SGI_ADDR (SGi, Diameter)
  PDN  $NS_PDN  $P_IF $PDN_ADDR (orcd, OCS), $PORTAL_ADDR (portal)
                 (routes $UE_POOL and $OCS_POOL via the gateway)
EOF

if [ -n "${DEMO_PCAP:-}" ]; then
    ip netns exec "$NS_ENB" tshark -q -i "$E_IF" -f "sctp or udp port 2152 or udp port 9899" \
        -w "$DEMO_PCAP" >"$E2E_TMP/tshark.log" 2>&1 &
    CAP_PID=$!
    ip netns exec "$NS_PDN" tshark -q -i "$P_IF" -f "tcp port $DIAM_PORT" \
        -w "${DEMO_PCAP%.*}.gy.pcap" >"$E2E_TMP/tshark-gy.log" 2>&1 &
    GYCAP_PID=$!
    e2e_wait_capturing "$E2E_TMP/tshark.log" && e2e_wait_capturing "$E2E_TMP/tshark-gy.log" ||
        die "tshark did not start capturing"
fi

step "The orchestrator: xepc-orcd on SQLite in the PDN namespace, $DEMO_UES subscribers in it"
orc_setup $PDN_ADDR || die "orcd certificates and token"
orcd_start || die "xepc-orcd did not start"
echo "  xepc-orcd https://$PDN_ADDR:9443 (web UI https://$PDN_ADDR:9443/ui/ from the PDN namespace)"
"$ENBSIM" gen-subscribers --count "$DEMO_UES" --imsi-base 001010000000001 >"$E2E_TMP/gen.csv" ||
    die "gen-subscribers"
# the last subscriber is the prepaid one: APN ocs (enbsim's UE asks for
# its first APN); the others have none in orcd: the gateway's default
OCS_IMSI=$(awk -F, 'END {print $1}' "$E2E_TMP/gen.csv")
awk -F, -v OFS=, -v imsi="$OCS_IMSI" '$1 == imsi {$9 = "ocs"} {print}' "$E2E_TMP/gen.csv" >"$E2E_TMP/subs.csv"
# orcd's CSV columns: imsi,k,opc[,apns] (the USIMs' file is enbsim's)
awk -F, -v imsi="$OCS_IMSI" 'NR == 1 {print "imsi,k,opc"; next} $1 != imsi {print $1 "," $2 "," $3}' \
    "$E2E_TMP/subs.csv" >"$E2E_TMP/orc-subs.csv"
awk -F, -v imsi="$OCS_IMSI" 'NR == 1 {print "imsi,k,opc,apns"; next} $1 == imsi {print $1 "," $2 "," $3 ",ocs"}' \
    "$E2E_TMP/subs.csv" >"$E2E_TMP/orc-ocs.csv"
orc_xepcctl create network - <<<'{"id": "demo", "plmn": {"mcc": "001", "mnc": "01"}, "tacs": [1, 2, 3]}' >/dev/null ||
    die "network"
# the APN ocs in orcd too (a subscriber names APNs that orcd knows); orcd
# gives it no pool, so the gateway's configured one stays
orc_xepcctl create apn -n demo - <<<'{"id": "ocs", "ambr": {"ul": 100000000, "dl": 200000000}}' >/dev/null ||
    die "APN ocs"
run orc_xepcctl import -n demo "$E2E_TMP/orc-subs.csv" || die "import into orcd"
run orc_xepcctl import -n demo "$E2E_TMP/orc-ocs.csv" || die "import the prepaid subscriber into orcd"

step "Configuration (generated, with the orchestrator and Gy sections); the gateway registered in orcd"
agw_config "  - name: ocs" "    pool: $OCS_POOL"
orc_gw_config "$AGW_CONF" demo gw1 demo-hw-1 $PDN_ADDR
# Gy toward the OCS in the PDN namespace, for the APN ocs only
DIAM_GW_ADDR=$SGI_ADDR
DIAM_SIM_ADDR=$PDN_ADDR
DIAM_SIM_NS=$NS_PDN
DIAM_GY_EXTRA="    apn: ocs
    rating_group: 1"
diam_config gy
sed -n '/^diameter:/,$p' "$AGW_CONF" | sed 's/^/  /'
run "$XEPCCTL" config check "$AGW_CONF" || die "configuration"
printf '%s$ xepc-agwd -c agw.yaml --print-identity | xepcctl orc create gateway -n demo -%s\n' "$BOLD" "$PLAIN"
"$AGWD" -c "$AGW_CONF" --print-identity | orc_xepcctl create gateway -n demo - >/dev/null || die "register the gateway"

step "The OCS: diamsim (Gy) in the PDN namespace, a prepaid volume for $OCS_IMSI"
OCS_QUOTA="quota $OCS_IMSI rg=1 total=$OCS_TOTAL grant=$OCS_GRANT threshold=$OCS_THRESHOLD"
OCS_QUOTA="$OCS_QUOTA final=redirect redirect=http://$PORTAL_ADDR/"
printf '%s$ diamsim --listen %s --port %s --record ocs.jsonl --record-answers -c "%s"%s\n' \
    "$BOLD" "$PDN_ADDR" "$DIAM_PORT" "$OCS_QUOTA" "$PLAIN"
diam_sim_start "$E2E_TMP/ocs.jsonl" --record-answers -c "$OCS_QUOTA"

step "Start xepc-agwd: datapath up, S1-MME listening, bootstrap and sync with orcd, Diameter to the OCS"
agw_start || die "xepc-agwd did not start"
diam_peer_up 300
[ -n "$(in_gw ss -Htn state established "( dport = :$DIAM_PORT )")" ] ||
    die "no Diameter connection to the OCS $PDN_ADDR:$DIAM_PORT (see $E2E_TMP/diamsim.log)"
for _ in $(seq 300); do
    [ "$(sqlite3 "$AGW_DB" "SELECT count(*) FROM subscribers" 2>/dev/null)" = "$DEMO_UES" ] && break
    sleep 0.1
done
[ "$(sqlite3 "$AGW_DB" "SELECT count(*) FROM subscribers")" = "$DEMO_UES" ] ||
    die "the gateway did not get its $DEMO_UES subscribers from orcd"
grep -E "datapath up|xepc-agwd ready|bootstrap: client|full configuration" "$E2E_TMP/agwd.log" | sed 's/^/  /'
echo "  Diameter (Gy) to the OCS: $(in_gw ss -Htn state established "( dport = :$DIAM_PORT )" |
    awk '{print $3 " -> " $4; exit}')"

step "enbsim: 2 eNBs set up, $DEMO_UES UEs attach (EPS-AKA, security mode, default bearer)"
enbsim_bg "$E2E_TMP/enbsim.out" --enbs 2 --ues "$DEMO_UES" --hold -1 --tun --concurrency 32
for _ in $(seq 300); do
    [ "$(agw_stat attach_success)" -ge "$DEMO_UES" ] && break
    kill -0 $ENBSIM_PID 2>/dev/null || break
    sleep 0.1
done
attached=$(agw_stat attach_success)
[ "$attached" -ge "$DEMO_UES" ] || die "only $attached of $DEMO_UES UEs attached"
run "$XEPCCTL" enb list --socket "$AGW_SOCK"
"$XEPCCTL" ue list --socket "$AGW_SOCK" | head -n 6
echo "  ... ($("$XEPCCTL" ue list --socket "$AGW_SOCK" | grep -c ' registered ') registered)"

# the registered UEs of the default APN, one address a line (the prepaid
# UE's traffic is the OCS's step)
default_ues() {
    "$XEPCCTL" ue list --socket "$AGW_SOCK" |
        awk -v p="${OCS_POOL%.*}." 'NR > 1 && $3 == "registered" && index($5, p) != 1 {print $5}'
}
UE_IP=$(default_ues | head -n 1)
for _ in $(seq 50); do
    UE_IF=$(in_enb ip -o addr show | awk -v ip="$UE_IP" '$4 ~ "^"ip"/" {print $2; exit}')
    [ -n "$UE_IF" ] && break
    sleep 0.1
done
[ -n "$UE_IF" ] || die "no TUN device holds $UE_IP"
# the UE's traffic leaves through its TUN device (policy routing by source)
in_enb ip rule add from "$UE_IP" table 200
in_enb ip route add default dev "$UE_IF" table 200
enbs_setup=$("$XEPCCTL" agw stats --socket "$AGW_SOCK" | awk '$1 == "enbs_setup" {print $2}')

step "ping from UE $UE_IP ($UE_IF) to the PDN, through the XDP datapath"
run in_enb ping -c 4 -i 0.2 -I "$UE_IF" $PDN_ADDR

step "iperf3 TCP, UE $UE_IP -> PDN and back"
in_pdn timeout 20 iperf3 -s -1 -B $PDN_ADDR >/dev/null 2>&1 &
sleep 0.5
in_enb timeout 15 iperf3 -c $PDN_ADDR -B "$UE_IP" -t 3 >"$E2E_TMP/iperf.txt" 2>&1
grep -E 'sender|receiver' "$E2E_TMP/iperf.txt"
in_pdn timeout 20 iperf3 -s -1 -B $PDN_ADDR >/dev/null 2>&1 &
sleep 0.5
in_enb timeout 15 iperf3 -c $PDN_ADDR -B "$UE_IP" -t 3 -R >"$E2E_TMP/iperf-r.txt" 2>&1
grep -E 'sender|receiver' "$E2E_TMP/iperf-r.txt"

# orcd's view of the gateway while the UEs are attached (check-in every 1 s)
orc_state=$(orc_xepcctl --json state -n demo gw1 2>/dev/null)

step "Datapath counters (xepcctl stats) and one session in bpftool"
in_gw "$XEPCCTL" stats --pin-dir "$PIN" | head -n 20
bpftool map dump pinned "$PIN/xepc_ue" 2>/dev/null | head -n 12

step "Idle mode: a UE is released to ECM-IDLE, then paged back by downlink data"
# A UE that has carried no traffic yet: a late packet of the iperf3 runs
# above (uplink from the UE's device, or downlink toward it) would bring
# UE_IP back by itself and leave nothing to page.
IDLE_IP=$(default_ues | grep -vxF "$UE_IP" | head -n 1)
IDLE_IMSI=$("$XEPCCTL" ue list --socket "$AGW_SOCK" | awk -v ip="$IDLE_IP" 'NR > 1 && $5 == ip {print "#" $2}')
IDLE_IF=$(in_enb ip -o addr show | awk -v ip="$IDLE_IP" '$4 ~ "^"ip"/" {print $2; exit}')
[ -n "$IDLE_IMSI" ] && [ -n "$IDLE_IF" ] || die "no second UE for the idle step"
in_enb ip rule add from "$IDLE_IP" table 201
in_enb ip route add default dev "$IDLE_IF" table 201
ue_state() { "$XEPCCTL" ue list --socket "$AGW_SOCK" | awk -v ip="$IDLE_IP" 'NR > 1 && $5 == ip {print $4}'; }
run "$XEPCCTL" ue release "$IDLE_IMSI" --socket "$AGW_SOCK"
for _ in $(seq 300); do
    [ "$(ue_state)" = idle ] && break
    sleep 0.1
done
"$XEPCCTL" ue list --socket "$AGW_SOCK" | awk -v ip="$IDLE_IP" 'NR == 1 || $5 == ip'
[ "$(ue_state)" = idle ] || echo "  (the UE is $(ue_state), not idle, after 30 s)"
paged0=$(agw_stat paging_started)
# from the PDN to the idle UE: the datapath keeps the packets, the gateway
# pages (S1AP Paging), the UE answers with a Service Request, the Initial
# Context Setup gives it its tunnel back and the kept packets go.  -W 10:
# under load the round trip through paging may take seconds; ping still
# ends as soon as the five replies are in.
run in_pdn ping -c 5 -i 0.1 -W 10 "$IDLE_IP" | tee "$E2E_TMP/ping-idle.txt"
idle_rx=$(grep -o '[0-9]* received' "$E2E_TMP/ping-idle.txt" | cut -d' ' -f1)
paged=$(($(agw_stat paging_started) - paged0))
if [ "${idle_rx:-0}" != 5 ] || [ "$paged" != 1 ]; then
    # what went wrong, for the log of whoever runs this (agw_demo.sh shows it)
    echo "  idle step: UE now $(ue_state); agwd counters:"
    "$XEPCCTL" agw stats --socket "$AGW_SOCK" | grep -E 'paging|service|ddn|release' | sed 's/^/    /'
    grep -iE 'paging|service|release' "$E2E_TMP/agwd.log" | tail -n 12 | sed 's/^/    agwd: /'
fi

step "Online charging: the prepaid UE (APN ocs) downloads until its volume runs out"
# REDIRECT rather than TERMINATE as the final-unit action: the session and
# its counters stay once the volume is used up, so the kernel's count can
# be read and set against the grants, and the UE shows what a prepaid user
# gets then (the operator's portal); the detach at the end brings the CCR-T.
OCS_REC=$E2E_TMP/ocs.jsonl
ocs_session() { in_gw "$XEPCCTL" session show --ue "$OCS_IP" --pin-dir "$PIN"; }
ocs_has() { diam_j "$OCS_REC" "$1" >/dev/null; }
OCS_IP=$("$XEPCCTL" ue show "$OCS_IMSI" --socket "$AGW_SOCK" | awk '$1 == "pdn" && $5 == "ocs" {print $7; exit}')
[ -n "$OCS_IP" ] || die "the prepaid UE $OCS_IMSI has no PDN connection to APN ocs"
OCS_IF=$(in_enb ip -o addr show | awk -v ip="$OCS_IP" '$4 ~ "^"ip"/" {print $2; exit}')
[ -n "$OCS_IF" ] || die "no TUN device holds $OCS_IP"
echo "  UE $OCS_IP ($OCS_IF), APN ocs; its quota in the kernel after the CCA-I:"
ocs_session | awk '$1 == "rg" && $2 == 1' | sed 's/^/    /'
# More datagrams than the volume holds: what is left over meets the
# final-unit action (downlink not from the portal: dropped).
n=$((OCS_TOTAL / OCS_LEN + 200))
printf '%s$ gy_traffic.py send %s 5001 %d %d 2    # from the PDN, %d datagrams of %d bytes, one every 2 ms%s\n' \
    "$BOLD" "$OCS_IP" $n $OCS_LEN $n $OCS_LEN "$PLAIN"
# receiver and sender in the background, polled: a Ctrl-C meanwhile ends
# the demo at once (bash runs its trap after a foreground command, and
# background commands ignore SIGINT); finish() kills them by their bgpid
GY_TRAFFIC=$E2E_ROOT/tests/e2e/gy_traffic.py
ip netns exec "$NS_ENB" python3 "$GY_TRAFFIC" recv "$OCS_IP" 5001 30 >"$E2E_TMP/ocs-recv.txt" &
echo $! >"$E2E_TMP/ocs-recv.bgpid"
for _ in $(seq 100); do
    [ -n "$(in_enb ss -Huan "( sport = :5001 )")" ] && break
    sleep 0.05
done
ip netns exec "$NS_PDN" python3 "$GY_TRAFFIC" send "$OCS_IP" 5001 $n $OCS_LEN 2 &
echo $! >"$E2E_TMP/ocs-send.bgpid"
while kill -0 "$(cat "$E2E_TMP/ocs-recv.bgpid")" 2>/dev/null; do sleep 0.2; done
read -r ocs_rx_n ocs_rx_bytes <"$E2E_TMP/ocs-recv.txt"
echo "  the UE received ${ocs_rx_n:-?} datagrams, ${ocs_rx_bytes:-?} bytes"
# the kernel's exhaustion event -> CCR-U with Reporting-Reason FINAL
for _ in $(seq 200); do
    ocs_has "any(m['cc_type'] == 2 and 2 in reasons(m) for m in ccr('$OCS_IMSI'))" && break
    sleep 0.1
done
echo "  the kernel's count (xepcctl session show --ue $OCS_IP):"
ocs_session >"$E2E_TMP/ocs-session.txt"
grep -E '^(rg 1 |usage )' "$E2E_TMP/ocs-session.txt" | sed 's/^/    /'
read -r k_ul k_dl < <(awk '$1 == "rg" && $2 == 1 && $3 == "usage" {print $5, $10}' "$E2E_TMP/ocs-session.txt")
k_left=$(awk '$1 == "rg" && $2 == 1 && $3 == "remaining" {print $4}' "$E2E_TMP/ocs-session.txt")

# the portal: whatever the UE asks for on the web, it gets this page
ip netns exec "$NS_PDN" python3 -c "
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('$PORTAL_ADDR', 80)); s.listen(4)
while True:
    c, _ = s.accept(); c.settimeout(5)
    try:
        c.recv(2000)
        c.sendall(b'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n'
                  b'xepc demo portal: the prepaid volume of this line is used up\n')
    except OSError:
        pass
    c.close()" >/dev/null 2>&1 &
echo $! >"$E2E_TMP/portal.bgpid"
for _ in $(seq 50); do
    [ -n "$(in_pdn ss -Htln "( sport = :80 )")" ] && break
    sleep 0.1
done
in_enb ip rule add from "$OCS_IP" table 202
in_enb ip route add default dev "$OCS_IF" table 202
run in_enb curl -s -m 10 --interface "$OCS_IP" http://198.51.100.7/ | tee "$E2E_TMP/portal.txt"
portal_ok=no
grep -q "xepc demo portal" "$E2E_TMP/portal.txt" && portal_ok=yes
# the portal's exchange after the final units: counted by the kernel
# apart from the rating group's usage (RFC 4006 5.6.2: the OCS granted
# nothing for it), so the usage stays at the final units
ocs_session >"$E2E_TMP/ocs-session2.txt"
echo "  after the portal's page:"
grep -E '^rg 1 +(usage|uncharged)' "$E2E_TMP/ocs-session2.txt" | sed 's/^/    /'
read -r k2_ul k2_dl < <(awk '$1 == "rg" && $2 == 1 && $3 == "usage" {print $5, $10}' "$E2E_TMP/ocs-session2.txt")
read -r u_ul u_dl < <(awk '$1 == "rg" && $2 == 1 && $3 == "uncharged" {print $5, $10}' "$E2E_TMP/ocs-session2.txt")

# the end of the session: the UE detached, the CCR-T with the last usage
run "$XEPCCTL" ue detach "$OCS_IMSI" --socket "$AGW_SOCK"
for _ in $(seq 200); do
    ocs_has "any(m['cc_type'] == 3 for m in ccr('$OCS_IMSI'))" && break
    sleep 0.1
done
echo "  the Gy exchange (diamsim's record: each request, then its answer):"
python3 "$E2E_ROOT/tools/demo/ocs_exchange.py" "$OCS_REC" "$OCS_IMSI" >"$E2E_TMP/ocs-exchange.txt"
grep -v '^total ' "$E2E_TMP/ocs-exchange.txt" | sed 's/^/    /'
read -r _ _ ocs_reported _ ocs_granted _ ocs_requests _ ocs_reasons _ ocs_final \
    < <(grep '^total ' "$E2E_TMP/ocs-exchange.txt")
# the volume: what the kernel let through until the final units, what the
# OCS granted in all, what the gateway reported before the CCR-T
ocs_through=$((${k_ul:-0} + ${k_dl:-0}))
ocs_before=$((${ocs_reported:-0} - ${ocs_final:-0}))
ocs_agree="they agree"
[ "$ocs_through" = "${ocs_granted:-}" ] && [ "$ocs_through" = "$ocs_before" ] || ocs_agree="they DIFFER"
ocs_portal=$((${u_ul:-0} + ${u_dl:-0}))
ocs_usage_after=$((${k2_ul:-0} + ${k2_dl:-0}))
ocs_all="= granted"
[ "${ocs_reported:-}" = "${ocs_granted:-}" ] && [ "$ocs_usage_after" = "$ocs_through" ] ||
    ocs_all="!= granted ${ocs_granted:-?} (rg 1 usage $ocs_usage_after after the portal)"

kill -INT $ENBSIM_PID 2>/dev/null
wait $ENBSIM_PID 2>/dev/null
ENBSIM_PID=""

step "Summary"
ul=$(awk '/receiver/ {print $7, $8}' "$E2E_TMP/iperf.txt" | tail -1)
dl=$(awk '/receiver/ {print $7, $8}' "$E2E_TMP/iperf-r.txt" | tail -1)
cat <<EOF
  eNBs set up            $enbs_setup
  UEs attached           $attached of $DEMO_UES
  attach latency         p50 $(enbsim_val "$E2E_TMP/enbsim.out" attach_p50_us) us, p99 $(enbsim_val "$E2E_TMP/enbsim.out" attach_p99_us) us (enbsim)
  iperf3 TCP uplink      ${ul:-?}
  iperf3 TCP downlink    ${dl:-?}
  attach rejects         $(agw_stat attach_reject)
  idle UE paged back     ${idle_rx:-0} of 5 downlink packets delivered, paged $paged time(s)
  orchestrator's view    $(echo "$orc_state" | python3 -c 'import json, sys
j = json.load(sys.stdin); r = j.get("reported", {})
print("gateway demo/gw1 %s, last check-in %s, %s UEs, %s sessions, %s eNBs, config %s" % (
      j.get("status"), j.get("last_checkin"), r.get("ues"), r.get("sessions"), r.get("enbs"),
      r.get("config_version")))' 2>/dev/null || echo "?")
  OCS exchange (Gy)      CCR-I/U/T ${ocs_requests:-?}, the CCR-Us' reasons ${ocs_reasons:-?} (diamsim's record)
  prepaid volume         ${ocs_through} bytes through the kernel (ul ${k_ul:-?} + dl ${k_dl:-?}), granted ${ocs_granted:-?} in all, reported ${ocs_before} before the CCR-T: ${ocs_agree}
  final units            REDIRECT with ${k_left:-?} bytes left: the UE's web request answered by the portal: ${portal_ok}
  session end            detached, CCR-T: $([ "${ocs_requests##*/}" = 1 ] && echo yes || echo no), reporting ${ocs_final:-?} bytes: reported ${ocs_reported:-?} in all ${ocs_all}
  portal traffic         ${ocs_portal} bytes to and from the portal after the final units, counted apart (rg 1 uncharged), not reported
EOF
