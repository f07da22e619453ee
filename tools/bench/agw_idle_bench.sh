#!/bin/bash
# make bench: xepc-agwd's idle mode under load from enbsim (real usrsctp
# between namespaces, real XDP datapath), issue 12.
#
#   agw_idle_cycles      idle->active cycles per second (UE Context Release
#                        Request/Command/Complete + SERVICE REQUEST + Initial
#                        Context Setup) with AGW_BENCH_IDLE_UES (10000) UEs,
#                        AGW_BENCH_CYCLES (5) cycles each, --concurrency 256;
#                        with the service request latency p50/p99 (Service
#                        Request sent -> Initial Context Setup Response)
#                        enbsim's figure runs from the first release, while
#                        later UEs still attach
#   agw_idle_cycles_steady  the same once all UEs are attached: the
#                        gateway's service requests over AGW_BENCH_WINDOW
#                        (5) seconds
#   agw_idle_cpu_agwd, agw_idle_cpu_enbsim  each side's CPU time (user +
#                        system) per cycle over that window
#                        (AGW_BENCH_PERF=DIR: perf profiles of both sides
#                        over it; AGW_BENCH_PAGING_UES=0: cycles only)
#   agw_paging_latency   first downlink packet -> its answer, for
#                        AGW_BENCH_PAGING_UES (1000) idle UEs pinged at once
#                        from the PDN: the datapath keeps the packet, the
#                        gateway pages, the UE (enbsim, no radio delay) sends
#                        SERVICE REQUEST, the ICS sets the tunnel and the kept
#                        packet goes; the time includes the echo reply's way
#                        back (one G-PDU, well under a millisecond); p50/p99
#
# Every figure is printed as "bench: <name> <value> <unit>".
source "$(dirname "$0")/../../tests/e2e/lib.sh"
source "$(dirname "$0")/../../tests/e2e/agw_lib.sh"

NUES=${AGW_BENCH_IDLE_UES:-10000}
CYCLES=${AGW_BENCH_CYCLES:-5}
PUES=${AGW_BENCH_PAGING_UES:-1000}
CONC=${AGW_BENCH_CONCURRENCY:-256}

[ "$(id -u)" = 0 ] || { echo "agw_idle_bench: needs root"; exit 0; }
[ -x "$AGWD" ] && [ -x "$ENBSIM" ] || { echo "agw_idle_bench: build first"; exit 1; }
E2E_TMP=""
trap e2e_cleanup EXIT
e2e_topology || exit 1
agw_config
sed -i "s/max_sessions: 4096/max_sessions: $((NUES + 4096))/; s#pool: 10.45.0.0/16#pool: 10.64.0.0/11#" "$AGW_CONF"
in_pdn ip route add 10.64.0.0/11 via $SGI_ADDR     # routed mode: the PDN reaches the pool
"$ENBSIM" gen-subscribers --count "$NUES" --imsi-base 001010000000001 --apn internet \
    >"$E2E_TMP/subs.csv" || exit 1
"$XEPCCTL" subscriber import --db "$AGW_DB" "$E2E_TMP/subs.csv" >/dev/null || exit 1
agw_start || exit 1
echo "# machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"

# --- idle->active cycles ------------------------------------------------------
out=$E2E_TMP/cycles.out
ip netns exec "$NS_ENB" "$ENBSIM" --mme "$S1U_ADDR" --enb-addr "$ENB_ADDR" \
    --subscribers "$E2E_TMP/subs.csv" --ues "$NUES" --no-tun --idle-after 0 --active-after 0 \
    --cycles "$CYCLES" --concurrency "$CONC" --detach --timeout 60 >"$out" 2>&1 &
