#!/bin/bash
# An SCTP backend between two network namespaces joined by a veth (TAP):
# sctp_netns.sh usrsctp-raw|usrsctp-udp|kernel.  The kernel backend runs
# only where the kernel has SCTP; elsewhere the script skips and says why.
#
#   [ns S] sctp_echo server 10.77.0.1:36412   ---veth---   [ns C] clients 10.77.0.2-4
#
# Each case starts its own programs and checks what they print; everything
# is torn down by the trap.  Names carry the PID, so runs do not collide.
BK=${1:-usrsctp-raw}
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
ECHO=$ROOT/build/test/sctp_echo
[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root (network namespaces, raw sockets)"; exit 0; }
[ -x "$ECHO" ] || { echo "1..0 # SKIP build first: make test-build"; exit 0; }

if [ "$BK" = kernel ]; then
    why=$("$ECHO" probe -b kernel)
    case $? in
    0) ;;
    3) echo "1..0 # SKIP no kernel SCTP: $why"; exit 0 ;;
    *) echo "1..1"; echo "not ok 1 - kernel SCTP probe: $why"; exit 1 ;;
    esac
fi

SFX=$(printf '%x' $$ | tail -c 6)
NS_S=sct-s-$SFX
NS_C=sct-c-$SFX
IF_S=sct${SFX}s
IF_C=sct${SFX}c
SRV=10.77.0.1
TMP=$(mktemp -d)
PIDS=()
N=0
FAILED=0
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}

