#!/usr/bin/env bash
# TAP: `xepcctl sim` against the published vectors (TS 35.208 test set 1,
# the KASME of shared/vectors) and its error paths.
set -u
cd "$(dirname "$0")/../../.." || exit 1
X=${XEPCCTL:-${BUILD:-build}/bin/xepcctl}
K=465b5ce8b199b49faa5f0a2ee238a6bc
OP=cdc202d5123e20f62b6d676ac72cb318
OPC=cd63cb71954a9f4e48a5994e37a02baf
RAND=23553cbe9637a89d218ae64dae47bf35

echo "1..23"
n=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
field() { sed -n "s/^$1: //p" <<<"$2"; }

# Test set 1 with the SQN and SN id of the shared KASME vector.
out=$("$X" sim vector --k $K --op $OP --amf b9b9 --sqn fd8eef40df7d --rand $RAND --plmn 208034)
ok $? "sim vector exits 0"
[ "$(field opc "$out")" = $OPC ] && [ "$(field xres "$out")" = a54211d5e3ba50bf ] &&
    [ "$(field ck "$out")" = b40ba9a3c58b2a05bbf0d987b21bf8cb ] &&
    [ "$(field ik "$out")" = f769bcd751044604127672711c6d3441 ] &&
    [ "$(field ak "$out")" = aa689c648370 ] && [ "$(field ak_star "$out")" = 451e8beca43b ]
ok $? "sim vector: OPc, RES, CK, IK, AK, AK* of TS 35.208 test set 1"
[ "$(field kasme "$out")" = 238e457e0f758badbca8d34bb2612c10428d426757cb5553b2b184fa64bfc549 ] &&
    [ "$(field sn_id "$out")" = 024830 ]
ok $? "sim vector: KASME for SN id 02 48 30"
# AUTN = SQN ^ AK || AMF || MAC-A
[ "$(field autn "$out" | cut -c1-16)" = 57e673245c0db9b9 ] &&
    [ "$(field autn "$out" | cut -c17-)" = "$(field mac_a "$out")" ]
ok $? "sim vector: AUTN is SQN^AK || AMF || MAC-A"

# With the test set's own SQN, f1 and f1* are the published ones; --opc
# gives what --op gives.
out=$("$X" sim vector --k $K --opc $OPC --amf b9b9 --sqn ff9bb4d0b607 --rand $RAND --plmn 00101)
[ "$(field mac_a "$out")" = 4a9ffac354dfafb3 ] && [ "$(field mac_s "$out")" = 01cfaf9ec4e871e9 ] &&
    [ "$(field sn_id "$out")" = 00f110 ]
ok $? "sim vector --opc: MAC-A, MAC-S of test set 1; PLMN 00101 is 00 f1 10"

# resync: an AUTS for SQN_MS ff9bb4d0b607 is SQN_MS ^ AK* || MAC-S.
auts=$("$X" sim auts --k $K --opc $OPC --rand $RAND --sqn ff9bb4d0b607 | sed -n 's/^auts: //p')
[ "$(cut -c1-12 <<<"$auts")" = ba853f3c123c ]
ok $? "sim auts: SQN_MS concealed with f5* 451e8beca43b"
out=$("$X" sim resync --k $K --op $OP --rand $RAND --auts "$auts")
ok $? "sim resync accepts a good AUTS"
[ "$(field sqn_ms "$out")" = ff9bb4d0b607 ] && [ "$(field ind "$out")" = 7 ]
ok $? "sim resync prints SQN_MS and its IND"

bad=${auts:0:27}$(printf '%x' $(( (0x${auts:27:1} + 1) % 16 )))
err=$("$X" sim resync --k $K --op $OP --rand $RAND --auts "$bad" 2>&1 >/dev/null)
rc=$?
[ $rc = 1 ] && grep -q 'MAC-S' <<<"$err"
ok $? "sim resync: a wrong MAC-S exits 1 and says so"

"$X" sim resync --k $K --op $OP --rand 00$RAND --auts "$auts" >/dev/null 2>&1
[ $? = 2 ]
ok $? "sim resync: a RAND of the wrong length is a usage error"
"$X" sim vector --k $K --op $OP --opc $OPC --amf b9b9 --sqn fd8eef40df7d --rand $RAND --plmn 00101 >/dev/null 2>&1
[ $? = 2 ]
ok $? "sim vector: --op and --opc together is a usage error"
"$X" sim --help | grep -q '^SYNOPSIS' && "$X" --help | grep -q '^  sim '
ok $? "sim --help reads like a man page and xepcctl lists sim"

