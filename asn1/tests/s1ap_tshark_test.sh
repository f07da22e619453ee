#!/usr/bin/env bash
# tshark as the independent judge of the S1AP encoder (TAP).
#
# build/test/test_s1ap_messages --dump prints every message type of issue 4
# (mandatory IEs only, then with every optional and extension IE) as
# "<name> <hex> <tshark-field>=<value> ...".  This script wraps each in an
# SCTP DATA chunk with PPID 18 (text2pcap -S 36412,36412,18), lets tshark
# decode the lot, and for each message checks that
#   - tshark names the message in its Info column (S1AP's ASN.1 name),
#   - every field=value the builder put in (procedure code, UE S1AP IDs,
#     GTP-TEID, transport address, PLMN, TAC, cause, NAS-PDU, E-RAB IDs,
#     names, reset type) is shown with that value,
#   - tshark sees exactly the IEs we encoded: the multiset of its s1ap.id
#     values equals the ids of every IE, extension IE and list item IE,
#   - the dissection has no "Malformed", no "Expert Info (Error" and no
#     "[Dissector bug".
# Containers that carry other protocols (RRC, NGAP, RANAP, ...) hold
# arbitrary bytes in the samples, so their dissection is turned off: this
# test judges the S1AP layer.
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
samples_bin=$BUILD/test/test_s1ap_messages

if ! command -v tshark >/dev/null || ! command -v text2pcap >/dev/null; then
    echo "1..0 # SKIP tshark/text2pcap not installed (make deps)"
    exit 0
fi
if [ ! -x "$samples_bin" ]; then
    echo "1..0 # SKIP $samples_bin not built"
    exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ! "$samples_bin" --dump "${S1AP_TSHARK_SEEDS:-4}" >"$tmp/samples.txt" 2>"$tmp/dump.err"; then
    echo "Bail out! $samples_bin --dump failed: $(head -3 "$tmp/dump.err")"
    exit 1
fi
n=$(wc -l <"$tmp/samples.txt")
# the interop corpus written by test_s1ap_messages, when it is there
corpus=$BUILD/test-vectors/s1ap.txt
[ -s "$corpus" ] && ncorpus=1 || ncorpus=0
echo "1..$((n + 1 + ncorpus))"

# text2pcap input: one packet per line, offset 0 then the bytes.
awk '{ h = $2; printf "0000"; for (i = 1; i <= length(h); i += 2) printf " %s", substr(h, i, 2); printf "\n" }' \
    "$tmp/samples.txt" >"$tmp/hex.txt"
if ! text2pcap -q -S 36412,36412,18 "$tmp/hex.txt" "$tmp/s1ap.pcap" 2>"$tmp/t2p.err"; then
    echo "not ok 1 - text2pcap failed: $(head -1 "$tmp/t2p.err")"
    exit 1
fi

opts=(-o s1ap.dissect_container:FALSE
      --disable-protocol lte_rrc,nr-rrc,ngap,ranap,rrc,gsm_a.rr,bssgp,lppa)
fields=(frame.number _ws.col.Info s1ap.procedureCode
        s1ap.ENB_UE_S1AP_ID s1ap.MME_UE_S1AP_ID
        s1ap.gTP_TEID s1ap.uL_GTP_TEID s1ap.dL_gTP_TEID s1ap.dL_GTP_TEID
        s1ap.transportLayerAddressIPv4
        s1ap.pLMNidentity s1ap.PLMNidentity s1ap.pLMNIdentity s1ap.tAC s1ap.TAC
        s1ap.radioNetwork s1ap.transport s1ap.nas s1ap.protocol s1ap.misc
        s1ap.NAS_PDU s1ap.nAS_PDU s1ap.e_RAB_ID s1ap.ENBname s1ap.MMEname
        s1ap.s1_Interface s1ap.partOfS1_Interface s1ap.id)
eargs=()
for f in "${fields[@]}"; do eargs+=(-e "$f"); done
tshark -r "$tmp/s1ap.pcap" "${opts[@]}" -V >"$tmp/verbose.txt" 2>"$tmp/tshark.err"
rc1=$?
tshark -r "$tmp/s1ap.pcap" "${opts[@]}" -T fields -E separator='|' -E occurrence=a \
    -E aggregator=, "${eargs[@]}" >"$tmp/fields.txt" 2>>"$tmp/tshark.err"
rc2=$?
frames=$(grep -c '^Frame [0-9]*:' "$tmp/verbose.txt")
if [ $rc1 = 0 ] && [ $rc2 = 0 ] && [ "$frames" = "$n" ]; then
    echo "ok 1 - tshark read all $n messages"
else
    echo "not ok 1 - tshark exit $rc1/$rc2, $frames frames of $n"
    sed 's/^/# /' "$tmp/tshark.err" | head -5
fi

# header line of the fields file names the columns for awk
{ IFS='|'; echo "${fields[*]}"; } >"$tmp/columns.txt"