ENBSIM_PID=$!
# CPU time (user + system, µs) of a process, from /proc/PID/stat
cpu_us() { awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%d", ($12 + $13) * 1e6 / hz }' "/proc/$1/stat" 2>/dev/null; }
# Where the time goes: each side's CPU per cycle over a window of
# AGW_BENCH_WINDOW (5) seconds while the UEs cycle (from when every UE is
# attached: before, attaches run beside the cycles); with
# AGW_BENCH_PERF=DIR also a perf profile of each side over the same
# window (DIR/agwd.data, DIR/enbsim.data; perf report -i ...)
for _ in $(seq 1200); do
    [ "$(agw_stat attach_success)" -ge "$NUES" ] 2>/dev/null && break
    kill -0 $ENBSIM_PID 2>/dev/null || break
    sleep 0.2
done
WIN=${AGW_BENCH_WINDOW:-5}
perf_pids=""
if [ -n "$AGW_BENCH_PERF" ]; then
    mkdir -p "$AGW_BENCH_PERF"
    for p in "agwd $AGW_PID" "enbsim $ENBSIM_PID"; do
        set -- $p
        perf record -q -F 499 --call-graph "${AGW_BENCH_PERF_CG:-dwarf,16384}" -p "$2" -o "$AGW_BENCH_PERF/$1.data" -- sleep "$WIN" >/dev/null 2>&1 &
        perf_pids="$perf_pids $!"
    done
fi
sr0=$(agw_stat service_request); a0=$(cpu_us $AGW_PID); e0=$(cpu_us $ENBSIM_PID); ld0=$(cut -d' ' -f1 /proc/loadavg)
d0=$(agw_stat detach_ue)
sleep "$WIN"
sr1=$(agw_stat service_request); a1=$(cpu_us $AGW_PID); e1=$(cpu_us $ENBSIM_PID)
d1=$(agw_stat detach_ue)
[ -z "$perf_pids" ] || wait $perf_pids 2>/dev/null
wait $ENBSIM_PID
echo "# $(enbsim_val "$out" service_request_ok) service requests, $(enbsim_val "$out" service_request_failed) failed, kenb_mismatch $(enbsim_val "$out" kenb_mismatch)"
echo "bench: agw_idle_cycles $(enbsim_val "$out" cycles_per_s) cycles/s"
echo "bench: agw_service_request_p50 $(enbsim_val "$out" service_request_p50_us) us"
echo "bench: agw_service_request_p99 $(enbsim_val "$out" service_request_p99_us) us"
if [ -n "$e1" ] && [ "$sr1" -gt "$sr0" ] 2>/dev/null; then
    # UEs done with their cycles detach; with few cycles (AGW_BENCH_CYCLES)
    # the first ones do so within the window, and their detaches count in
    echo "# window of ${WIN} s: $((sr1 - sr0)) service requests, $((d1 - d0)) detaches, load $ld0"
    echo "bench: agw_idle_cycles_steady $(( (sr1 - sr0) / WIN )) cycles/s"
    echo "bench: agw_idle_cpu_agwd $(( (a1 - a0) / (sr1 - sr0) )) us/cycle"
    echo "bench: agw_idle_cpu_enbsim $(( (e1 - e0) / (sr1 - sr0) )) us/cycle"
fi

# --- paging latency -------------------------------------------------------------
[ "$PUES" -gt 0 ] || exit 0     # AGW_BENCH_PAGING_UES=0: cycles only
head -n $((PUES + 1)) "$E2E_TMP/subs.csv" >"$E2E_TMP/paging.csv"
rep=$E2E_TMP/ues.txt
ip netns exec "$NS_ENB" "$ENBSIM" --mme "$S1U_ADDR" --enb-addr "$ENB_ADDR" \
    --subscribers "$E2E_TMP/paging.csv" --ues "$PUES" --tun --idle-after 2 --hold -1 \
    --concurrency "$CONC" --detach --timeout 60 --ready-file "$E2E_TMP/ready" \
    --ue-report "$rep" >"$E2E_TMP/paging.out" 2>&1 &
ENBSIM_PID=$!
for _ in $(seq 1200); do [ -f "$E2E_TMP/ready" ] && break; sleep 0.1; done
# every UE answers from its TUN device: replies from its address go back
# through it
agwctl ue list | awk 'NR > 1 && $3 == "registered" && $5 != "-" {print $5}' >"$E2E_TMP/ips.txt"
in_enb ip -o addr show | awk '$3 == "inet" && $2 ~ /^ue/ {split($4, a, "/"); print a[1], $2}' \
    >"$E2E_TMP/ifs.txt"
awk 'NR == FNR {ip[$1] = 1; next} ($1 in ip) {n++; printf "rule add from %s table %d\nroute add default dev %s table %d\n", $1, 1000 + n, $2, 1000 + n}' \
    "$E2E_TMP/ips.txt" "$E2E_TMP/ifs.txt" >"$E2E_TMP/routes.batch"
in_enb ip -batch "$E2E_TMP/routes.batch"
# all idle (released after 2 s without traffic)
for _ in $(seq 300); do
    [ "$(agwctl ue list | awk 'NR > 1 && $4 == "connected"' | wc -l)" = 0 ] && break
    sleep 0.1
done
echo "# $(wc -l <"$E2E_TMP/ips.txt") UEs registered, $(agwctl ue list | awk 'NR > 1 && $4 == "idle"' | wc -l) idle"
in_pdn "$PY" - "$E2E_TMP/ips.txt" <<'PY'
import os, socket, struct, sys, time, select
ips = [l.split()[0] for l in open(sys.argv[1]) if l.strip()]
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
def csum(b):
    if len(b) % 2: b += b'\0'
    t = sum(struct.unpack('!%dH' % (len(b) // 2), b)); t = (t >> 16) + (t & 0xffff); t += t >> 16
    return ~t & 0xffff
ident = os.getpid() & 0xffff
sent = {}
for i, ip in enumerate(ips):
    h = struct.pack('!BBHHH', 8, 0, 0, ident, i) + b'xepc-paging-bench'
    h = h[:2] + struct.pack('!H', csum(h)) + h[4:]
    sent[i] = time.monotonic()
    s.sendto(h, (ip, 0))
got = {}
end = time.monotonic() + 20
while len(got) < len(ips) and time.monotonic() < end:
    r, _, _ = select.select([s], [], [], 0.5)
    if not r: continue
    now = time.monotonic()
    d = s.recv(2048)
    ihl = (d[0] & 15) * 4
    t, _, _, idn, seq = struct.unpack('!BBHHH', d[ihl:ihl + 8])
    if t == 0 and idn == ident and seq in sent and seq not in got:
        got[seq] = (now - sent[seq]) * 1e6
v = sorted(got.values())
def pct(p): return int(v[min(len(v) - 1, max(0, int(len(v) * p / 100.0 + 0.999999) - 1))]) if v else 0
print("# %d pinged, %d answered" % (len(ips), len(v)))
print("bench: agw_paging_latency_p50 %d us" % pct(50))
print("bench: agw_paging_latency_p99 %d us" % pct(99))
print("bench: agw_paging_answered %d UEs" % len(v))
PY
echo "# gateway: paging_started $(agw_stat paging_started), paging_sent $(agw_stat paging_sent), paging_success $(agw_stat paging_success), service_accept $(agw_stat service_accept)"
kill -INT $ENBSIM_PID 2>/dev/null
wait $ENBSIM_PID 2>/dev/null
echo "# enbsim: paging_ok $(enbsim_val "$E2E_TMP/paging.out" paging_ok), paging_p50 $(enbsim_val "$E2E_TMP/paging.out" paging_p50_us) us, p99 $(enbsim_val "$E2E_TMP/paging.out" paging_p99_us) us (Paging received -> ICS Response sent)"
exit 0
