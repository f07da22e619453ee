# tests/e2e/lib.sh — network-namespace topology and TAP helpers for the
# end-to-end datapath tests and the demo.  Source it; it defines functions
# only, plus the names of this run's objects (all carrying a unique suffix,
# so that several runs and other tests can share the machine).
#
#   [enb ns]                    [gw ns]                      [pdn ns]
#   gtpu-ue, TUN per UE         xdp_s1u on S1, xdp_sgi on SGi   server
#   E_IF 172.16.1.2/24 ------- S_IF 172.16.1.1/24
#                               G_IF 172.16.2.1/24 --------- P_IF 172.16.2.2/24
#   UEs 10.45.0.N (TUN), policy-routed into their TUN device
#
# Everything is torn down by e2e_cleanup (install it with trap).

E2E_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
XEPCCTL=${XEPCCTL:-$E2E_ROOT/build/bin/xepcctl}
GTPU_UE=${GTPU_UE:-$E2E_ROOT/build/bin/gtpu-ue}
PY=/usr/bin/python3
E2E_XDP_PASS=/usr/lib/$(uname -m)-linux-gnu/bpf/xdpfilt_alw_all.o

E2E_ID=${E2E_ID:-$$}
E2E_SFX=$(printf '%x' "$E2E_ID" | tail -c 6)
NS_ENB=xe-enb-$E2E_SFX
NS_GW=xe-gw-$E2E_SFX
NS_PDN=xe-pdn-$E2E_SFX
E_IF=xe${E2E_SFX}e      # eNB side of the S1 link
S_IF=xe${E2E_SFX}s      # gateway S1-U
G_IF=xe${E2E_SFX}g      # gateway SGi
P_IF=xe${E2E_SFX}p      # PDN side of the SGi link
ENB_ADDR=172.16.1.2
S1U_ADDR=172.16.1.1
SGI_ADDR=172.16.2.1
PDN_ADDR=172.16.2.2
UE_POOL=10.45.0.0/16
E2E_TMP=""
BPFFS=""
PIN=""
GTPU_UE_PID=""
TAP_N=0
TAP_FAILED=0

tap_plan() { echo "1..$1"; }
ok() {
    TAP_N=$((TAP_N + 1))
    echo "ok $TAP_N - $*"
}
not_ok() {
    TAP_N=$((TAP_N + 1))
    TAP_FAILED=$((TAP_FAILED + 1))
    echo "not ok $TAP_N - $*"
}
# check "description" command...: ok when the command succeeds.
check() {
    local what=$1
    shift
    if "$@" >"$E2E_TMP/last.out" 2>&1; then
        ok "$what"
    else
        not_ok "$what"
        sed 's/^/# /' "$E2E_TMP/last.out" | tail -n 25
    fi
}
diag() { echo "# $*"; }
skip_all() {
    echo "1..0 # SKIP $*"
    exit 0
}

# Not for a background job whose pid is signalled later: `in_enb cmd &` is
# a subshell, and bash without job control ignores SIGINT in it (and in
# what it starts), so `kill -INT $!` never reached a tshark started that
# way and the test waited for its timeout. Write `ip netns exec "$NS_ENB"
# cmd &` there.
in_enb() { ip netns exec "$NS_ENB" "$@"; }
in_gw() { ip netns exec "$NS_GW" "$@"; }
in_pdn() { ip netns exec "$NS_PDN" "$@"; }
xepcctl() { ip netns exec "$NS_GW" "$XEPCCTL" "$@" --pin-dir "$PIN"; }

e2e_require() {
    [ "$(id -u)" = 0 ] || skip_all "needs root (network namespaces, XDP)"
    [ -x "$XEPCCTL" ] && [ -x "$GTPU_UE" ] || skip_all "build first: make all"
    for t in ip ethtool nft tshark iperf3; do
        command -v $t >/dev/null || skip_all "$t is missing (make deps)"
    done
    [ -c /dev/net/tun ] || skip_all "no /dev/net/tun"
    [ -f "$E2E_XDP_PASS" ] || skip_all "$E2E_XDP_PASS is missing (xdp-tools, make deps)"
    [ -x $PY ] && $PY -c 'import scapy' 2>/dev/null || skip_all "python3-scapy is missing"
}

