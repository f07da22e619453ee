#!/bin/bash
# Crash safety (issue 8 item 4): `xepcctl session add`, `session del` and
# `session bulk` are killed at every step, i.e. at the Nth bpf() syscall for
# N = 1, 2, ... until the command completes (strace -e inject=bpf:
# signal=SIGKILL:when=N).  After every kill:
# (The calls before the command's first map write only open and verify the
# pins: a kill there leaves the maps as they were, so the loop starts at the
# first write.)
#   - the state is harmless before any repair: `dp check` exits 0
#     (consistent) or 3 (repairable), and finds no active session without
#     its UE entry and no UE address held by two sessions (what publishing
#     the session last on add and unpublishing it first on delete rules out);
#   - `dp check --repair` leaves it consistent (a second `dp check` exits 0);
#   - a healthy session installed before keeps its UE entry and its AMBR,
#     and carries traffic at the end (ping through gtpu-ue and the datapath).
source "$(dirname "$0")/lib.sh"
e2e_require
command -v strace >/dev/null || skip_all "strace is missing (make deps)"
trap e2e_cleanup EXIT INT TERM
tap_plan 10

check "topology: three namespaces, two veth links" e2e_topology
check "dp up in routed mode" e2e_dp_up routed
check "healthy session: UE 10.45.0.2 with AMBR, an MBR rule and a quota" \
    e2e_ue_session 2 0x101 0x901 --ul-ambr 300M --dl-ambr 400M \
    --rule 'prec=10,proto=udp,dport=9,mbr=1M,rg=7' --quota 'rg=7,bytes=1G'
check "gtpu-ue up" e2e_gtpu_ue 2,0x101,0x901

X() { ip netns exec "$NS_GW" "$XEPCCTL" "$@" --pin-dir "$PIN"; }
VICTIM=(--teid 0x200 --ue 10.45.0.20 --enb $ENB_ADDR --dl-teid 0x920 --ul-ambr 5M
        --dl-ambr 6M --rule 'prec=5,proto=tcp,dport=80,mbr=2M' --rule 'prec=6,proto=udp,rg=9'
        --rule 'prec=7,proto=icmp,rg=7' --quota 'rg=7,bytes=10M')
BULK=(--count 20 --teid 0x300 --ue 10.45.1.1 --enb $ENB_ADDR --dl-teid 0xa00)

