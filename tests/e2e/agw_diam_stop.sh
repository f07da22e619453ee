#!/bin/bash
# xepc-agwd stops on SIGTERM while Diameter requests are in flight
# (docs/charging.md "Stopping"): S6a, Gx and Gy toward diamsim; 64 UEs
# attach and detach again and again (32 in flight) and the daemon is told
# to stop in the middle, ROUNDS times.  freeDiameter's shutdown could then
# hang (the daemon must exit within its bounded wait, 5 s, and say so in
# its log when it had to give up on a clean close) or abort: libfdcore
# 1.2.1 asserts when its routing threads do not leave their queues within
# 20 ms (exit status 134, 2 of 6 runs of six stops at load 20 before
# diam_node_stop() let them leave first).  Each stop's exit status is 0.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"
source "$(dirname "$0")/diam_lib.sh"
DIAM_GY_EXTRA="    apn: internet"
ROUNDS=${AGW_DIAM_STOP_ROUNDS:-4}
DIAM_SUBS=64 diam_gx_setup $((3 * ROUNDS)) gx s6a gy
awk -F, 'NR > 1 { printf "subscriber %s k=%s opc=%s apn=internet\n", $1, $2, $3 }' \
    "$E2E_TMP/subs.csv" >"$E2E_TMP/hss.script"
echo "quota * rg=1 total=1000000000000000 grant=1000000000" >>"$E2E_TMP/hss.script"
REC=$E2E_TMP/diamsim.jsonl
diam_sim_start "$REC" --script "$E2E_TMP/hss.script"

for r in $(seq "$ROUNDS"); do
    agw_start || { not_ok "xepc-agwd start ($r)"; exit 1; }
    diam_peer_up
    enbsim_bg "$E2E_TMP/e$r.out" --ues 64 --attaches 1000000 --detach --duration 60 \
        --concurrency 32 --no-tun --timeout 20
    # under way: 100 more Gy CCR-Is than before this round
    n0=$(grep -c '"app":"gy","cmd":"CCR"' "$REC")
    n=$n0
    for _ in $(seq 300); do
        n=$(grep -c '"app":"gy","cmd":"CCR"' "$REC")
        [ "$n" -ge $((n0 + 100)) ] && break
        sleep 0.1
    done
    check "round $r: attaches and detaches under way ($((n - n0)) Gy CCRs)" [ "$n" -ge $((n0 + 100)) ]
    t0=$(date +%s.%N)
    kill -TERM "$AGW_PID"
    for _ in $(seq 200); do kill -0 "$AGW_PID" 2>/dev/null || break; sleep 0.1; done
    secs=$(python3 -c "print(round($(date +%s.%N) - $t0, 1))")
    if kill -0 "$AGW_PID" 2>/dev/null; then
        not_ok "round $r: xepc-agwd still running ${secs} s after SIGTERM"
        kill -9 "$AGW_PID"
    else
        ok "round $r: xepc-agwd exited ${secs} s after SIGTERM"
    fi
    wait "$AGW_PID" 2>/dev/null
    rc=$?
    AGW_PID=""
    grep -h 'did not shut down' "$E2E_TMP/agwd.log" | tail -1 | sed 's/^/# /'
    # 134 is an abort (SIGABRT) on the way out: a stop that crashes is a
    # failed stop, whatever state it left
    [ $rc = 0 ] && ok "round $r: its exit status is 0" || {
        not_ok "round $r: xepc-agwd exited with status $rc"
        tail -n 15 "$E2E_TMP/agwd.log" | sed 's/^/# agwd: /'
    }
    # enbsim keeps retrying toward the gone MME: stopped, then killed
    kill -TERM "$ENBSIM_PID" 2>/dev/null
    for _ in $(seq 30); do kill -0 "$ENBSIM_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$ENBSIM_PID" 2>/dev/null
    wait "$ENBSIM_PID" 2>/dev/null || true
done
