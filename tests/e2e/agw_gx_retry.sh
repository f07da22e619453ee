#!/bin/bash
# RETRY_AND_TERMINATE with an alternate PCRF (docs/charging.md "Failure
# handling for Gx"; RFC 4006 5.7, TS 29.212 5.6.3): two diamsims, the
# configured PCRF (diamsim.localdomain) and diameter.gx.alternate
# (pcrf2.localdomain), failure_handling retry_and_terminate, Tx timer 1 s.
# 1. The PCRF leaves the CCR-I unanswered: the same request (Session-Id,
#    CC-Request-Number 0) goes to the alternate with the T flag and
#    Destination-Host pcrf2 (tshark on the Diameter ports, and the
#    alternate's record), its CCA-I lets the UE attach, and the session
#    stays with the alternate: the CCR-T of the detach goes there.
# 1b. Which PCRF serves a session survives a restart (gx_session.alternate,
#    schema/agw/0017): a second UE's session fails over to the alternate
#    the same way, xepc-agwd is killed (SIGKILL) and started again; its
#    CCR-U (QOS_CHANGE, armed by the alternate's CCA-I, after `xepcctl ue
#    qos`) and its CCR-T still go to the alternate (its record; tshark:
#    Destination-Host pcrf2.localdomain), none to the PCRF.
# 2. The PCRF silent and the alternate down: the retry gets no usable
#    answer either, the attach is refused (#19, ESM #34) as TERMINATE.
# 3. The PCRF answers the CCR-I but leaves the CCR-T of the detach
#    unanswered: the journalled CCR-T goes to the alternate (T flag, the
#    same Session-Id and number), which answers it; the journal empty.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"
source "$(dirname "$0")/diam_lib.sh"

DIAM_NEEDS="tshark"
ALT_PORT=$((DIAM_PORT + 2))
DIAM_GX_EXTRA="    tx_timeout: 1s
    failure_handling: retry_and_terminate
    alternate: { peer: pcrf2.localdomain, address: 127.0.0.1, port: $ALT_PORT }"
diam_gx_setup 14 gx
REC=$E2E_TMP/pcrf.jsonl
REC2=$E2E_TMP/pcrf2.jsonl
alt_start() { diam_alt_start pcrf2.localdomain "$ALT_PORT" "$REC2" "$@"; }
alt_stop() { diam_alt_stop; }
alt_up() { diam_alt_up "$ALT_PORT"; }
# j REC EXPR: EXPR over a record's Gx CCRs (ccr)
j() {
    python3 -c "
import json,sys
l=[json.loads(x) for x in open(sys.argv[1]) if x.strip()]
l=[m.get('msg', m) for m in l]
ccr=[m for m in l if m.get('app')=='gx' and m.get('cmd')=='CCR']
r=($2)
if not r: print('#', [(m.get('cc_type'),m.get('cc_number'),m.get('sid'),m.get('retransmit'),m.get('silenced')) for m in ccr])
sys.exit(0 if r else 1)" "$1"
}

# --- 1. the PCRF silent, the alternate answers -------------------------------
DIAM_TS_FILTER="tcp port $DIAM_PORT or tcp port $ALT_PORT"
diam_tshark_start gx || diag "tshark did not say it captures"
diam_sim_start "$REC" -c "silence gx type=1"
alt_start -c "trigger 1"     # 5.3.7 QOS_CHANGE armed by its CCA-Is (part 1b)
agw_start || { not_ok "xepc-agwd start"; exit 1; }
diam_peer_up
alt_up
enbsim_run "$E2E_TMP/e1.out" --ues 1 --hold 2 --detach --no-tun --timeout 30
rc=$?
[ $rc = 0 ] && grep -q "CCR-I sent again to the alternate PCRF pcrf2.localdomain" "$E2E_TMP/agwd.log" &&
    ok "the PCRF silent: the CCR-I sent again to the alternate PCRF, whose CCA-I lets the UE attach (and detach)" ||
    { not_ok "retry to the alternate: enbsim rc $rc"; grep -E "gx|ccr" "$E2E_TMP/agwd.log" | tail -8 | sed 's/^/# /'; }
