#!/bin/bash
# make demo: a real attach on an embedded default.  Three network
# namespaces joined by veth pairs, xepc-agwd (MME + HSS + SGW/PGW control)
# with its XDP datapath in the gateway namespace, 100 UEs from 2 eNBs
# simulated by enbsim over real SCTP (usrsctp), then ping and iperf3 through
# the datapath from a UE's TUN device, and a short summary.  The
# subscribers come from the orchestrator: xepc-orcd (SQLite) runs in the PDN
# namespace, the gateway bootstraps against it (mutual TLS) and syncs them.
#
#   eNB namespace               gateway namespace                PDN namespace
#   enbsim: 2 eNBs, 100 UEs --- S1-MME (SCTP 36412), S1-U [XDP]
#   TUN ue0..ue99                SGi [XDP] ------------------------ iperf3/ping
#
# DEMO_PCAP=FILE also captures S1-MME and S1-U to FILE (Wireshark reads it)
# and keeps the configuration and the subscriber database beside it.
# Needs root.  Everything it creates is removed on exit, also on Ctrl-C.

source "$(dirname "$0")/../../tests/e2e/lib.sh"
source "$(dirname "$0")/../../tests/e2e/agw_lib.sh"
source "$(dirname "$0")/../../tests/e2e/orc_lib.sh"

DEMO_UES=${DEMO_UES:-100}
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
[ -x "$XEPCCTL" ] && [ -x "$AGWD" ] && [ -x "$ENBSIM" ] && [ -x "$ORCD" ] || die "build first: make"
for t in ip ethtool iperf3 bpftool curl openssl sqlite3; do
    command -v $t >/dev/null || die "$t is missing: make deps"
done
[ -f "$E2E_XDP_PASS" ] || die "$E2E_XDP_PASS is missing (xdp-tools): make deps"
if [ -n "${DEMO_PCAP:-}" ]; then
    command -v tshark >/dev/null || die "tshark is missing: make deps"
    DEMO_PCAP=$(realpath -m "$DEMO_PCAP")
fi

E2E_TMP=""
CAP_PID=""
finish() {
    kill -INT $ENBSIM_PID 2>/dev/null && wait $ENBSIM_PID 2>/dev/null
    agw_stop TERM 2>/dev/null
    orcd_stop
    if [ -n "$CAP_PID" ]; then
        kill -INT "$CAP_PID" 2>/dev/null
        wait "$CAP_PID" 2>/dev/null
        cp "$AGW_CONF" "${DEMO_PCAP%.*}.agw.yaml"
        sqlite3 "$AGW_DB" ".backup '${DEMO_PCAP%.*}.agw.db'" 2>/dev/null || cp "$AGW_DB" "${DEMO_PCAP%.*}.agw.db"
        cp "$E2E_TMP/subs.csv" "${DEMO_PCAP%.*}.subscribers.csv"
        echo "demo: capture in $DEMO_PCAP (tshark -r $DEMO_PCAP -Y s1ap), configuration, database and subscribers beside it"
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
cat <<EOF
  eNB  $NS_ENB  $E_IF $ENB_ADDR, 172.16.1.3 (two eNBs)
  GW   $NS_GW   $S_IF $S1U_ADDR (S1-MME and S1-U)   $G_IF $SGI_ADDR (SGi)
  PDN  $NS_PDN  $P_IF $PDN_ADDR   (routes $UE_POOL via the gateway)
EOF

if [ -n "${DEMO_PCAP:-}" ]; then
    ip netns exec "$NS_ENB" tshark -q -i "$E_IF" -f "sctp or udp port 2152 or udp port 9899" \
        -w "$DEMO_PCAP" >"$E2E_TMP/tshark.log" 2>&1 &
    CAP_PID=$!
    sleep 1
fi

step "The orchestrator: xepc-orcd on SQLite in the PDN namespace, $DEMO_UES subscribers in it"
orc_setup $PDN_ADDR || die "orcd certificates and token"
orcd_start || die "xepc-orcd did not start"
echo "  xepc-orcd https://$PDN_ADDR:9443 (web UI https://$PDN_ADDR:9443/ui/ from the PDN namespace)"
"$ENBSIM" gen-subscribers --count "$DEMO_UES" --imsi-base 001010000000001 >"$E2E_TMP/subs.csv" ||
    die "gen-subscribers"
# orcd's CSV columns: imsi,k,opc (the USIMs' file is enbsim's)
awk -F, 'NR == 1 {print "imsi,k,opc"; next} {print $1 "," $2 "," $3}' "$E2E_TMP/subs.csv" >"$E2E_TMP/orc-subs.csv"
orc_xepcctl create network - <<<'{"id": "demo", "plmn": {"mcc": "001", "mnc": "01"}, "tacs": [1, 2, 3]}' >/dev/null ||
    die "network"
run orc_xepcctl import -n demo "$E2E_TMP/orc-subs.csv" || die "import into orcd"

step "Configuration (generated, with the orchestrator section); the gateway registered in orcd"
agw_config
orc_gw_config "$AGW_CONF" demo gw1 demo-hw-1 $PDN_ADDR
run "$XEPCCTL" config check "$AGW_CONF" || die "configuration"
printf '%s$ xepc-agwd -c agw.yaml --print-identity | xepcctl orc create gateway -n demo -%s\n' "$BOLD" "$PLAIN"
"$AGWD" -c "$AGW_CONF" --print-identity | orc_xepcctl create gateway -n demo - >/dev/null || die "register the gateway"

step "Start xepc-agwd: datapath up, S1-MME listening, bootstrap and sync with orcd"
agw_start || die "xepc-agwd did not start"
for _ in $(seq 300); do
    [ "$(sqlite3 "$AGW_DB" "SELECT count(*) FROM subscribers" 2>/dev/null)" = "$DEMO_UES" ] && break
    sleep 0.1
done
[ "$(sqlite3 "$AGW_DB" "SELECT count(*) FROM subscribers")" = "$DEMO_UES" ] ||
    die "the gateway did not get its $DEMO_UES subscribers from orcd"
grep -E "datapath up|xepc-agwd ready|bootstrap: client|full configuration" "$E2E_TMP/agwd.log" | sed 's/^/  /'

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

UE_IP=$("$XEPCCTL" ue list --socket "$AGW_SOCK" | awk 'NR > 1 && $3 == "registered" {print $5; exit}')
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
IDLE_IP=$("$XEPCCTL" ue list --socket "$AGW_SOCK" |
    awk -v ip="$UE_IP" 'NR > 1 && $3 == "registered" && $5 != ip {print $5; exit}')
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
EOF
