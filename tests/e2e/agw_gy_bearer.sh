#!/bin/bash
# Gy on a dedicated bearer (docs/charging.md "Dedicated bearers", TS 29.212
# 4.5.2, TS 32.299 5.1: one grant per (session, rating group), whatever
# bearer carries the traffic): diamsim is the PCRF and the OCS.  The CCA-I
# of Gx installs a QCI 1 rule (UDP between the PDN's port 40000 and the
# UE's port 5001: a dedicated bearer).
#
# Part 1, the uplink (UE 1): Gy grants 8000 bytes, then the last 2500 with
# TERMINATE.  5 datagrams of 1000 bytes down the bearer and 3 up it (the
# UE's uplink TFT sends them on the bearer's own tunnel) use the first
# grant: the uplink exhausts it, and the CCR-U reports 8000 bytes (tshark
# decodes it); of 5 more up the bearer exactly 2 pass, TERMINATE detaches
# the UE, the CCR-T reports 2000.  Before, the bearer's uplink was charged
# to no quota: no CCR-U, all passed.
# Part 2, the downlink (UE 2): 10500 bytes with TERMINATE: 5 datagrams on
# the bearer pass (counted on the bearer), of 10 more exactly 5 pass, then
# TERMINATE detaches the UE and the CCR-T reports 10000 bytes.  Before,
# the bearer's downlink was charged to no rating group: all passed and the
# CCR-T reported 0.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"
source "$(dirname "$0")/diam_lib.sh"

DIAM_NEEDS=tshark
DIAM_SUBS=2
DIAM_GY_EXTRA="    tx_timeout: 2s
    rating_group: 1
    apn: internet"
# the grant lines ("rg N granted ... in all") are at debug level: the
# request's line is a report cycle's one info line (gy_handler.c)
export AGW_LOG_LEVEL=debug
diam_gx_setup 12 gx gy
cp "$E2E_TMP/subs.csv" "$E2E_TMP/subs_all.csv"
IMSI1=$(awk -F, 'NR==2 {print $1}' "$E2E_TMP/subs_all.csv")
IMSI2=$(awk -F, 'NR==3 {print $1}' "$E2E_TMP/subs_all.csv")
# diam_ue_up attaches the first subscriber of subs.csv
ue_only() { awk -v n="$1" 'NR == 1 || NR == n' "$E2E_TMP/subs_all.csv" >"$E2E_TMP/subs.csv"; }

diam_tshark_start gyb || { not_ok "tshark did not start"; exit 1; }
diam_sim_start "$E2E_TMP/pcrf-ocs.jsonl" \
    -c "rule * def=voice prec=10 qci=1 gbr=2000000/2000000 mbr=2000000/2000000 flow=\"permit out 17 from $PDN_ADDR 40000 to assigned 5001\"" \
    -c "quota $IMSI1 rg=1 total=10500 grant=8000 final=terminate" \
    -c "quota $IMSI2 rg=1 total=10500 final=terminate"
agw_start || { not_ok "xepc-agwd start"; exit 1; }
diam_peer_up

bearer_line() { agwctl ue show "$IMSI" | awk '$1 == "bearer" && $3 == 6 && $4 == "linked"'; }
usage_val() {
    agwctl ue show "$IMSI" | awk -v f="$1" '$1 == "bearer" && $3 == 6 && $4 == "usage" {
        for (i = 4; i < NF; i++) if ($i == f) { print $(i + 1); exit } }'
}
granted() { grep -c "rg 1 granted" "$E2E_TMP/agwd.log"; }
# the UE of subs.csv attached, its Gy grant (the Nth of the log) and its voice bearer up
ue_ready() {
    diam_ue_up 60
    for _ in $(seq 150); do
        [ "$(granted)" -ge "$1" ] && bearer_line | grep -q "state active" && break
        sleep 0.1
    done
    [ -n "$UE_IP" ] && bearer_line | grep -q "state active qci 1" && [ "$(granted)" -ge "$1" ] &&
        diam_ue_route
}
terminated() {
    for _ in $(seq 100); do
        [ "$(grep -c "terminated: final units used" "$E2E_TMP/agwd.log")" -ge "$1" ] && return 0
        sleep 0.1
    done
    return 1
}

# --- 1. the uplink of the bearer, against the same quota ---------------------
ue_only 2
IMSI=$IMSI1
ue_ready 1 && ok "UE 1 attached ($UE_IP), its voice rule on dedicated bearer EBI 6, Gy's grant of 8000 taken" ||
    { not_ok "no UE, bearer or grant"; agwctl ue show "$IMSI" | sed 's/^/# /'; tail -n 20 "$E2E_TMP/agwd.log" | sed 's/^/# /'; }
