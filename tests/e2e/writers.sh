#!/bin/bash
# Concurrent writers (issue 8 item 5): four processes at once add sessions
# with AMBR meters, an MBR rule and a quota (charging slots), and delete
# every other one again, each through its own xepcctl invocations.  The
# writers' lock (flock on the pin directory) serialises them, so no two
# sessions share a meter or a charging slot: afterwards `dp check` finds
# nothing, and every remaining session has exactly the AMBR, MBR and quota
# it was given.  Private bpffs mount and network namespace; root only.
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
X=$ROOT/build/bin/xepcctl
[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root (bpffs, netns, XDP)"; exit 0; }
[ -x "$X" ] || { echo "1..0 # SKIP build first: make all"; exit 0; }

SFX=$(printf '%x' $$ | tail -c 6)
NS=xe-dp1wr-$SFX
A=xwr${SFX}a
TMP=$(mktemp -d /tmp/xepc-writers.XXXXXX)
BPFFS=$TMP/bpffs
PIN=$BPFFS/xepc
WORKERS=4
PER=16          # sessions each worker adds; it deletes the odd ones
N=0
FAILED=0
cleanup() {
    set +e
    [ -d "$PIN" ] && ip netns exec "$NS" "$X" dp down --force --pin-dir "$PIN" >/dev/null 2>&1
    ip netns del "$NS" 2>/dev/null
    umount "$BPFFS" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
ok() { N=$((N + 1)); echo "ok $N - $*"; }
not_ok() { N=$((N + 1)); FAILED=$((FAILED + 1)); echo "not ok $N - $*"; }
check() {
    local what=$1
    shift
    if "$@" >"$TMP/out" 2>&1; then ok "$what"; else not_ok "$what"; sed 's/^/# /' "$TMP/out" | head -n 20; fi
}
xc() { ip netns exec "$NS" "$X" "$@" --pin-dir "$PIN"; }

echo "1..5"
mkdir -p "$BPFFS" && mount -t bpf -o mode=0700 bpf "$BPFFS" || { echo "Bail out! cannot mount bpffs"; exit 1; }
ip netns add "$NS" && ip -n "$NS" link add "$A" type veth peer name "${A%a}b" &&
    ip -n "$NS" link set "$A" up || { echo "Bail out! cannot make the namespace"; exit 1; }
# few meters and charging slots, so that the writers compete for the same
# free ones
check "dp up" xc dp up --s1u "$A" --mode nat --gtpu-addr 192.0.2.1 --max-sessions 256 \
    --max-meters 512 --max-charging 512

# worker W: sessions W*PER+i; AMBR, MBR and quota derived from (W, i)
worker() {
    local w=$1 i teid
    for i in $(seq 1 $PER); do
        teid=$((w * PER + i))
        xc session add --teid $teid --ue 10.45.$w.$i --ul-ambr $((teid * 1000 + 1))k \
            --dl-ambr $((teid * 1000 + 2))k --rule "prec=5,proto=tcp,dport=80,mbr=$((teid + 1))M,rg=$teid" \
            --quota "rg=$teid,bytes=$((teid * 1000))k" >/dev/null ||
            echo "worker $w: add $teid failed" >>"$TMP/fail"
        if [ $((i % 2)) = 1 ]; then
            xc session del --teid $teid >/dev/null || echo "worker $w: del $teid failed" >>"$TMP/fail"
        fi
    done
}
run_workers() {
    : >"$TMP/fail"
    local pids=() w
    for w in $(seq 1 $WORKERS); do
        worker $w &
        pids+=($!)
    done
    wait "${pids[@]}"
    cat "$TMP/fail"
    [ ! -s "$TMP/fail" ]
}
check "$WORKERS writers add and delete $((WORKERS * PER)) sessions with meters and quotas at once" run_workers
check "dp check: consistent (no shared meter or charging slot, no leak)" xc dp check
intact() {
    local w i teid bad=0 n=0
    for w in $(seq 1 $WORKERS); do
        for i in $(seq 2 2 $PER); do
            teid=$((w * PER + i))
            xc session show --teid $teid >"$TMP/s" || { bad=$((bad + 1)); continue; }
            n=$((n + 1))
            grep -q "ambr        ul $(((teid * 1000 + 1) * 1000)) bit/s, dl $(((teid * 1000 + 2) * 1000)) bit/s" "$TMP/s" &&
                grep -q "mbr=$(((teid + 1) * 1000000))," "$TMP/s" &&
                grep -q "rg $teid *remaining $((teid * 1000 * 1000)) bytes" "$TMP/s" ||
                { bad=$((bad + 1)); echo "session $teid:"; cat "$TMP/s"; }
        done
    done
    echo "$n sessions checked, $bad wrong"
    [ $bad = 0 ] && [ $n = $((WORKERS * PER / 2)) ]
}
check "every remaining session has its own AMBR, MBR and quota" intact
check "dp down" xc dp down
[ $FAILED = 0 ]
