#!/bin/bash
# End to end, issue 13 section 1: `session bulk` installs full-policy
# sessions (UL/DL AMBR, rules, an online quota) with batched updates: the
# sessions share one ruleset, each has its own meters and charging slots,
# `dp check` finds nothing wrong, and a UE of the batch gets its packets
# through with its policy applied (rule drop, rating-group usage).  Issue
# 13 section 4: IPv4v6 and IPv6-only sessions in bulk (--ue6: session i
# gets the /64 PREFIX+i), full policy included, and eNBs on IPv6; a UE of
# each batch reaches the PDN over IPv6 and its reply comes back through
# its tunnel (scapy); a /64 that is taken refuses the whole batch.
source "$(dirname "$0")/lib.sh"
e2e_require
trap e2e_cleanup EXIT INT TERM
tap_plan 16
PROBE="$PY $E2E_ROOT/tests/e2e/ipv6_probe.py"

check "topology: three namespaces, two veth links" e2e_topology
check "dp up in routed mode" e2e_dp_up routed
check "session bulk: 400 sessions with AMBR, two rules and a quota" \
    xepcctl session bulk --count 400 --teid 0x110 --ue 10.45.0.10 --enb $ENB_ADDR \
        --dl-teid 0x910 --ul-ambr 100M --dl-ambr 100M \
        --rule 'prec=10,dir=ul,proto=udp,dport=9,action=drop' \
        --rule 'prec=20,proto=any,rg=7' --quota 'rg=7,bytes=1G,threshold=80%'

policy_read_back() {
    xepcctl dp status | grep -q 'sessions  400 of 1024' || return 1
    xepcctl session show --ue 10.45.0.20 >"$E2E_TMP/show" || return 1
    sed 's/^/# /' "$E2E_TMP/show"
    grep -q 'ul-teid     0x0000011a' "$E2E_TMP/show" &&
        grep -q 'ambr        ul 100000000 bit/s, dl 100000000 bit/s' "$E2E_TMP/show" &&
        grep -q 'rule        prec=10,dir=ul,proto=udp,dport=9-9,action=drop' "$E2E_TMP/show" &&
        grep -q '^rg 7 .*remaining 1000000000 bytes' "$E2E_TMP/show"
}
check "a bulk session reads back with its AMBR, rules and quota" policy_read_back

shared_and_clean() {
    local sid a b
    xepcctl dp check >"$E2E_TMP/check" 2>&1 || { cat "$E2E_TMP/check"; return 1; }
    sed 's/^/# /' "$E2E_TMP/check" | tail -n 3
    # the first and the last session point to the same ruleset, to
    # different charging slots, and keep their AMBR in their own usage
    # value (meter ids XEPC_METER_SESSION; bpftool, by field name)
    for sid in $((0x110)) $((0x110 + 399)); do
        ip netns exec "$NS_GW" bpftool -j map lookup pinned "$PIN/xepc_sessions" \
            key $((sid & 255)) $(((sid >> 8) & 255)) 0 0 |
            $PY -c 'import json,sys; v=json.load(sys.stdin)["formatted"]["value"]; print(v["ruleset_id"], v["ul_meter_id"], v["dl_meter_id"], v["charge_base"], v["n_charge"])'
    done >"$E2E_TMP/ids" || return 1
    sed 's/^/# ruleset ul-meter dl-meter charge-base n-charge: /' "$E2E_TMP/ids"
    read -r a b <<<"$(awk '{print $1}' "$E2E_TMP/ids" | tr '\n' ' ')"
    [ "$a" = "$b" ] && [ "$a" != 0 ] &&
        [ "$(awk '{print $4}' "$E2E_TMP/ids" | sort -u | wc -l)" = 2 ] &&
        [ "$(awk '{print $2, $3}' "$E2E_TMP/ids" | sort -u)" = "4294967295 4294967295" ] &&
        [ "$(awk '{print $5}' "$E2E_TMP/ids" | sort -u)" = 2 ] || return 1
    sid=$((0x110 + 399))
    ip netns exec "$NS_GW" bpftool -j map lookup pinned "$PIN/xepc_usage" \
        key $((sid & 255)) $(((sid >> 8) & 255)) 0 0 |
        $PY -c 'import json,sys; v=json.load(sys.stdin)["formatted"]["value"]; r = (v["ul_ambr"]["rate"], v["dl_ambr"]["rate"]); print("# AMBR buckets, bytes/s:", *r); sys.exit(r != (12500000, 12500000))'
}
check "one shared ruleset, own AMBR buckets and charging slots; dp check finds nothing" shared_and_clean

check "gtpu-ue up as UE 10.45.0.20 of the batch" e2e_gtpu_ue 20,0x11a,0x91a
through() {
    local before
    before=$(e2e_stat RULE_DROP)
    in_enb ping -c 3 -i 0.2 -W 2 -I 10.45.0.20 $PDN_ADDR || return 1
    in_enb $PY -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('10.45.0.20', 0))
for i in range(4):
    s.sendto(b'x', ('$PDN_ADDR', 9))
