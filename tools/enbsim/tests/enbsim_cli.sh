#!/usr/bin/env bash
# TAP: enbsim's command line — --help, usage errors (exit 2), and
# gen-subscribers writing a CSV that `xepcctl subscriber import` takes
# (the one file for the gateway and the UE side, docs/agw.md).
set -u
cd "$(dirname "$0")/../../.." || exit 1
B=${BUILD:-build}/bin
E=$B/enbsim
X=$B/xepcctl
[ -x "$E" ] || { echo "1..0 # SKIP $E not built (make all)"; exit 0; }
D=$(mktemp -d /tmp/enbsim-cli.$$.XXXXXX)
trap 'rm -rf "$D"' EXIT

echo "1..9"
n=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
expect() { # STATUS TEXT CMD...: exit status and a word of the message
    local want=$1 text=$2; shift 2
    "$@" >"$D/out" 2>&1
    local rc=$?
    [ $rc = "$want" ] && grep -q -- "$text" "$D/out"
    ok $? "'${*#$E }' exits $want saying '$text' (got $rc: $(head -1 "$D/out"))"
}

"$E" --help >"$D/help" 2>&1
[ $? = 0 ] && grep -q -- "--misbehave" "$D/help" && grep -q "EXIT STATUS" "$D/help"
ok $? "--help prints the manual and exits 0"
expect 2 "are required" "$E" --mme 127.0.0.1
expect 2 "wants IPV4" "$E" --mme nowhere --subscribers "$D/x"
expect 2 "unknown --misbehave" "$E" --mme 127.0.0.1 --subscribers "$D/x" --misbehave sideways
expect 2 "cannot read" "$E" --mme 127.0.0.1 --subscribers "$D/missing.csv"
expect 2 "imsi-base" "$E" gen-subscribers --count 10 --imsi-base 99999999999999x

"$E" gen-subscribers --count 50 --imsi-base 001010000000001 --apn internet --out "$D/subs.csv"
[ $? = 0 ] && [ "$(head -1 "$D/subs.csv")" = "imsi,k,opc,op,amf,sqn,msisdn,state,apns,static_ipv4" ] &&
    [ "$(wc -l <"$D/subs.csv")" = 51 ] && [ "$(tail -1 "$D/subs.csv" | cut -d, -f1)" = 001010000000050 ]
ok $? "gen-subscribers writes the header and 50 rows"
[ "$(cut -d, -f2 "$D/subs.csv" | sort -u | wc -l)" = 51 ]
ok $? "every subscriber has its own K"

if [ -x "$X" ] && "$X" subscriber --help >/dev/null 2>&1; then
    "$X" subscriber import --db "$D/agw.db" "$D/subs.csv" >"$D/imp" 2>&1
    rc=$?
    [ $rc = 0 ] && "$X" subscriber show --db "$D/agw.db" 001010000000050 >/dev/null 2>&1
    ok $? "xepcctl subscriber import takes the file (exit $rc: $(head -1 "$D/imp"))"
else
    echo "ok $((n + 1)) # SKIP xepcctl subscriber not built"
fi