# Secrets (issue 8): a malformed key is described, never echoed; keys can
# come from a file or standard input instead of argv.
tmp=$(mktemp -d /tmp/xepc-sim-nas-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# no 6-character piece of the value may appear in what xepcctl prints
leaks() { local v=$1 f=$2 i; for ((i = 0; i + 6 <= ${#v}; i++)); do
    grep -qiF -- "${v:i:6}" "$f" && return 0; done; return 1; }
VEC=(--amf b9b9 --sqn fd8eef40df7d --rand $RAND --plmn 208034)
want=$("$X" sim vector --k $K --op $OP "${VEC[@]}")

badk=${K:0:31}z
"$X" sim vector --k "$badk" --op $OP "${VEC[@]}" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc = 2 ] && ! leaks "$badk" "$tmp/err" && ! leaks "$badk" "$tmp/out" &&
    grep -q -- '--k: expected 16 octets (32 hex digits): character 32 is not a hex digit' "$tmp/err"
ok $? "sim: a malformed --k is described, not echoed"
"$X" sim vector --k $K --opc "${OPC:0:30}" "${VEC[@]}" >/dev/null 2>"$tmp/err"
rc=$?
[ $rc = 2 ] && ! leaks "${OPC:0:30}" "$tmp/err" && grep -q -- '--opc: .*30 hex digits instead of 32' "$tmp/err"
ok $? "sim: a short --opc is described by its length, not echoed"
"$X" sim vector --k ${K:0:16} ${K:16} --op $OP "${VEC[@]}" >/dev/null 2>"$tmp/err"
rc=$?
[ $rc = 2 ] && ! leaks "$K" "$tmp/err" && grep -q 'unexpected argument at position' "$tmp/err"
ok $? "sim: a key split in two arguments is not echoed"
"$X" sim vector --k $K --op $OP "${VEC[@]}" --opx=$OPC >/dev/null 2>"$tmp/err"
rc=$?
[ $rc = 2 ] && ! leaks "$OPC" "$tmp/err" && grep -q "unknown or incomplete option '--opx'" "$tmp/err"
ok $? "sim: an unknown --opt=VALUE is named without its value"

printf '%s\n' $K >"$tmp/k"; printf '%s\r\n' "${OP:0:8} ${OP:8}" >"$tmp/op"; chmod 600 "$tmp/k" "$tmp/op"
[ "$("$X" sim vector --k-file "$tmp/k" --op-file "$tmp/op" "${VEC[@]}")" = "$want" ]
ok $? "sim: --k-file and --op-file give what --k and --op give"
[ "$(printf '%s\n' $K | "$X" sim vector --k - --op $OP "${VEC[@]}")" = "$want" ] &&
    [ "$(printf '%s' $OP | "$X" sim vector --k-file "$tmp/k" --op-file - "${VEC[@]}")" = "$want" ]
ok $? "sim: --k - and --op-file - read the key from standard input"
printf '%s\n' $K | "$X" sim vector --k - --op - "${VEC[@]}" >/dev/null 2>"$tmp/err"
[ $? = 2 ] && grep -q 'standard input is already read' "$tmp/err"
ok $? "sim: two keys from standard input is a usage error"
printf '%s\n' "$badk" >"$tmp/bad"
"$X" sim vector --k-file "$tmp/bad" --op $OP "${VEC[@]}" >/dev/null 2>"$tmp/err"
rc=$?
[ $rc = 2 ] && ! leaks "$badk" "$tmp/err" && grep -q -- '--k-file: .*not a hex digit' "$tmp/err"
ok $? "sim: a malformed key file is described, not echoed"
"$X" sim vector --k-file "$tmp/none" --op $OP "${VEC[@]}" >/dev/null 2>"$tmp/err"
[ $? = 2 ] && grep -q "cannot open $tmp/none" "$tmp/err" &&
    "$X" sim vector --k $K --k-file "$tmp/k" --op $OP "${VEC[@]}" >/dev/null 2>&1
[ $? = 2 ]
ok $? "sim: a missing key file, or a key given twice, is a usage error"
printf '# keys\nk=%s\r\nopc=%s\n' $K $OPC >"$tmp/keys"
[ "$("$X" sim vector --k-file "$tmp/keys" "${VEC[@]}" | grep -v '^opc')" = "$(grep -v '^opc' <<<"$want")" ] &&
    "$X" sim vector --k-file "$tmp/keys" --op $OP "${VEC[@]}" >/dev/null 2>&1; [ $? = 2 ]
ok $? "sim: --k-file takes the key file of subscriber add (k=, opc=), and then no --op"
printf 'k=%s\nop=%s\n' $K "${OP:0:31}" >"$tmp/keys"
"$X" sim vector --k-file "$tmp/keys" "${VEC[@]}" >/dev/null 2>"$tmp/err"
rc=$?
[ $rc = 2 ] && ! leaks "${OP:0:31}" "$tmp/err" && ! leaks "$K" "$tmp/err" && grep -q 'line 2: expected' "$tmp/err"
ok $? "sim: a bad line in a key file is named by its number, not echoed"
