#!/bin/bash
# Gy on a dedicated bearer (docs/charging.md "Gy in xepc-agwd", TS 29.212
# 4.5.2, TS 32.251): diamsim is the PCRF and the OCS.  The CCA-I of Gx
# installs a QCI 1 rule (UDP from the PDN's port 40000 to the UE's port
# 5001: a dedicated bearer), Gy grants 10500 bytes with TERMINATE.  The
# downlink that the bearer's TFT takes must be charged to the rating group
# and stopped by the quota like the default bearer's: 5 datagrams of 1000
# bytes on the bearer pass (counted on the bearer), of 10 more exactly 5
# pass (the 5500 bytes left), then TERMINATE detaches the UE and the CCR-T reports 10000 bytes.  Before,
# the bearer's traffic was charged to no rating group: all passed and
# the CCR-T reported 0.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"
source "$(dirname "$0")/diam_lib.sh"

e2e_require
agw_require
diam_require
trap 'diam_cleanup; e2e_cleanup' EXIT
tap_plan 5

e2e_topology || { not_ok "topology"; exit 1; }
agw_config
DIAM_GY_EXTRA="    tx_timeout: 2s
    rating_group: 1
    apn: internet"
diam_config gx gy
AGW_SUB_APNS=internet agw_subscribers 1 >/dev/null || not_ok "subscriber import"
IMSI=$(awk -F, 'NR==2 {print $1}' "$E2E_TMP/subs.csv")

diam_sim_start "$E2E_TMP/pcrf-ocs.jsonl" \
    -c "rule * def=voice prec=10 qci=1 gbr=2000000/2000000 mbr=2000000/2000000 flow=\"permit out 17 from $PDN_ADDR 40000 to assigned 5001\"" \
    -c "quota $IMSI rg=1 total=10500 final=terminate"
agw_start || { not_ok "xepc-agwd start"; exit 1; }
diam_peer_up

diam_ue_up 60
bearer_line() { agwctl ue show "$IMSI" | awk '$1 == "bearer" && $3 == 6 && $4 == "linked"'; }
usage_val() {
    agwctl ue show "$IMSI" | awk -v f="$1" '$1 == "bearer" && $3 == 6 && $4 == "usage" {
        for (i = 4; i < NF; i++) if ($i == f) { print $(i + 1); exit } }'
}
# the Gy grant and the voice bearer up
for _ in $(seq 150); do
    grep -q "rg 1 granted" "$E2E_TMP/agwd.log" && bearer_line | grep -q "state active" && break
    sleep 0.1
done
[ -n "$UE_IP" ] && bearer_line | grep -q "state active qci 1" && grep -q "rg 1 granted" "$E2E_TMP/agwd.log" &&
    ok "the UE attached ($UE_IP), its voice rule on dedicated bearer EBI 6, Gy's grant taken" ||
    { not_ok "no UE, bearer or grant"; agwctl ue show "$IMSI" | sed 's/^/# /'; tail -n 20 "$E2E_TMP/agwd.log" | sed 's/^/# /'; }

got=$(diam_flow "$UE_IP" 5 1000 20 40000)
[ "$got" = "5 5000" ] && [ "$(usage_val dl_pkts)" = 5 ] &&
    ok "5 datagrams of 1000 bytes within the grant, through the dedicated bearer (its dl_pkts 5)" ||
    not_ok "received '$got' (wanted '5 5000'), bearer EBI 6 dl_pkts '$(usage_val dl_pkts)' (wanted 5)"
got=$(diam_flow "$UE_IP" 10 1000 20 40000)
[ "$got" = "5 5000" ] && ok "then the 5500 bytes left let exactly 5 of 10 more through: the bearer's traffic is charged to the quota" ||
    not_ok "on the dedicated bearer: received '$got', wanted '5 5000' (the bearer's traffic escaped the quota)"
for _ in $(seq 100); do grep -q "terminated: final units used" "$E2E_TMP/agwd.log" && break; sleep 0.1; done
check "the final units used up on the bearer: TERMINATE detached the UE" \
    grep -q "terminated: final units used" "$E2E_TMP/agwd.log"
for _ in $(seq 100); do diam_j "$DIAM_REC" "any(m['cc_type']==3 for m in ccr('$IMSI'))" >/dev/null && break; sleep 0.1; done
check "the CCR-T reports the 10000 bytes of the bearer" \
    diam_j "$DIAM_REC" "[(m['cc_type'],usu(m)) for m in ccr('$IMSI')]==[(1,0),(3,10000)]"
diam_ue_down
agw_stop TERM
exit $((TAP_FAILED > 0))
