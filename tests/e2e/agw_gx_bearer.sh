#!/bin/bash
# Gx PCC rules with a QoS of their own on dedicated bearers (issue 11,
# TS 29.212 4.5.2 bearer binding, TS 23.203 6.1.1.4), with diamsim as the
# PCRF and the real datapath.  The CCA-I installs a QCI 1 "voice" rule
# (GBR 64 kbit/s, the media flow of a call) and a "web" rule without QoS:
# the voice rule becomes a dedicated bearer (activated once the attach is
# complete) whose TFT is the rule's flow, the web rule stays a datapath rule
# of the default bearer.  An RAR installs a QCI 2 "video" rule (a second
# bearer), another RAR removes the voice rule (its bearer is deactivated).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"
source "$(dirname "$0")/diam_lib.sh"

DIAM_NEEDS=curl
diam_gx_setup 13 gx
sed -i -e 's/^  t3470: 2s$/  t3470: 2s\n  t3485: 1s\n  t3486: 1s\n  t3495: 1s/' "$AGW_CONF"
REC=$E2E_TMP/pcrf.jsonl
ip netns exec "$NS_PDN" python3 -m http.server 8080 --bind "$PDN_ADDR" >/dev/null 2>&1 &
echo $! >"$E2E_TMP/http.bgpid"
diam_sim_start "$REC" \
    -c "rule * def=voice prec=10 qci=1 gbr=64000/64000 mbr=64000/64000 flow=\"permit out 17 from $PDN_ADDR 30000-30001 to assigned 49152-49153\"" \
    -c "rule * def=web prec=50 status=2 rg=10 flow=\"permit out 6 from $PDN_ADDR to assigned\"" \
    -c "rule none def=video prec=20 qci=2 gbr=384000/384000 flow=\"permit out 17 from $PDN_ADDR 30002-30003 to assigned 49154-49155\"" \
    -c "rar after=6 gx $IMSI install=video" \
    -c "rar after=10 gx $IMSI remove=voice"
agw_start || { not_ok "xepc-agwd start"; exit 1; }
diam_peer_up 100

show() { agwctl ue show "$IMSI"; }
wait_state() {
    for _ in $(seq 100); do
        [ "$(agw_bearer_val "$1" state)" = "$2" ] && return 0
        sleep 0.1
    done
    show | sed 's/^/# /'
    return 1
}
# media SPORT DPORT COUNT: UDP from the PDN host's port SPORT to the UE
media() {
    in_pdn $PY -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('$PDN_ADDR', $1))
for i in range($3):
    s.sendto(b'm' * 160, ('$UE_IP', $2))
