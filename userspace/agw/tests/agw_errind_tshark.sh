#!/usr/bin/env bash
# tshark judges xepc-agwd's Error Indications about messages it cannot
# take (TS 36.413 10.3.4.1, 10.6): build/test/test_agw_handover
# --dump-error-indications feeds the daemon's S1AP handler an Uplink NAS
# Transport for an unknown MME UE S1AP ID, a procedure it does not run and
# a Handover Notify out of sequence, and prints each Error Indication sent
# as "<case> <procedure code> <procedure criticality> <hex>".  Each is
# wrapped in SCTP (PPID 18) with text2pcap and must decode, without a
# malformed or error mark, as an ErrorIndication whose Criticality
# Diagnostics (9.2.1.21) name that procedure code, the initiating message
# and that criticality (TAP).
set -u
cd "$(dirname "$0")/../../.." || exit 1
BUILD=${BUILD:-build}
bin=$BUILD/test/test_agw_handover

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
if ! "$bin" --dump-error-indications >"$tmp/ei.txt" 2>"$tmp/err"; then
    echo "Bail out! $bin --dump-error-indications failed: $(head -3 "$tmp/err")"
    exit 1
fi
n=$(wc -l <"$tmp/ei.txt")
echo "1..$n"
i=0
while read -r name pc crit hex; do
    i=$((i + 1))
    echo "$hex" | sed 's/../& /g; s/^/000000 /' >"$tmp/$i.txt"
    text2pcap -q -S 36412,36412,18 "$tmp/$i.txt" "$tmp/$i.pcap" 2>/dev/null
    out=$(tshark -r "$tmp/$i.pcap" -T fields -E separator='|' -e _ws.col.Info \
        -e s1ap.procedureCode -e s1ap.triggeringMessage -e s1ap.procedureCriticality \
        -e _ws.malformed -e _ws.expert.severity 2>/dev/null)
    # the PDU's own procedure code (15, errorIndication) comes first, then
    # the diagnostics' one
    IFS='|' read -r info pcs trig pcrit mal sev <<<"$out"
    info=${info%% *}
    bad=$mal$sev
    if [ "$info" = ErrorIndication ] && [ "$pcs" = "15,$pc" ] && [ "$trig" = 0 ] &&
        [ "$pcrit" = "$crit" ] && [ -z "$bad" ]; then
        echo "ok $i - $name: Error Indication with Criticality Diagnostics (procedure $pc, initiating message, criticality $crit)"
    else
        echo "not ok $i - $name: tshark says: $out"
        tshark -r "$tmp/$i.pcap" -V 2>&1 | sed -n '/S1 Application/,$p' | sed 's/^/# /'
    fi
done <"$tmp/ei.txt"
