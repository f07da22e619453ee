#!/bin/bash
# xepc-agwd with Gx toward diamsim as the PCRF (docs/charging.md): one UE
# attaches through enbsim and detaches; the PCRF must have received a CCR-I
# with the UE's IMSI, address, APN, RAT, default bearer QoS, APN-AMBR and
# location, and a CCR-T of the same Gx session; the gateway counts the
# CCA-I.  An RAR naming a predefined rule is answered
# DIAMETER_UNABLE_TO_COMPLY (the gateway has no predefined rules; rule
# definitions are enforced: agw_gx_rules.sh).  Then the PCRF goes silent: the Tx timer fires and the
# attach still succeeds (the bearer does not wait for the PCRF).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"

DIAMSIM=${DIAMSIM:-$E2E_ROOT/build/bin/diamsim}
e2e_require
agw_require
[ -x "$DIAMSIM" ] || skip_all "build first: make all (diamsim)"
trap e2e_cleanup EXIT
tap_plan 7

e2e_topology || { not_ok "topology"; exit 1; }
agw_config
DPORT=$((30000 + E2E_ID % 20000))
cat >>"$AGW_CONF" <<EOF
diameter:
  identity: agw.localdomain
  realm: localdomain
  address: 127.0.0.1
  port: $((DPORT + 1))
  gx:
    peer: diamsim.localdomain
    address: 127.0.0.1
    port: $DPORT
    tx_timeout: 1s
EOF
agw_subscribers 2 || not_ok "subscriber import"
check "xepcctl config check accepts the diameter section" "$XEPCCTL" config check "$AGW_CONF"
IMSI=$(awk -F, 'NR==2 {print $1}' "$E2E_TMP/subs.csv")
REC=$E2E_TMP/pcrf.jsonl

# diamsim in the gateway's namespace, on its loopback
ip netns exec "$NS_GW" "$DIAMSIM" --port $DPORT --record "$REC" \
    -c "rule * name=r1" -c "rar after=2 gx $IMSI install=r2" \
    >"$E2E_TMP/diamsim.log" 2>&1 &
echo $! >"$E2E_TMP/diamsim.pid"
agw_start || { not_ok "xepc-agwd start"; exit 1; }
for _ in $(seq 50); do
    grep -q "Diameter node agw.localdomain" "$E2E_TMP/agwd.log" && break
    sleep 0.1
done
# the Diameter connection to the PCRF (TCP, then CER/CEA)
for _ in $(seq 100); do
    [ -n "$(ip netns exec "$NS_GW" ss -tn state established "( dport = :$DPORT )" | tail -n +2)" ] && break
    sleep 0.1
done
sleep 0.5

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
check "PCRF got a CCR-T of the same Gx session (number 1, DIAMETER_LOGOUT)" \
    j "$REC" "[ (m['cc_number'],m.get('termination_cause')) for m in lines if m['cmd']=='CCR' and m['cc_type']==3
               and m['sid']==[x['sid'] for x in lines if x['cmd']=='CCR' and x['cc_type']==1][0] ]==[(1,1)]"
check "the gateway received the CCA-I with one rule name" \
    grep -q "CCA-I ok: 1+0+0 rules" "$E2E_TMP/agwd.log"
check "the RAR naming an unknown predefined rule was answered 5012 DIAMETER_UNABLE_TO_COMPLY" \
    j "$REC" "[m.get('result') for m in lines if m['cmd']=='RAA']==[5012]"

# the PCRF stops answering CCR-I: the attach must not wait for it
kill "$(cat "$E2E_TMP/diamsim.pid")" 2>/dev/null
sleep 0.5
ip netns exec "$NS_GW" "$DIAMSIM" --port $DPORT --record "$REC.2" -c "silence gx" \
    >>"$E2E_TMP/diamsim.log" 2>&1 &
echo $! >"$E2E_TMP/diamsim.pid"
for _ in $(seq 100); do      # freeDiameter reconnects within its Tc (5 s)
    [ -n "$(ip netns exec "$NS_GW" ss -tn state established "( sport = :$DPORT )" | tail -n +2)" ] && break
    sleep 0.1
done
sleep 1
enbsim_run "$E2E_TMP/e2.out" --ues 1 --hold 2 --detach --no-tun
rc=$?
sleep 1
[ $rc = 0 ] && grep -q "no CCA within 1000 ms" "$E2E_TMP/agwd.log" &&
    ok "a silent PCRF: the Tx timer (1 s) fires, the attach and detach still succeed" ||
    { not_ok "silent PCRF (enbsim rc $rc)"; grep gx "$E2E_TMP/agwd.log" | tail -5 | sed 's/^/# /'; }
agw_stop TERM
exit $((TAP_FAILED > 0))
