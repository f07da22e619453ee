#!/usr/bin/env bash
# TAP test of build/bin/s1ap-decode: the three golden messages of
# shared/vectors (copied here) from arguments, stdin and pcaps written by
# text2pcap (pcap and pcapng, Ethernet/IPv4, raw IPv6), the interop corpus
# build/test-vectors/s1ap.txt, and the errors.
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
dec=$BUILD/bin/s1ap-decode
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

S1SETUP=0011002d000004003b00090000f1104054f64010003c400903004a4c542d36323100400007000c0e4000f1100089400100
INITUE=000c406f000006000800020001001a003c3b17df675aa8050741020bf600f110000201030003e605f07000001000050215d011d15200f11030395c0a003103e5e0349011035758a65d0100e0c1004300060000f1103039006440080000f1108c3378200086400130004b00070000f110000201
ICSRSP=2009002500000300004005c0020000bf0008400200010033400f000032400a0a1f0a0123c601000908

n=0; failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() {
    n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"
    [ -f "$tmp/out" ] && sed 's/^/# out: /' "$tmp/out" | head -20
    [ -f "$tmp/err" ] && sed 's/^/# err: /' "$tmp/err" | head -5
}
# expect_lines NAME FILE LINE...: every LINE appears (as a fixed string) in FILE
expect_lines() {
    local name=$1 file=$2; shift 2
    for l in "$@"; do
        if ! grep -qF -- "$l" "$file"; then notok "$name: missing \"$l\""; return; fi
    done
    ok "$name"
}
# run CMD...: stdout in $tmp/out, stderr in $tmp/err, status in $rc
run() { "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?; }

if [ ! -x "$dec" ]; then echo "1..0 # SKIP $dec not built"; exit 0; fi
echo "1..21"

run "$dec" --help
if [ $rc = 0 ] && grep -q '^SYNOPSIS' "$tmp/out" && grep -q -- '--pcap FILE' "$tmp/out"; then
    ok "--help prints the manual, exit 0"; else notok "--help (exit $rc)"; fi

run "$dec" "$S1SETUP"
[ $rc = 0 ] || notok "S1SetupRequest exit $rc"
expect_lines "golden S1SetupRequest printed IE by IE" "$tmp/out" \
    "argument 1: S1SetupRequest, 49 bytes" \
    "initiatingMessage, procedureCode s1Setup (17), criticality reject" \
    "id-Global-ENB-ID (59) reject: Global-ENB-ID" \
    "pLMNidentity: 00f110 (MCC 001, MNC 01)" \
    "eNB-ID: homeENB-ID: 0x54f6401 (28 bits)" \
    'id-eNBname (60) ignore: "JLT-621"' \
    "id-SupportedTAs (64) reject: 1 item" \
    "tAC: 3039 (12345)" \
    "id-DefaultPagingDRX (137) ignore: v32 (0)"

run "$dec" "$INITUE"
expect_lines "golden InitialUEMessage printed IE by IE" "$tmp/out" \
    "InitialUEMessage, 115 bytes" \
    "procedureCode initialUEMessage (12), criticality ignore" \
    "id-eNB-UE-S1AP-ID (8) reject: 1" \
    "id-NAS-PDU (26) reject: 59 bytes 17df675aa805" \
    "id-TAI (67) reject: TAI" \
    "id-EUTRAN-CGI (100) ignore: EUTRAN-CGI" \
    "cell-ID: 0x8c33782 (28 bits)" \
    "id-RRC-Establishment-Cause (134) ignore: mo-Signalling (3)" \
    "id-GUMMEI-ID (75) reject: GUMMEI" \
    "mME-Group-ID: 0002" \
    "mME-Code: 01"

run "$dec" "$ICSRSP"
expect_lines "golden InitialContextSetupResponse printed IE by IE" "$tmp/out" \
    "InitialContextSetupResponse, 41 bytes" \
    "successfulOutcome, procedureCode initialContextSetup (9)" \
    "id-MME-UE-S1AP-ID (0) ignore: 33554623" \
    "id-E-RABSetupListCtxtSURes (51) ignore: 1 item" \
    "[0] id-E-RABSetupItemCtxtSURes (50) ignore: E-RABSetupItemCtxtSURes" \
    "e-RAB-ID: 5" \
    "transportLayerAddress: 0a0123c6 (32 bits) IPv4 10.1.35.198" \
    "gTP-TEID: 01000908"

printf '# golden messages\n\nS1SetupRequest %s\nInitialUEMessage %s\n%s\n' \
    "$S1SETUP" "$INITUE" "$(echo "$ICSRSP" | sed 's/../& /g')" >"$tmp/lines.txt"
run "$dec" -q <"$tmp/lines.txt"
if [ $rc = 0 ] && [ "$(cat "$tmp/out")" = "line 3 (S1SetupRequest): S1SetupRequest
line 4 (InitialUEMessage): InitialUEMessage
line 5: InitialContextSetupResponse" ]; then
    ok "stdin: named, bare and spaced hex lines; comments and blank lines skipped"
else notok "stdin lines (exit $rc)"; fi

# the same three in pcaps written by text2pcap
for m in "$S1SETUP" "$INITUE" "$ICSRSP"; do
    echo "$m" | sed 's/../& /g; s/^/0000 /'
done >"$tmp/hex.txt"
pcap_case() {   # name, text2pcap options...
    local name=$1; shift
    if ! text2pcap -q "$@" "$tmp/hex.txt" "$tmp/t.pcap" 2>"$tmp/err"; then
        notok "$name: text2pcap failed"; return
    fi
    run "$dec" -q --pcap "$tmp/t.pcap"
    if [ $rc = 0 ] && [ "$(cat "$tmp/out")" = "frame 1: S1SetupRequest
frame 2: InitialUEMessage
frame 3: InitialContextSetupResponse" ]; then ok "$name"; else notok "$name (exit $rc)"; fi
}
if command -v text2pcap >/dev/null; then
    pcap_case "pcap, Ethernet/IPv4/SCTP PPID 18" -F pcap -S 36412,36412,18
    pcap_case "pcapng, Ethernet/IPv4/SCTP PPID 18" -F pcapng -S 36412,36412,18
    pcap_case "pcap, raw IPv6/SCTP PPID 18" -F pcap -l 101 -6 2001:db8::1,2001:db8::2 -S 36412,36412,18
    text2pcap -q -F pcap -S 36412,36412,46 "$tmp/hex.txt" "$tmp/d.pcap" 2>/dev/null
    run "$dec" --pcap "$tmp/d.pcap"
    if [ $rc = 0 ] && [ ! -s "$tmp/out" ] && grep -q 'no S1AP message' "$tmp/err"; then
        ok "pcap with another SCTP PPID (46, Diameter): no S1AP message, said so"
    else notok "other PPID (exit $rc)"; fi
    run "$dec" --pcap "$tmp/t.pcap"        # verbose output on a pcap
    expect_lines "pcap, full output names frames" "$tmp/out" "frame 1: S1SetupRequest, 49 bytes" \
        "frame 3: InitialContextSetupResponse, 41 bytes"
else
    for i in 1 2 3 4 5; do ok "# SKIP text2pcap not installed"; done
fi

# scapy (python3-scapy) as an independent packet builder: Linux cooked
# capture with two S1AP DATA chunks bundled in one packet; Ethernet with an
# 802.1Q tag, a fragmented user message (reported, skipped) and a whole one
if /usr/bin/python3 -c 'import scapy.layers.sctp' 2>/dev/null; then
    /usr/bin/python3 - "$tmp" "$S1SETUP" "$ICSRSP" <<'PY' 2>"$tmp/err"
import sys
from scapy.all import wrpcap, IP, Ether
from scapy.layers.l2 import CookedLinux, Dot1Q
from scapy.layers.sctp import SCTP, SCTPChunkData
d, a, b = sys.argv[1], bytes.fromhex(sys.argv[2]), bytes.fromhex(sys.argv[3])
ip = IP(src="192.0.2.1", dst="192.0.2.2") / SCTP(sport=36412, dport=36412)
sll = CookedLinux(pkttype=0, lladdrtype=1, lladdrlen=6, src=b"\x02" * 8, proto=0x0800)
wrpcap(d + "/sll.pcap", [sll / ip / SCTPChunkData(tsn=1, proto_id=18, data=a, beginning=1, ending=1)
                                 / SCTPChunkData(tsn=2, stream_id=1, proto_id=18, data=b,
                                                 beginning=1, ending=1)])
eth = Ether() / Dot1Q(vlan=7)
wrpcap(d + "/vlan.pcap", [eth / ip / SCTPChunkData(tsn=3, proto_id=18, data=a[:20], beginning=1, ending=0),
                          eth / ip / SCTPChunkData(tsn=4, proto_id=18, data=b, beginning=1, ending=1)])
PY
    run "$dec" -q --pcap "$tmp/sll.pcap"
    if [ $rc = 0 ] && [ "$(cat "$tmp/out")" = "frame 1: S1SetupRequest
frame 1 chunk 2: InitialContextSetupResponse" ]; then
        ok "scapy pcap, Linux SLL, two S1AP chunks in one packet"
    else notok "SLL bundle (exit $rc)"; fi
    run "$dec" -q --pcap "$tmp/vlan.pcap"
    if [ $rc = 0 ] && [ "$(cat "$tmp/out")" = "frame 2: InitialContextSetupResponse" ] &&
       grep -q 'frame 1: fragmented SCTP user message' "$tmp/err"; then
        ok "scapy pcap, 802.1Q; a fragmented user message reported and skipped"
    else notok "VLAN + fragment (exit $rc)"; fi
else
    ok "# SKIP python3-scapy not installed"; ok "# SKIP python3-scapy not installed"
fi

# errors
run "$dec" "${S1SETUP:0:40}"
if [ $rc = 1 ] && grep -q 'argument 1: transfer syntax error' "$tmp/err" &&
   grep -q 'procedure s1Setup (17)' "$tmp/err"; then
    ok "truncated message: exit 1, transfer syntax error, procedure named"
else notok "truncated message (exit $rc)"; fi

# procedure code 200 does not exist: clause 10.3.4.1
run "$dec" 00c8000100
if [ $rc = 1 ] && grep -q 'procedure not comprehended' "$tmp/err"; then
    ok "unknown procedure code: exit 1, procedure not comprehended"
else notok "unknown procedure (exit $rc)"; fi

run "$dec" 0011zz
if [ $rc = 2 ] && grep -q 'not hex' "$tmp/err"; then ok "bad hex: exit 2"; else notok "bad hex (exit $rc)"; fi

run "$dec" --pcap "$0"
if [ $rc = 2 ] && grep -q 'not a pcap file' "$tmp/err"; then
    ok "not a pcap file: exit 2"; else notok "not a pcap (exit $rc)"; fi

run "$dec" --pcap "$tmp/nonexistent.pcap"
if [ $rc = 2 ] && grep -q 'No such file' "$tmp/err"; then
    ok "missing pcap: exit 2 with the system error"; else notok "missing pcap (exit $rc)"; fi

# clause 10 reports on messages that are processed: a mandatory IE with
# criticality ignore missing (Default Paging DRX), an unknown IE with
# criticality ignore-and-notify (id 999) added
run "$dec" 00110028000003003b00090000f1104054f64010003c400903004a4c542d36323100400007000c0e4000f110
expect_lines "missing mandatory IE (ignore): printed as missing, listed, exit 0" "$tmp/out" \
    "id-DefaultPagingDRX (137) ignore: (missing)" \
    "IE id 137 (criticality ignore): missing"
[ $rc = 0 ] || notok "missing mandatory IE: exit $rc"
run "$dec" 00110032000005${S1SETUP:14}03e7800100
expect_lines "unknown IE (ignore and notify): message printed, IE listed, exit 0" "$tmp/out" \
    'id-eNBname (60) ignore: "JLT-621"' \
    "note: IEs ignored (notify)" \
    "IE id 999 (criticality notify): not understood"
[ $rc = 0 ] || notok "notify IE: exit $rc"

# a message that decodes then one that does not: both reported, exit 1
run "$dec" -q "$ICSRSP" "${ICSRSP:0:30}"
if [ $rc = 1 ] && grep -q 'argument 1: InitialContextSetupResponse' "$tmp/out" &&
   grep -q 'argument 2: error' "$tmp/out"; then
    ok "a good and a bad message: both reported, exit 1"
else notok "good+bad (exit $rc)"; fi

# the interop corpus written by test_s1ap_messages
vec=$BUILD/test-vectors/s1ap.txt
if [ -s "$vec" ]; then
    total=$(grep -c . "$vec")
    run "$dec" -q <"$vec"
    good=$(grep -vc ': error$' "$tmp/out")
    if [ $rc = 0 ] && [ "$good" = "$total" ]; then
        ok "interop corpus $vec: all $total messages decode"
    else notok "corpus: $good of $total decode (exit $rc)"; fi
else
    ok "# SKIP $vec not written yet (run test_s1ap_messages)"
fi
[ $failed = 0 ]