got=$(diam_flow "$UE_IP" 5 1000 20 40000)
up=$(diam_flow_ul "$UE_IP" 3 1000 20 40000 5001)
[ "$got" = "5 5000" ] && [ "$up" = "3 3000" ] && [ "$(usage_val ul_pkts)" = 3 ] &&
    ok "5 datagrams of 1000 bytes down and 3 up the dedicated bearer (its ul_pkts 3) within the grant" ||
    not_ok "down '$got' (wanted '5 5000'), up '$up' (wanted '3 3000'), bearer ul_pkts '$(usage_val ul_pkts)'"
for _ in $(seq 100); do diam_j "$DIAM_REC" "len(ccr('$IMSI1'))>=2" >/dev/null && break; sleep 0.1; done
check "the uplink used up the grant: CCR-U QUOTA_EXHAUSTED reports the 8000 bytes, 3000 of them up the bearer" \
    diam_j "$DIAM_REC" "[(m['cc_type'],usu(m),reasons(m)) for m in ccr('$IMSI1')][:2]==[(1,0,[None]),(2,8000,[3])]"
for _ in $(seq 100); do grep -q "rg 1 granted 10500 in all" "$E2E_TMP/agwd.log" && break; sleep 0.1; done
up=$(diam_flow_ul "$UE_IP" 5 1000 20 40000 5001)
[ "$up" = "2 2000" ] && ok "of the final 2500 bytes, exactly 2 of 5 more datagrams up the bearer pass" ||
    not_ok "up the bearer after the final grant: received '$up', wanted '2 2000'"
check "the final units used up by the uplink: TERMINATE detached UE 1" terminated 1
for _ in $(seq 100); do diam_j "$DIAM_REC" "any(m['cc_type']==3 for m in ccr('$IMSI1'))" >/dev/null && break; sleep 0.1; done
check "the CCR-T reports the 2000 bytes since: 10000 in all, each byte once" \
    diam_j "$DIAM_REC" "[(m['cc_type'],usu(m)) for m in ccr('$IMSI1')]==[(1,0),(2,8000),(3,2000)]"
diam_ue_down

# --- 2. the downlink of the bearer ---------------------------------------------
ue_only 3
IMSI=$IMSI2
ue_ready 3 && ok "UE 2 attached ($UE_IP), its voice bearer up, Gy's grant taken" ||
    { not_ok "no UE, bearer or grant"; agwctl ue show "$IMSI" | sed 's/^/# /'; tail -n 20 "$E2E_TMP/agwd.log" | sed 's/^/# /'; }
got=$(diam_flow "$UE_IP" 5 1000 20 40000)
[ "$got" = "5 5000" ] && [ "$(usage_val dl_pkts)" = 5 ] &&
    ok "5 datagrams of 1000 bytes within the grant, through the dedicated bearer (its dl_pkts 5)" ||
    not_ok "received '$got' (wanted '5 5000'), bearer EBI 6 dl_pkts '$(usage_val dl_pkts)' (wanted 5)"
got=$(diam_flow "$UE_IP" 10 1000 20 40000)
[ "$got" = "5 5000" ] && ok "then the 5500 bytes left let exactly 5 of 10 more through: the bearer's traffic is charged to the quota" ||
    not_ok "on the dedicated bearer: received '$got', wanted '5 5000' (the bearer's traffic escaped the quota)"
check "the final units used up on the bearer's downlink: TERMINATE detached UE 2" terminated 2
for _ in $(seq 100); do diam_j "$DIAM_REC" "any(m['cc_type']==3 for m in ccr('$IMSI2'))" >/dev/null && break; sleep 0.1; done
check "the CCR-T reports the 10000 bytes of the bearer" \
    diam_j "$DIAM_REC" "[(m['cc_type'],usu(m)) for m in ccr('$IMSI2')]==[(1,0),(3,10000)]"
diam_ue_down
agw_stop TERM
diam_tshark_stop

# --- 3. on the wire -------------------------------------------------------------
TS=(tshark -r "$E2E_TMP/gyb.pcap" -d "tcp.port==$DIAM_PORT,diameter")
DEC=$("${TS[@]}" -Y "diameter.CC-Request-Type == 2 && diameter.applicationId == 4" -V 2>"$E2E_TMP/ts.err")
BAD=$("${TS[@]}" -Y '_ws.malformed || _ws.expert.severity >= "Error"' 2>>"$E2E_TMP/ts.err")
miss=""
for w in "Used-Service-Unit" "CC-Total-Octets: 8000" "Reporting-Reason: QUOTA_EXHAUSTED (3)"; do
    grep -qF "$w" <<<"$DEC" || miss="$miss [$w]"
done
[ -z "$miss" ] && [ -z "$BAD" ] &&
    ok "tshark decodes the CCR-U: Used-Service-Unit CC-Total-Octets 8000, QUOTA_EXHAUSTED; nothing malformed" ||
    { not_ok "tshark: missing$miss ${BAD:+malformed}"; grep -E "Octets|Reason" <<<"$DEC" | head -n 8 | sed 's/^/# /'; head -n 3 "$E2E_TMP/ts.err" | sed 's/^/# /'; }
exit $((TAP_FAILED > 0))
