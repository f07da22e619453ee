#!/usr/bin/env bash
# TAP: the committed asn1/s1ap_types.h and asn1/s1ap_desc_*.c are exactly what
# tools/asn1gen makes from the TS 36.413 modules (`make s1ap-gen`).  Skipped
# when the ASN.1 folder is not there (a user's clone has no ../shared).
cd "$(dirname "$0")/.." || exit 1
dir=${S1AP_ASN1_DIR:-../shared/asn1/s1ap}
echo "1..1"
if [ ! -f "$dir/S1AP-PDU-Descriptions.asn" ]; then
    echo "ok 1 # SKIP no S1AP ASN.1 modules in $dir"
    exit 0
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
mods=""
for m in S1AP-CommonDataTypes S1AP-Constants S1AP-Containers S1AP-IEs \
         S1AP-PDU-Contents S1AP-PDU-Descriptions; do
    mods="$mods $dir/$m.asn"
done
# same basenames as the committed files: the output names them
ok=1
if ! /usr/bin/python3 tools/asn1gen/asn1gen.py --prefix s1ap \
       --pdu-class S1AP-ELEMENTARY-PROCEDURE \
       --out-h "$tmp/s1ap_types.h" --out-c "$tmp/s1ap_desc" $mods 2>"$tmp/log"; then
    ok=0
fi
want=$(cd "$tmp" && ls s1ap_types.h s1ap_desc_*.c 2>/dev/null)
have=$(cd asn1 && ls s1ap_types.h s1ap_desc_*.c 2>/dev/null)
[ "$want" = "$have" ] || ok=0
for f in $want; do
    cmp -s "$tmp/$f" "asn1/$f" || { ok=0; diff -u "asn1/$f" "$tmp/$f" 2>&1 | head -20 | sed 's/^/# /'; }
done
if [ $ok = 1 ]; then
    echo "ok 1 - generated S1AP codec matches tools/asn1gen output"
else
    echo "not ok 1 - asn1/s1ap_types.h or s1ap_desc_*.c differ from tools/asn1gen output: run make s1ap-gen"
    echo "# expected files: $want" | tr '\n' ' '; echo
    sed 's/^/# /' "$tmp/log"
    exit 1
fi
