#!/bin/bash
# The main job (make demo) runs in make test, and its summary is checked
# (the attaches, traffic, idle mode, the orchestrator and its view),
# so that CI keeps it working.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"
e2e_require
agw_require
tap_plan 8
out=$(mktemp /tmp/xepc-demo.XXXXXX)
trap 'rm -f "$out"' EXIT
E2E_ID=$$ "$E2E_ROOT/tools/demo/demo.sh" >"$out" 2>&1
rc=$?
[ $rc = 0 ] && ok "make demo exits 0" || { not_ok "make demo exits $rc"; tail -n 30 "$out" | sed 's/^/# /' >&2; }
attached=$(awk '/UEs attached/ {print $3}' "$out")
[ "$attached" = 100 ] && ok "the demo attached 100 UEs" || not_ok "the demo attached '${attached}' UEs"
grep -q " 0% packet loss" "$out" && ok "the demo's ping went through the datapath" ||
    not_ok "the demo's ping lost packets"
grep -qE "iperf3 TCP uplink +[0-9.]+ [MG]bits/sec" "$out" && ok "the demo's iperf3 uplink ran" ||
    not_ok "the demo's iperf3 uplink"
grep -q "idle UE paged back     5 of 5 downlink packets delivered, paged 1 time(s)" "$out" &&
    ok "the demo's UE went idle and was paged back with no packet lost" ||
    { not_ok "the demo's idle UE: $(grep 'idle UE paged back' "$out")"
      # stderr: prove shows it in CI's log, where TAP comments are hidden
      sed -n '/Idle mode/,/Summary/p' "$out" | sed 's/^/# /' >&2; }
grep -q "full configuration .* applied" "$out" && grep -q "bootstrap: client certificate for demo/gw1" "$out" &&
    ok "the demo's gateway bootstrapped against xepc-orcd and synced its subscribers from it" ||
    not_ok "the demo's gateway and orcd: $(grep -E 'bootstrap|configuration' "$out" | head -3)"
grep -qE "orchestrator's view +gateway demo/gw1 healthy, .*, 100 UEs, 100 sessions, 2 eNBs" "$out" &&
    ok "the summary prints orcd's view of the gateway (healthy, 100 UEs)" ||
    not_ok "orcd's view: $(grep "orchestrator's view" "$out")"
grep -q "demo: torn down" "$out" && ! ip netns list | grep -q "xe-gw-$(printf '%x' $$ | tail -c 6)" &&
    ok "the demo tore everything down" || not_ok "the demo left something behind"
[ $TAP_FAILED = 0 ]
