#!/bin/bash
# Gx and Gy on one session (docs/charging.md "Gx and Gy on one session"):
# diamsim is the PCRF and the OCS.  The UE's PDN connection gets a PCC
# rule from the CCA-I (UDP from the PDN's port 7000 dropped) and an online
# quota of 20500 bytes (all of it granted, final unit action TERMINATE).
#   1. 10 datagrams of 1000 bytes pass (10000 charged, 10500 left), the
#      Gx rule drops the port-7000 flow;
#   2. an RAR from the PCRF installs a second rule (port 7001 dropped): the
#      policy is rebuilt, and with it the quota: exactly 10 more datagrams
#      of 1000 bytes pass (the 10500 bytes left, not a new or a lost quota),
#      the new rule and the old one both drop;
#   3. the final units used up, TERMINATE detaches the UE and the CCR-T
#      reports 20000 bytes: what the kernel counted before the RAR survived.
#   4. a second UE attaches with PDN type IPv4v6: tshark reads its /64 in
#      the Gx CCR-I's Framed-IPv6-Prefix (TS 29.212 5.6.2, RFC 3162) and in
#      the Gy CCR-I's PS-Information (TS 32.299: PDP-Address, IPv4 and
#      IPv6, PDP-Address-Prefix-Length 64).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"
source "$(dirname "$0")/diam_lib.sh"

DIAM_GY_EXTRA="    tx_timeout: 2s
    rating_group: 1"
# the grant lines ("rg N granted ... in all") are at debug level: the
# request's line is a report cycle's one info line (gy_handler.c)
export AGW_LOG_LEVEL=debug
AGW_SUB_APNS="internet;v6" DIAM_SUBS=2 diam_gx_setup 13 gx gy
# the second UE's IPv4v6 APN (not the default one)
sed -i -e 's|^database:$|  - name: v6\n    pdn_type: ipv4v6\n    pool: 10.48.0.0/24\n    pool6: 2001:db8:4500::/44\ndatabase:|' \
    "$AGW_CONF"
IMSI2=$(awk -F, 'NR==3 {print $1}' "$E2E_TMP/subs.csv")
check "xepcctl config check accepts diameter.gx with diameter.gy" "$XEPCCTL" config check "$AGW_CONF"

diam_sim_start "$E2E_TMP/pcrf-ocs.jsonl" \
    -c "rule * def=block-7000 prec=10 status=3 flow=\"permit out 17 from $PDN_ADDR 7000 to assigned\"" \
    -c "rule none def=block-7001 prec=11 status=3 flow=\"permit out 17 from $PDN_ADDR 7001 to assigned\"" \
    -c "rar after=8 gx $IMSI install=block-7001" \
    -c "quota $IMSI rg=1 total=20500 final=terminate" \
    -c "quota $IMSI2 rg=1 total=1000000"
agw_start || { not_ok "xepc-agwd start"; exit 1; }
diam_peer_up

diam_ue_up 60
# both answers acted on: the Gx rules and the Gy grant
for _ in $(seq 100); do
    grep -q "PCC rule(s) in force" "$E2E_TMP/agwd.log" && grep -q "rg 1 granted" "$E2E_TMP/agwd.log" && break
    sleep 0.1
done
sleep 0.2
[ -n "$UE_IP" ] && ok "the UE attached ($UE_IP), CCA-I of Gx and Gy applied" ||
    { not_ok "no UE"; tail -n 20 "$E2E_TMP/agwd.log" | sed 's/^/# /'; }

flow() { diam_flow "$UE_IP" "$@"; }
got=$(flow 10 1000 20)
[ "$got" = "10 10000" ] && ok "before the RAR: 10 datagrams of 1000 bytes within the grant" ||
    not_ok "before the RAR: received '$got', wanted '10 10000'"
got=$(flow 3 500 20 7000 2)
[ "$got" = "0 0" ] && ok "the CCA-I's PCC rule drops UDP from port 7000" ||
    not_ok "the PCC rule: port 7000 received '$got', wanted '0 0'"

# the RAR 8 s after the CCR-I
for _ in $(seq 150); do
    diam_j "$DIAM_REC" "any(m['cmd']=='RAA' for m in lines)" >/dev/null && break
    sleep 0.1
done
sleep 0.3
show() { in_gw "$XEPCCTL" session show --ue "$UE_IP" --pin-dir "$PIN" | grep -E "^rg|rule|quota" | sed "s/^/# $1: /"; }
[ -n "${E2E_VERBOSE:-}" ] && show "before the RAR"
check "the RAR installing block-7001 is answered 2001" \
    diam_j "$DIAM_REC" "[m.get('result') for m in lines if m['cmd']=='RAA']==[2001]"
check "the rebuilt policy has both PCC rules" \
    grep -q "ebi 5: 2 PCC rule(s) in force, 2 datapath rule(s)" "$E2E_TMP/agwd.log"
