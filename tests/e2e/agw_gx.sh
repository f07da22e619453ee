#!/bin/bash
# xepc-agwd with Gx toward diamsim as the PCRF (docs/charging.md): one UE
# attaches through enbsim and detaches; the PCRF must have received a CCR-I
# with the UE's IMSI, address, APN, RAT, default bearer QoS, APN-AMBR and
# location, and a CCR-T of the same Gx session; the gateway counts the
# CCA-I.  The CCA-I's and an RAR's predefined rules that the gateway does
# not have are reported (TS 29.212 4.5.12: a CCR-U's Charging-Rule-Report
# INACTIVE / UNKNOWN_RULE_NAME; the RAA's, 5012 as nothing else applied)
# (rule definitions are enforced:
# agw_gx_rules.sh; predefined rules of the configuration: agw_policy.sh).
# Then the PCRF goes silent: the Tx timer fires and, the default bearer
# waiting for the CCA-I, the attach is rejected (failure_handling
# terminate, the default; the rest of the failure handling:
# agw_gx_fail.sh).  Last, the
# PCRF terminates a session (RAR with Session-Release-Cause): RAA 2001, the
# UE detached, the CCR-T after the RAA.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"
source "$(dirname "$0")/diam_lib.sh"
DIAM_GX_EXTRA="    tx_timeout: 1s"
AGW_SUB_APNS="internet;ims" DIAM_SUBS=2 diam_gx_setup 10 gx
check "xepcctl config check accepts the diameter section" "$XEPCCTL" config check "$AGW_CONF"
REC=$E2E_TMP/pcrf.jsonl

# diamsim in the gateway's namespace, on its loopback
diam_sim_start "$REC" -c "rule * name=r1" -c "rar after=2 gx $IMSI install=r2"
agw_start || { not_ok "xepc-agwd start"; exit 1; }
diam_peer_up    # the Diameter connection to the PCRF (TCP, then CER/CEA)

enbsim_run "$E2E_TMP/e1.out" --ues 1 --hold 6 --detach --no-tun
rc=$?
[ $rc = 0 ] && ok "one UE attaches, holds 6 s and detaches with Gx on" ||
    { not_ok "attach/detach (enbsim rc $rc)"; tail -20 "$E2E_TMP/agwd.log" | sed 's/^/# /'; }
sleep 1

j() { python3 -c "
import json,sys
lines=[json.loads(l)['msg'] for l in open(sys.argv[1]) if l.strip()]
sys.exit(0 if ($2) else 1)" "$1"; }
check "PCRF got a CCR-I: IMSI, UE address from the pool, APN, EUTRAN, QCI 9, APN-AMBR, ULI" \
    j "$REC" "any(m['cmd']=='CCR' and m['cc_type']==1 and m['imsi']=='$IMSI' and m['ue_ip'].startswith('10.45.')
                  and m['apn']=='internet' and m['rat']==1004 and m['qci']==9
                  and m['apn_ambr_dl']==200000000 and m['uli_len']==13 for m in lines)"
check "PCRF got a CCR-T of the same Gx session (number 2, after the CCR-U; DIAMETER_LOGOUT)" \
    j "$REC" "[ (m['cc_number'],m.get('termination_cause')) for m in lines if m['cmd']=='CCR' and m['cc_type']==3
               and m['sid']==[x['sid'] for x in lines if x['cmd']=='CCR' and x['cc_type']==1][0] ]==[(2,1)]"
check "the CCA-I's rule r1, not predefined here, is reported in a CCR-U: Charging-Rule-Report INACTIVE, UNKNOWN_RULE_NAME (4.5.12)" \
    j "$REC" "[m.get('reports') for m in lines if m['cmd']=='CCR' and m['cc_type']==2]==[[{'name':'r1','status':1,'failure':1}]]"
check "the gateway received the CCA-I with one rule name" \
    grep -q "CCA-I ok: 1+0+0 rules" "$E2E_TMP/agwd.log"
check "the RAR naming only an unknown predefined rule: RAA 5012 with its Charging-Rule-Report INACTIVE, UNKNOWN_RULE_NAME" \
    j "$REC" "[(m.get('result'),m.get('reports')) for m in lines if m['cmd']=='RAA']==[(5012,[{'name':'r2','status':1,'failure':1}])]"

# the PCRF stops answering CCR-I: the default bearer waits for the CCA-I
# at most the Tx timer, then TERMINATE (the default) refuses it
diam_sim_stop
sleep 0.5
diam_sim_start "$REC.2" -c "silence gx"
diam_peer_up    # freeDiameter reconnects within its Tc (5 s)
sleep 0.5
enbsim_run "$E2E_TMP/e2.out" --ues 1 --hold 2 --detach --no-tun --timeout 20
rc=$?
sleep 1
cause=$(awk '$1 == "enbsim:" && $2 == "failed_cause" { print $3; exit }' "$E2E_TMP/e2.out")
[ "$cause" = attach:attach-reject-19 ] &&
    grep -q "CCR-I unanswered within the Tx timer: TERMINATE" "$E2E_TMP/agwd.log" &&
    ok "a silent PCRF: the Tx timer (1 s) fires, TERMINATE rejects the attach (#19)" ||
    { not_ok "silent PCRF (enbsim rc $rc, '$cause')"; grep gx "$E2E_TMP/agwd.log" | tail -5 | sed 's/^/# /'; }

# TS 29.212 4.5.6: the PCRF terminates the session (RAR with
# Session-Release-Cause UNSPECIFIED_REASON) 2 s into it; it is the UE's
# only PDN connection: the gateway answers 2001 and detaches the UE, whose
# release sends the CCR-T
diam_sim_stop
sleep 0.5
diam_sim_start "$REC.3" -c "rar after=2 gx $IMSI release=0"
diam_peer_up
enbsim_run "$E2E_TMP/e3.out" --ues 1 --hold 8 --no-tun --timeout 20
sleep 1
check "an RAR with Session-Release-Cause is answered 2001 and detaches the UE (its last PDN connection)" \
    bash -c "grep -q 'the PCRF releases the session of EBI 5 (Session-Release-Cause 0): detach' '$E2E_TMP/agwd.log' &&
             grep -q 'network detach started' '$E2E_TMP/agwd.log'"
check "the RAA (2001) goes before the CCR-T of the released session" \
    j "$REC.3" "[(m['cmd'],m.get('result',m.get('cc_type'))) for m in lines if m['cmd'] in ('RAA','CCR')][1:]==[('RAA',2001),('CCR',3)]"
agw_stop TERM
exit $((TAP_FAILED > 0))
