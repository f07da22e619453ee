#!/usr/bin/env bash
# TAP: `xepcctl subscriber` on a database file: add (keys from a file or
# stdin), show and list (never a key), state, delete, CSV import (whole or
# nothing, bad rows with their line numbers).
set -u
cd "$(dirname "$0")/../../.." || exit 1
X=${XEPCCTL:-${BUILD:-build}/bin/xepcctl}
[ -x "$X" ] || { echo "1..0 # SKIP build first: make all"; exit 0; }
D=$(mktemp -d /tmp/xepc-sub-cli.$$.XXXXXX)
trap 'rm -rf "$D"' EXIT
DB=$D/agw.db
K=465b5ce8b199b49faa5f0a2ee238a6bc
OP=cdc202d5123e20f62b6d676ac72cb318
OPC=cd63cb71954a9f4e48a5994e37a02baf

echo "1..16"
n=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
nokeys() { ! grep -qi -e $K -e $OP -e $OPC "$@"; }

printf 'k=%s\nop=%s\n' $K $OP >"$D/keys"
"$X" subscriber add --db "$DB" --imsi 001010000000001 --k-file "$D/keys" --msisdn 33600000001 \
    --apn internet --apn 'ims:qci=5:ip=10.46.0.1' --ue-ambr 50Mbps/100Mbps >"$D/out" 2>&1
ok $? "add with keys from a file"
[ "$(stat -c %a "$DB")" = 600 ]
ok $? "the database is created owner-only (it holds keys)"
printf 'k=%s\nopc=%s\n' $K $OPC | "$X" subscriber add --db "$DB" --imsi 001010000000002 \
    --k-file - --state barred >>"$D/out" 2>&1
ok $? "add with keys from stdin"
"$X" subscriber add --db "$DB" --imsi 001010000000002 --k-file "$D/keys" >"$D/dup" 2>&1
[ $? = 1 ] && grep -q "already exists" "$D/dup"
ok $? "add of an existing IMSI fails (1)"
"$X" subscriber add --db "$DB" --imsi 001010000000003 --k $K >/dev/null 2>&1
[ $? = 2 ]
ok $? "keys on the command line are refused (usage error)"

"$X" subscriber show --db "$DB" 001010000000001 >"$D/show" 2>&1
rc=$?
[ $rc = 0 ] && grep -qx "msisdn: 33600000001" "$D/show" && grep -qx "opc: derived from OP" "$D/show" &&
    grep -qx "apn: ims qci=5 ip=10.46.0.1" "$D/show" &&
    grep -qx "ue_ambr: 50000000/100000000 bit/s" "$D/show" && grep -qx "state: active" "$D/show"
ok $? "show prints the subscriber" || sed 's/^/# /' "$D/show"
nokeys "$D/show" "$D/out"
ok $? "show and add print no key"

cat >"$D/subs.csv" <<C
imsi,k,opc,op,amf,sqn,msisdn,state,apns,static_ipv4
001010000000010,$K,$OPC,,,,,,internet,internet=10.45.0.10
001010000000011,$K,,$OP,b9b9,0x20,,inactive,,
C
"$X" subscriber import --db "$DB" "$D/subs.csv" >"$D/imp" 2>&1
[ $? = 0 ] && grep -qx "imported 2 subscribers" "$D/imp"
ok $? "import of a good file"

cat >"$D/bad.csv" <<C
imsi,k,opc,op,amf,sqn,msisdn,state,apns,static_ipv4
001010000000020,$K,$OPC,,,,,,,
0010100000021,$K,$OPC,,,,,,,
001010000000022,${K}00,$OPC,,,,,,,
001010000000010,$K,$OPC,,,,,,,
C
"$X" subscriber import --db "$DB" "$D/bad.csv" >"$D/imp" 2>&1
rc=$?
[ $rc = 1 ] && grep -q "bad.csv:3: imsi '0010100000021' is not 15 digits" "$D/imp" &&
    grep -q "bad.csv:4: k is not 32 hex digits" "$D/imp" &&
    grep -q "bad.csv:5: IMSI 001010000000010 already exists" "$D/imp" &&
    ! grep -q "bad.csv:2" "$D/imp" && grep -q "nothing imported" "$D/imp"
ok $? "import of a file with bad rows: exit 1, each bad row by line" || sed 's/^/# /' "$D/imp"
nokeys "$D/imp"
ok $? "import errors show no key"
"$X" subscriber show --db "$DB" 001010000000020 >/dev/null 2>&1
[ $? = 1 ]
ok $? "a rejected file leaves nothing behind (its good row is not there)"

"$X" subscriber list --db "$DB" >"$D/list" 2>&1
[ $? = 0 ] && [ "$(grep -c '^00101' "$D/list")" = 4 ] &&
    grep -q "^001010000000002  barred" "$D/list" && grep -q "^001010000000011  inactive .*0x000000000020" "$D/list"
ok $? "list prints every subscriber" || sed 's/^/# /' "$D/list"
"$X" subscriber list --db "$DB" --after 001010000000002 --limit 1 >"$D/page" 2>&1
[ "$(grep '^00101' "$D/page" | cut -c1-15)" = 001010000000010 ]
ok $? "list pages with --after and --limit"
nokeys "$D/list" "$D/page"
ok $? "list prints no key"

"$X" subscriber state --db "$DB" 001010000000002 active >/dev/null &&
    "$X" subscriber show --db "$DB" 001010000000002 | grep -qx "state: active"
ok $? "state changes the subscriber's state"
"$X" subscriber delete --db "$DB" 001010000000002 >/dev/null &&
    { "$X" subscriber delete --db "$DB" 001010000000002 2>&1; [ $? = 1 ]; } | grep -q "unknown subscriber"
ok $? "delete removes it; deleting again fails with 'unknown subscriber'"