got=$(flow 3 500 20 7001 2)
[ "$got" = "0 0" ] && ok "after the RAR the new rule drops UDP from port 7001" ||
    not_ok "the new PCC rule: port 7001 received '$got', wanted '0 0'"
[ -n "${E2E_VERBOSE:-}" ] && show "after the RAR"
got=$(flow 15 1000 20)
[ "$got" = "10 10000" ] && ok "after the RAR the quota left (10500 bytes) lets exactly 10 more datagrams of 1000 bytes through" ||
    { not_ok "after the RAR: received '$got', wanted '10 10000' (the rebuild lost or refilled the quota)"
      grep -E "gy|gx" "$E2E_TMP/agwd.log" | tail -n 8 | sed 's/^/# /'; }
sleep 1.5
check "the final units used up: TERMINATE detached the UE" \
    grep -q "terminated: final units used" "$E2E_TMP/agwd.log"
check "the CCR-T reports 20000 bytes: the usage counted before the RAR survived it" \
    diam_j "$DIAM_REC" "[(m['cc_type'],usu(m)) for m in ccr('$IMSI')]==[(1,0),(3,20000)]"
diam_ue_down

# 4. an IPv4v6 UE: its /64 on Gx and Gy
diam_tshark_start gxgy6 || not_ok "tshark did not start"
{ head -n 1 "$E2E_TMP/subs.csv"; sed -n 3p "$E2E_TMP/subs.csv"; } >"$E2E_TMP/sub2.csv"
cp "$E2E_TMP/sub2.csv" "$E2E_TMP/subs.csv"
enbsim_bg "$E2E_TMP/e6.out" --ues 1 --apn v6 --pdn-type ipv4v6 --hold -1 --detach --no-tun
ue6_prefix() {
    for _ in $(seq 300); do
        P64=$(agwctl ue show "$IMSI2" 2>/dev/null | awk '/^pdn ebi [0-9]+ ipv6 / {print $5; exit}')
        [ -n "$P64" ] && diam_j "$DIAM_REC" "len(ccr('$IMSI2'))>=1" >/dev/null &&
            diam_gx_j "any(m.get('imsi')=='$IMSI2' for m in ccri)" >/dev/null && return 0
        sleep 0.1
    done
    return 1
}
check "an IPv4v6 UE attached: its /64 and the Gx and Gy CCR-Is" ue6_prefix
diag "the IPv4v6 UE's /64: $P64"
kill -INT "$ENBSIM_PID" 2>/dev/null
wait_bounded "$ENBSIM_PID" 20
diam_tshark_stop
TS=(tshark -r "$E2E_TMP/gxgy6.pcap" -d "tcp.port==$DIAM_PORT,diameter")
# the prefix's 8 octets as tshark prints bytes: 2001:db8:4500:1:: -> 20010db845000001
P64_HEX=$(python3 -c "import ipaddress,sys; print(ipaddress.ip_network(sys.argv[1]).network_address.packed[:8].hex())" "${P64:-::/64}")
gx6() {
    "${TS[@]}" -Y "diameter.cmd.code == 272 && diameter.flags.request == 1 && diameter.applicationId == 16777238 && diameter.CC-Request-Type == 1 && diameter.Subscription-Id-Data == \"$IMSI2\"" \
        -T fields -e diameter.Framed-IPv6-Prefix >"$E2E_TMP/gx6.txt" 2>"$E2E_TMP/ts.err"
    sed 's/^/#   /' "$E2E_TMP/gx6.txt"
    # RFC 3162 2.3: reserved 0, prefix length 64 (0x40), the /64's octets
    grep -qx "0040$P64_HEX" "$E2E_TMP/gx6.txt"
}
check "tshark: the Gx CCR-I carries Framed-IPv6-Prefix ${P64:-}" gx6
gy6() {
    "${TS[@]}" -Y "diameter.cmd.code == 272 && diameter.flags.request == 1 && diameter.applicationId == 4 && diameter.CC-Request-Type == 1 && diameter.Subscription-Id-Data == \"$IMSI2\"" \
        -T fields -E aggregator=, -e diameter.PDP-Address.IPv4 -e diameter.PDP-Address.IPv6 \
        -e diameter.PDP-Address-Prefix-Length >"$E2E_TMP/gy6.txt" 2>"$E2E_TMP/ts.err"
    sed 's/^/#   /' "$E2E_TMP/gy6.txt"
    grep -qxE "10\.48\.0\.[0-9]+	${P64%/64}	64" "$E2E_TMP/gy6.txt"
}
check "tshark: the Gy CCR-I's PS-Information has PDP-Address IPv4 and ${P64%/64} with prefix length 64" gy6
agw_stop TERM
exit $((TAP_FAILED > 0))
