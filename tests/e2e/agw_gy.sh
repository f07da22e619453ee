#!/bin/bash
# xepc-agwd with Gy toward diamsim as the OCS (docs/charging.md "Gy in
# xepc-agwd"): UEs attach through enbsim (TUN user plane) and get UDP
# downlink from the PDN side through the XDP datapath; the OCS's grants are
# the kernel's quota of (session, rating group).  One UE per case, each
# with its own IMSI and its own quota line in diamsim:
#   exact:     a grant of 10500 bytes lets exactly 10 datagrams of 1000 bytes
#              through, then TERMINATE detaches the UE; the CCR-T reports
#              10000 bytes
#   refill:    grants of 20000 with a threshold of 8000: 150 datagrams, none
#              lost, CCR-U at the threshold (Reporting-Reason THRESHOLD);
#              the sender goes on while each CCR-U is out and waits for
#              the refill before it could outrun it (no timing assumed)
#   rar:       an RAR 2 s in: RAA 2001 and a CCR-U FORCED_REAUTHORISATION
#   restrict:  RESTRICT_ACCESS with a Restriction-Filter-Rule and a
#              Filter-Id (a predefined rule of the gateway's policy section):
#              after the final units only their source ports pass; what
#              they let through is counted apart (rg 1 uncharged) and the
#              OCS is reported exactly the 3000 bytes it granted
#   redirect:  REDIRECT: the UE's TCP to any address reaches the portal;
#              the portal's exchange is counted apart, the reports add up
#              to the 3000 bytes granted exactly (RFC 4006 5.6.2)
#   denied:    per-MSCC 5031 RATING_FAILED: nothing passes
#   silent:    the OCS does not answer: Tx timer, failure handling TERMINATE
#              detaches; then CONTINUE (configured) lets traffic through and
#              the usage is reported when the OCS answers again
#   tshark:    every Gy message of the above (CCR/CCA/RAR/RAA) captured on
#              the gateway's loopback decodes without a malformed AVP
#   rst:       xepc-agwd restarts with a session whose usage is not reported
#              (traffic before and while it is down): the CCR-T after the
#              restart reports all of it; that CCR-T unanswered, the final
#              usage is kept in SQLite, sent again after another restart,
#              and once acknowledged never again
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"

source "$(dirname "$0")/diam_lib.sh"
TRAFFIC=$E2E_ROOT/tests/e2e/gy_traffic.py
# the grant lines ("rg N granted ... in all") are at debug level: the
# request's line is a report cycle's one info line (gy_handler.c)
export AGW_LOG_LEVEL=debug
e2e_require
agw_require
diam_require
trap 'for f in "$E2E_TMP"/*.bgpid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null; done; e2e_cleanup' EXIT
tap_plan 24

e2e_topology || { not_ok "topology"; exit 1; }
gy_config() {       # gy_config FAILURE_HANDLING
    agw_config
    DIAM_GY_EXTRA="    tx_timeout: 1s
    failure_handling: $1
    rating_group: 1
    apn: internet
    portal: $PDN_ADDR"
    diam_config gy
    # the filter list a Filter-Id names (restrict)
    printf 'policy:\n  rules:\n    - name: pdn-7002\n      precedence: 50\n      flows: ["permit out udp from %s 7002 to assigned"]\n' \
        "$PDN_ADDR" >>"$AGW_CONF"
}
gy_config terminate
check "xepcctl config check accepts diameter.gy" "$XEPCCTL" config check "$AGW_CONF"

# one subscriber per case: $E2E_TMP/<case>.csv
N=0
for c in exact refill rar restrict redirect denied silent cont rst; do
    N=$((N + 1))
    "$ENBSIM" gen-subscribers --count 1 --imsi-base "00101000000$(printf %04d $N)" \
        --apn internet >"$E2E_TMP/$c.csv" &&
        "$XEPCCTL" subscriber import --db "$AGW_DB" "$E2E_TMP/$c.csv" >/dev/null ||
        not_ok "subscriber $c"
    eval "IMSI_$c=$(awk -F, 'NR==2 {print $1}' "$E2E_TMP/$c.csv")"
