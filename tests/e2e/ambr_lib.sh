# tests/e2e/ambr_lib.sh — iperf3 through one session's APN-AMBR, for the
# AMBR test (tests/e2e/ambr.sh) and its benchmark (tools/bench/ambr_bench.sh).
# Source after lib.sh, with the routed topology up (e2e_topology, e2e_dp_up)
# and gtpu-ue running for UE 10.45.0.2 (TEIDs 0x101 / 0x901).

AMBR_UE=10.45.0.2

# ambr_session RATE [BURST]: (re)installs the UE's session with UL and DL
# APN-AMBR RATE (bit/s, xepcctl syntax) and, if given, --ambr-burst BURST.
ambr_session() {
    local rate=$1 burst=${2:-}
    xepcctl session del --teid 0x101 >/dev/null 2>&1
    e2e_ue_session 2 0x101 0x901 --ul-ambr "$rate" --dl-ambr "$rate" \
        ${burst:+--ambr-burst "$burst"}
}

# ambr_iperf tcp|udp ul|dl SECONDS [UDP_RATE]: one iperf3 run from the UE
# (ul) or to it (dl, -R), the first AMBR_OMIT seconds (default 2) not
# counted (iperf3 -O); prints the receiver's goodput in bit/s (payload:
# TCP segments or UDP datagrams that arrived), then the retransmits (TCP)
# or lost datagrams (UDP).
ambr_iperf() {
    local proto=$1 dir=$2 secs=$3 udp_rate=${4:-}
    local opts=(-t "$secs" -O "${AMBR_OMIT:-2}" -J)
    [ "$dir" = dl ] && opts+=(-R)
    [ "$proto" = udp ] && opts+=(-u -b "$udp_rate" -l 1200)
    ip netns exec "$NS_PDN" timeout $((secs + ${AMBR_OMIT:-2} + 10)) iperf3 -s -1 -B $PDN_ADDR \
        >"$E2E_TMP/ambr-s.log" 2>&1 &
    local spid=$!
    sleep 0.3
    ip netns exec "$NS_ENB" timeout $((secs + ${AMBR_OMIT:-2} + 8)) iperf3 -c $PDN_ADDR -B $AMBR_UE "${opts[@]}" \
        >"$E2E_TMP/ambr-c.json" 2>"$E2E_TMP/ambr-c.err"
    local rc=$?
    wait $spid 2>/dev/null
    [ $rc = 0 ] || return 1
    $PY - "$proto" "$E2E_TMP/ambr-c.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[2]))["end"]
if sys.argv[1] == "tcp":
    print(int(j["sum_received"]["bits_per_second"]), j["sum_sent"].get("retransmits", 0))
else:
    # the receiver's side in both directions (sum is the sender's in -u
    # without -R, and over the omitted seconds too)
    s = j["sum_received"]
    print(int(s["bits_per_second"]), s["lost_packets"])
PY
}
