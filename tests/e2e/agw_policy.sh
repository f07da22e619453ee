#!/bin/bash
# The gateway's own policy (docs/charging.md "Local policy", "Predefined
# rules"): PCC rules, base names and rating groups from the configuration,
# with real UDP downlink through the XDP datapath.
#   local:      no PCRF: policy.static gives every PDN connection a drop rule
#               (UDP from the PDN's port 7000) and the base name "local":
#               port 7001 is of a finite rating group (3000 bytes: exactly 3
#               datagrams of 1000 pass), 7002 of an unmetered one (all pass,
#               not counted by rating group), 7003 of a metered one (all
#               pass, counted); the rejected-value cases of the section are
#               in test_agw_config, and one here through xepcctl config check
#   predefined: with diamsim as the PCRF, the CCA-I installs the rule
#               block-7000 by Charging-Rule-Name and "local" by
#               Charging-Rule-Base-Name (no local policy then); an RAR
#               removes block-7000 by name: port 7000 passes again, RAA 2001
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"
source "$(dirname "$0")/diam_lib.sh"

e2e_require
agw_require
diam_require
UE_PID=""
trap '[ -n "$UE_PID" ] && kill "$UE_PID" 2>/dev/null; diam_cleanup; e2e_cleanup' EXIT
tap_plan 12

e2e_topology || { not_ok "topology"; exit 1; }
policy_config() {
    agw_config
    cat >>"$AGW_CONF" <<EOF
policy:
  rules:
    - { name: block-7000, precedence: 10, action: drop,
        flows: ["permit out 17 from $PDN_ADDR 7000 to assigned"] }
    - { name: rated-7001, precedence: 20, rating_group: 20,
        flows: ["permit out 17 from $PDN_ADDR 7001 to assigned"] }
    - { name: free-7002, precedence: 30, rating_group: 30,
        flows: ["permit out 17 from $PDN_ADDR 7002 to assigned"] }
    - { name: metered-7003, precedence: 40, rating_group: 40,
        flows: ["permit out 17 from $PDN_ADDR 7003 to assigned"] }
  base_names:
    - { name: local, rules: [rated-7001, free-7002, metered-7003] }
  rating_groups:
    - { id: 20, type: finite, quota: 3000 }
    - { id: 30, type: unmetered }
    - { id: 40, type: metered }
EOF
}
policy_config
cp "$AGW_CONF" "$E2E_TMP/bad.yaml"
echo "  static: { rules: [block-7000], base_names: [local] }" >>"$AGW_CONF"
check "xepcctl config check accepts the policy section" "$XEPCCTL" config check "$AGW_CONF"
echo "    - { id: 50, type: finite }" >>"$E2E_TMP/bad.yaml"
out=$("$XEPCCTL" config check "$E2E_TMP/bad.yaml" 2>&1)
rc=$?
[ $rc != 0 ] && grep -q "policy.rating_groups\[3\].quota: a finite rating group needs its quota" <<<"$out" &&
    ok "xepcctl config check refuses a finite rating group without its quota" ||
    not_ok "config check of a finite group without quota: rc $rc, '$out'"
AGW_SUB_APNS=internet agw_subscribers 1 >/dev/null || not_ok "subscriber import"
IMSI=$(awk -F, 'NR==2 {print $1}' "$E2E_TMP/subs.csv")

# ue_up: the UE attached and held (UE_IP, UE_PID)
ue_up() {
    rm -f "$E2E_TMP/ue.ready"
    ip netns exec "$NS_ENB" "$ENBSIM" --mme "$S1U_ADDR" --backend "$AGW_BACKEND" \
        --enb-addr "$ENB_ADDR" --subscribers "$E2E_TMP/subs.csv" --ues 1 --hold -1 --detach \
        --tun --timeout 60 --ready-file "$E2E_TMP/ue.ready" --ue-report "$E2E_TMP/ue.ues" \
        >"$E2E_TMP/ue.out" 2>&1 &
    UE_PID=$!
    for _ in $(seq 150); do [ -s "$E2E_TMP/ue.ready" ] && break; sleep 0.1; done
    UE_IP=$(awk '!/^#/ && $2 != "-" {print $2; exit}' "$E2E_TMP/ue.ues")
}
ue_down() { kill -TERM "$UE_PID" 2>/dev/null; wait "$UE_PID" 2>/dev/null; UE_PID=""; }
# flow SPORT COUNT: COUNT datagrams of 1000 bytes from the PDN's SPORT to
# the UE; prints "received bytes"
flow() { diam_flow "$UE_IP" "$2" 1000 20 "$1" 2; }
# rg_usage RG: the dl bytes the datapath counted for the rating group, or "none"
rg_usage() {
    in_gw "$XEPCCTL" session show --ue "$UE_IP" --pin-dir "$PIN" |
        awk -v rg="$1" '$1 == "rg" && $2 == rg && $3 == "usage" { print $10; f = 1 } END { if (!f) print "none" }'
}