cleanup() {
    for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
    wait 2>/dev/null
    ip netns del "$NS_S" 2>/dev/null
    ip netns del "$NS_C" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT

ok() { N=$((N + 1)); echo "ok $N - $BK: $*"; }
not_ok() {
    N=$((N + 1)); FAILED=$((FAILED + 1)); echo "not ok $N - $BK: $1"
    shift
    for f in "$@"; do [ -f "$f" ] && sed "s|^|# $(basename "$f"): |" "$f" | tail -n 15; done
}
# wait_for FILE REGEX SECONDS: until a line of FILE matches.
wait_for() {
    local i
    for ((i = 0; i < $3 * 20; i++)); do
        grep -Eq "$2" "$1" 2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}

UDP_OPTS=()
[ "$BK" = usrsctp-udp ] && UDP_OPTS=(-u 9899 -U 9899)
in_s() { ip netns exec "$NS_S" "$@"; }
in_c() { ip netns exec "$NS_C" "$@"; }
# server NAME PORT [options]: a server in ns S, its output in $TMP/NAME.
server() {
    local name=$1 port=$2
    shift 2
    ip netns exec "$NS_S" "$ECHO" server -b "$BK" -l "$SRV:$port" "${UDP_OPTS[@]}" "$@" >"$TMP/$name" 2>&1 &
    PIDS+=($!)
    eval "PID_$name=$!"
    wait_for "$TMP/$name" '^listening' 5
}
# client ARGS: a client in ns C (ip netns exec execs it: $! is its PID).
client() { ip netns exec "$NS_C" "$ECHO" client -b "$BK" "${UDP_OPTS[@]}" -t 10 "$@"; }
CLIENT=(ip netns exec "$NS_C" "$ECHO" client -b "$BK" "${UDP_OPTS[@]}")
# stop NAME: SIGTERM, wait, so that its stats line is in its output.
stop() {
    local p
    eval "p=\$PID_$1"
    kill -TERM "$p" 2>/dev/null
    wait "$p" 2>/dev/null
}

ip netns add "$NS_S" && ip netns add "$NS_C" || { echo "1..0 # SKIP cannot create network namespaces"; exit 0; }
ip link add "$IF_S" netns "$NS_S" type veth peer name "$IF_C" netns "$NS_C"
in_s ip addr add $SRV/24 dev "$IF_S"
in_c ip addr add 10.77.0.2/24 dev "$IF_C"
in_c ip addr add 10.77.0.3/24 dev "$IF_C"
in_c ip addr add 10.77.0.4/24 dev "$IF_C"
for ns in "$NS_S" "$NS_C"; do ip -n "$ns" link set lo up; done
in_s ip link set "$IF_S" up
in_c ip link set "$IF_C" up

echo "1..12"

# 1. Several streams, PPID 18 both ways, graceful shutdown seen by both;
#    the exchange is captured for the tshark check (9).
CAP=$TMP/cap.pcap
ip netns exec "$NS_S" dumpcap -q -i "$IF_S" -w "$CAP" >/dev/null 2>&1 &
DUMP=$!
PIDS+=($DUMP)
for ((i = 0; i < 100; i++)); do [ -s "$CAP" ] && break; sleep 0.05; done
sleep 0.2
server s1 36412
if client -l 10.77.0.2 -p $SRV:36412 -n 40 -s 300 >"$TMP/c1" 2>&1 &&
   grep -q '^echoed 0 40 messages on 8 streams' "$TMP/c1" && grep -q '^down 0 1 shutdown' "$TMP/c1" &&
   wait_for "$TMP/s1" '^down 1 shutdown' 3 && grep -q "^up 1 10.77.0.2:[0-9]* 8 8" "$TMP/s1"; then
    ok "40 messages on 8 streams with PPID 18 echoed, shutdown seen on both sides"
else
    not_ok "echo on several streams" "$TMP/c1" "$TMP/s1"
fi
sleep 0.3
kill -INT $DUMP 2>/dev/null; wait $DUMP 2>/dev/null

# 2. Three client endpoints (three local addresses) in one process at once.
if client -l 10.77.0.2 -l 10.77.0.3 -l 10.77.0.4 -p $SRV:36412 -n 20 >"$TMP/c2" 2>&1 &&
   [ "$(grep -c '^echoed [012] 20 messages' "$TMP/c2")" = 3 ] &&
   wait_for "$TMP/s1" 'up [0-9]+ 10.77.0.4:' 1 && grep -q 'up [0-9]* 10.77.0.3:' "$TMP/s1"; then
    ok "3 client endpoints in one process served at once"
else
    not_ok "3 client endpoints" "$TMP/c2" "$TMP/s1"
fi

# 3. 10 kB messages: fragmented by SCTP, reassembled, echoed intact.
if client -l 10.77.0.2 -p $SRV:36412 -n 5 -s 10240 >"$TMP/c3" 2>&1 &&
   grep -q '^echoed 0 5 messages' "$TMP/c3"; then
    ok "10 kB messages both ways"
else
    not_ok "10 kB messages" "$TMP/c3" "$TMP/s1"
fi

# 4. The client aborts: the server reports the association down (abort).
before=$(grep -c '^down [0-9]* abort' "$TMP/s1")
if client -l 10.77.0.2 -p $SRV:36412 -n 3 --abort >"$TMP/c4" 2>&1 &&
   grep -q '^down 0 1 local' "$TMP/c4" &&
   wait_for "$TMP/s1" '^down [0-9]+ abort' 3 && [ "$(grep -c '^down [0-9]* abort' "$TMP/s1")" -gt "$before" ]; then
    ok "client abort: client sees local, server sees abort"
else
    not_ok "client abort" "$TMP/c4" "$TMP/s1"
fi

# 5. A client killed with -9 and restarted on the same address and port is
#    served again at once (RFC 9260 5.2.4: restart, or down then up).
"${CLIENT[@]}" -l 10.77.0.2:40000 -p $SRV:36412 -n 3 --hold -t 30 >"$TMP/c5a" 2>&1 &
C5=$!
PIDS+=($C5)
wait_for "$TMP/c5a" '^echoed 0 3' 5
kill -9 $C5; wait $C5 2>/dev/null
ups=$(grep -c '^up' "$TMP/s1")
if client -l 10.77.0.2:40000 -p $SRV:36412 -n 5 >"$TMP/c5b" 2>&1 &&
   grep -q '^echoed 0 5 messages' "$TMP/c5b" &&
   { grep -q '^restart [0-9]* 10.77.0.2:40000' "$TMP/s1" || [ "$(grep -c '^up' "$TMP/s1")" -gt "$ups" ]; }; then
    ok "client killed with -9 and restarted is served again ($(grep -c '^restart' "$TMP/s1") restart)"
else
    not_ok "client restart after kill -9" "$TMP/c5b" "$TMP/s1"
fi

# 6. The server shuts its associations down: the client sees it.
"${CLIENT[@]}" -l 10.77.0.3 -p $SRV:36412 -n 2 --hold -t 30 >"$TMP/c6" 2>&1 &
C6=$!
PIDS+=($C6)
wait_for "$TMP/c6" '^echoed 0 2' 5
kill -USR1 "$PID_s1"
if wait_for "$TMP/c6" '^down 0 1 shutdown' 5; then
    ok "server shutdown: client sees the association down (shutdown)"
else
    not_ok "server shutdown" "$TMP/c6" "$TMP/s1"
fi
kill $C6 2>/dev/null; wait $C6 2>/dev/null

# 6b. The server aborts its associations: the client hears ABORT, the
#     server LOCAL.
"${CLIENT[@]}" -l 10.77.0.4 -p $SRV:36412 -n 2 --hold -t 30 >"$TMP/c6b" 2>&1 &
C6B=$!
PIDS+=($C6B)
wait_for "$TMP/c6b" '^echoed 0 2' 5
kill -USR2 "$PID_s1"
if wait_for "$TMP/c6b" '^down 0 1 abort' 5 && wait_for "$TMP/s1" '^down [0-9]+ local' 3; then
    ok "server abort: client sees abort, server local"
else
    not_ok "server abort" "$TMP/c6b" "$TMP/s1"
fi
kill $C6B 2>/dev/null; wait $C6B 2>/dev/null

# 7. A peer that vanishes (stopped, sends nothing) is noticed by heartbeats.
#    (UDP: a second stack on a host needs its own UDP port, RFC 6951 5.1.)
U7=() U8S=() U8C=()
[ "$BK" = usrsctp-udp ] && U7=(-u 9900 -U 9900) U8S=(-u 9901 -U 9902) U8C=(-u 9902 -U 9901)
server s7 36414 --hb 200 --rto 100:200 --retrans 2 "${U7[@]}"
"${CLIENT[@]}" -l 10.77.0.4 -p $SRV:36414 -n 2 --hold -t 30 "${U7[@]}" >"$TMP/c7" 2>&1 &
C7=$!
PIDS+=($C7)
wait_for "$TMP/c7" '^echoed 0 2' 5
# usrsctp: the peer process stops; the kernel's SCTP would still answer
# for a stopped process, so there the peer's link goes down instead.
if [ "$BK" = kernel ]; then in_c ip link set "$IF_C" down; else kill -STOP $C7; fi
t0=$(date +%s%N)
if wait_for "$TMP/s7" '^down 1 lost' ${HB_WAIT:-8}; then
    ok "vanished peer noticed by heartbeats in $((($(date +%s%N) - t0) / 1000000)) ms"
else
    not_ok "vanished peer noticed by heartbeats" "$TMP/s7"
fi
kill -9 $C7 2>/dev/null; wait $C7 2>/dev/null
stop s7
in_c ip link set "$IF_C" up
for ((i = 0; i < 50; i++)); do in_c ping -c1 -W1 -q $SRV >/dev/null 2>&1 && break; sleep 0.1; done

# 8. Two stacks in one namespace (servers on 36412 and 36413): each drops
#    the other's packets instead of aborting its associations.  Over UDP
#    each stack has its own UDP port, so nothing needs filtering there.
server s8 36413 "${U8S[@]}"
"${CLIENT[@]}" -t 10 -l 10.77.0.2 -p $SRV:36413 -n 20 "${U8C[@]}" >"$TMP/c8a" 2>&1 &
C8=$!
client -l 10.77.0.3 -p $SRV:36412 -n 20 >"$TMP/c8b" 2>&1
rc_b=$?
wait $C8
rc_a=$?
stop s8
stop s1
filt=$(sed -n 's/^stats .*filtered \([0-9]*\)$/\1/p' "$TMP/s8")
want_filt=1
[ "$BK" != usrsctp-raw ] && want_filt=0
if [ $rc_a = 0 ] && [ $rc_b = 0 ] && ! grep -q abort "$TMP/c8a" "$TMP/c8b" && [ -n "$filt" ] &&
   [ "$filt" -ge $want_filt ]; then
    ok "two stacks in one namespace: both served, $filt foreign packets filtered"
else
    not_ok "two stacks in one namespace (filtered ${filt:-none})" "$TMP/c8a" "$TMP/c8b" "$TMP/s8"
fi

# 9. Garbage from a peer never kills the server: truncated and random
#    packets, chunks whose lengths lie, INITs with bad parameters — with
#    valid CRC32c (RFC 9260 6.8) so the stack parses them — then a normal
#    client is served.
server s10 36415 "${U7[@]}"
in_c /usr/bin/python3 - "$BK" $SRV 36415 <<'PY' >"$TMP/g10" 2>&1
import os, random, socket, struct, sys, zlib
bk, dst, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
random.seed(7)
if bk == "usrsctp-udp":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); to = (dst, 9900)
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 132); to = (dst, 0)
T = []
for i in range(256):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
    T.append(c)
