#!/bin/sh
# TAP: the committed S1AP fuzzing dictionary is what asn1/fuzz/s1ap_dict.py
# writes from the committed generated tables.
cd "$(dirname "$0")/../.." || exit 1
echo "1..1"
if /usr/bin/python3 asn1/fuzz/s1ap_dict.py | cmp -s - asn1/fuzz/fuzz_s1ap_decode.dict; then
    echo "ok 1 - asn1/fuzz/fuzz_s1ap_decode.dict is up to date"
else
    echo "not ok 1 - asn1/fuzz/fuzz_s1ap_decode.dict is stale: asn1/fuzz/s1ap_dict.py > asn1/fuzz/fuzz_s1ap_decode.dict"
fi
