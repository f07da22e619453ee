#!/bin/bash
# The main job (make demo) runs in make test, and its summary is checked
# (the attaches, traffic, idle mode, the orchestrator and its view, online
# charging with diamsim as the OCS), so that CI keeps it working.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"
e2e_require
agw_require
tap_plan 12
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
# online charging: the prepaid UE's volume of 1400000 bytes (the demo's
# OCS_TOTAL), in grants with a threshold, then REDIRECT
grep -qE "OCS exchange \(Gy\) +CCR-I/U/T 1/[2-9][0-9]*/1, the CCR-Us' reasons .*FINAL:1.*THRESHOLD:[1-9]" "$out" &&
    ok "the demo's Gy exchange: CCR-I, CCR-U refills at the threshold, CCR-U FINAL, CCR-T" ||
    { not_ok "the demo's Gy exchange: $(grep -A8 'the Gy exchange' "$out" | tr -s ' ')"
      sed -n '/Online charging/,/Summary/p' "$out" | sed 's/^/# /' >&2; }
read -r through granted reported < <(sed -nE \
    's/^ +prepaid volume +([0-9]+) bytes through the kernel .*, granted ([0-9]+) in all, reported ([0-9]+) before the CCR-T: they agree$/\1 \2 \3/p' "$out")
[ "${through:-}" = 1400000 ] && [ "$granted" = 1400000 ] && [ "$reported" = 1400000 ] &&
    ok "the demo's prepaid UE: the kernel let through exactly the 1400000 bytes granted, all reported" ||
    not_ok "the demo's prepaid volume: $(grep 'prepaid volume' "$out")"
grep -qE "final units +REDIRECT with 0 bytes left: the UE's web request answered by the portal: yes" "$out" &&
    grep -qE "session end +detached, CCR-T: yes" "$out" &&
    ok "the demo's prepaid UE: REDIRECT to the portal once the volume is used, CCR-T at the detach" ||
    not_ok "the demo's final units: $(grep -E 'final units|session end' "$out" | tr -s ' ')"
# RFC 4006 5.6.2: the portal's exchange after the final units is counted
# apart, and the OCS is reported exactly what it granted
grep -qE "session end +detached, CCR-T: yes, reporting 0 bytes: reported 1400000 in all = granted$" "$out" &&
    grep -qE "portal traffic +[1-9][0-9]* bytes to and from the portal after the final units, counted apart" "$out" &&
    ok "the demo's prepaid UE: the portal's bytes counted apart, the OCS reported exactly the 1400000 granted" ||
    not_ok "the demo's reports after the final units: $(grep -E 'session end|portal traffic' "$out" | tr -s ' ')"
grep -q "demo: torn down" "$out" && ! ip netns list | grep -q "xe-gw-$(printf '%x' $$ | tail -c 6)" &&
    ok "the demo tore everything down" || not_ok "the demo left something behind"
[ $TAP_FAILED = 0 ]