for _ in $(seq 100); do j "$REC2" "any(m['cc_type']==3 for m in ccr)" >/dev/null && break; sleep 0.1; done
sid=$(python3 -c "
import json,sys
l=[json.loads(x)['msg'] for x in open(sys.argv[1]) if x.strip()]
print([m['sid'] for m in l if m.get('cmd')=='CCR' and m.get('cc_type')==1][0])" "$REC" 2>/dev/null)
retried() {
    [ -n "$sid" ] && j "$REC" "[(m['cc_type'],m['sid'],bool(m.get('silenced'))) for m in ccr]==[(1,'$sid',True)]" &&
        j "$REC2" "[(m['cc_type'],m['cc_number'],m['sid'],m.get('retransmit',False)) for m in ccr if m['cc_type']==1]==[(1,0,'$sid',True)]"
}
check "the PCRF got the CCR-I (left unanswered), the alternate the same Session-Id and CC-Request-Number 0 with the T flag" retried
stays() { j "$REC2" "[m['sid'] for m in ccr if m['cc_type']==3]==['$sid']" && j "$REC" "not any(m['cc_type']==3 for m in ccr)"; }
check "the session stays with the alternate: the CCR-T of the detach goes there, none to the PCRF" stays
check "counted: gx_retries 1, no TERMINATE" test "$(agw_stat gx_retries) $(agw_stat gx_ccfh_terminate)" = "1 0"
diam_tshark_stop
TS=(tshark -r "$E2E_TMP/gx.pcap" -d "tcp.port==$ALT_PORT,diameter" -d "tcp.port==$DIAM_PORT,diameter")
first=$("${TS[@]}" -Y 'diameter.cmd.code == 272 && diameter.flags.request == 1 && diameter.CC-Request-Type == 1' \
    -T fields -e diameter.Destination-Host -e diameter.flags.T -e diameter.Session-Id -e diameter.CC-Request-Number \
    -e diameter.endtoendid 2>/dev/null)
diag "tshark CCR-Is: $(tr '\t\n' ' ;' <<<"$first")"
check "tshark: the CCR-I to diamsim.localdomain without the T flag, then to pcrf2.localdomain with it, one Session-Id, CC-Request-Number and End-to-End Identifier" \
    python3 -c "
import sys
rows=[l.split('\t') for l in sys.argv[1].splitlines() if l.strip()]
ok=len(rows)==2 and rows[0][0]=='diamsim.localdomain' and rows[1][0]=='pcrf2.localdomain' \
   and rows[0][1] in ('0','False') and rows[1][1] in ('1','True') \
   and rows[0][2]==rows[1][2]=='$sid' and rows[0][3]==rows[1][3]=='0' and rows[0][4]==rows[1][4]
sys.exit(0 if ok else 1)" "$first"

# --- 1b. the session stays with the alternate across a restart ---------------
diam_tshark_start gx1b || diag "tshark did not say it captures"
enbsim_bg "$E2E_TMP/e1b.out" --ues 1 --hold -1 --detach --no-tun --timeout 60
U1B=$ENBSIM_PID
for _ in $(seq 300); do
    agwctl ue show "$IMSI" 2>/dev/null | grep -q '^pdn ebi 5 .* state active' && break
    sleep 0.1
done
sid2=$(python3 -c "
import json,sys
l=[json.loads(x)['msg'] for x in open(sys.argv[1]) if x.strip()]
print([m['sid'] for m in l if m.get('cmd')=='CCR' and m.get('cc_type')==1][-1])" "$REC2" 2>/dev/null)
[ -n "$sid2" ] && [ "$sid2" != "$sid" ] &&
    j "$REC2" "[(m['cc_type'],m.get('retransmit',False)) for m in ccr if m['sid']=='$sid2']==[(1,True)]" &&
    agwctl ue show "$IMSI" 2>/dev/null | grep -q '^pdn ebi 5 .* state active' &&
    ok "a second UE's CCR-I failed over to the alternate too ($sid2), the UE attached" ||
    not_ok "second failover: session '$sid2'"
n0=$(grep -c "set up on assoc" "$E2E_TMP/agwd.log")
agw_stop KILL
agw_start || { not_ok "xepc-agwd start"; exit 1; }
diam_peer_up
alt_up
diam_s1_back "$n0" || diag "the eNB did not set up S1 again"
agwctl ue qos "$IMSI" 5 --apn-ambr 20Mbps/30Mbps >/dev/null || diag "ue qos failed"
for _ in $(seq 200); do j "$REC2" "any(m['cc_type']==2 and m['sid']=='$sid2' for m in ccr)" >/dev/null && break; sleep 0.1; done
kill -TERM "$U1B"
wait "$U1B"
for _ in $(seq 200); do j "$REC2" "any(m['cc_type']==3 and m['sid']=='$sid2' for m in ccr)" >/dev/null && break; sleep 0.1; done
kept_alt() {
    j "$REC2" "[(m['cc_type'],m.get('triggers')) for m in ccr if m['sid']=='$sid2']==[(1,[]),(2,[1]),(3,[])]" &&
        j "$REC" "not any(m['cc_type']!=1 for m in ccr)"
}
check "after SIGKILL and start: the session's CCR-U (QOS_CHANGE) and CCR-T go to the alternate, none to the PCRF" kept_alt
diam_tshark_stop
TS1B=(tshark -r "$E2E_TMP/gx1b.pcap" -d "tcp.port==$ALT_PORT,diameter" -d "tcp.port==$DIAM_PORT,diameter")
dh=$("${TS1B[@]}" -Y "diameter.cmd.code == 272 && diameter.flags.request == 1 && diameter.CC-Request-Type >= 2 && diameter.Session-Id == \"$sid2\"" \
    -T fields -e diameter.CC-Request-Type -e diameter.Destination-Host 2>/dev/null | tr '\t\n' ' ;')
diag "tshark CCR-U/T of $sid2: $dh"
check "tshark: that CCR-U and CCR-T with Destination-Host pcrf2.localdomain" \
    test "$dh" = "2 pcrf2.localdomain;3 pcrf2.localdomain;"
BAD=$("${TS1B[@]}" -Y '_ws.malformed || _ws.expert.severity >= "Error"' 2>"$E2E_TMP/ts.err") ||
    BAD="tshark failed: $(cat "$E2E_TMP/ts.err")"
[ -z "$BAD" ] && ok "tshark: no malformed AVP or expert error" ||
    { not_ok "tshark: malformed"; echo "$BAD" | head -n 5 | sed 's/^/# /'; }

# --- 2. the PCRF silent, the alternate down ----------------------------------
alt_stop
e34=$(ip netns exec "$NS_GW" curl -s "http://127.0.0.1:$AGW_METRICS_PORT/metrics" |
    awk '$1 == "xepc_agw_esm_reject_cause_total{cause=\"34\"}" { print $2; f = 1 } END { if (!f) print 0 }')
enbsim_run "$E2E_TMP/e2.out" --ues 1 --hold 1 --detach --no-tun --timeout 30
got=$(awk '$1 == "enbsim:" && $2 == "failed_cause" { print $3; exit }' "$E2E_TMP/e2.out")
[ "$got" = attach:attach-reject-19 ] &&
    grep -q "RETRY_AND_TERMINATE, the alternate PCRF failed too" "$E2E_TMP/agwd.log" &&
    ok "the alternate down too: the retry fails, TERMINATE: ATTACH REJECT #19" ||
    { not_ok "alternate down: enbsim '$got'"; grep -E "RETRY|gx" "$E2E_TMP/agwd.log" | tail -6 | sed 's/^/# /'; }
e34b=$(ip netns exec "$NS_GW" curl -s "http://127.0.0.1:$AGW_METRICS_PORT/metrics" |
    awk '$1 == "xepc_agw_esm_reject_cause_total{cause=\"34\"}" { print $2; f = 1 } END { if (!f) print 0 }')
check "  ... with ESM #34, counted (gx_retries 1 since the restart of 1b, gx_ccfh_terminate 1)" \
    test "$((e34b - e34)) $(agw_stat gx_retries) $(agw_stat gx_ccfh_terminate)" = "1 1 1"
check "  ... the PCRF's record: the third CCR-I left unanswered; no CCR-T for the refused session" \
    j "$REC" "[(m['cc_type'],bool(m.get('silenced'))) for m in ccr]==[(1,True),(1,True),(1,True)]"

# --- 3. the PCRF silent on the CCR-T ---------------------------------------------
REC3=$E2E_TMP/pcrf3.jsonl
diam_sim_stop
diam_sim_start "$REC3" -c "silence gx type=3 count=1"
alt_start
diam_peer_up
alt_up
r0=$(agw_stat gx_retries)
enbsim_run "$E2E_TMP/e3.out" --ues 1 --hold 1 --detach --no-tun --timeout 30 ||
    diag "enbsim: $(tail -2 "$E2E_TMP/e3.out")"
sid=$(python3 -c "
import json,sys
l=[json.loads(x)['msg'] for x in open(sys.argv[1]) if x.strip()]
print([m['sid'] for m in l if m.get('cmd')=='CCR' and m.get('cc_type')==1][0])" "$REC3" 2>/dev/null)
for _ in $(seq 100); do j "$REC2" "any(m['cc_type']==3 and m['sid']=='$sid' for m in ccr)" >/dev/null && break; sleep 0.1; done
# ccrt_failed_over: the PCRF's record: the CCR-I answered, the CCR-T left
# unanswered; the alternate's: that CCR-T (T flag), nothing else of sid
ccrt_failed_over() {
    j "$REC3" "[(m['cc_type'],m['cc_number'],bool(m.get('silenced'))) for m in ccr]==[(1,0,False),(3,1,True)]" &&
        j "$REC2" "[(m['cc_type'],m['cc_number'],m.get('retransmit',False)) for m in ccr if m['sid']=='$sid']==[(3,1,True)]"
}
check "3: the CCR-T the PCRF leaves unanswered goes to the alternate (T flag, the same Session-Id and number)" \
    ccrt_failed_over
r1=$(agw_stat gx_retries)
check "  ... answered there: the journal empty, gx_retries +1" \
    eval 'diam_journal_empty && test "$r1" = "$((r0 + 1))"'
agw_stop TERM
alt_stop
exit $((TAP_FAILED > 0))
