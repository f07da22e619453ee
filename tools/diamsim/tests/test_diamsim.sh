#!/bin/bash
# diamc (a client on userspace/diameter) against diamsim over loopback TCP,
# in a private network namespace, for each application: S6a AIR/AIA (with
# Milenage vectors and an unknown IMSI), ULR/ULA, PUR/PUA; Gx CCR-I/U/T with
# rules and usage monitoring, an RAR at a scripted time; Gy CCR-I/U/T with
# per-rating-group quotas, thresholds, the final-unit action and 4012 at
# exhaustion; an error answer, and silence (the client's Tx timer fires).
# diamsim's record must hold what the client sent.  tshark decodes every
# Diameter message captured on loopback with no malformed AVP or expert
# error.  Then the same over TLS with certificates made here.
set -u
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
BIN=${BUILD:-build}
case $BIN in /*) ;; *) BIN=$ROOT/$BIN ;; esac
DIAMSIM=$BIN/bin/diamsim
DIAMC=$BIN/bin/diamc
N=0
FAILED=0
ok() { N=$((N + 1)); echo "ok $N - $*"; }
not_ok() { N=$((N + 1)); FAILED=$((FAILED + 1)); echo "not ok $N - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else not_ok "$what"; fi; }

[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root (network namespace)"; exit 0; }
[ -x "$DIAMSIM" ] && [ -x "$DIAMC" ] || { echo "1..0 # SKIP build first: make all"; exit 0; }
command -v tshark >/dev/null || { echo "1..0 # SKIP tshark missing"; exit 0; }

NS=diamt$$
TMP=$(mktemp -d /tmp/xepc-diamsim-test.XXXXXX)
SIM_PID=
TS_PID=
cleanup() {
    [ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
    [ -n "$TS_PID" ] && kill "$TS_PID" 2>/dev/null && wait "$TS_PID" 2>/dev/null
    ip netns del "$NS" 2>/dev/null
    [ -n "${KEEP_TMP:-}" ] || rm -rf "$TMP"
}
trap cleanup EXIT
ip netns add "$NS" || { echo "Bail out! cannot create netns $NS"; exit 1; }
ip -n "$NS" link set lo up
# freeDiameter 1.2.1 needs a non-127/8 address for its CER's Host-IP-Address
# (with only 127.0.0.1 it refuses to start): two test addresses on lo.
ip -n "$NS" addr add 192.0.2.1/32 dev lo
ip -n "$NS" addr add 192.0.2.2/32 dev lo
X() { ip netns exec "$NS" "$@"; }

echo "1..17"

P=3868
IMSI=001010000000001
K=465B5CE8B199B49FAA5F0A2EE238A6BC
OPC=E8ED289DEBA952E4283B54E88E6183CA

# The capture also takes its marker, an empty UDP datagram to port P (the
# checks decode TCP only): "Capturing on" can come before tshark gets
# packets on a loaded machine; the marker in the file proves it does.
ip netns exec "$NS" tshark -q -i lo -f "tcp port $P or udp dst port $P" -w "$TMP/diam.pcap" \
    >"$TMP/tshark.log" 2>&1 &
TS_PID=$!
for _ in $(seq 300); do
    grep -q "Capturing on" "$TMP/tshark.log" 2>/dev/null && break
    sleep 0.1
done
for _ in $(seq 60); do
    X python3 -c 'import socket, sys; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"", ("127.0.0.1", int(sys.argv[1])))' "$P"
    [ -n "$(tshark -r "$TMP/diam.pcap" -Y "udp.dstport == $P" 2>/dev/null | head -n 1)" ] && break
    sleep 0.5
done

cat >"$TMP/script" <<EOF
# HSS
subscriber $IMSI k=$K opc=$OPC sqn=64 msisdn=33612345678 apn=internet ambr=20000000/40000000
# PCRF: one predefined rule, one base, one full definition; usage monitoring
rule * name=predef-1
rule $IMSI base=base-web
rule $IMSI def=rg7-all rg=7 prec=100 flow="permit out ip from any to assigned" online=1
monitor key=mk1 bytes=1000000
rar at=3 gx $IMSI install=video remove=predef-1
# OCS: 2500 bytes in grants of 1000, threshold 200, redirect at the end
quota * rg=7 total=2500 grant=1000 threshold=200 validity=60 final=redirect redirect=http://portal.test/
ccfh retry
error ulr 5420 exp count=1
silence pur count=1
EOF
# 1000 more subscribers (diamsim held 64 before): the last one is asked
# for below
for i in $(seq 1000); do
    printf 'subscriber 00101100000%04d k=%s opc=%s\n' "$i" "$K" "$OPC"
done >>"$TMP/script"

ip netns exec "$NS" "$DIAMSIM" --listen 192.0.2.1 --port $P --script "$TMP/script" --record "$TMP/rec.jsonl" >"$TMP/sim.out" 2>"$TMP/sim.err" &
SIM_PID=$!
for _ in $(seq 50); do
    grep -q ready "$TMP/sim.out" 2>/dev/null && break
    sleep 0.1
done

X timeout 30 "$DIAMC" --listen 192.0.2.2 --peer-addr 192.0.2.1 --peer-port $P --timeout 1000 \
    "air $IMSI n=2" "air 001010000000099" "ulr $IMSI" "ulr $IMSI" "pur $IMSI" "pur $IMSI" \
    "gx-i $IMSI ip=10.45.0.2 apn=internet" "gx-u usage=12345 key=mk1" \
    "gy-i $IMSI rg=7" "gy-u rg=7 used=1000 reason=0" "gy-u rg=7 used=1000 reason=0" \
    "gy-u rg=7 used=500 reason=3" "sleep 2000" "gx-t" "gy-t rg=7 used=0" \
    >"$TMP/client.out" 2>"$TMP/client.err"
RC=$?
sleep 0.3
check "diamc ran every command (exit $RC)" [ $RC = 0 ]

PY=$(command -v python3)
# j FILTER: python expression over `lines` (the JSON objects of a file)
j() { "$PY" -c "
import json,sys
lines=[json.loads(l) for l in open(sys.argv[1]) if l.strip()]
sys.exit(0 if ($2) else 1)" "$1"; }
C=$TMP/client.out
R=$TMP/rec.jsonl

check "S6a AIA: 2 Milenage vectors; unknown IMSI: Experimental-Result 5001" \
    j "$C" "[a['answer'].get('vectors') for a in lines if a.get('answer',{}).get('cmd')=='AIA']==[2,0] and
            [a['answer'].get('exp_result') for a in lines if a.get('answer',{}).get('cmd')=='AIA'][1]==5001"
check "S6a ULA: scripted 5420 once, then the subscription (MSISDN, AMBR, APN)" \
    j "$C" "[(a['answer'].get('exp_result'),a['answer'].get('msisdn'),a['answer'].get('ambr_dl')) for a in lines if a.get('answer',{}).get('cmd')=='ULA']==[(5420,'',0),(None,'33612345678',40000000)]"
check "S6a PUR: silence once (Tx timeout), then PUA 2001" \
    j "$C" "any(a.get('timeout') for a in lines) and [a['answer'].get('result') for a in lines if a.get('answer',{}).get('cmd')=='PUA']==[2001]"
check "Gx CCA-I: rule by name, by base name and a full definition; usage monitoring grant" \
    j "$C" "any(a['answer'].get('install')==['predef-1'] and a['answer'].get('install_base')==['base-web'] and
            a['answer']['defs'][0]['rg']==7 and a['answer']['monitors'][0]['gsu']['total']==1000000
            for a in lines if a.get('answer',{}).get('cmd')=='CCA' and a['answer']['app']=='gx' and a['answer'].get('cc_type')==1)"
check "Gx RAR at 3 s: install video, remove predef-1 (answered by the client)" \
    j "$C" "any(a['request'].get('install')==['video'] and a['request'].get('remove')==['predef-1'] for a in lines if a.get('request',{}).get('cmd')=='RAR')"
check "Gy: grants 1000, 1000, then 500 with REDIRECT, then 4012 with REDIRECT; thresholds 200" \
    j "$C" "[(m.get('gsu',{}).get('total'),m.get('result'),m.get('fua'),m.get('volume_threshold')) for a in lines if a.get('answer',{}).get('app')=='gy' for m in a['answer'].get('mscc',[])]==
            [(1000,2001,None,200),(1000,2001,None,200),(500,2001,1,200),(None,4012,1,None)]"
check "Gy CCA carries Credit-Control-Failure-Handling RETRY_AND_TERMINATE" \
    j "$C" "all(a['answer'].get('ccfh')==2 for a in lines if a.get('answer',{}).get('app')=='gy')"
check "record: Gx CCR-I with IMSI, UE IP, APN, RAT, QCI, APN-AMBR, ULI; CCR-U with usage; CCR-T" \
    j "$R" "[ (m['msg']['cc_type'],m['msg']['imsi'],m['msg']['ue_ip'],m['msg']['apn'],m['msg']['rat'],m['msg']['qci'],m['msg']['apn_ambr_dl'],m['msg']['uli_len']) for m in lines if m['msg']['app']=='gx' and m['msg']['cmd']=='CCR'][0]==(1,'$IMSI','10.45.0.2','internet',1004,9,100000000,13)
            and [m['msg']['monitors'][0]['usu']['total'] for m in lines if m['msg']['app']=='gx' and m['msg'].get('cc_type')==2]==[12345]
            and [m['msg']['cc_type'] for m in lines if m['msg']['app']=='gx' and m['msg']['cmd']=='CCR']==[1,2,3]"
check "record: Gy CCR numbers 0..4, USU 1000/1000/500 with reasons, CCR-T without RSU" \
    j "$R" "[(m['msg']['cc_number'],m['msg']['mscc'][0].get('usu',{}).get('total'),m['msg']['mscc'][0].get('reason'),'rsu' in m['msg']['mscc'][0]) for m in lines if m['msg']['app']=='gy']==
            [(0,None,None,True),(1,1000,0,True),(2,1000,0,True),(3,500,3,True),(4,0,None,False)]"
check "record: the RAA to diamsim's RAR (2001)" \
    j "$R" "[m['msg'].get('result') for m in lines if m['msg']['cmd']=='RAA']==[2001]"
check "record: S6a requests (2 AIR, 2 ULR, 2 PUR)" \
    j "$R" "sorted(m['msg']['cmd'] for m in lines if m['msg']['app']=='s6a')==['AIR','AIR','PUR','PUR','ULR','ULR']"

X timeout 30 "$DIAMC" --listen 192.0.2.2 --peer-addr 192.0.2.1 --peer-port $P --timeout 1000 \
    "air 001011000001000" >"$TMP/client2.out" 2>"$TMP/client2.err"
check "the 1001st subscriber of the script is served (AIA with a vector)" \
    j "$TMP/client2.out" "[a['answer'].get('vectors') for a in lines if a.get('answer',{}).get('cmd')=='AIA']==[1]"

kill "$SIM_PID"; wait "$SIM_PID" 2>/dev/null; SIM_PID=
sleep 0.3
kill -INT "$TS_PID"; wait "$TS_PID" 2>/dev/null; TS_PID=

TS=(tshark -r "$TMP/diam.pcap" -d "tcp.port==$P,diameter")
BAD=$("${TS[@]}" -Y '_ws.malformed || _ws.expert.severity >= "Error"' 2>"$TMP/ts.err") ||
    BAD="tshark failed: $(cat "$TMP/ts.err")"
if [ -z "$BAD" ]; then
    ok "tshark: no malformed Diameter message, no expert error"
else
    not_ok "tshark: malformed or erroneous messages"
    echo "$BAD" | head -n 10 | sed 's/^/# /'
fi
SEEN=$("${TS[@]}" -Y diameter -T fields -e diameter.cmd.code -e diameter.flags.request 2>/dev/null |
    tr '\t' ' ' | tr ',' '\n' | sort -u | tr '\n' ' ')
want_all=1
for w in "272 1" "272 0" "258 1" "258 0" "318 1" "318 0" "316 1" "316 0" "321 1" "321 0"; do
    echo " $SEEN" | grep -q " ${w}\b" || { want_all=0; echo "# missing in capture: $w"; }
done
check "tshark decodes CCR/CCA/RAR/RAA/AIR/AIA/ULR/ULA/PUR/PUA" [ $want_all = 1 ]
AVPS=$("${TS[@]}" -Y diameter -T fields -e diameter.avp.code 2>/dev/null | tr ',' '\n' | grep -c .)
check "tshark: $AVPS AVPs decoded in the capture" [ "$AVPS" -gt 100 ]

# ------------------------------------------------------------------ TLS
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
    -subj /CN=test-ca -keyout "$TMP/ca.key" -out "$TMP/ca.pem" >/dev/null 2>&1
for n in diamsim diamc; do
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$n.localdomain" \
        -keyout "$TMP/$n.key" -out "$TMP/$n.csr" >/dev/null 2>&1
    openssl x509 -req -in "$TMP/$n.csr" -CA "$TMP/ca.pem" -CAkey "$TMP/ca.key" \
        -CAcreateserial -days 1 -out "$TMP/$n.pem" >/dev/null 2>&1
done
ip netns exec "$NS" "$DIAMSIM" --listen 192.0.2.1 --port 3870 --tls-port 5658 --tls-cert "$TMP/diamsim.pem" --tls-key "$TMP/diamsim.key" \
    --tls-ca "$TMP/ca.pem" -c "subscriber $IMSI k=$K opc=$OPC" \
    --record "$TMP/rec-tls.jsonl" >"$TMP/sim-tls.out" 2>"$TMP/sim-tls.err" &
SIM_PID=$!
for _ in $(seq 50); do
    grep -q ready "$TMP/sim-tls.out" 2>/dev/null && break
    sleep 0.1
done
X timeout 20 "$DIAMC" --listen 192.0.2.2 --peer-addr 192.0.2.1 --peer-port 5658 --tls --tls-cert "$TMP/diamc.pem" --tls-key "$TMP/diamc.key" \
    --tls-ca "$TMP/ca.pem" "air $IMSI" >"$TMP/client-tls.out" 2>"$TMP/client-tls.err"
check "TLS: AIR/AIA over TLS from connection start (RFC 6733 13), certificates from a test CA" \
    j "$TMP/client-tls.out" "[a['answer'].get('vectors') for a in lines if 'answer' in a]==[1]"
kill "$SIM_PID"; wait "$SIM_PID" 2>/dev/null; SIM_PID=

[ $FAILED = 0 ] || { echo "# diamsim stderr:"; sed 's/^/#   /' "$TMP/sim.err" | head -20;
                     echo "# diamc stderr:"; sed 's/^/#   /' "$TMP/client.err" | head -20;
                     sed 's/^/#   /' "$TMP/client-tls.err" | head -20; }
exit $((FAILED > 0))
