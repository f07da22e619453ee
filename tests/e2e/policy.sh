#!/bin/bash
# End to end, session management: a byte quota enforced exactly by the
# kernel with threshold and exhausted events, an atomic refill that brings
# the traffic back, policy and AMBR changes with session modify, bulk
# install with batched updates, and deletion.
source "$(dirname "$0")/lib.sh"
e2e_require
trap e2e_cleanup EXIT INT TERM
tap_plan 26

check "topology: three namespaces, two veth links" e2e_topology
check "dp up in routed mode, the PDN host as captive portal" e2e_dp_up routed --portal $PDN_ADDR
check "session add with a 30000-byte quota on rating group 7" e2e_ue_session 2 0x101 0x901 \
    --rule 'prec=100,proto=any,rg=7' --quota 'rg=7,bytes=30000,threshold=50%,fua=drop'
check "gtpu-ue up" e2e_gtpu_ue 2,0x101,0x901

e2e_bg_xepcctl "$E2E_TMP/quota-events.log" events --count 2 --timeout 20
EV=$BG_PID
sleep 0.5
# 1028-byte inner packets both ways: the quota lasts about 14 round trips.
in_enb ping -c 30 -i 0.05 -W 1 -s 1000 -I 10.45.0.2 $PDN_ADDR >"$E2E_TMP/quota-ping.log" 2>&1
received=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$E2E_TMP/quota-ping.log")
diag "ping with the quota: ${received:-?} of 30 received"
check "traffic flows until the quota runs out, then stops" \
    test "${received:-0}" -ge 10 -a "${received:-0}" -lt 30
wait $EV
sed 's/^/# /' "$E2E_TMP/quota-events.log"
check "quota-threshold event" grep -q '^quota-threshold *sid=257 rg=7' "$E2E_TMP/quota-events.log"
check "quota-exhausted event" grep -q '^quota-exhausted *sid=257 rg=7' "$E2E_TMP/quota-events.log"

exact() {
    local out rem ul dl
    out=$(xepcctl session show --teid 0x101) || return 1
    echo "$out" | grep '^rg 7'
    rem=$(echo "$out" | awk '/^rg 7 .*remaining/ { print $4 }')
    ul=$(echo "$out" | awk '/^rg 7 .*usage/ { print $5 }')
    dl=$(echo "$out" | awk '/^rg 7 .*usage/ { print $10 }')
    # Granted bytes + what is left = the grant, and what is left is less
    # than one packet (the next one did not fit).
    [ -n "$rem" ] && [ $((ul + dl + rem)) = 30000 ] && [ "$rem" -lt 1028 ] &&
        echo "$out" | grep -q 'EXHAUSTED'
}
check "the kernel granted exactly the quota (usage + remaining = 30000)" exact
check "QUOTA_EXHAUSTED drops counted" test "$(e2e_stat QUOTA_EXHAUSTED)" -gt 0
check "session refill --rg 7 --bytes 1M" xepcctl session refill --teid 0x101 --rg 7 --bytes 1M
check "traffic flows again after the refill" \
    in_enb ping -c 5 -i 0.1 -W 1 -s 1000 -I 10.45.0.2 $PDN_ADDR
check "refill cleared the exhausted state" \
    bash -c "! ip netns exec $NS_GW $XEPCCTL session show --teid 0x101 --pin-dir $PIN | grep -q EXHAUSTED"

check "session modify: a rule dropping ICMP" \
    xepcctl session modify --teid 0x101 --rule 'prec=5,proto=icmp,action=drop'
rule_drops() {
    local before
    before=$(e2e_stat RULE_DROP)
    ! in_enb ping -c 3 -i 0.1 -W 1 -I 10.45.0.2 $PDN_ADDR && [ "$(e2e_stat RULE_DROP)" -gt "$before" ]
}
check "ICMP is dropped by the new rule (RULE_DROP)" rule_drops
# The same rules again: the identical (shared) rule set is found and kept.
check "session modify with identical rules" \
    xepcctl session modify --teid 0x101 --default pass --rule 'prec=5,proto=icmp,action=drop'
check "ICMP is still dropped: the rule set in use was not freed" rule_drops
check "session modify --no-rules: ICMP passes again" bash -c \
    "ip netns exec $NS_GW $XEPCCTL session modify --teid 0x101 --no-rules --pin-dir $PIN &&
     ip netns exec $NS_ENB ping -c 3 -i 0.1 -W 1 -I 10.45.0.2 $PDN_ADDR"

ambr_drops() {
    xepcctl session modify --teid 0x101 --ul-ambr 1M || return 1
    local before
    before=$(e2e_stat METER_AMBR)
    e2e_iperf "$NS_PDN" $PDN_ADDR "$NS_ENB" 10.45.0.2 -u -b 10M -l 1000
    [ "$(e2e_stat METER_AMBR)" -gt "$before" ]
}
check "session modify --ul-ambr 1M: a 10 Mbit/s UDP flow is policed (METER_AMBR)" ambr_drops

rule_meter() {
    xepcctl session modify --teid 0x101 --ul-ambr 0 --rule 'prec=10,dir=ul,proto=udp,mbr=1M' ||
        return 1
    local before
    before=$(e2e_stat METER_RULE)
    e2e_iperf "$NS_PDN" $PDN_ADDR "$NS_ENB" 10.45.0.2 -u -b 10M -l 1000
    [ "$(e2e_stat METER_RULE)" -gt "$before" ]
}
check "a rule with mbr=1M polices a 10 Mbit/s UDP flow (METER_RULE)" rule_meter