def crc32c(b):
    c = 0xffffffff
    for x in b:
        c = T[(c ^ x) & 0xff] ^ (c >> 8)
    return c ^ 0xffffffff
def pkt(body, vtag=0):
    p = struct.pack("!HHII", 40001, port, vtag, 0) + body
    return p[:8] + struct.pack("<I", crc32c(p)) + p[12:]
sent = 0
for n in range(400):
    kind = n % 4
    if kind == 0:   # truncated common header
        p = os.urandom(random.randrange(0, 12))
    elif kind == 1: # random chunks
        p = pkt(os.urandom(random.randrange(0, 200)), random.getrandbits(32))
    elif kind == 2: # a chunk whose length runs past the packet
        p = pkt(struct.pack("!BBH", random.randrange(256), 0, 0xfff0) + os.urandom(20))
    else:           # an INIT with zero streams and a lying parameter
        p = pkt(struct.pack("!BBHIIHHI", 1, 0, 36, 1, 65536, 0, 0, 1) + struct.pack("!HH", 5, 400) + os.urandom(12))
    s.sendto(p, to); sent += 1
print("sent", sent)
PY
if "${CLIENT[@]}" -t 10 -l 10.77.0.3 -p $SRV:36415 -n 5 "${U7[@]}" >"$TMP/c10" 2>&1 &&
   grep -q '^echoed 0 5' "$TMP/c10" && kill -0 "$PID_s10" 2>/dev/null; then
    ok "400 malformed packets, then a client is served"
