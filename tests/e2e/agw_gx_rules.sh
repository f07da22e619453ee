#!/bin/bash
# Gx enforcement with real traffic (docs/charging.md "Gx in xepc-agwd"):
# diamsim as the PCRF installs two PCC rules in the CCA-I — TCP from the
# PDN host passes (precedence 10), everything else from it is dropped
# (precedence 20) — so a UE's HTTP request goes through while its ping is
# blocked.  An RAR removes the drop rule mid-session (the ping goes through,
# RAA 2001), a second RAR installs a definition that blocks TCP (HTTP fails
# now).  Then xepc-agwd restarts: the Gx session comes back from SQLite and
# the CCR-T of the detach carries the Session-Id of the CCR-I.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"
source "$(dirname "$0")/diam_lib.sh"
e2e_require
agw_require
diam_require
command -v curl >/dev/null || skip_all "curl missing"
HTTP_PID=""
trap '[ -n "$HTTP_PID" ] && kill "$HTTP_PID" 2>/dev/null; diam_cleanup; e2e_cleanup' EXIT
tap_plan 12

e2e_topology || { not_ok "topology"; exit 1; }
agw_config
diam_config gx
agw_subscribers 1 >/dev/null || not_ok "subscriber import"
IMSI=$(awk -F, 'NR==2 {print $1}' "$E2E_TMP/subs.csv")
REC=$E2E_TMP/pcrf.jsonl
# the PDN host's HTTP server
ip netns exec "$NS_PDN" python3 -m http.server 8080 --bind "$PDN_ADDR" >/dev/null 2>&1 &
HTTP_PID=$!

diam_sim_start "$REC" \
    -c "rule * def=allow-tcp prec=10 status=2 rg=10 flow=\"permit out 6 from $PDN_ADDR to assigned\"" \
    -c "rule * def=block-pdn prec=20 status=3 flow=\"permit out ip from $PDN_ADDR to assigned\"" \
    -c "rule none def=block-tcp prec=5 status=3 flow=\"permit out 6 from $PDN_ADDR to assigned\"" \
    -c "rar after=12 gx $IMSI remove=block-pdn" \
    -c "rar after=20 gx $IMSI install=block-tcp"
agw_start || { not_ok "xepc-agwd start"; exit 1; }
diam_peer_up

enbsim_bg "$E2E_TMP/e.out" --ues 1 --hold 60 --tun --ue-report "$E2E_TMP/ues.txt"
for _ in $(seq 100); do
    [ "$(agw_stat attach_success)" -ge 1 ] && break
    sleep 0.1
done
UE_IP=$("$XEPCCTL" ue list --socket "$AGW_SOCK" | awk 'NR > 1 && $3 == "registered" {print $5; exit}')
for _ in $(seq 50); do
    in_enb ip -o addr show 2>/dev/null | grep -q " $UE_IP/" && break
    sleep 0.1
done
UE_IF=$(in_enb ip -o addr show | awk -v ip="$UE_IP" '$4 ~ "^"ip"/" {print $2; exit}')
in_enb ip rule add from "$UE_IP" table 200
in_enb ip route add default dev "$UE_IF" table 200
[ -n "$UE_IF" ] && ok "the UE attached ($UE_IP on $UE_IF)" || not_ok "no UE"
for _ in $(seq 50); do
    grep -q "PCC rule(s) in force" "$E2E_TMP/agwd.log" && break
    sleep 0.1
done
check "the CCA-I's two rules are in the datapath (3 flows: 2 rules, the TCP one also rated)" \
    grep -q "ebi 5: 2 PCC rule(s) in force, 2 datapath rule(s)" "$E2E_TMP/agwd.log"

drops=$(e2e_stat RULE_DROP)
check "ping to the PDN host is blocked by the precedence-20 drop rule" \
    bash -c "! ip netns exec $NS_ENB ping -c 3 -i 0.2 -W 1 -I $UE_IF $PDN_ADDR >/dev/null"
check "the datapath counted the rule drops" [ "$(e2e_stat RULE_DROP)" -gt "$drops" ]
http() { ip netns exec "$NS_ENB" curl -s -o /dev/null -m 3 --interface "$UE_IP" "http://$PDN_ADDR:8080/"; }
export NS_ENB UE_IP PDN_ADDR
export -f http
check "HTTP (TCP) to the PDN host passes: the precedence-10 rule comes first" http

# RAR 12 s into the session removes block-pdn
# rec EXPR: true when EXPR holds over `m`, the messages diamsim recorded
rec() { python3 -c "
import json,sys
m=[json.loads(l) for l in open(sys.argv[1]) if l.strip()]
m=[x.get('msg',x) for x in m]
raa=[x.get('result') for x in m if x['cmd']=='RAA']
sys.exit(0 if ($1) else 1)" "$REC"; }
raa() { rec "len(raa) >= $1"; }
for _ in $(seq 250); do raa 1 && break; sleep 0.1; done
check "RAR removing block-pdn answered 2001" rec "raa[:1]==[2001]"
check "ping passes after the RAR" in_enb ping -c 3 -i 0.2 -W 2 -I "$UE_IF" "$PDN_ADDR"

# RAR 20 s into the session installs block-tcp (precedence 5) as a definition
for _ in $(seq 250); do raa 2 && break; sleep 0.1; done
check "RAR installing block-tcp (a definition) answered 2001" rec "raa[:2]==[2001,2001]"
check "HTTP to the PDN host is blocked now (block-tcp, precedence 5)" bash -c "! http"

# restart: the Gx session is kept (SQLite); the detach's CCR-T names it
# the eNB vanishes (no detach), then the gateway stops: the session stays
kill -9 "$ENBSIM_PID" 2>/dev/null
wait "$ENBSIM_PID" 2>/dev/null
agw_stop TERM
check "no CCR-T before the restart" rec "not any(x['cmd']=='CCR' and x['cc_type']==3 for x in m)"
agw_start || { not_ok "xepc-agwd restart"; exit 1; }
# (agw_start sees the first daemon's "ready" line: wait for the second's)
for _ in $(seq 300); do
    [ "$(grep -c "xepc-agwd ready" "$E2E_TMP/agwd.log")" -ge 2 ] && break
    sleep 0.1
done
check "the Gx session was restored from SQLite" grep -q "1 Gx sessions restored" "$E2E_TMP/agwd.log"
diam_peer_up
# the UE is idle after the restart: it is paged for the detach, and
# detached locally when it does not answer (T3413 x 3) -- the CCR-T either way
agwctl ue detach "$IMSI" >/dev/null 2>&1
for _ in $(seq 200); do
    grep -q '"cc_type": *3' "$REC" 2>/dev/null && break
    sleep 0.1
done
check "after the restart, the CCR-T carries the CCR-I's Session-Id (CC-Request-Number 1)" \
    python3 -c "
import json,sys
m=[json.loads(l) for l in open('$REC') if l.strip()]
m=[x.get('msg',x) for x in m]
i=[x['sid'] for x in m if x['cmd']=='CCR' and x['cc_type']==1]
t=[(x['sid'],x['cc_number']) for x in m if x['cmd']=='CCR' and x['cc_type']==3]
sys.exit(0 if len(i)==1 and t==[(i[0],1)] else 1)"
agw_stop TERM
exit $((TAP_FAILED > 0))