redirect() {
    xepcctl session modify --teid 0x101 \
        --rule 'prec=10,dir=ul,proto=udp,dport=7777,action=redirect' || return 1
    local before
    before=$(e2e_stat RULE_REDIRECT)
    # Sent to an address nobody has; the portal (the PDN host) receives it.
    in_pdn timeout 8 $PY -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('0.0.0.0', 7777))
s.settimeout(6)
print(s.recvfrom(100)[0].decode())
" >"$E2E_TMP/portal.out" 2>&1 &
    local rx=$!
    sleep 0.5
    in_enb $PY -c "
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('10.45.0.2', 0))
for i in range(3):
    s.sendto(b'to-the-portal', ('198.51.100.77', 7777))
    time.sleep(0.2)
"
    wait $rx
    grep -q to-the-portal "$E2E_TMP/portal.out" && [ "$(e2e_stat RULE_REDIRECT)" -gt "$before" ]
}
check "action=redirect sends the UE's uplink to the portal (RULE_REDIRECT)" redirect

bulk() {
    xepcctl session bulk --count 700 --teid 0x120 --ue 10.46.0.1 --enb $ENB_ADDR \
        --dl-teid 0x5000 || return 1
    xepcctl dp status | grep -q 'sessions  701 of 1024'
}
check "session bulk installs 700 sessions with batched updates" bulk
bulk_refuses() {
    ! xepcctl session bulk --count 10 --teid 0x125 --ue 10.47.0.1 2>"$E2E_TMP/bulk.err" &&
        grep -q 'in use; nothing was installed' "$E2E_TMP/bulk.err" &&
        xepcctl dp status | grep -q 'sessions  701 of 1024'
}
check "session bulk over used session ids installs nothing" bulk_refuses
bulk_show() {
    xepcctl session show --ue 10.46.0.10 >"$E2E_TMP/show" || return 1
    grep -q 'ul-teid *0x00000129' "$E2E_TMP/show" && grep -q 'dl-teid 0x00005009' "$E2E_TMP/show"
}
check "a bulk session reads back (UE 10.46.0.10 = TEID 0x129, DL 0x5009)" bulk_show

# Issue 8 item 6: quotas and rates at the edges of what the kernel holds
# (remaining is a signed 64-bit count; extended APN-AMBR reaches 4.29T).
ranges() {
    ! xepcctl session add --teid 0x3f0 --ue 10.48.0.1 \
        --quota 'rg=9,bytes=9223372036854775808' 2>"$E2E_TMP/r.err" || return 1
    grep -q 'more than the 4611686018427387904 a quota can hold' "$E2E_TMP/r.err" || return 1
    xepcctl session add --teid 0x3f0 --ue 10.48.0.1 --ul-ambr 4.29T --dl-ambr 10T \
        --rule 'prec=10,proto=any,rg=9' --quota 'rg=9,bytes=4611686018427387000' || return 1
    xepcctl session refill --teid 0x3f0 --rg 9 --bytes 18446744073709551615 >"$E2E_TMP/r.out" ||
        return 1
    cat "$E2E_TMP/r.out"
    grep -q 'saturated at 4611686018427387904 bytes' "$E2E_TMP/r.out" || return 1
    ! xepcctl session add --teid 0x3f1 --ue 10.48.0.2 --dl-ambr 10.5T 2>"$E2E_TMP/r.err" ||
        return 1
    grep -q 'AMBR above 10T' "$E2E_TMP/r.err" && xepcctl session del --teid 0x3f0
}
check "quota beyond 2^62 refused, refill saturates and says so, AMBR 4.29T/10T accepted, 10.5T refused" \
    ranges
ue_refused() {
    local ue
    for ue in 224.0.0.5 255.255.255.255 127.0.0.1 0.1.2.3 240.1.1.1 $S1U_ADDR; do
        ! xepcctl session add --teid 0x3f2 --ue $ue 2>"$E2E_TMP/u.err" || return 1
        sed 's/^/# /' "$E2E_TMP/u.err"
        grep -q "UE address $ue is" "$E2E_TMP/u.err" || return 1
    done
    ! xepcctl session bulk --count 10 --teid 0x3f3 --ue 223.255.255.250 2>"$E2E_TMP/u.err" ||
        return 1
    sed 's/^/# /' "$E2E_TMP/u.err"
    grep -q 'session 6: UE address 224.0.0.0 is a multicast' "$E2E_TMP/u.err" || return 1
    ! xepcctl session bulk --count 10 --teid 0x3f3 --ue 255.255.255.250 2>"$E2E_TMP/u.err" ||
        return 1
    sed 's/^/# /' "$E2E_TMP/u.err"
    grep -q 'wrap past 255.255.255.255 at session index 6' "$E2E_TMP/u.err"
}
check "UE addresses that can never be a UE (multicast, broadcast, loopback, 0/8, 240/4, our GTP-U address) are refused; bulk names the session" \
    ue_refused

deleted() {
    local before
    xepcctl session del --ue 10.45.0.2 || return 1
    before=$(e2e_stat UNKNOWN_TEID)
    ! in_enb ping -c 2 -i 0.1 -W 1 -I 10.45.0.2 $PDN_ADDR &&
        [ "$(e2e_stat UNKNOWN_TEID)" -gt "$before" ]
}
check "session del: its TEID is unknown from then on" deleted
[ $TAP_FAILED = 0 ]