healthy() {
    X session show --ue 10.45.0.2 >"$E2E_TMP/h" 2>&1 &&
        grep -q '0x00000101' "$E2E_TMP/h" && grep -qi 'ambr.*300' "$E2E_TMP/h" &&
        grep -qi 'ambr.*400' "$E2E_TMP/h"
}
# after_kill WHAT N: the checks above; records failures in $E2E_TMP/fail
after_kill() {
    local what=$1 n=$2 rc
    X dp check >"$E2E_TMP/c1" 2>&1
    rc=$?
    if [ $rc != 0 ] && [ $rc != 3 ]; then
        echo "$what killed at bpf call $n: dp check exit $rc" >>"$E2E_TMP/fail"
        sed 's/^/    /' "$E2E_TMP/c1" >>"$E2E_TMP/fail"
    fi
    if grep -qE 'has no UE entry|both have UE' "$E2E_TMP/c1"; then
        echo "$what killed at bpf call $n: harmful intermediate state" >>"$E2E_TMP/fail"
        grep -E 'has no UE entry|both have UE' "$E2E_TMP/c1" | sed 's/^/    /' >>"$E2E_TMP/fail"
    fi
    [ $rc = 3 ] && echo "$what $n" >>"$E2E_TMP/repairable"
    healthy || echo "$what killed at bpf call $n: the healthy session is damaged (before repair)" >>"$E2E_TMP/fail"
    X dp check --repair >"$E2E_TMP/c2" 2>&1 || {
        echo "$what killed at bpf call $n: dp check --repair exit $?" >>"$E2E_TMP/fail"
        sed 's/^/    /' "$E2E_TMP/c2" >>"$E2E_TMP/fail"
    }
    X dp check >"$E2E_TMP/c3" 2>&1 ||
        echo "$what killed at bpf call $n: not consistent after repair" >>"$E2E_TMP/fail"
    healthy || echo "$what killed at bpf call $n: the healthy session is damaged (after repair)" >>"$E2E_TMP/fail"
}
# first_write PREPARE UNDO CMD...: the index of the command's first
# bpf() call that changes a map (a kill at an earlier call, while it opens
# and verifies the pins, leaves the maps exactly as they were)
first_write() {
    local prepare=$1 undo=$2
    shift 2
    $prepare
    strace -f -o "$E2E_TMP/trace" -e trace=bpf \
        ip netns exec "$NS_GW" "$XEPCCTL" "$@" --pin-dir "$PIN" >/dev/null 2>&1
    $undo
    grep -o 'bpf(BPF_[A-Z_]*' "$E2E_TMP/trace" |
        awk '/UPDATE|DELETE/ { print NR; f = 1; exit } END { if (!f) print 1 }'
}
# kill_every_step WHAT PREPARE CLEANUP UNDO CMD...: kills CMD at each of
# its bpf() calls from its first map write on, until it completes (PREPARE
# before each run, CLEANUP after each kill and at the end, UNDO after the
# dry run that finds the first write)
kill_every_step() {
    local what=$1 prepare=$2 cleanup=$3 undo=$4 n rc
    shift 4
    : >"$E2E_TMP/fail"
    : >"$E2E_TMP/repairable"
    n=$(first_write $prepare $undo "$@")
    FIRST=$n
    while [ $n -lt 1000 ]; do
        $prepare
        (strace -f -o /dev/null -e trace=bpf -e inject=bpf:signal=SIGKILL:when=$n \
            ip netns exec "$NS_GW" "$XEPCCTL" "$@" --pin-dir "$PIN" >"$E2E_TMP/cmd.out" 2>&1) 2>/dev/null
        rc=$?
        [ $rc = 0 ] && break    # completed before its Nth bpf() call
        if [ $rc != 137 ]; then # failed by itself, not killed
            echo "$what failed (status $rc) with a kill at call $n:" "$(head -c 300 "$E2E_TMP/cmd.out")" >>"$E2E_TMP/fail"
            break
        fi
        after_kill "$what" $n
        $cleanup
        n=$((n + 1))
    done
    KILLS=$((n - FIRST))
    echo "$what: killed at each of its bpf() calls $FIRST..$((n - 1)) (the first $((FIRST - 1)) only" \
        "read), completed at call $n;" \
        "$(wc -l <"$E2E_TMP/repairable") kills left something to repair" >"$E2E_TMP/summary"
    [ $KILLS -gt 3 ] && [ ! -s "$E2E_TMP/fail" ] || { sed 's/^/# /' "$E2E_TMP/fail" | head -n 30; false; }
}

nothing() { :; }
victim_gone() { X session del --teid 0x200 >/dev/null 2>&1; X dp check >/dev/null || echo "cleanup after del left an inconsistent state" >>"$E2E_TMP/fail"; }
victim_add() { X session add "${VICTIM[@]}" >/dev/null 2>&1; }
bulk_gone() {
    local i
    for i in $(seq 0 19); do
        X session del --teid $((0x300 + i)) >/dev/null 2>&1
    done
    X dp check >/dev/null || echo "cleanup after bulk left an inconsistent state" >>"$E2E_TMP/fail"
}

T0=$(date +%s)
check "session add killed at every bpf() call: harmless, repairable, healthy session intact" \
    kill_every_step "session add" nothing victim_gone victim_gone session add "${VICTIM[@]}"
diag "$(cat "$E2E_TMP/summary")"
victim_gone
check "session del killed at every bpf() call: harmless, repairable, healthy session intact" \
    kill_every_step "session del" victim_add victim_gone nothing session del --teid 0x200
diag "$(cat "$E2E_TMP/summary")"
check "session bulk killed at every bpf() call: harmless, repairable, healthy session intact" \
    kill_every_step "session bulk" nothing bulk_gone bulk_gone session bulk "${BULK[@]}"
diag "$(cat "$E2E_TMP/summary")"
# (the loop's last run completed the bulk; the kills before it were undone)
bulk_installed() {
    X session list >"$E2E_TMP/l" && [ "$(grep -c '10\.45\.1\.' "$E2E_TMP/l")" = 20 ]
}
check "the completed bulk installed its 20 sessions" bulk_installed
bulk_gone
diag "kill loops took $(($(date +%s) - T0)) s"
check "dp check: consistent at the end" X dp check
check "the healthy session carries traffic: ping UE -> PDN" \
    in_enb ping -c 3 -i 0.2 -W 2 -I 10.45.0.2 $PDN_ADDR
[ $TAP_FAILED = 0 ]