# local policy
agw_start || { not_ok "xepc-agwd start"; exit 1; }
ue_up
[ -n "$UE_IP" ] && ok "the UE attached ($UE_IP) without a PCRF" || not_ok "no UE"
check "the local policy was installed" \
    grep -q "local policy: 4 PCC rule(s), 4 datapath rule(s)" "$E2E_TMP/agwd.log"
got=$(flow 7000 3)
[ "$got" = "0 0" ] && ok "static rule block-7000 drops UDP from port 7000" ||
    not_ok "port 7000: received '$got', wanted '0 0'"
got=$(flow 7001 5)
[ "$got" = "3 3000" ] && ok "finite rating group 20 (3000 bytes): exactly 3 datagrams of 1000 bytes pass" ||
    not_ok "finite: received '$got', wanted '3 3000'"
got=$(flow 7002 5)
[ "$got" = "5 5000" ] && [ "$(rg_usage 30)" = none ] &&
    ok "unmetered rating group 30: all 5 pass, not counted by rating group" ||
    not_ok "unmetered: received '$got', rg 30 usage '$(rg_usage 30)' (wanted 5 5000, none)"
got=$(flow 7003 5)
[ "$got" = "5 5000" ] && [ "$(rg_usage 40)" = 5000 ] &&
    ok "metered rating group 40: all 5 pass, 5000 bytes counted" ||
    not_ok "metered: received '$got', rg 40 usage '$(rg_usage 40)' (wanted 5 5000, 5000)"
ue_down
agw_stop TERM

# predefined rules and base names installed by a PCRF
policy_config
diam_config gx
diam_sim_start "$E2E_TMP/pcrf.jsonl" \
    -c "rule * name=block-7000" -c "rule * base=local" \
    -c "rar after=8 gx $IMSI remove=block-7000"
agw_start || { not_ok "xepc-agwd restart with Gx"; exit 1; }
diam_peer_up
ue_up
for _ in $(seq 100); do
    grep -q "ebi 5: 4 PCC rule(s) in force" "$E2E_TMP/agwd.log" && break
    sleep 0.1
done
check "the CCA-I's Charging-Rule-Name and Charging-Rule-Base-Name installed 4 predefined rules" \
    grep -q "ebi 5: 4 PCC rule(s) in force, 4 datapath rule(s)" "$E2E_TMP/agwd.log"
got=$(flow 7000 3)
[ "$got" = "0 0" ] && ok "block-7000 (by name) drops UDP from port 7000" ||
    not_ok "port 7000 with Gx: received '$got', wanted '0 0'"
got=$(flow 7003 2)
[ "$got" = "2 2000" ] && [ "$(rg_usage 40)" = 2000 ] &&
    ok "metered-7003 (of the base name) counts rating group 40" ||
    not_ok "base name rule: received '$got', rg 40 usage '$(rg_usage 40)'"
for _ in $(seq 150); do
    diam_j "$DIAM_REC" "any(m['cmd']=='RAA' for m in lines)" >/dev/null && break
    sleep 0.1
done
sleep 0.3
got=$(flow 7000 3)
diam_j "$DIAM_REC" "[m.get('result') for m in lines if m['cmd']=='RAA']==[2001]" && [ "$got" = "3 3000" ] &&
    ok "an RAR removes block-7000 by name (RAA 2001): port 7000 passes" ||
    not_ok "RAR remove by name: port 7000 received '$got' (RAA in $DIAM_REC)"
ue_down
agw_stop TERM
exit $((TAP_FAILED > 0))