"
}
rec() { python3 -c "
import json,sys
m=[json.loads(l) for l in open(sys.argv[1]) if l.strip()]
m=[x.get('msg',x) for x in m]
raa=[x.get('result') for x in m if x['cmd']=='RAA']
sys.exit(0 if ($1) else 1)" "$REC"; }

enbsim_bg "$E2E_TMP/e.out" --ues 1 --hold 40 --tun --detach --ready-file "$E2E_TMP/ready"
for _ in $(seq 150); do [ -s "$E2E_TMP/ready" ] && break; sleep 0.1; done
UE_IP=$(show | awk '$1 == "pdn" && $3 == 5 {print $7}')
for _ in $(seq 50); do
    in_enb ip -o addr show 2>/dev/null | grep -q " $UE_IP/" && break
    sleep 0.1
done
UE_IF=$(in_enb ip -o addr show | awk -v ip="$UE_IP" '$4 ~ "^"ip"/" {print $2; exit}')
in_enb ip rule add from "$UE_IP" table 200
in_enb ip route add default dev "$UE_IF" table 200

# --- the CCA-I: voice on a dedicated bearer, web on the default ---------------
wait_state 6 active && show | grep -q '^bearer ebi 6 linked 5 state active qci 1 mbr ul 64000 dl 64000 gbr ul 64000 dl 64000 ' &&
    ok "the QCI 1 rule of the CCA-I is bound to dedicated bearer EBI 6 (GBR 64 kbit/s), active" ||
    not_ok "voice bearer"
check "its TFT is the rule's flow (precedence 10)" \
    bash -c "$XEPCCTL ue show $IMSI --socket $AGW_SOCK | grep -q '^bearer ebi 6 filter 0 prec 10 dir both permit out udp from $PDN_ADDR 30000-30001 to any 49152-49153'"
check "the default bearer has the web rule only as a datapath rule (the voice rule is the bearer's)" \
    grep -q "ebi 5: 2 PCC rule(s) in force, 1 datapath rule(s)" "$E2E_TMP/agwd.log"
media 30000 49152 5
media 31000 49152 3
sleep 0.3
[ "$(agw_bearer_usage 6 dl_pkts)" = 5 ] && ok "the call's media flow goes into the voice bearer, other UDP does not" ||
    not_ok "voice bearer dl_pkts $(agw_bearer_usage 6 dl_pkts), wanted 5"
http() { ip netns exec "$NS_ENB" curl -s -o /dev/null -m 3 --interface "$UE_IP" "http://$PDN_ADDR:8080/"; }
export NS_ENB UE_IP PDN_ADDR
export -f http
check "HTTP through the default bearer's web rule passes" http

# --- RAR: a video rule (QCI 2) is a second bearer ------------------------------
wait_state 7 active && show | grep -q '^bearer ebi 7 linked 5 state active qci 2 mbr ul 384000 dl 384000 gbr ul 384000 dl 384000 ' &&
    ok "RAR installing a QCI 2 rule: dedicated bearer EBI 7 (GBR 384 kbit/s)" || not_ok "video bearer"
check "the RAR was answered 2001" rec "raa[:1]==[2001]"
media 30002 49154 4
sleep 0.3
[ "$(agw_bearer_usage 7 dl_pkts)" = 4 ] && ok "the video flow goes into its bearer" ||
    not_ok "video bearer dl_pkts $(agw_bearer_usage 7 dl_pkts)"

# --- RAR: the voice rule removed, its bearer deactivated ----------------------
d0=$(agw_stat bearer_deactivated)
for _ in $(seq 100); do
    [ -z "$(agw_bearer_val 6 state)" ] && break
    sleep 0.1
done
[ -z "$(agw_bearer_val 6 state)" ] && [ "$(agw_bearer_val 7 state)" = active ] &&
    [ "$(agw_stat bearer_deactivated)" -ge 1 ] &&
    ok "RAR removing the voice rule: its bearer deactivated (the UE accepted), the video bearer stays" ||
    { not_ok "voice bearer after its rule's removal"; show | sed 's/^/# /'; }
check "both RARs answered 2001" rec "raa[:2]==[2001,2001]"
check "HTTP still passes" http
kill -INT "$ENBSIM_PID" 2>/dev/null
wait "$ENBSIM_PID"
rc=$?
[ $rc = 0 ] && [ "$(enbsim_val "$E2E_TMP/e.out" dedicated_dl_pkts)" -ge 9 ] 2>/dev/null &&
    ok "enbsim: every procedure succeeded, the media received on the dedicated bearers ($(enbsim_val "$E2E_TMP/e.out" dedicated_dl_pkts))" || {
    not_ok "enbsim rc $rc, dedicated_dl_pkts $(enbsim_val "$E2E_TMP/e.out" dedicated_dl_pkts)"
    grep -v '_p[0-9]*_us' "$E2E_TMP/e.out" | tail -15 | sed 's/^/# /'
}
# its exit status: 134 was freeDiameter's abort at shutdown (docs/charging.md "Stopping")
agw_stop TERM && ok "xepc-agwd stopped with exit status 0" || not_ok "xepc-agwd stop: exit status $?"
