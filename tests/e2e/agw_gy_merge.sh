#!/bin/bash
# Two rating groups of one Gy session report in one CCR-U per cycle
# (docs/charging.md "Rating groups": one CCR-U per session and loop
# iteration; a group whose Validity-Time ends within half of it plus the
# round trip joins the CCR-U of another, Reporting-Reason VALIDITY_TIME).
# diamsim is the PCRF and the OCS; both groups get grants with a
# Validity-Time of 2 s.  The catch-all rating group 1 is granted at the
# CCA-I; a Gx RAR 3 s after the Gx CCR-I installs a PCC rule of rating
# group 20, online (UDP from the PDN's port 7000), so group 20's cycle
# starts about half a cycle after group 1's: the hardest phase.
#   1. group 20 gets its RSU in a CCR-U once the rule is in force;
#   2. after the first cycles (two reports of group 20) every CCR-U carries
#      both groups' MSCCs, each with a USU and VALIDITY_TIME: one CCR-U
#      per cycle (before this change: two, each group alone, for ever);
#   3. a group reported ahead of its Validity-Time is counted (gy_early),
#      and the gateway counted two rating-group reports per CCR-U;
#   4. the usage the OCS was told over the session (CCR-Us and CCR-T),
#      per group, equals what the kernel counted for it (and the 3000 and
#      2000 bytes sent through each).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"
source "$(dirname "$0")/diam_lib.sh"

DIAM_GY_EXTRA="    tx_timeout: 5s
    rating_group: 1"
diam_gx_setup 8 gx gy

diam_sim_start "$E2E_TMP/ocs.jsonl" \
    -c "rule none def=rg20 prec=10 rg=20 online=1 flow=\"permit out 17 from $PDN_ADDR 7000 to assigned\"" \
    -c "quota $IMSI rg=1 total=1000000000 grant=1000000 validity=2" \
    -c "quota $IMSI rg=20 total=1000000000 grant=1000000 validity=2" \
    -c "rar after=3 gx $IMSI install=rg20"
agw_start || { not_ok "xepc-agwd start"; exit 1; }
diam_peer_up

j() { diam_j "$DIAM_REC" "$1"; }
wait_j() { diam_j_wait "$DIAM_REC" "$1" "${2:-200}" || j "$1"; }

diam_ue_up 60
check "the UE attached ($UE_IP)" test -n "$UE_IP"
check "1. rating group 20 gets its RSU in a CCR-U once the RAR's rule is in force" \
    wait_j "any(m['cc_type']==2 and any(x['rg']==20 and 'rsu' in x and 'usu' not in x for x in m['mscc']) for m in ccr('$IMSI'))" 300

# traffic of both groups in the cycles: 3000 bytes of the catch-all, 2000
# from port 7000 (rating group 20)
sleep 1
got1=$(diam_flow "$UE_IP" 3 1000 50)
got20=$(diam_flow "$UE_IP" 2 1000 50 7000)
diag "received: catch-all '$got1', port 7000 '$got20'"
# about six cycles of 2 s (and the round trips)
sleep 10

# the CCR-Us that report usage after group 20's first two reports: the
# groups' cycles had the time to meet
STEADY="(lambda u: (lambda k: u[k:])([i for i, m in enumerate(u) if any(x['rg']==20 for x in m['mscc'])][1] + 1))([m for m in ccr('$IMSI') if m['cc_type']==2 and any('usu' in x for x in m['mscc'])])"
j "[rgu(m) for m in $STEADY]" >/dev/null
diag "CCR-Us with usage (rating group, used): $(j "print([rgu(m) for m in ccr('$IMSI') if m['cc_type']==2]) or True")"
check "2. after the first cycles every CCR-U carries both groups' MSCCs with a USU and VALIDITY_TIME (at least 3 CCR-Us)" \
    j "(lambda s: len(s)>=3 and all(sorted((x['rg'],'usu' in x,x.get('reason')) for x in m['mscc'])==[(1,True,4),(20,True,4)] for m in s))($STEADY)"
diag "CCR-Us per cycle after the first cycles: $(j "print(round(len($STEADY) / max(1, sum(1 for m in $STEADY for x in m['mscc'] if x['rg']==1 and 'usu' in x)), 2)) or True")"
check "2. one CCR-U per cycle: as many CCR-Us as reports of group 1 and as reports of group 20" \
    j "(lambda s: len(s)==sum(1 for m in s for x in m['mscc'] if x['rg']==1 and 'usu' in x)==sum(1 for m in s for x in m['mscc'] if x['rg']==20 and 'usu' in x))($STEADY)"
early=$(agw_stat gy_early)
ccru=$(agw_stat gy_ccr_u)
msccu=$(agw_stat gy_mscc_u)
check "3. a group reported ahead of its Validity-Time was counted (gy_early $early), reports $msccu in $ccru CCR-Us" \
    test "$early" -ge 1 -a "$msccu" -gt "$ccru"

# what the kernel counted for each group (ul + dl bytes of its slot)
rgbytes() {
    in_gw "$XEPCCTL" session show --ue "$UE_IP" --pin-dir "$PIN" 2>/dev/null |
        awk -v rg="$1" '$1 == "rg" && $2 == rg && $3 == "usage" {print $5 + $10; exit}'
}
k1=$(rgbytes 1)
k20=$(rgbytes 20)
diam_ue_down
check "4. the CCR-T reports both groups with FINAL" \
    wait_j "(lambda t: len(t)==1 and sorted((x['rg'],x.get('reason')) for x in t[0]['mscc'])==[(1,2),(20,2)])([m for m in ccr('$IMSI') if m['cc_type']==3])"
check "4. the OCS was told what the kernel counted: group 1 ${k1:-?} bytes, group 20 ${k20:-?}" \
    j "counted('$IMSI',1)==${k1:--1} and counted('$IMSI',20)==${k20:--1}"
check "4. that is the 3000 and 2000 bytes sent through each group" \
    j "counted('$IMSI',1)==3000 and counted('$IMSI',20)==2000"
agw_stop TERM
exit $((TAP_FAILED > 0))
