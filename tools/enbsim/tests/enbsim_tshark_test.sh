#!/usr/bin/env bash
# tshark judges the S1AP messages enbsim's eNB side builds (TAP).
#
# build/test/test_enbsim_s1ap --dump prints the eNB messages of one attach
# (S1 Setup Request, Initial UE Message with the UE's real Attach Request,
# Uplink NAS Transport, Initial Context Setup Response, E-RAB Release
# Response, UE Context Release Request/Complete) as "<name> <hex>".  Each
# goes into an SCTP DATA chunk with PPID 18 (text2pcap -S); tshark must
# name every message in its Info column and report no malformed packet,
# no expert error and no dissector bug; the Initial UE Message's NAS must
# read as an Attach request with a PDN connectivity request; the idle-mode
# messages' NAS as a Service request (security header type 12), an
# Extended service request, a Tracking area update request and a Bearer
# resource allocation request, the Initial UE Messages with an S-TMSI
# (M-TMSI 0xc0ffee01, which tshark prints in decimal).
set -u
cd "$(dirname "$0")/../../.." || exit 1
BUILD=${BUILD:-build}
bin=$BUILD/test/test_enbsim_s1ap

if ! command -v tshark >/dev/null || ! command -v text2pcap >/dev/null; then
    echo "1..0 # SKIP tshark/text2pcap not installed (make deps)"
    exit 0
fi
if [ ! -x "$bin" ]; then
    echo "1..0 # SKIP $bin not built"
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ! "$bin" --dump >"$tmp/msgs.txt" 2>"$tmp/dump.err"; then
    echo "Bail out! $bin --dump failed: $(head -3 "$tmp/dump.err")"
    exit 1
fi
n=$(wc -l <"$tmp/msgs.txt")
echo "1..$((n + 3))"
awk '{ h = $2; printf "0000"; for (i = 1; i <= length(h); i += 2) printf " %s", substr(h, i, 2); printf "\n" }' \
    "$tmp/msgs.txt" >"$tmp/hex.txt"
text2pcap -q -S 36412,36412,18 "$tmp/hex.txt" "$tmp/s1ap.pcap" 2>"$tmp/t2p.err" || {
    echo "Bail out! text2pcap: $(head -1 "$tmp/t2p.err")"; exit 1; }

tshark -r "$tmp/s1ap.pcap" -V >"$tmp/verbose.txt" 2>"$tmp/tshark.err"
rc=$?
bad=$(grep -E 'Malformed|Expert Info \(Error|\[Dissector bug' "$tmp/verbose.txt" | head -3)
if [ $rc = 0 ] && [ -z "$bad" ]; then
    echo "ok 1 - tshark decodes all $n messages without malformed or expert errors"
else
    echo "not ok 1 - tshark exit $rc: $bad"
fi

tshark -r "$tmp/s1ap.pcap" -T fields -e frame.number -e _ws.col.Info >"$tmp/info.txt" 2>>"$tmp/tshark.err"
i=1
while read -r name _; do
    info=$(awk -F'\t' -v f="$i" '$1 == f { print $2 }' "$tmp/info.txt")
    if printf '%s' "$info" | grep -q -- "$name"; then
        echo "ok $((i + 1)) - frame $i is $name"
    else
        echo "not ok $((i + 1)) - frame $i: want $name, tshark says '$info'"
    fi
    i=$((i + 1))
done <"$tmp/msgs.txt"

nas=$(tshark -r "$tmp/s1ap.pcap" -Y 's1ap.procedureCode == 12' -T fields \
      -e nas_eps.nas_msg_emm_type -e nas_eps.nas_msg_esm_type -e e212.imsi 2>/dev/null)
if printf '%s' "$nas" | grep -q '0x41' && printf '%s' "$nas" | grep -q '0xd0' &&
   printf '%s' "$nas" | grep -q '001010000000001'; then
    echo "ok $((n + 2)) - the Initial UE Message carries the UE's Attach request (IMSI) + PDN connectivity request"
else
    echo "not ok $((n + 2)) - NAS in the Initial UE Message: '$nas'"
fi

nas2=$(tshark -r "$tmp/s1ap.pcap" -Y 'frame.number >= 9 && frame.number <= 12' -T fields \
       -e nas_eps.security_header_type -e nas_eps.nas_msg_emm_type -e nas_eps.nas_msg_esm_type \
       -e s1ap.m_TMSI 2>/dev/null | tr '\t\n' '  ')
if printf '%s' "$nas2" | grep -q '12' && printf '%s' "$nas2" | grep -q '0x4c' &&
   printf '%s' "$nas2" | grep -q '0x48' && printf '%s' "$nas2" | grep -q '0xd4' &&
   [ "$(printf '%s' "$nas2" | grep -o '3237998081' | wc -l)" -ge 3 ]; then
    echo "ok $((n + 3)) - Service request, Extended service request, TAU request, bearer resource allocation; S-TMSI in the Initial UE Messages"
else
    echo "not ok $((n + 3)) - idle-mode NAS as tshark reads it: '$nas2'"
fi