awk -F'|' '
function sorted(list,    a, n, i, j, t, out) {     # numeric sort of "3,1,2"
    n = split(list, a, ",")
    for (i = 2; i <= n; i++) {
        t = a[i] + 0
        for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]
        a[j + 1] = t
    }
    out = ""
    for (i = 1; i <= n; i++) out = out (i > 1 ? "," : "") (a[i] + 0)
    return out
}
FILENAME == ARGV[1] { for (i = 1; i <= NF; i++) col[i] = $i; ncol = NF; next }
FILENAME == ARGV[2] {                         # tshark -V: first error per frame
    if (match($0, /^Frame [0-9]+:/)) { fr = substr($0, 7) + 0; next }
    if (!(fr in bad) && ($0 ~ /Malformed/ || $0 ~ /Expert Info \(Error/ || $0 ~ /\[Dissector bug/)) {
        line = $0; gsub(/^ +/, "", line); bad[fr] = line
    }
    next
}
FILENAME == ARGV[3] {                         # tshark -T fields
    fr = $1 + 0
    info[fr] = $2
    for (i = 3; i <= ncol; i++) {
        name = col[i]
        canon = name
        if (name ~ /^s1ap\.(uL_GTP_TEID|dL_gTP_TEID|dL_GTP_TEID)$/) canon = "s1ap.gTP_TEID"
        if (name ~ /^s1ap\.(PLMNidentity|pLMNIdentity)$/) canon = "s1ap.pLMNidentity"
        if (name == "s1ap.TAC") canon = "s1ap.tAC"
        if (name == "s1ap.nAS_PDU") canon = "s1ap.NAS_PDU"
        nv = split($i, vals, ",")
        for (k = 1; k <= nv; k++) {
            seen[fr, canon, vals[k]] = 1
            shown[fr, canon] = shown[fr, canon] (shown[fr, canon] == "" ? "" : ",") vals[k]
        }
    }
    next
}
{                                             # samples: name hex field=value ...
    fr = FNR
    split($0, w, " ")
    name = w[1]
    msg = name; sub(/\/.*$/, "", msg); sub(/\+opt$/, "", msg)
    sub(/^Reset(Full|Partial)$/, "Reset", msg)
    gsub(/_/, "-", msg)
    problem = ""
    first = info[fr]; sub(/[ ,].*/, "", first)
    if (first != msg)
        problem = "tshark names it \"" info[fr] "\", expected " msg
    nvals = 0
    for (k = 3; k <= length(w); k++) {
        if (problem != "") break
        eq = index(w[k], "=")
        f = substr(w[k], 1, eq - 1); v = substr(w[k], eq + 1)
        if (f == "ids") {
            # every IE (nested and extension ones too) that we encoded, and
            # no other, as tshark lists them in s1ap.id
            if (sorted(v) != sorted(shown[fr, "s1ap.id"]))
                problem = "IE ids differ: tshark " sorted(shown[fr, "s1ap.id"]) ", we encoded " sorted(v)
            continue
        }
        nvals++
        if (!((fr, f, v) in seen))
            problem = f " is \"" shown[fr, f] "\", expected " v
    }
    if (problem == "" && (fr in bad))
        problem = "tshark: " bad[fr]
    if (problem == "")
        printf "ok %d - %s: tshark shows its %d IEs and %d values we put in\n", fr + 1, name,
               split(shown[fr, "s1ap.id"], tmpa, ","), nvals
    else {
        printf "not ok %d - %s: %s\n", fr + 1, name, problem
        printf "# hex %s\n", w[2]
        failed++
    }
}
END { exit failed > 0 }
' "$tmp/columns.txt" "$tmp/verbose.txt" "$tmp/fields.txt" "$tmp/samples.txt"
rc=$?

# Every message of the interop corpus (build/test-vectors/s1ap.txt, all of
# them round-tripped by test_s1ap_messages) must dissect at the S1AP layer
# without an error.  Messages of 64 KiB and more do not fit one IPv4
# packet of the capture and are left out; NAS-PDUs of the samples hold
# arbitrary bytes, so only S1AP's own errors count.
if [ $ncorpus = 1 ]; then
    awk 'length($2) < 2 * 65000 { h = $2; printf "0000"; for (i = 1; i <= length(h); i += 2) printf " %s", substr(h, i, 2); printf "\n" }' \
        "$corpus" >"$tmp/corpus.hex"
    m=$(wc -l <"$tmp/corpus.hex")
    text2pcap -q -S 36412,36412,18 "$tmp/corpus.hex" "$tmp/corpus.pcap" 2>/dev/null
    tshark -r "$tmp/corpus.pcap" "${opts[@]}" -V >"$tmp/corpus.txt" 2>&1
    got=$(grep -c '^Frame [0-9]*:' "$tmp/corpus.txt")
    bad=$(grep -c 'Malformed Packet: S1AP\|\[Dissector bug' "$tmp/corpus.txt")
    if [ "$got" = "$m" ] && [ "$bad" = 0 ]; then
        echo "ok $((n + 2)) - tshark dissects all $m messages of $corpus below 64 KiB without an S1AP error"
    else
        echo "not ok $((n + 2)) - $corpus: tshark read $got of $m, $bad S1AP errors"
        grep -m3 -B8 'Malformed Packet: S1AP\|\[Dissector bug' "$tmp/corpus.txt" | sed 's/^/# /'
        rc=1
    fi
fi
exit $rc