done
REC=$E2E_TMP/ocs.jsonl
TS_PID=""
diam_tshark_start gy || diag "the Gy capture shows no marker after 30 s"
TS_PID=$DIAM_TS_PID
diamsim_start() { diam_sim_start "$REC" "$@"; }
diamsim_start \
    -c "quota $IMSI_exact rg=1 total=10500 final=terminate" \
    -c "quota $IMSI_refill rg=1 total=400000 grant=20000 threshold=8000 final=terminate" \
    -c "quota $IMSI_rar rg=1 total=1000000 grant=100000" \
    -c "rar after=2 gy $IMSI_rar rg=1" \
    -c "quota $IMSI_restrict rg=1 total=3000 final=restrict restrict=\"permit out udp from $PDN_ADDR 7000 to any\" filter=pdn-7002" \
    -c "quota $IMSI_redirect rg=1 total=3000 final=redirect redirect=http://$PDN_ADDR/" \
    -c "quota $IMSI_denied rg=2 total=1000"
agw_start || { not_ok "xepc-agwd start"; exit 1; }
wait_ocs() { diam_peer_up 100; }
wait_ocs

# answers the gateway acted on: grants, blocks, Tx timeouts
answered() { grep -cE "rg [0-9]+ granted|rating group [0-9]+ blocked|no CCA within" "$E2E_TMP/agwd.log"; }
# ue_up CASE: attaches the case's UE (held), sets UE_IP and UE_PID; waits
# for the gateway to act on the CCA-I (or its Tx timer)
ue_up() {
    local n0
    n0=$(answered)
    rm -f "$E2E_TMP/$1.ready"
    ip netns exec "$NS_ENB" "$ENBSIM" --mme "$S1U_ADDR" --backend "$AGW_BACKEND" \
        --enb-addr "$ENB_ADDR" --subscribers "$E2E_TMP/$1.csv" --ues 1 --hold -1 --detach \
        --tun --timeout 60 --ready-file "$E2E_TMP/$1.ready" --ue-report "$E2E_TMP/$1.ues" \
        >"$E2E_TMP/$1.out" 2>&1 &
    UE_PID=$!
    echo $UE_PID >"$E2E_TMP/$1.bgpid"
    for _ in $(seq 150); do [ -s "$E2E_TMP/$1.ready" ] && break; sleep 0.1; done
    UE_IP=$(awk '!/^#/ && $2 != "-" {print $2; exit}' "$E2E_TMP/$1.ues")
    for _ in $(seq 100); do [ "$(answered)" -gt "$n0" ] && break; sleep 0.1; done
    sleep 0.2
}
ue_down() { kill -TERM "$UE_PID" 2>/dev/null; wait "$UE_PID" 2>/dev/null; }
# flow CASE COUNT LEN GAP_MS [SPORT [SECONDS]]: downlink datagrams to the
# UE, once its receiver is bound; prints "received bytes"
flow() {
    shift
    diam_flow "$UE_IP" "$@"
}
j() { diam_j "$@"; }
# uncharged: what rating group 1's final-unit action let through, apart
# from its usage (xepcctl session show: "rg 1 uncharged ul B ... dl B ...")
uncharged() {
    in_gw "$XEPCCTL" session show --ue "$UE_IP" --pin-dir "$PIN" |
        awk '$1 == "rg" && $2 == 1 && $3 == "uncharged" { print $5 + $10; f = 1; exit }
             END { if (!f) print "none" }'
}

# exact
ue_up exact
got=$(flow exact 20 1000 20 "" 8)    # 8 s: see CONTINUE below
sleep 1.5
[ "$got" = "10 10000" ] && ok "a grant of 10500 bytes: exactly 10 datagrams of 1000 bytes through" ||
    not_ok "exact quota: received '$got', wanted '10 10000'"
grep -q "terminated: final units used" "$E2E_TMP/agwd.log" &&
    ok "the final units used up: TERMINATE detaches the UE" ||
    { not_ok "TERMINATE did not detach"; grep gy "$E2E_TMP/agwd.log" | tail -5 | sed 's/^/# /'; }
check "the CCR-T reports the 10000 bytes (CCR-I then CCR-T)" \
    j "$REC" "[(m['cc_type'],usu(m)) for m in ccr('$IMSI_exact')]==[(1,0),(3,10000)]"
ue_down

