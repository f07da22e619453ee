#!/bin/bash
# make demo: an xepc gateway datapath in three network namespaces, with
# static sessions and real traffic from a UE-side GTP-U endpoint.
#
#   eNB namespace       gateway namespace             PDN namespace
#   gtpu-ue (3 UEs) --- S1-U [xdp_s1u]  SGi [xdp_sgi] --- iperf3/ping server
#
# Needs root (namespaces, XDP).  Everything it creates carries a unique
# suffix and is removed on exit, also on Ctrl-C.

source "$(dirname "$0")/../../tests/e2e/lib.sh"

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
    exit 1
}

[ "$(id -u)" = 0 ] || die "run as root (network namespaces and XDP): sudo make demo"
[ -x "$XEPCCTL" ] && [ -x "$GTPU_UE" ] || die "build first: make"
for t in ip ethtool iperf3 bpftool; do
    command -v $t >/dev/null || die "$t is missing: make deps"
done
[ -f "$E2E_XDP_PASS" ] || die "$E2E_XDP_PASS is missing (xdp-tools): make deps"

E2E_TMP=""
trap 'e2e_cleanup; echo; echo "demo: torn down (namespaces, veths, pins removed)"' EXIT
trap 'exit 130' INT TERM

step "Topology: eNB | gateway | PDN namespaces, veth links, native XDP"
e2e_topology || die "could not build the topology"
cat <<EOF
  eNB  $NS_ENB  $E_IF $ENB_ADDR
  GW   $NS_GW   $S_IF $S1U_ADDR (S1-U)   $G_IF $SGI_ADDR (SGi)
  PDN  $NS_PDN  $P_IF $PDN_ADDR   (routes $UE_POOL via the gateway)
  pins $PIN (a private bpffs; on a server: /sys/fs/bpf/xepc)
EOF

step "Bring the datapath up (routed mode)"
run xepcctl dp up --s1u "$S_IF" --sgi "$G_IF" --mode routed --gtpu-addr $S1U_ADDR \
    --max-sessions 1024 || die "dp up failed"
run xepcctl dp status

step "Install three static sessions"
run xepcctl session add --teid 0x101 --ue 10.45.0.2 --enb $ENB_ADDR --dl-teid 0x901 || die "session"
run xepcctl session add --teid 0x102 --ue 10.45.0.3 --enb $ENB_ADDR --dl-teid 0x902 \
    --ul-ambr 20M --dl-ambr 20M || die "session"
run xepcctl session add --teid 0x103 --ue 10.45.0.4 --enb $ENB_ADDR --dl-teid 0x903 \
    --rule 'prec=10,dir=ul,proto=udp,dport=9,action=drop' \
    --rule 'prec=100,proto=any,rg=7' --quota 'rg=7,bytes=50M,threshold=80%,fua=drop' || die "session"
run xepcctl session list

step "Start the UE side: gtpu-ue with a TUN device per UE"
e2e_gtpu_ue 2,0x101,0x901 3,0x102,0x902 4,0x103,0x903 || die "gtpu-ue did not start"
in_enb ip -brief addr show | grep xue

step "ping: UE -> PDN (uplink first) and PDN -> UE (downlink first)"
run in_enb ping -c 4 -i 0.2 -I 10.45.0.2 $PDN_ADDR
run in_pdn ping -c 4 -i 0.2 10.45.0.4

iperf() {
    local bind=$1
    shift
    in_pdn timeout 15 iperf3 -s -1 -B $PDN_ADDR >/dev/null 2>&1 &
    local s=$!
    sleep 0.5
    printf '%s$ iperf3 -c %s -B %s %s%s\n' "$BOLD" "$PDN_ADDR" "$bind" "$*" "$PLAIN"
    in_enb timeout 12 iperf3 -c $PDN_ADDR -B "$bind" "$@" | grep -E 'sender|receiver'
    wait $s
}
step "iperf3 TCP through the datapath (UE 10.45.0.2, no AMBR)"
iperf 10.45.0.2 -t 3
iperf 10.45.0.2 -t 3 -R
step "iperf3 TCP for UE 10.45.0.3: APN-AMBR 20 Mbit/s policed by the XDP token buckets (TCP over a policer gets less than the rate)"
iperf 10.45.0.3 -t 3
iperf 10.45.0.3 -t 3 -R
step "iperf3 TCP for UE 10.45.0.4: 20 MB counted against its 50 MB quota (rating group 7)"
iperf 10.45.0.4 -R -n 20M
run xepcctl session show --teid 0x103
run xepcctl session refill --teid 0x103 --rg 7 --bytes 100M --threshold 80%

step "Counters and drop reasons (xepcctl stats)"
run xepcctl stats

step "Per-session usage"
run xepcctl session list

step "The maps are plain bpffs pins: bpftool reads them live"
run bpftool map dump pinned "$PIN/xepc_ue"
printf '%s$ bpftool map lookup pinned %s/xepc_sessions key 1 1 0 0%s\n' "$BOLD" "$PIN" "$PLAIN"
bpftool map lookup pinned "$PIN/xepc_sessions" key 1 1 0 0 | head -n 20
run in_gw bpftool link show

step "Take the datapath down"
e2e_stop_gtpu_ue
run xepcctl dp down
