#!/bin/bash
# Issue 13, section 5: Error Indications and the events follower.
# - 10,000 G-PDUs to 10,000 unknown TEIDs from one eNB draw at most the
#   per-peer budget of Error Indications (100/s by default), not one each;
# - unknown-TEID events that waited in the ring before a follower started
#   are aged out, not answered seconds or minutes later;
# - a second follower of the events is refused with a clear error;
# - fua=redirect (or a redirect rule) without a portal, and a quota for a
#   rating group that no rule maps, are refused with a clear error.
# scapy builds the G-PDUs (gtpu_probe.py flood); tshark counts the Error
# Indications on the eNB's wire.
source "$(dirname "$0")/lib.sh"
e2e_require
trap e2e_cleanup EXIT INT TERM
tap_plan 12

check "topology" e2e_topology
check "dp up (routed, no portal)" e2e_dp_up routed

# expect_refused "WHAT" "TEXT" args...: session add fails and says TEXT
expect_refused() {
    local text=$1
    shift
    if xepcctl session add "$@" >"$E2E_TMP/ref.out" 2>&1; then
        echo "accepted: $*"
        return 1
    fi
    cat "$E2E_TMP/ref.out"
    grep -q "$text" "$E2E_TMP/ref.out" || return 1
    # and nothing was left behind
    ! xepcctl session show --teid 0x102 >/dev/null 2>&1
}
check "fua=redirect without a portal is refused" \
    expect_refused "the datapath has no portal: bring it up with dp up --portal" \
    --teid 0x102 --ue 10.45.0.3 --rule 'prec=10,proto=any,rg=7' --quota 'rg=7,bytes=1M,fua=redirect'
check "action=redirect without a portal is refused" \
    expect_refused "the datapath has no portal" \
    --teid 0x102 --ue 10.45.0.3 --rule 'prec=10,proto=udp,dport=53,action=redirect'
check "a quota for a rating group no rule maps is refused" \
    expect_refused "rating group 7 is never used: no rule has rg=7" \
    --teid 0x102 --ue 10.45.0.3 --rule 'prec=10,proto=any,rg=8' --quota 'rg=7,bytes=1M'

# capture_start NAME / capture_stop: the eNB side of S1-U, what the gateway
# sends (and the marker, lib.sh: ei_count does not take it); returns once
# the capture holds its marker ("Capturing on" comes before the first
# packet is taken)
capture_start() {
    cap=$E2E_TMP/$1.pcapng
    ip netns exec "$NS_ENB" timeout 60 tshark -q -i "$E_IF" \
        -f "(udp and src host $S1U_ADDR) or ($E2E_S1_MARK)" \
        -w "$cap" >"$E2E_TMP/$1.tshark.log" 2>&1 &
    echo $! >"$E2E_TMP/tshark.pid"
    e2e_wait_capturing "$E2E_TMP/$1.tshark.log" && e2e_capture_marked "$cap"
}
capture_stop() {
    sleep 0.5
    kill "$(cat "$E2E_TMP/tshark.pid")" 2>/dev/null
    wait "$(cat "$E2E_TMP/tshark.pid")" 2>/dev/null
    rm -f "$E2E_TMP/tshark.pid"
}
# error indications in $cap (GTP-U type 26), as tshark decodes them
ei_count() { tshark -r "$cap" -Y "gtp.message == 26" 2>/dev/null | wc -l; }

# 1. events that waited: 5 unknown TEIDs with no follower, then a follower
# 2.5 s later must neither print nor answer them.
in_enb $PY "$E2E_ROOT/tests/e2e/gtpu_probe.py" flood "$E_IF" $ENB_ADDR $S1U_ADDR 0x700001 5 |
    sed 's/^/# /'
sleep 2.5
capture_start aged || diag "tshark did not start (no marker)"
ip netns exec "$NS_GW" "$XEPCCTL" events --error-indication --timeout 1 --pin-dir "$PIN" \
    >"$E2E_TMP/aged.out" 2>&1
capture_stop
sed 's/^/#   /' "$E2E_TMP/aged.out" | head -n 8
check "a follower started later ages out the 5 events that waited (teid-events-aged)" \
    grep -q "^xepcctl events: 5 unknown-teid events too old to answer" "$E2E_TMP/aged.out"
n=$(ei_count)
diag "Error Indications on the wire for the aged events: $n"
check "no Error Indication answers a packet of 2.5 s ago" test "$n" = 0

# 2. the flood, with a follower running (and a second one refused)
capture_start flood || diag "tshark did not start (no marker)"
# (stopped with SIGTERM after the flood: scapy's start-up and 10,000 sends
# take an unknown time on a loaded machine)
ip netns exec "$NS_GW" "$XEPCCTL" events --error-indication --timeout 120 --pin-dir "$PIN" \
    >"$E2E_TMP/flood.out" 2>&1 &
echo $! >"$E2E_TMP/follower.pid"
e2e_wait_following "$E2E_TMP/flood.out" "$(cat "$E2E_TMP/follower.pid")" || diag "the follower did not start"
check "a second events follower is refused with a clear error" \
    bash -c "! ip netns exec $NS_GW $XEPCCTL events --timeout 1 --pin-dir $PIN >$E2E_TMP/ev2.out 2>&1 &&
             cat $E2E_TMP/ev2.out && grep -q 'already follows the datapath events' $E2E_TMP/ev2.out"
t0=$(date +%s.%N)
in_enb $PY "$E2E_ROOT/tests/e2e/gtpu_probe.py" flood "$E_IF" $ENB_ADDR $S1U_ADDR 0x10000 10000 \
    >"$E2E_TMP/flood.probe" 2>&1
t1=$(date +%s.%N)
sed 's/^/# /' "$E2E_TMP/flood.probe"
sleep 1
kill -TERM "$(cat "$E2E_TMP/follower.pid")" 2>/dev/null
wait "$(cat "$E2E_TMP/follower.pid")"
rm -f "$E2E_TMP/follower.pid"
capture_stop
n=$(ei_count)
ev=$(grep -c "^unknown-teid" "$E2E_TMP/flood.out")
# the per-peer budget (100/s) for every one-second window the flood touched
secs=$(echo "$t1 - $t0" | bc | awk '{printf "%d", $1 + 2}')
max=$((100 * secs))
diag "10000 unknown TEIDs in $(echo "$t1 - $t0" | bc) s: $ev events, $n Error Indications (bound $max)"
check "the follower answered the flood (some Error Indications on the wire)" test "$n" -gt 0
check "10,000 unknown TEIDs from one peer draw at most the per-peer budget of Error Indications" \
    test "$n" -le "$max"
check "every event the follower got was answered once" test "$n" = "$ev"
supp() {
    xepcctl stats >"$E2E_TMP/stats" || return 1
    local s
    s=$(awk '$1 == "EV_TEID_SUPPRESSED" {print $2}' "$E2E_TMP/stats")
    echo "EV_TEID_SUPPRESSED ${s:-none}"
    [ -n "$s" ] && [ "$s" -ge $((10000 - max)) ]
}
check "the rest are counted as suppressed (EV_TEID_SUPPRESSED)" supp
[ $TAP_FAILED = 0 ]