# refill: 150 datagrams of 1000 bytes over grants of 20000, threshold 8000.
# Each round sends until the kernel's remainder reaches the threshold (the
# CCR-U THRESHOLD goes), 4 datagrams more while that CCR-U is out (they fit
# in what is left), then waits for the refill.  Before, 150 datagrams 10 ms
# apart needed each refill within the 8 datagrams (80 ms) after the
# threshold: on a loaded machine (load 13: the journal's fsync, the OCS's
# round trip, the scheduler) it came later, the quota ran out, datagrams
# were dropped uncharged, and both "without a loss" and "the reports add
# up to 150000" failed.  What is asserted is the same, without the time.
ue_up refill
left() {
    in_gw "$XEPCCTL" session show --ue "$UE_IP" --pin-dir "$PIN" |
        awk '$1 == "rg" && $2 == 1 && $3 == "remaining" { print $4; exit }'
}
grants() { grep -c "rg 1 granted" "$E2E_TMP/agwd.log"; }
ip netns exec "$NS_ENB" python3 "$TRAFFIC" recv "$UE_IP" 5001 300 60 150 >"$E2E_TMP/refill.recv" &
RECV=$!
for _ in $(seq 100); do
    [ -n "$(ip netns exec "$NS_ENB" ss -Huan "( sport = :5001 )" 2>/dev/null)" ] && break
    sleep 0.05
done
sent=0 rounds=0
while [ $sent -lt 150 ]; do
    g0=$(grants)
    rem=$(left)
    [ -n "$rem" ] || { diag "refill: no remainder in the datapath"; break; }
    n=$(( (rem - 8000 + 999) / 1000 + 4 ))
    [ $n -gt $((150 - sent)) ] && n=$((150 - sent))
    ip netns exec "$NS_PDN" python3 "$TRAFFIC" send "$UE_IP" 5001 $n 1000 10
    sent=$((sent + n)) rounds=$((rounds + 1))
    [ $sent -lt 150 ] || break
    for _ in $(seq 300); do [ "$(grants)" -gt "$g0" ] && break; sleep 0.1; done
done
wait $RECV
got=$(cat "$E2E_TMP/refill.recv")
diag "refill: $sent datagrams in $rounds rounds"
[ "$got" = "150 150000" ] && ok "threshold refill: 150 kB through grants of 20 kB without a loss" ||
    not_ok "refill: received '$got', wanted '150 150000'"
check "CCR-U at the threshold (Reporting-Reason THRESHOLD) before the grant ran out" \
    j "$REC" "len([m for m in ccr('$IMSI_refill') if m['cc_type']==2 and reasons(m)==[0]])>=5"
ue_down
diam_j_wait "$REC" "any(m['cc_type']==3 for m in ccr('$IMSI_refill'))" 200
check "the reports add up to the bytes sent: nothing double-counted" \
    j "$REC" "sum(usu(m) for m in ccr('$IMSI_refill'))==150000"

# rar
ue_up rar
sleep 2.5
check "RAR mid-session: RAA 2001 and a CCR-U FORCED_REAUTHORISATION" \
    j "$REC" "[m.get('result') for m in of('$IMSI_rar') if m['cmd']=='RAA']==[2001] and
              any(m['cc_type']==2 and reasons(m)==[7] for m in ccr('$IMSI_rar'))"
ue_down

# restrict: 3000 bytes, then only UDP from the PDN's port 7000.  The
# grant is filled exactly (3 datagrams, received: a datagram that found
# no receiver would bring an ICMP error up that takes quota too)
ue_up restrict
flow restrict 3 1000 20 "" 8 >/dev/null
sleep 0.5
a=$(flow restrict 5 500 20 7000 6)
b=$(flow restrict 5 500 20 7001 2)
[ "$a" = "5 2500" ] && [ "$b" = "0 0" ] &&
    ok "RESTRICT_ACCESS: after the final units only the Restriction-Filter-Rule's flow passes" ||
    not_ok "restrict: allowed flow '$a' (want 5 2500), other flow '$b' (want 0 0)"
c=$(flow restrict 5 500 20 7002 6)
[ "$c" = "5 2500" ] &&
    ok "RESTRICT_ACCESS: the Filter-Id's flows (predefined rule pdn-7002) pass too" ||
    not_ok "restrict: the Filter-Id's flow (port 7002) received '$c', wanted '5 2500'"
