#!/bin/bash
# Gx usage monitoring at PCC rule level and across a restart of xepc-agwd
# (docs/charging.md "Usage monitoring", TS 29.212 4.5.17, 5.3.61), diamsim
# as the PCRF.  The CCA-I installs a rule "video" (UDP from the PDN's port
# 7100, rating group 20, Monitoring-Key mk2) and grants mk1 at session
# level (1 MB, never used up) and mk2 at PCC rule level (3000 bytes):
#   1. 5 datagrams of 1000 bytes from port 7000 (not the rule): no report;
#   2. 4 from port 7100: a CCR-U USAGE_REPORT with mk2 only (>= 3000);
#   3. 2 more from 7100, a dedicated bearer added (the policy rebuilt: new
#      charging slots), xepc-agwd restarted (SIGTERM), 1 from 7100 and 1
#      from 7000, the detach: the CCR-T reports mk2's rest and mk1's
#      all, so that mk2's reports add up to the 7000 bytes of the rule and
#      mk1's to the 13000 of the session, each byte once.  Before, the
#      rule-level key was not monitored and a restart lost every monitor.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"
source "$(dirname "$0")/diam_lib.sh"

diam_gx_setup 8 gx
diam_sim_start "$E2E_TMP/pcrf.jsonl" \
    -c "rule * def=video prec=20 rg=20 mk=mk2 flow=\"permit out 17 from $PDN_ADDR 7100 to assigned\"" \
    -c "monitor key=mk1 bytes=1000000" -c "monitor key=mk2 bytes=3000 level=rule"
agw_start || { not_ok "xepc-agwd start"; exit 1; }
diam_peer_up

diam_ue_up 90
for _ in $(seq 100); do
    grep -q "monitoring key mk2: 3000 bytes granted (PCC rule level)" "$E2E_TMP/agwd.log" && break
    sleep 0.1
done
check "the UE attached ($UE_IP); mk1 granted at session level, mk2 at PCC rule level" \
    bash -c "grep -q 'monitoring key mk1: 1000000 bytes granted\$' '$E2E_TMP/agwd.log' &&
             grep -q 'monitoring key mk2: 3000 bytes granted (PCC rule level)' '$E2E_TMP/agwd.log'"

ccru() { diam_j "$DIAM_REC" "[(m.get('triggers'),[(x['key'],x['usu']['total']) for x in m.get('monitors',[])])
                              for m in lines if m['cmd']=='CCR' and m['cc_type']==2]$1"; }
a=$(diam_flow "$UE_IP" 5 1000 20 7000)
sleep 1.5                       # the gateway looks at the counters once a second
[ "$a" = "5 5000" ] && ccru "==[]" >/dev/null && ok "5000 bytes outside the rule: no report (mk2 counts only its rule)" ||
    not_ok "outside the rule: received '$a', CCR-Us: $(ccru '' ; tail -n 1 "$DIAM_REC")"
b=$(diam_flow "$UE_IP" 4 1000 20 7100)
for _ in $(seq 50); do ccru "!=[]" >/dev/null && break; sleep 0.1; done
check "4000 bytes of the rule: a CCR-U with USAGE_REPORT and mk2's usage (>= 3000) only" \
    diam_j "$DIAM_REC" "[(m.get('triggers'),[x['key'] for x in m.get('monitors',[])],
                          all(x['usu']['total']>=3000 for x in m.get('monitors',[])))
                         for m in lines if m['cmd']=='CCR' and m['cc_type']==2]==[([33],['mk2'],True)]"
c=$(diam_flow "$UE_IP" 2 1000 20 7100)
# a dedicated bearer (its TFT takes nothing of these flows) rebuilds the
# session's policy: new charging slots, whose counters start at 0
out=$(agwctl ue bearer add "$IMSI" --apn internet --qci 1 --gbr-ul 1M --gbr-dl 1M \
    --tft 'permit out udp from any 9999 to any' 2>&1)
for _ in $(seq 100); do
    agwctl ue show "$IMSI" | grep -q "^bearer ebi 6 linked 5 state active" && break
    sleep 0.1
done
check "a dedicated bearer added ($out): the policy and its charging slots rebuilt" \
    bash -c "$XEPCCTL ue show $IMSI --socket $AGW_SOCK | grep -q '^bearer ebi 6 linked 5 state active'"
agw_stop TERM
agw_start || not_ok "xepc-agwd restart"
diam_peer_up
check "the monitors are stored with the Gx session (SQLite)" \
    test "$(sqlite3 "$AGW_DB" "SELECT length(monitors) > 0 FROM gx_session")" = 1
d=$(diam_flow "$UE_IP" 1 1000 20 7100)
e=$(diam_flow "$UE_IP" 1 1000 20 7000)
[ "$a $b $c $d $e" = "5 5000 4 4000 2 2000 1 1000 1 1000" ] && ok "the UE received 13 datagrams (13000 bytes)" ||
    not_ok "received '$a' '$b' '$c' '$d' '$e'"
diam_ue_down
for _ in $(seq 100); do
    diam_j "$DIAM_REC" "any(m['cmd']=='CCR' and m['cc_type']==3 for m in lines)" >/dev/null && break
    sleep 0.1
done
sum() { echo "sum(x['usu']['total'] for m in lines if m['cmd']=='CCR' and m['cc_type'] in (2,3) for x in m.get('monitors',[]) if x['key']=='$1')"; }
check "mk2 (PCC rule level): CCR-U + CCR-T = the rule's 7000 bytes, across the restart, each byte once" \
    diam_j "$DIAM_REC" "$(sum mk2)==7000"
check "mk1 (session level): the CCR-T reports the session's 13000 bytes, across the restart" \
    diam_j "$DIAM_REC" "$(sum mk1)==13000"
agw_stop TERM
exit $((TAP_FAILED > 0))