else
    not_ok "malformed packets" "$TMP/g10" "$TMP/c10" "$TMP/s10"
fi
stop s10

# 10. tshark decodes the exchange of case 1 as SCTP DATA with PPID 18.
DEC=()
[ "$BK" = usrsctp-udp ] && DEC=(-d udp.port==9899,sctp)
tshark -r "$CAP" "${DEC[@]}" -Y 'sctp.chunk_type == 0' -T fields -e sctp.data_payload_proto_id \
    >"$TMP/ppids" 2>"$TMP/tshark.err"
# one line per packet, one value per DATA chunk (bundling: "18,18")
n18=$(tr ',' '\n' <"$TMP/ppids" | grep -c '^18$')
nall=$(tr ',' '\n' <"$TMP/ppids" | grep -c .)
if [ "$n18" -ge 80 ] && [ "$n18" = "$nall" ]; then
    ok "tshark decodes $n18 SCTP DATA chunks, all PPID 18"
else
    not_ok "tshark decode ($n18 of $nall DATA chunks with PPID 18)" "$TMP/ppids" "$TMP/tshark.err"
fi

# 11. Sanitizer reports are fatal: none from any sctp_echo of this run.
for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
wait 2>/dev/null
if grep -lE 'Sanitizer|runtime error' "$TMP"/[sc]* >"$TMP/san" 2>/dev/null; then
    not_ok "sanitizer reports in $(tr '\n' ' ' <"$TMP/san")" $(cat "$TMP/san")
else
    ok "no sanitizer report from any sctp_echo"
fi

[ $FAILED = 0 ]