un=$(uncharged)
ue_down
diam_j_wait "$REC" "any(m['cc_type']==3 for m in ccr('$IMSI_restrict'))" 200
# RFC 4006 5.6.3: the OCS granted 3000 bytes and nothing for the allowed
# flows: the 5000 bytes of ports 7000 and 7002 are not its used units
[ "$un" = 5000 ] && j "$REC" "sum(usu(m) for m in ccr('$IMSI_restrict'))==3000" &&
    ok "RESTRICT_ACCESS: the reports add up to the 3000 bytes granted; the 5000 bytes of the allowed flows counted apart (rg 1 uncharged)" ||
    not_ok "restrict: rg 1 uncharged '$un' bytes (want 5000), reports: $(j "$REC" "print([usu(m) for m in ccr('$IMSI_restrict')])" 2>&1 | head -1)"

# redirect: 3000 bytes, filled exactly as in restrict, then the UE's HTTP
# goes to the portal
stat0=$(agw_stat gy_uncharged_bytes)
ue_up redirect
UE_IF=$(ip -n "$NS_ENB" -o addr show | awk -v ip="$UE_IP" '$4 ~ "^"ip"/" {print $2; exit}')
ip -n "$NS_ENB" rule add from "$UE_IP" table 200
ip -n "$NS_ENB" route add default dev "$UE_IF" table 200
rx=$(flow redirect 3 1000 20 "" 8)
sleep 0.5
diam_portal_start
page=$(ip netns exec "$NS_ENB" curl -s -m 5 --interface "$UE_IP" http://198.51.100.7/ 2>&1)
[ "$page" = "xepc-portal" ] && ok "REDIRECT: the UE's HTTP to 198.51.100.7 is answered by the portal" ||
    { not_ok "redirect: got '$page'"
      in_gw "$XEPCCTL" stats --pin-dir "$PIN" | grep -iE "redirect|portal|quota|restrict" | sed 's/^/# /'
      ip netns exec "$NS_ENB" curl -v -s -m 2 --interface "$UE_IP" http://198.51.100.7/ 2>&1 | sed 's/^/# /'
      grep gy "$E2E_TMP/agwd.log" | tail -8 | sed 's/^/# /'; }
# the portal's exchange, after the final units: apart, never reported
un=0
for _ in $(seq 20); do
    un=$(uncharged)
    [ "$un" != none ] && [ "$un" -gt 0 ] 2>/dev/null && break
    sleep 0.1
done
ue_down
diam_j_wait "$REC" "any(m['cc_type']==3 for m in ccr('$IMSI_redirect'))" 200
[ "$page" = "xepc-portal" ] && [ "$rx" = "3 3000" ] && j "$REC" "sum(usu(m) for m in ccr('$IMSI_redirect'))==3000 and
        [usu(m) for m in ccr('$IMSI_redirect') if m['cc_type']==3]==[0]" &&
    ok "REDIRECT: the portal answered, and the reports add up to the 3000 bytes granted (CCR-T 0)" ||
    not_ok "redirect: received '$rx' (want 3 3000), reports $(j "$REC" "print([(m['cc_type'],usu(m)) for m in ccr('$IMSI_redirect')])" 2>&1 | head -1), want 3000 in all"
stat1=$(agw_stat gy_uncharged_bytes)
[ "$un" != none ] && [ "${un:-0}" -gt 0 ] 2>/dev/null && [ "$stat1" -ge $((stat0 + un)) ] 2>/dev/null &&
    ok "REDIRECT: the portal's $un bytes counted apart (rg 1 uncharged; gy_uncharged_bytes $stat0 -> $stat1)" ||
    not_ok "redirect: rg 1 uncharged '$un', gy_uncharged_bytes $stat0 -> $stat1"

# denied: the OCS does not rate rating group 1
ue_up denied
got=$(flow denied 5 1000 20 "" 2)
[ "$got" = "0 0" ] && grep -q "rating group 1 blocked (MSCC result 5031)" "$E2E_TMP/agwd.log" &&
    ok "per-MSCC 5031 RATING_FAILED: the rating group is blocked" ||
    not_ok "denied: received '$got'"
ue_down

# tshark on what the gateway and the OCS exchanged so far
if [ -n "$TS_PID" ]; then
    sleep 0.5
    diam_tshark_stop
    TS=(tshark -r "$E2E_TMP/gy.pcap" -d "tcp.port==$DIAM_PORT,diameter")
    BAD=$("${TS[@]}" -Y '_ws.malformed || _ws.expert.severity >= "Error"' 2>/dev/null) || BAD="tshark failed"
    check "tshark: no malformed Gy message, no expert error${BAD:+: $(echo "$BAD" | head -3)}" test -z "$BAD"
    SEEN=$("${TS[@]}" -Y diameter -T fields -e diameter.cmd.code -e diameter.flags.request \
        -e diameter.applicationId 2>/dev/null | tr '\t' ' ' | sort -u | tr '\n' ';')
    check "tshark decodes the gateway's CCR/RAA and the OCS's CCA/RAR (application 4): $SEEN" \
        bash -c "for w in '272 1 4' '272 0 4' '258 1 4' '258 0 4'; do echo ';$SEEN' | grep -q \";\$w;\" || exit 1; done"
else
    ok "# SKIP tshark missing"
    ok "# SKIP tshark missing"
fi

# silent OCS, failure handling TERMINATE (configured)
diam_sim_stop; sleep 0.5
diamsim_start -c "silence gy"
wait_ocs
ue_up silent
sleep 2
grep -q "no CCA within 1000 ms" "$E2E_TMP/agwd.log" && grep -q "terminated: Tx timer expired" "$E2E_TMP/agwd.log" &&
    ok "a silent OCS with failure handling TERMINATE: Tx timer, the UE is detached" ||
    { not_ok "silent OCS, TERMINATE"; grep gy "$E2E_TMP/agwd.log" | tail -5 | sed 's/^/# /'; }
ue_down

# CONTINUE: traffic passes without the OCS; the usage is reported once it answers
agw_stop TERM
diam_sim_stop; sleep 0.5
diamsim_start -c "silence gy count=1" -c "quota * rg=1 total=1000000 grant=500000"
gy_config continue
agw_start || not_ok "xepc-agwd restart"
wait_ocs
ue_up cont
# the Tx timer (1 s) ran out and CONTINUE raised the quota: on a loaded
# machine that can take longer than a fixed wait
for _ in $(seq 100); do
    [ "$(agw_stat gy_ccfh_continue)" -ge 1 ] && break
    sleep 0.1
done
# the receiver waits 6 s from its start: the sender's start alone took
# more than 2 s at load 25 (the datagrams came after it gave up)
got=$(flow cont 5 1000 20 "" 6)
[ "$got" = "5 5000" ] && ok "CONTINUE: after the Tx timer the traffic goes on without credit control" ||
    not_ok "continue: received '$got'"
sleep 5
ue_down
sleep 1
check "CONTINUE: the OCS back, the session's usage (5000 bytes) is reported" \
    j "$REC" "sum(usu(m) for m in ccr('$IMSI_cont'))==5000"

# rst: restart with unreported usage, then an unanswered CCR-T kept
diam_sim_stop; sleep 0.5
diamsim_start -c "quota * rg=1 total=1000000 grant=500000" -c "silence gy type=3 count=1"
wait_ocs
ue_up rst
flow rst 5 1000 20 "" 2 >/dev/null
agw_stop TERM
flow rst 3 1000 20 "" 2 >/dev/null     # the kernel counts while the daemon is away
agw_start || not_ok "xepc-agwd restart"
wait_ocs
grep -q "1 credit-control sessions restored" "$E2E_TMP/agwd.log" ||
    diag "no 'sessions restored' line"
sleep 1
ue_down                                 # the CCR-T goes unanswered (Tx timer)
for _ in $(seq 50); do
    [ "$(grep -c "no CCA within" "$E2E_TMP/agwd.log")" -ge 2 ] && break
    sleep 0.1
done
agw_stop TERM
check "the unanswered final usage is kept in SQLite" \
    test "$(sqlite3 "$AGW_DB" "SELECT bytes FROM ccr_journal")" = 8000
agw_start || not_ok "xepc-agwd restart"
wait_ocs
sleep 7
check "after the restarts: the CCR-T reports the 8000 bytes of before and during the restart, sent again once answered" \
    j "$REC" "[(m['cc_type'],usu(m)) for m in ccr('$IMSI_rst')]==[(1,0),(3,8000),(3,8000)]"
check "acknowledged: nothing left in SQLite, nothing sent a third time" \
    test "$(sqlite3 "$AGW_DB" "SELECT COUNT(*) FROM ccr_journal") $(sqlite3 "$AGW_DB" "SELECT COUNT(*) FROM gy_session")" = "0 0"
check "xepc-agwd still runs" kill -0 "$AGW_PID"
agw_stop TERM
exit $((TAP_FAILED > 0))