# Best effort, only what this run created.
e2e_cleanup() {
    set +e
    [ -n "$GTPU_UE_PID" ] && kill "$GTPU_UE_PID" 2>/dev/null && wait "$GTPU_UE_PID" 2>/dev/null
    for p in "$E2E_TMP"/*.pid; do
        [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null
    done
    if [ -n "$PIN" ] && [ -d "$PIN" ]; then
        ip netns exec "$NS_GW" "$XEPCCTL" dp down --force --pin-dir "$PIN" >/dev/null 2>&1
    fi
    for ns in "$NS_ENB" "$NS_GW" "$NS_PDN"; do
        ip netns del "$ns" 2>/dev/null
    done
    if [ -n "$BPFFS" ]; then
        umount "$BPFFS" 2>/dev/null
        rmdir "$BPFFS" 2>/dev/null
    fi
    [ -n "$E2E_TMP" ] && [ -z "${E2E_KEEP:-}" ] && rm -rf "$E2E_TMP"
}

# Builds the three namespaces and the two links; mounts a private bpffs
# for the pins (the gateway runs in its namespace with `ip netns exec`,
# which has no /sys/fs/bpf of its own).
e2e_topology() {
    E2E_TMP=$(mktemp -d /tmp/xepc-e2e.XXXXXX)
    BPFFS=$E2E_TMP/bpffs
    mkdir -p "$BPFFS"
    mount -t bpf -o mode=0700 bpf "$BPFFS" || return 1
    PIN=$BPFFS/xepc

    ip netns add "$NS_ENB" && ip netns add "$NS_GW" && ip netns add "$NS_PDN" || return 1
    ip link add "$E_IF" netns "$NS_ENB" type veth peer name "$S_IF" netns "$NS_GW" || return 1
    ip link add "$G_IF" netns "$NS_GW" type veth peer name "$P_IF" netns "$NS_PDN" || return 1
    for ns in "$NS_ENB" "$NS_GW" "$NS_PDN"; do
        ip -n "$ns" link set lo up
        ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
        # IPv4 only: no router solicitations from the UE TUN devices.
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    done
    ip -n "$NS_ENB" addr add $ENB_ADDR/24 dev "$E_IF"
    ip -n "$NS_GW" addr add $S1U_ADDR/24 dev "$S_IF"
    ip -n "$NS_GW" addr add $SGI_ADDR/24 dev "$G_IF"
    ip -n "$NS_PDN" addr add $PDN_ADDR/24 dev "$P_IF"
    ip -n "$NS_ENB" link set "$E_IF" up
    ip -n "$NS_GW" link set "$S_IF" up
    ip -n "$NS_GW" link set "$G_IF" up
    ip -n "$NS_PDN" link set "$P_IF" up
    in_gw sysctl -qw net.ipv4.ip_forward=1
    # XDP_REDIRECT/XDP_TX into a veth needs NAPI on its peer: an XDP
    # program there (xdp-tools' allow-all filter; GRO-only NAPI loses the
    # gateway's XDP_TX Echo Responses on Linux 6.18).  The senders compute
    # their checksums themselves, as packets from a real wire have them
    # (veth would otherwise pass CHECKSUM_PARTIAL packets that XDP cannot
    # complete).
    in_enb ip link set dev "$E_IF" xdp obj "$E2E_XDP_PASS" sec xdp || return 1
    in_pdn ip link set dev "$P_IF" xdp obj "$E2E_XDP_PASS" sec xdp || return 1
    in_enb ethtool -K "$E_IF" tx off >/dev/null 2>&1
    in_pdn ethtool -K "$P_IF" tx off >/dev/null 2>&1
    in_gw ethtool -K "$S_IF" tx off >/dev/null 2>&1
    in_gw ethtool -K "$G_IF" tx off >/dev/null 2>&1
    in_pdn ip route add $UE_POOL via $SGI_ADDR 2>/dev/null
    # Neighbours first, so that the first packets take the XDP fast path.
    in_gw ping -c1 -W1 $ENB_ADDR >/dev/null && in_gw ping -c1 -W1 $PDN_ADDR >/dev/null
}

# NAT mode: no route to the UE pool on the PDN side; masquerade out of SGi;
# the UE pool routed to the S1-U device (via the eNB, so that the kernel
# has a neighbour for it and tc_ue sees the packets on egress).
e2e_nat_setup() {
    in_pdn ip route del $UE_POOL 2>/dev/null
    in_gw ip route add $UE_POOL via $ENB_ADDR dev "$S_IF" || return 1
    in_gw nft -f - <<EOF
table ip xepc_e2e_nat {
    chain post {
        type nat hook postrouting priority srcnat; policy accept;
        ip saddr $UE_POOL oifname "$G_IF" masquerade
    }
}
EOF
}

# e2e_dp_up routed|nat [extra xepcctl dp up options]
e2e_dp_up() {
    local mode=$1
    shift
    xepcctl dp up --s1u "$S_IF" --sgi "$G_IF" --mode "$mode" --gtpu-addr $S1U_ADDR \
        --max-sessions 1024 "$@"
}

# e2e_ue N UL_TEID DL_TEID: session and policy routing for UE 10.45.0.N
# (the TUN device itself is made by gtpu-ue).
e2e_ue_session() {
    local n=$1 ul=$2 dl=$3
    shift 3
    xepcctl session add --teid "$ul" --ue 10.45.0.$n --enb $ENB_ADDR --dl-teid "$dl" "$@"
}

e2e_ue_route() {
    local n=$1
    in_enb ip rule add from 10.45.0.$n table $((100 + n)) &&
        in_enb ip route add default dev xue$n table $((100 + n))
}

# e2e_gtpu_ue SPEC... (each "N,UL,DL"); starts gtpu-ue in the eNB namespace.
e2e_gtpu_ue() {
    local args=() n
    for spec in "$@"; do
        n=${spec%%,*}
        args+=(--ue "xue$n,10.45.0.$n,${spec#*,}")
    done
    # Not through in_enb: a backgrounded shell function is a subshell, and
    # its pid would not be gtpu-ue's (ip netns exec execs the program).
    rm -f "$E2E_TMP/gtpu-ue.pidfile"
    ip netns exec "$NS_ENB" "$GTPU_UE" --gw $S1U_ADDR --local $ENB_ADDR "${args[@]}" \
        --pid-file "$E2E_TMP/gtpu-ue.pidfile" ${GTPU_UE_OPTS:-} >"$E2E_TMP/gtpu-ue.log" 2>&1 &
    GTPU_UE_PID=$!
    for _ in $(seq 50); do
        [ -s "$E2E_TMP/gtpu-ue.pidfile" ] && break
        sleep 0.1
    done
    [ -s "$E2E_TMP/gtpu-ue.pidfile" ] || return 1
    [ "$(cat "$E2E_TMP/gtpu-ue.pidfile")" = "$GTPU_UE_PID" ] || return 1
    for spec in "$@"; do
        e2e_ue_route "${spec%%,*}" || return 1
    done
}

e2e_stop_gtpu_ue() {
    if [ -n "$GTPU_UE_PID" ]; then
        kill "$GTPU_UE_PID" 2>/dev/null
        wait "$GTPU_UE_PID" 2>/dev/null
        GTPU_UE_PID=""
    fi
}

# e2e_bg_xepcctl OUTFILE ARGS...: a long-running xepcctl (events) in the
# gateway namespace, in the background; BG_PID is its own pid (recorded for
# the cleanup).
e2e_bg_xepcctl() {
    local out=$1
    shift
    ip netns exec "$NS_GW" "$XEPCCTL" "$@" --pin-dir "$PIN" >>"$out" 2>&1 &
    BG_PID=$!
    echo $BG_PID >"$E2E_TMP/bg-$BG_PID.pid"
    [ "$1" != events ] || e2e_wait_following "$out" $BG_PID
}

# e2e_wait_following OUTFILE PID: an events follower says on stderr when it
# follows the rings; wait for that (30 s at most) rather than guessing its
# start-up time on a loaded machine.
e2e_wait_following() {
    local i
    for i in $(seq 300); do
        grep -q '^xepcctl events: following' "$1" 2>/dev/null && return 0
        kill -0 "$2" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# Value of one counter (by enum name) from `xepcctl stats --all`.
e2e_stat() {
    xepcctl stats --all | awk -v n="$1" '$1 == n { print $2; f = 1 } END { if (!f) print 0 }'
}

# iperf3 client in one namespace against a server in another, bounded.
# e2e_iperf SERVER_NS SERVER_ADDR CLIENT_NS BIND_ADDR [iperf3 options]
e2e_iperf() {
    local sns=$1 saddr=$2 cns=$3 bind=$4
    shift 4
    ip netns exec "$sns" timeout 15 iperf3 -s -1 -B "$saddr" >"$E2E_TMP/iperf-s.log" 2>&1 &
    local spid=$!
    sleep 0.5
    ip netns exec "$cns" timeout 12 iperf3 -c "$saddr" -B "$bind" -t 2 "$@" \
        >"$E2E_TMP/iperf-c.log" 2>&1
    local rc=$?
    wait $spid 2>/dev/null
    grep -E "receiver|sender" "$E2E_TMP/iperf-c.log" | sed 's/^/# /'
    [ $rc = 0 ] && grep -q receiver "$E2E_TMP/iperf-c.log"
}

# IPv6 on SGi (bulk.sh, ipv6.sh): the gateway's and the PDN host's
# addresses.  e2e_sgi6_on PREFIX...: lib.sh turns IPv6 off everywhere; the
# gateway and the PDN host get it back on SGi (GW6 - PDN6, forwarding on
# the gateway), each PREFIX (the UEs') routed from the PDN to the gateway.
GW6=2001:db8:2::1
PDN6=2001:db8:2::2
e2e_sgi6_on() {
    local ns p
    for ns in "$NS_GW" "$NS_PDN"; do
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 \
            net.ipv6.conf.default.disable_ipv6=0 || return 1
    done
    in_gw sysctl -qw net.ipv6.conf."$G_IF".disable_ipv6=0 net.ipv6.conf.lo.disable_ipv6=0 &&
        in_pdn sysctl -qw net.ipv6.conf."$P_IF".disable_ipv6=0 net.ipv6.conf.lo.disable_ipv6=0 &&
        in_gw sysctl -qw net.ipv6.conf.all.forwarding=1 &&
        in_gw ip -6 addr add $GW6/64 dev "$G_IF" nodad &&
        in_pdn ip -6 addr add $PDN6/64 dev "$P_IF" nodad || return 1
    for p in "$@"; do
        in_pdn ip -6 route add "$p" via $GW6 || return 1
    done
    in_gw ping -6 -c1 -W2 $PDN6 >/dev/null
}

# e2e_wait_capturing LOG: until the tshark writing LOG says it captures
# (at most 30 s: tshark takes seconds to start on a loaded machine);
# false if it never did.
e2e_wait_capturing() {
    for _ in $(seq 300); do
        grep -q "Capturing on" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# e2e_capture_ready CAP DFILTER CMD...: until the capture CAP (being
# written by a tshark in the background) holds a packet that the display
# filter DFILTER takes, CMD sending one such marker every half second
# (30 s): tshark's "Capturing on" can come before it gets packets on a
# loaded machine, and what the test sends first would be missing.  The
# marker stays in the capture: the capture filter takes it, the checks'
# display filters must not (the markers below match none of theirs).
e2e_capture_ready() {
    local cap=$1 df=$2
    shift 2
    for _ in $(seq 60); do
        "$@" >/dev/null 2>&1
        [ -n "$(tshark -r "$cap" -Y "$df" 2>/dev/null | head -n 1)" ] && return 0
        sleep 0.5
    done
    return 1
}

# The marker of a capture on the S1 link (eNB side): an ICMP echo request
# from the gateway's S1 address to the eNB.  E2E_S1_MARK is the capture
# filter that takes it: "(FILTER) or ($E2E_S1_MARK)"; no check's display
# filter takes it (no SCTP, no GTP-U, no UDP).
E2E_S1_MARK="icmp[icmptype] == icmp-echo and src host $S1U_ADDR"

# e2e_capture_marked CAP: until the capture CAP (being written by a tshark
# on the S1 link whose filter takes E2E_S1_MARK) holds a ping from the
# gateway to the eNB (30 s).
e2e_capture_marked() {
    e2e_capture_ready "$1" "icmp.type == 8 && ip.src == $S1U_ADDR" \
        in_gw ping -c 1 -W 1 "$ENB_ADDR"
}

# The same on the SGi link (PDN side): an ICMP echo request from the
# gateway's SGi address to the PDN host (E2E_SGI_MARK, e2e_sgi_marked).
E2E_SGI_MARK="icmp[icmptype] == icmp-echo and src host $SGI_ADDR"
e2e_sgi_marked() {
    e2e_capture_ready "$1" "icmp.type == 8 && ip.src == $SGI_ADDR" \
        in_gw ping -c 1 -W 1 "$PDN_ADDR"
}

# e2e_capture_bg NS IFACE FILTER NAME: tshark in namespace NS (NS_ENB or
# NS_PDN) on IFACE into $E2E_TMP/NAME.pcapng (its pid in NAME.pid),
# capture filter FILTER or the marker of that side; returns once the
# capture holds the marker.  e2e_capture_bg_stop NAME ends it; the 180 s
# bound is for a capture never stopped (with 60 s, in one loaded run of
# dl_mtu.sh the eNB capture ended before scapy sent: tshark took 10 s to
# start, the PDN capture and its marker as long again).
e2e_capture_bg() {
    local ns=$1 ifc=$2 filter=$3 name=$4 mark=$E2E_S1_MARK marked=e2e_capture_marked
    if [ "$ns" = "$NS_PDN" ]; then
        mark=$E2E_SGI_MARK
        marked=e2e_sgi_marked
    fi
    ip netns exec "$ns" timeout 180 tshark -q -i "$ifc" -f "($filter) or ($mark)" \
        -w "$E2E_TMP/$name.pcapng" >"$E2E_TMP/$name.log" 2>&1 &
    echo $! >"$E2E_TMP/$name.pid"
    e2e_wait_capturing "$E2E_TMP/$name.log" && $marked "$E2E_TMP/$name.pcapng"
}
e2e_capture_bg_stop() {
    local pid
    pid=$(cat "$E2E_TMP/$1.pid")
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    rm -f "$E2E_TMP/$1.pid"
}

# tshark on the eNB side of S1: what the gateway sends toward the eNB (and
# the marker, which e2e_tshark_verify does not count; 180 s at most, as
# e2e_capture_bg's).
# e2e_capture_start FILE; ...traffic...; e2e_capture_stop
e2e_capture_start() {
    CAP_FILE=$1
    ip netns exec "$NS_ENB" timeout 180 tshark -q -i "$E_IF" \
        -f "(udp port 2152 and src host $S1U_ADDR) or ($E2E_S1_MARK)" -w "$CAP_FILE" \
        >"$E2E_TMP/tshark.log" 2>&1 &
    CAP_PID=$!
    e2e_wait_capturing "$E2E_TMP/tshark.log"
    e2e_capture_marked "$CAP_FILE" || diag "the S1-U capture shows no marker after 30 s"
}

e2e_capture_stop() {
    sleep 0.5
    kill -INT "$CAP_PID" 2>/dev/null
    wait "$CAP_PID" 2>/dev/null
    CAP_PID=""
}

# e2e_tshark_verify FILE DL_TEID UE_ADDR PEER_ADDR: every G-PDU decodes,
# carries DL_TEID from the gateway to the eNB with inner PEER -> UE, and
# tshark finds no bad IPv4/UDP checksum and nothing malformed.
e2e_tshark_verify() {
    local f=$1 teid=$2 ue=$3 peer=$4
    local ts="tshark -r $f -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE"
    local total good bad
    total=$($ts -Y "gtp.message == 0xff" 2>/dev/null | wc -l)
    good=$($ts -T fields -e gtp.teid -e ip.src -e ip.dst -Y "gtp.message == 0xff" 2>/dev/null |
        awk -v t="$(printf '0x%08x' "$teid")" -v ue="$ue" -v peer="$peer" -v s1u="$S1U_ADDR" \
            -v enb="$ENB_ADDR" '$1 == t && $2 == s1u "," peer && $3 == enb "," ue' | wc -l)
    # (a filter tshark rejects must fail the check, not count as "0 bad")
    bad=$($ts -Y "ip.checksum.status == \"Bad\" || udp.checksum.status == \"Bad\" || _ws.malformed || _ws.expert.severity >= \"Error\"" 2>/dev/null || echo "tshark failed") || return 1
    bad=$(printf '%s' "$bad" | grep -c .)
    diag "tshark: $total G-PDUs, $good with TEID $teid $peer -> $ue, $bad bad/malformed"
    $ts -T fields -e gtp.teid -e ip.src -e ip.dst -e ip.checksum.status -e udp.checksum.status \
        -Y "gtp.message == 0xff" 2>/dev/null | head -n 2 | sed 's/^/#   /'
    [ "$total" -gt 0 ] && [ "$total" = "$good" ] && [ "$bad" = 0 ]
}
