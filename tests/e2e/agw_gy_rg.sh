#!/bin/bash
# Several rating groups on one Gy session (docs/charging.md "Rating
# groups"): diamsim is the PCRF and the OCS.  The CCA-I of Gx installs a
# PCC rule of rating group 20, charged online (UDP from the PDN's port
# 7000); the rest of the UE's traffic is the catch-all rating group 1.
# The OCS grants rating group 1 4000 bytes in all (then 4012 without a
# final action: blocked), rating group 20 3000 bytes with a threshold of
# 1000, then the last 2000 with TERMINATE.
#   1. the CCR-I asks for rating group 1; the rule's group 20 gets its RSU
#      in a CCR-U once the Gx rule is in force;
#   2. 3 datagrams of 1000 bytes of the catch-all pass (rating group 1);
#   3. 2 datagrams from port 7000 pass and cross group 20's threshold: the
#      CCR-U reports 2000 bytes of group 20 alone (THRESHOLD) and the
#      refill brings it to 5000; of 5 more exactly 3 pass; group 20's final
#      units used up (TERMINATE): its last 3000 bytes reported with FINAL,
#      its traffic stopped, the UE stays attached;
#   4. the catch-all goes on: of 3 more datagrams exactly 1 passes (its
#      4000 bytes to the byte), the CCR-U reports it (QUOTA_EXHAUSTED) and
#      the 4012 blocks group 1 only;
#   5. a Gx RAR installs a rule of rating group 30 (port 7001): its RSU
#      goes in a CCR-U, 2000 bytes are granted and exactly 2 datagrams of 3
#      pass, though groups 1 and 20 are blocked;
#   6. the CCR-T reports every rating group (1, 20, 30); the OCS counted
#      4000, 5000 and 2000 bytes, each once;
#   7. tshark decodes the CCRs: several MSCCs in one CCR, no malformed AVP.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"
source "$(dirname "$0")/diam_lib.sh"

DIAM_GY_EXTRA="    tx_timeout: 5s
    rating_group: 1"
# the grant lines ("rg N granted ... in all") are at debug level: the
# request's line is a report cycle's one info line (gy_handler.c)
export AGW_LOG_LEVEL=debug
diam_gx_setup 19 gx gy

diam_sim_start "$E2E_TMP/ocs.jsonl" \
    -c "rule * def=rg20 prec=10 rg=20 online=1 flow=\"permit out 17 from $PDN_ADDR 7000 to assigned\"" \
    -c "rule none def=rg30 prec=11 rg=30 online=1 flow=\"permit out 17 from $PDN_ADDR 7001 to assigned\"" \
    -c "quota $IMSI rg=1 total=4000" \
    -c "quota $IMSI rg=20 total=5000 grant=3000 threshold=1000 final=terminate" \
    -c "quota $IMSI rg=30 total=2000" \
    -c "rar after=30 gx $IMSI install=rg30"
diam_tshark_start gyrg || not_ok "tshark did not start"
agw_start || { not_ok "xepc-agwd start"; exit 1; }
diam_peer_up

log_has() { grep -q "$1" "$E2E_TMP/agwd.log"; }
wait_log() {
    for _ in $(seq "${2:-200}"); do log_has "$1" && return 0; sleep 0.1; done
    return 1
}
j() { diam_j "$DIAM_REC" "$1"; }
wait_j() { diam_j_wait "$DIAM_REC" "$1" "${2:-200}" || j "$1"; }

diam_ue_up 60
check "the UE attached ($UE_IP)" test -n "$UE_IP"
check "1. the CCR-I asks for the catch-all rating group 1 (an empty RSU)" \
    wait_j "(lambda c: len(c)>=1 and c[0]['cc_type']==1 and [(x['rg'],'rsu' in x) for x in c[0]['mscc']]==[(1,True)])(ccr('$IMSI'))"
check "1. the Gx rule's online rating group 20 gets its RSU in a CCR-U (no usage, nothing else)" \
    wait_j "any(m['cc_type']==2 and [(x['rg'],'rsu' in x,'usu' in x) for x in m['mscc']]==[(20,True,False)] for m in ccr('$IMSI'))"
wait_log "rg 20 granted 3000 in all" || not_ok "no grant for rating group 20 in the log"
wait_log "rg 1 granted 4000 in all" || not_ok "no grant for rating group 1 in the log"

