#!/bin/bash
# Gy's REDIRECT final-unit action on a dedicated bearer (docs/charging.md
# "Dedicated bearers"): diamsim is the PCRF and the OCS.  The CCA-I of Gx
# installs a QCI 2 rule for the UE's HTTP to 198.51.100.7 (TCP, remote
# port 80: a dedicated bearer, whose uplink TFT enbsim's UE applies); Gy
# grants 3000 bytes with REDIRECT to a portal on the PDN host.  UDP down
# the default bearer uses the grant up; then
# the UE's real TCP/HTTP to 198.51.100.7 (curl on enbsim's TUN device)
# goes up the dedicated bearer, the datapath sends it to the portal, and
# the portal's answer comes down to the UE's address (the default
# bearer's session) with 198.51.100.7 put back as its source, into the
# bearer's tunnel (its TFT).  The judges: curl's connection completes and
# its peer is 198.51.100.7 (the UE's socket never sees the portal's
# address), and tshark on the eNB's S1-U link: the HTTP went up with the
# bearer's uplink TEID, every packet of the answer came down with the
# bearer's downlink TEID and the inner source 198.51.100.7, none from
# the portal's address.  Before, the address was kept in the bearer's own
# usage entry, which the downlink never reads: the answer kept the
# portal's source, the UE's TCP refused it and curl timed out.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"
source "$(dirname "$0")/diam_lib.sh"

SERVER=198.51.100.7
DIAM_NEEDS="tshark curl"
DIAM_GY_EXTRA="    tx_timeout: 2s
    rating_group: 1
    apn: internet
    portal: $PDN_ADDR"
DIAM_TRAP_EXTRA='[ -f "$E2E_TMP/s1u.bgpid" ] && kill "$(cat "$E2E_TMP/s1u.bgpid")" 2>/dev/null'
# the grant line ("rg 1 granted") is at debug level (gy_handler.c)
export AGW_LOG_LEVEL=debug
diam_gx_setup 5 gx gy

diam_sim_start "$E2E_TMP/pcrf-ocs.jsonl" \
    -c "rule * def=web prec=10 qci=2 gbr=1000000/1000000 mbr=1000000/1000000 flow=\"permit out 6 from $SERVER 80 to assigned\"" \
    -c "quota $IMSI rg=1 total=3000 final=redirect redirect=http://$PDN_ADDR/"
agw_start || { not_ok "xepc-agwd start"; exit 1; }
diam_peer_up

bearer_line() { agwctl ue show "$IMSI" | awk '$1 == "bearer" && $3 == 6 && $4 == "linked"'; }
bearer_teid() {     # ul_teid | dl_teid: 0x%08x, as tshark prints gtp.teid
    bearer_line | awk -v f="$1" '{ for (i = 1; i < NF; i++) if ($i == f) { print $(i + 1); exit } }'
}

diam_ue_up 60
for _ in $(seq 150); do
    grep -q "rg 1 granted" "$E2E_TMP/agwd.log" && bearer_line | grep -q "state active" && break
    sleep 0.1
done
[ -n "$UE_IP" ] && bearer_line | grep -q "state active qci 2" && diam_ue_route &&
    ok "UE attached ($UE_IP), its HTTP rule on dedicated bearer EBI 6, Gy's grant taken" ||
    { not_ok "no UE, bearer or grant"; agwctl ue show "$IMSI" | sed 's/^/# /'; tail -n 20 "$E2E_TMP/agwd.log" | sed 's/^/# /'; }
UL_TEID=$(bearer_teid ul_teid)
DL_TEID=$(bearer_teid dl_teid)

# (the PDN host is the portal too: its datagrams pass after the final units)
diam_flow "$UE_IP" 5 1000 20 40000 >/dev/null
for _ in $(seq 100); do
    grep -q "final units used: redirected" "$E2E_TMP/agwd.log" && break
    sleep 0.1
done
check "the default bearer's downlink used the 3000 bytes up: final units, REDIRECT to the portal" \
    grep -q "final units used: redirected to http://$PDN_ADDR/" "$E2E_TMP/agwd.log"

# the S1-U link seen from the eNB
ip netns exec "$NS_ENB" timeout 60 tshark -q -i "$E_IF" -f "udp port 2152 or ($E2E_S1_MARK)" -w "$E2E_TMP/s1u.pcap" \
    >"$E2E_TMP/tshark-s1u.log" 2>&1 &
echo $! >"$E2E_TMP/s1u.bgpid"
e2e_wait_capturing "$E2E_TMP/tshark-s1u.log" || not_ok "tshark on S1-U did not start"
e2e_capture_marked "$E2E_TMP/s1u.pcap" || diag "the S1-U capture shows no marker after 30 s"
diam_portal_start 20
out=$(ip netns exec "$NS_ENB" curl -s -m 8 --interface "$UE_IP" -w '|%{remote_ip}' "http://$SERVER/" 2>&1)
[ "$out" = "xepc-portal
|$SERVER" ] && ok "REDIRECT on the bearer: the UE's HTTP to $SERVER is answered by the portal, and its socket's peer is $SERVER" ||
    { not_ok "curl got '$out', wanted the portal's page from $SERVER"
      in_gw "$XEPCCTL" stats --pin-dir "$PIN" | grep -iE "redirect|portal|quota" | sed 's/^/# /'; }
kill "$(cat "$E2E_TMP/portal.bgpid")" 2>/dev/null
rm -f "$E2E_TMP/portal.bgpid"
sleep 1
kill -INT "$(cat "$E2E_TMP/s1u.bgpid")" 2>/dev/null
wait "$(cat "$E2E_TMP/s1u.bgpid")" 2>/dev/null
rm -f "$E2E_TMP/s1u.bgpid"

# -E occurrence=l: the inner (last) IPv4 header's source
TS=(tshark -r "$E2E_TMP/s1u.pcap" -E occurrence=l)
up=$("${TS[@]}" -Y "tcp.dstport == 80" -T fields -e gtp.teid 2>/dev/null | sort -u | tr '\n' ' ')
down=$("${TS[@]}" -Y "tcp.srcport == 80" -T fields -e gtp.teid -e ip.src 2>/dev/null | sort -u | tr '\t\n' ': ')
[ -n "$UL_TEID" ] && [ "$up" = "$UL_TEID " ] &&
    ok "tshark: the UE's HTTP went up the dedicated bearer (TEID $UL_TEID only)" ||
    not_ok "uplink of the HTTP flow: TEIDs '$up', wanted the bearer's '$UL_TEID'"
[ -n "$DL_TEID" ] && [ "$down" = "$DL_TEID:$SERVER " ] &&
    ok "tshark: the portal's answer came down the bearer (TEID $DL_TEID) from $SERVER, never from $PDN_ADDR" ||
    not_ok "downlink of the HTTP flow: (TEID:inner source) '$down', wanted '$DL_TEID:$SERVER'"
diam_ue_down
agw_stop TERM
exit $((TAP_FAILED > 0))
