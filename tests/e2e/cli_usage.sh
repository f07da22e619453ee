#!/bin/bash
# xepcctl's datapath commands and gtpu-ue refuse bad input with exit status
# 2 and a message that names the problem; --help prints a manual page.
# No root needed: nothing here reaches the kernel.
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
X=$ROOT/build/bin/xepcctl
U=$ROOT/build/bin/gtpu-ue
[ -x "$X" ] && [ -x "$U" ] || { echo "1..0 # SKIP build first: make all"; exit 0; }
N=0
FAILED=0
OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT

# expect STATUS "message substring" command...
expect() {
    local want=$1 says=$2
    shift 2
    N=$((N + 1))
    "$@" >"$OUT" 2>&1
    local rc=$?
    if [ $rc = "$want" ] && grep -q -- "$says" "$OUT"; then
        echo "ok $N - ${*#$ROOT/build/bin/}"
    else
        FAILED=$((FAILED + 1))
        echo "not ok $N - ${*#$ROOT/build/bin/} (status $rc, wanted $want and '$says')"
        sed 's/^/# /' "$OUT" | head -n 5
    fi
}

echo "1..34"
expect 0 "SYNOPSIS" $X dp --help
expect 0 "RULES" $X session --help
expect 0 "drop reason" $X stats --help
expect 0 "Error Indication" $X events --help
expect 0 "SYNOPSIS" $U --help
expect 2 "unknown subcommand 'sideways'" $X dp sideways
expect 2 "needs --s1u IF and --gtpu-addr" $X dp up --s1u eth0
expect 2 "routed mode needs --sgi" $X dp up --s1u eth0 --gtpu-addr 192.0.2.1
expect 2 "--mode wants routed or nat" $X dp up --s1u eth0 --gtpu-addr 192.0.2.1 --mode bridge
expect 2 "--gtpu-addr wants an IPv4 address" $X dp up --s1u eth0 --gtpu-addr 300.1.1.1
expect 2 "device name" $X dp up --s1u averyveryverylongname --gtpu-addr 192.0.2.1
expect 2 "--teid-event-rate wants N or N,P" $X dp up --s1u eth0 --gtpu-addr 192.0.2.1 --mode nat --teid-event-rate 0
expect 2 "--echo-rate wants N or N,P" $X dp up --s1u eth0 --gtpu-addr 192.0.2.1 --mode nat --echo-rate 10,x
expect 2 "--s1u-mtu wants 576..9000 bytes" $X dp up --s1u eth0 --gtpu-addr 192.0.2.1 --mode nat --s1u-mtu 100
expect 2 "does not take --s1u" $X dp status --s1u eth0
expect 2 "does not take --force" $X dp check --force
expect 2 "non-zero 32-bit TEID" $X session add --teid 0 --ue 10.45.0.2
expect 2 "--enb and --dl-teid go together" $X session add --teid 1 --ue 10.45.0.2 --enb 192.0.2.9
expect 2 "port ranges need proto" $X session add --teid 1 --ue 10.45.0.2 --rule 'dport=80'
expect 2 "host bits" $X session add --teid 1 --ue 10.45.0.2 --rule 'dst=10.0.0.1/8'
expect 2 "fua wants drop, redirect or restrict" $X session add --teid 1 --ue 10.45.0.2 --quota 'rg=1,bytes=1M,fua=stop'
expect 2 "either --teid or --ue" $X session show
expect 2 "--idle and --enb exclude" $X session modify --teid 1 --idle --enb 1.2.3.4 --dl-teid 2
expect 2 "--count wants a number" $X events --count x
expect 2 "want IFNAME,UE_ADDR,UL_TEID,DL_TEID" $U --gw 1.1.1.1 --local 1.1.1.2 --ue tun0,10.45.0.2,5
# xepcctl ue qos: refused before anything reaches the daemon
I=001010000000001
expect 2 "give --qci, --arp and/or --apn-ambr" $X ue qos $I 5
expect 2 "is not a default bearer's EBI (5..15)" $X ue qos $I 4 --qci 6
expect 2 "wants a non-GBR QCI for a default bearer" $X ue qos $I 5 --qci 1
expect 2 "wants a priority level 1..15" $X ue qos $I 5 --arp 16
expect 2 "--apn-ambr wants UL/DL" $X ue qos $I 5 --apn-ambr 10Mbps
expect 2 "1kbps .. 4Tbps each" $X ue qos $I 5 --apn-ambr 999bps/1Mbps
expect 2 "--qci given twice" $X ue qos $I 5 --qci 6 --qci 7
expect 2 "unexpected '--tft'" $X ue qos $I 5 --tft x
expect 1 "is not a bpffs" $X dp up --s1u lo --gtpu-addr 192.0.2.1 --mode nat --pin-dir /tmp/xepc-no-bpffs/x
[ $FAILED = 0 ]