" || return 1
    sleep 0.3
    xepcctl session show --ue 10.45.0.20 | grep '^rg 7' | sed 's/^/# /'
    [ $(($(e2e_stat RULE_DROP) - before)) -ge 4 ] &&
        ! xepcctl session show --ue 10.45.0.20 | grep -q '^rg 7 .*remaining 1000000000 bytes'
}
check "ping through a bulk session; its rule drops udp/9, its quota counts" through
refused_leaves_nothing() {
    # a rule with its own meter: refused; then more sessions than charging
    # slots (2 x 400 of 1024 taken): fails part-way through its chunk
    ! xepcctl session bulk --count 10 --teid 0x300 --ue 10.45.3.0 --ul-ambr 1M \
        --rule 'prec=10,proto=any,mbr=1M' 2>"$E2E_TMP/b.err" || return 1
    sed 's/^/# /' "$E2E_TMP/b.err"
    grep -q 'bulk install takes rules without mbr=' "$E2E_TMP/b.err" || return 1
    # a quota no rule charges: refused as by session add
    ! xepcctl session bulk --count 10 --teid 0x300 --ue 10.45.3.0 --ul-ambr 1M \
        --quota 'rg=8,bytes=1M' 2>"$E2E_TMP/b.err" || return 1
    sed 's/^/# /' "$E2E_TMP/b.err"
    grep -q 'session 0: ' "$E2E_TMP/b.err" || return 1
    ! xepcctl session bulk --count 200 --teid 0x300 --ue 10.45.3.0 --ul-ambr 1M \
        --rule 'prec=5,proto=any,rg=8' --quota 'rg=8,bytes=1M' 2>"$E2E_TMP/b.err" || return 1
    sed 's/^/# /' "$E2E_TMP/b.err"
    grep -q 'no 2 free contiguous charging slots' "$E2E_TMP/b.err" || return 1
    xepcctl dp status | grep -q 'sessions  400 of 1024' && xepcctl dp check
}
check "bulk refuses rules with mbr= and quotas no rule charges, and a bulk that runs out of charging slots leaves no meter or slot behind" \
    refused_leaves_nothing

# --- IPv6 (issue 13 section 4) -----------------------------------------------
check "IPv6 on SGi, the bulk UEs' prefixes routed to the gateway" e2e_sgi6_on 2001:db8:46::/47
check "session bulk: 100 IPv4v6 sessions (--ue6 2001:db8:46::/64) with AMBR, rules and a quota" \
    xepcctl session bulk --count 100 --teid 0x2a0 --ue 10.45.4.0 --ue6 2001:db8:46::/64 \
        --enb $ENB_ADDR --dl-teid 0xa00 --ul-ambr 50M --dl-ambr 50M \
        --rule 'prec=10,dir=ul,proto=udp,dport=9,action=drop' \
        --rule 'prec=20,proto=any,rg=7' --quota 'rg=7,bytes=1G,threshold=80%'
check "session bulk: 100 IPv6-only sessions (no IPv4 address) with AMBR and a rule" \
    xepcctl session bulk --count 100 --teid 0x310 --ue6 2001:db8:47::/64 \
        --enb $ENB_ADDR --dl-teid 0xb00 --ul-ambr 20M --dl-ambr 20M \
        --rule 'prec=10,dir=ul,proto=udp,dport=9,action=drop'
read_back6() {
    xepcctl session show --teid 0x2ca >"$E2E_TMP/show4" &&
        xepcctl session show --teid 0x373 >"$E2E_TMP/show6" || return 1
    sed 's/^/# /' "$E2E_TMP/show4" "$E2E_TMP/show6"
    grep -q '^ue          10.45.4.42$' "$E2E_TMP/show4" &&
        grep -q '^ue6         2001:db8:46:2a::/64$' "$E2E_TMP/show4" &&
        grep -q 'ambr        ul 50000000 bit/s, dl 50000000 bit/s' "$E2E_TMP/show4" &&
        grep -q '^rg 7 .*remaining 1000000000 bytes' "$E2E_TMP/show4" &&
        grep -q '^ue          0.0.0.0$' "$E2E_TMP/show6" &&
        grep -q '^ue6         2001:db8:47:63::/64$' "$E2E_TMP/show6" &&
        grep -q 'rule        prec=10,dir=ul,proto=udp,dport=9-9,action=drop' "$E2E_TMP/show6" &&
        xepcctl dp status | grep -q 'sessions  600 of 1024'
}
check "the bulk sessions read back with their /64 (PREFIX+i), IPv4 address or none, and policy" \
    read_back6
check "an IPv4v6 bulk UE: echo to the PDN over IPv6 and back through its tunnel" \
    in_enb $PROBE ping "$E_IF" $ENB_ADDR $S1U_ADDR 0x2ca 0xa2a 2001:db8:46:2a::5 $PDN6
check "an IPv6-only bulk UE: echo to the PDN and back through its tunnel" \
    in_enb $PROBE ping "$E_IF" $ENB_ADDR $S1U_ADDR 0x373 0xb63 2001:db8:47:63::77 $PDN6
refused6() {
    # a /64 of the IPv6-only batch again: nothing of the batch is installed
    ! xepcctl session bulk --count 5 --teid 0x380 --ue6 2001:db8:47:60::/64 2>"$E2E_TMP/b.err" ||
        return 1
    sed 's/^/# /' "$E2E_TMP/b.err"
    grep -q 'IPv6 prefix 2001:db8:47:60::/64 already belongs to session' "$E2E_TMP/b.err" &&
        xepcctl dp status | grep -q 'sessions  600 of 1024'
}
check "a bulk whose /64 is taken is refused whole" refused6
enb6_and_clean() {
    # eNBs on IPv6: the tunnel reads back with the eNB's IPv6 address
    xepcctl session bulk --count 10 --teid 0x3a0 --ue 10.45.7.0 --enb 2001:db8:10::2 \
        --dl-teid 0xd00 >/dev/null || return 1
    xepcctl session show --teid 0x3a9 >"$E2E_TMP/show7" || return 1
    sed 's/^/# /' "$E2E_TMP/show7"
    grep -q '^tunnel      eNB 2001:db8:10::2, dl-teid 0x00000d09' "$E2E_TMP/show7" &&
        xepcctl dp status | grep -q 'sessions  610 of 1024' && xepcctl dp check
}
check "bulk sessions with an eNB on IPv6; dp check finds nothing wrong" enb6_and_clean
[ $TAP_FAILED = 0 ]