flow() { diam_flow "$UE_IP" "$@"; }
# the downlink bytes the kernel let through for rating group RG (its slot's
# counter: packets the quota refused are not counted)
rgdl() {
    in_gw "$XEPCCTL" session show --ue "$UE_IP" --pin-dir "$PIN" 2>/dev/null |
        awk -v rg="$1" '$1 == "rg" && $2 == rg && $3 == "usage" {print $10; exit}'
}
# passed RG "PKTS BYTES" TEXT FLOW-ARGS...: the flow, judged by what the UE
# received; when the UE's side lost datagrams on a loaded machine, by what
# the datapath let through for RG (its counter), which is what is tested
passed() {
    local rg=$1 want=$2 text=$3 b0 b1 got
    shift 3
    b0=$(rgdl "$rg")
    got=$(flow "$@")
    b1=$(rgdl "$rg")
    if [ "$got" = "$want" ]; then
        ok "$text"
    elif [ -n "$b0" ] && [ -n "$b1" ] && [ $((b1 - b0)) = "${want#* }" ]; then
        ok "$text (the datapath let ${want#* } bytes through; the UE received '$got')"
    else
        not_ok "$text: received '$got', the datapath let $((${b1:-0} - ${b0:-0})) bytes through, wanted '$want'"
    fi
}
passed 1 "3 3000" "2. 3 datagrams of 1000 bytes of the catch-all pass (rating group 1)" 3 1000 50
passed 20 "2 2000" "3. 2 datagrams of 1000 bytes from port 7000 pass (rating group 20)" 2 1000 50 7000
check "3. the threshold's CCR-U reports 2000 bytes of rating group 20 alone (THRESHOLD), with its RSU" \
    wait_j "any(m['cc_type']==2 and [(x['rg'],x.get('usu',{}).get('total'),x.get('reason'),'rsu' in x) for x in m['mscc']]==[(20,2000,0,True)] for m in ccr('$IMSI'))"
check "3. the refill: rating group 20 granted 5000 bytes in all" wait_log "rg 20 granted 5000 in all"
passed 20 "3 3000" "3. of 5 more datagrams from port 7000 exactly 3 pass (group 20's 5000 bytes)" \
    5 1000 50 7000
check "3. group 20's TERMINATE: its last 3000 bytes reported with FINAL, no RSU" \
    wait_j "any(m['cc_type']==2 and [(x['rg'],x.get('usu',{}).get('total'),x.get('reason'),'rsu' in x) for x in m['mscc']]==[(20,3000,2,False)] for m in ccr('$IMSI'))"
check "3. group 20's final units stop its traffic only: the UE is not detached" \
    bash -c "! grep -q 'terminated' '$E2E_TMP/agwd.log'"

passed 1 "1 1000" "4. the catch-all goes on: of 3 datagrams exactly 1 passes (group 1's 4000 bytes)" \
    3 1000 50
check "4. the CCR-U reports group 1's 4000 bytes (QUOTA_EXHAUSTED); the 4012 blocks rating group 1" \
    bash -c "for _ in \$(seq 200); do grep -q 'rating group 1 blocked (MSCC result 4012)' '$E2E_TMP/agwd.log' && exit 0; sleep 0.1; done; exit 1"

# 5. the Gx RAR with rule rg30 (a rating group the session did not have),
# 30 s after the Gx CCR-I: steps 1-4 are over by then
check "5. the RAR installing rule rg30 is answered 2001" \
    diam_gx_wait "any(m.get('cmd')=='RAA' and m.get('result')==2001 for m in gx)" 600
check "5. rating group 30 gets its RSU in a CCR-U" \
    wait_j "any(m['cc_type']==2 and any(x['rg']==30 and 'rsu' in x and 'usu' not in x for x in m['mscc']) for m in ccr('$IMSI'))"
wait_log "rg 30 granted 2000 in all" || not_ok "no grant for rating group 30 in the log"
passed 30 "2 2000" "5. of 3 datagrams from port 7001 exactly 2 pass (group 30's 2000), groups 1 and 20 blocked" \
    3 1000 50 7001

diam_ue_down
check "6. the CCR-T reports every rating group with FINAL (1, 20, 30)" \
    wait_j "(lambda t: len(t)==1 and sorted(x['rg'] for x in t[0]['mscc'])==[1,20,30] and all(x.get('reason')==2 and 'rsu' not in x for x in t[0]['mscc']))([m for m in ccr('$IMSI') if m['cc_type']==3])"
check "6. the OCS counted 4000, 5000 and 2000 bytes of groups 1, 20 and 30, each once" \
    j "(lambda c: {g: sum(x.get('usu',{}).get('total',0) for m in c for x in m['mscc'] if x['rg']==g) for g in (1,20,30)}=={1:4000,20:5000,30:2000})([m for m in ccr('$IMSI') if not m.get('dup') and not m.get('silenced')])"

sleep 0.5
diam_tshark_stop
TS=(tshark -r "$E2E_TMP/gyrg.pcap" -d "tcp.port==$DIAM_PORT,diameter")
BAD=$("${TS[@]}" -Y '_ws.malformed || _ws.expert.severity >= "Error"' 2>/dev/null) || BAD="tshark failed"
check "7. tshark: no malformed Diameter message, no expert error${BAD:+: $(echo "$BAD" | head -3)}" test -z "$BAD"
tsrg() {
    "${TS[@]}" -Y "diameter.cmd.code == 272 && diameter.flags.request == 1 && diameter.applicationId == 4 && diameter.CC-Request-Type == 3" \
        -T fields -E aggregator=, -e diameter.Rating-Group -e diameter.3GPP-Reporting-Reason \
        -e diameter.CC-Total-Octets >"$E2E_TMP/ccrt.txt" 2>"$E2E_TMP/ts.err"
    sed 's/^/#   /' "$E2E_TMP/ccrt.txt"
    # three MSCCs: their Rating-Groups, each USU's FINAL (2)
    grep -qE "^1,20,30	2,2,2	" "$E2E_TMP/ccrt.txt"
}
check "7. tshark: the CCR-T carries three MSCCs (Rating-Group 1, 20, 30, Reporting-Reason FINAL)" tsrg
agw_stop TERM
exit $((TAP_FAILED > 0))
