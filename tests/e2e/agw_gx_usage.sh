#!/bin/bash
# Gx usage monitoring (docs/charging.md "Usage monitoring", TS 29.212
# 4.5.17): diamsim as the PCRF grants 5000 bytes for the session-level
# monitoring key mk1 in the CCA-I.  10 UDP datagrams of 1000 bytes to the
# UE use the grant up: a CCR-U with Event-Trigger USAGE_REPORT reports the
# key's usage (at least the 5000 granted); 3 more datagrams, then the
# detach: the CCR-T reports the rest, and the two reports add up to the
# 13000 bytes the UE received, each byte once.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"
source "$(dirname "$0")/diam_lib.sh"

diam_gx_setup 5 gx
diam_sim_start "$E2E_TMP/pcrf.jsonl" -c "monitor key=mk1 bytes=5000"
agw_start || { not_ok "xepc-agwd start"; exit 1; }
diam_peer_up

diam_ue_up 60
for _ in $(seq 100); do
    grep -q "monitoring key mk1: 5000 bytes granted" "$E2E_TMP/agwd.log" && break
    sleep 0.1
done
check "the UE attached ($UE_IP); the CCA-I's grant of 5000 bytes for mk1 is taken" \
    grep -q "monitoring key mk1: 5000 bytes granted" "$E2E_TMP/agwd.log"

a=$(diam_flow "$UE_IP" 10 1000 20 "" 2)
for _ in $(seq 30); do
    diam_j "$DIAM_REC" "any(m['cmd']=='CCR' and m['cc_type']==2 for m in lines)" >/dev/null && break
    sleep 0.1
done
check "the grant used up: CCR-U with Event-Trigger USAGE_REPORT and mk1's usage (>= 5000 bytes)" \
    diam_j "$DIAM_REC" "[(m.get('triggers'),[x['key'] for x in m.get('monitors',[])],
                          all(x['usu']['total']>=5000 for x in m.get('monitors',[])))
                         for m in lines if m['cmd']=='CCR' and m['cc_type']==2]==[([33],['mk1'],True)]"
b=$(diam_flow "$UE_IP" 3 1000 20 "" 2)
sleep 1.5
check "no second CCR-U without a new grant" \
    diam_j "$DIAM_REC" "len([m for m in lines if m['cmd']=='CCR' and m['cc_type']==2])==1"
diam_ue_down
sleep 1
[ "$a $b" = "10 10000 3 3000" ] && ok "the UE received 13 datagrams (13000 bytes)" ||
    not_ok "the UE received '$a' and '$b', wanted '10 10000' and '3 3000'"
check "the CCR-T reports the rest: CCR-U + CCR-T usage of mk1 = 13000 bytes, each byte once" \
    diam_j "$DIAM_REC" "sum(x['usu']['total'] for m in lines if m['cmd']=='CCR' and m['cc_type'] in (2,3)
                            for x in m.get('monitors',[]) if x['key']=='mk1')==13000 and
                        any(m['cmd']=='CCR' and m['cc_type']==3 and m.get('monitors') for m in lines)"
agw_stop TERM
exit $((TAP_FAILED > 0))
