#!/bin/bash
# The local policy per APN (docs/charging.md "Local policy", docs/agw.md
# "policy"): policy.apns gives the PDN connections of one APN rules of
# their own instead of policy.static; real UDP downlink through the XDP
# datapath, the same subscriber attached on each APN in turn.
#   config:   xepcctl config check accepts policy.apns and refuses an
#             entry for an APN that is not configured (the other rejected
#             rows are in test_agw_config)
#   no PCRF:  internet (policy.static: metered-7003, rating group 40):
#             UDP from the PDN's port 7000 passes, port 7003 is counted
#             under rating group 40; ims (policy.apns: block-7000): port
#             7000 is dropped, port 7003 passes and is not counted by
#             rating group (ims does not get policy.static)
#   CONTINUE: diameter.gx with the PCRF down and failure_handling continue:
#             ims falls back on its own local policy (port 7000 dropped),
#             internet on policy.static (port 7000 passes)
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"
source "$(dirname "$0")/diam_lib.sh"

e2e_require
agw_require
diam_require
trap 'diam_cleanup; e2e_cleanup' EXIT
tap_plan 10

e2e_topology || { not_ok "topology"; exit 1; }
# the ims pool (agw_lib.sh's 10.46.0.0/24) is routed to the gateway too
in_pdn ip route add 10.46.0.0/24 via "$SGI_ADDR"
policy_config() {
    agw_config
    cat >>"$AGW_CONF" <<EOF
policy:
  rules:
    - { name: block-7000, precedence: 10, action: drop,
        flows: ["permit out 17 from $PDN_ADDR 7000 to assigned"] }
    - { name: metered-7003, precedence: 40, rating_group: 40,
        flows: ["permit out 17 from $PDN_ADDR 7003 to assigned"] }
  rating_groups:
    - { id: 40, type: metered }
  static: { rules: [metered-7003] }
EOF
}
policy_config
cp "$AGW_CONF" "$E2E_TMP/bad.yaml"
printf '  apns:\n    - { apn: ims, rules: [block-7000] }\n' >>"$AGW_CONF"
check "xepcctl config check accepts policy.apns" "$XEPCCTL" config check "$AGW_CONF"
printf '  apns:\n    - { apn: corp, rules: [block-7000] }\n' >>"$E2E_TMP/bad.yaml"
out=$("$XEPCCTL" config check "$E2E_TMP/bad.yaml" 2>&1)
rc=$?
[ $rc != 0 ] && grep -q "policy.apns\[0\].apn: 'corp' is not a configured APN" <<<"$out" &&
    ok "xepcctl config check refuses a policy for an APN that is not configured" ||
    not_ok "config check of policy.apns for corp: rc $rc, '$out'"
AGW_SUB_APNS="internet;ims" agw_subscribers 1 >/dev/null || not_ok "subscriber import"

# ue_up APN: the UE attached on APN and held (UE_IP, UE_PID)
ue_up() { rm -f "$E2E_TMP/ue.ues"; diam_ue_up 60 "" "$1"; }
ue_down() { diam_ue_down; }
# flow SPORT COUNT: COUNT datagrams of 1000 bytes from the PDN's SPORT to
# the UE; prints "received bytes".  The receiver waits 8 s (the sender
# may start late on a loaded machine); the first flow of a UE is tried
# again, its receiver may not be up for the first datagrams.
flow() { diam_flow "$UE_IP" "$2" 1000 20 "$1" 8; }
flow_first() {
    local got
    for _ in 1 2 3; do got=$(flow "$@"); [ "$got" = "$2 $(($2 * 1000))" ] && break; done
    echo "$got"
}
# rg_usage RG: the dl bytes the datapath counted for the rating group, or "none"
rg_usage() {
    in_gw "$XEPCCTL" session show --ue "$UE_IP" --pin-dir "$PIN" |
        awk -v rg="$1" '$1 == "rg" && $2 == rg && $3 == "usage" { print $10; f = 1 } END { if (!f) print "none" }'
}

# --- without a PCRF ----------------------------------------------------------
agw_start || { not_ok "xepc-agwd start"; exit 1; }
ue_up internet
case "$UE_IP" in
10.45.*)
    got7=$(flow_first 7000 3)
    got3=$(flow 7003 3)
    [ "$got7" = "3 3000" ] && [ "$got3" = "3 3000" ] && [ "$(rg_usage 40)" = 3000 ] &&
        ok "internet (policy.static): port 7000 passes, port 7003 is counted under rating group 40" ||
        not_ok "internet: port 7000 '$got7' (want 3 3000), port 7003 '$got3', rg 40 '$(rg_usage 40)' (want 3000)"
    ;;
*) not_ok "internet: address '$UE_IP'"; tail -3 "$E2E_TMP/ue.out" | sed 's/^/# /' ;;
esac
ue_down
ue_up ims
case "$UE_IP" in
10.46.*)
    ok "the UE attached on ims ($UE_IP)"
    got7=$(flow 7000 3)
    got3=$(flow_first 7003 3)
    [ "$got7" = "0 0" ] && ok "ims (policy.apns): block-7000 drops UDP from port 7000" ||
        not_ok "ims: port 7000 received '$got7', wanted '0 0'"
    [ "$got3" = "3 3000" ] && [ "$(rg_usage 40)" = none ] &&
        ok "ims does not get policy.static: port 7003 passes, not counted under rating group 40" ||
        not_ok "ims: port 7003 '$got3' (want 3 3000), rg 40 '$(rg_usage 40)' (want none)"
    ;;
*) not_ok "ims: address '$UE_IP'"; tail -3 "$E2E_TMP/ue.out" | sed 's/^/# /'
   not_ok "ims: no traffic"; not_ok "ims: no traffic" ;;
esac
check "the local policy was logged per APN (1 PCC rule each)" \
    bash -c "[ \$(grep -c 'local policy: 1 PCC rule(s), 1 datapath rule(s)' '$E2E_TMP/agwd.log') -eq 2 ]"
ue_down
agw_stop TERM

# --- CONTINUE with the PCRF down -------------------------------------------
DIAM_GX_EXTRA=$'    tx_timeout: 1s\n    failure_handling: continue' diam_config gx
agw_start || { not_ok "xepc-agwd start with Gx"; exit 1; }
ue_up ims
got7=$(flow 7000 3)
got3=$(flow_first 7003 3)
grep -q "CCR-I answered 3002: CONTINUE with the local policy" "$E2E_TMP/agwd.log" &&
    [ "$got7" = "0 0" ] && [ "$got3" = "3 3000" ] &&
    ok "CONTINUE, the PCRF down: ims falls back on its own rules (port 7000 dropped, 7003 passes)" ||
    { not_ok "CONTINUE ims: port 7000 '$got7' (want 0 0), 7003 '$got3' (want 3 3000)"
      grep -E "CONTINUE|local policy" "$E2E_TMP/agwd.log" | tail -3 | sed 's/^/# /'; }
ue_down
ue_up internet
got7=$(flow_first 7000 3)
[ "$got7" = "3 3000" ] &&
    ok "CONTINUE, the PCRF down: internet falls back on policy.static (port 7000 passes)" ||
    not_ok "CONTINUE internet: port 7000 '$got7' (want 3 3000)"
check "the fallbacks were counted (gx_ccfh_continue 2)" agw_wait_stat gx_ccfh_continue 2
ue_down
agw_stop TERM
exit $((TAP_FAILED > 0))
