#!/usr/bin/env bash
# TAP: `xepcctl config check` — "ok" and exit 0 on a valid file; every error
# with file, line, column and reason and exit 1 otherwise.
set -u
cd "$(dirname "$0")/../../.." || exit 1
X=${XEPCCTL:-${BUILD:-build}/bin/xepcctl}
[ -x "$X" ] || { echo "1..0 # SKIP build first: make all"; exit 0; }
D=$(mktemp -d /tmp/xepc-cfg-check.$$.XXXXXX)
trap 'rm -rf "$D"' EXIT

echo "1..6"
n=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }

cat >"$D/good.yaml" <<'Y'
mme:
  tai:
    - plmn: { mcc: "001", mnc: "01" }
      tac: [1]
gtpu:
  address: 192.0.2.10
datapath:
  s1u: eth1
  sgi: eth2
apns:
  - name: internet
    pool: 10.45.0.0/16
Y
out=$("$X" config check "$D/good.yaml")
ok $? "config check: a valid file exits 0"
[ "$out" = ok ]
ok $? "config check: a valid file prints ok"

sed -e 's/tac: \[1\]/tac: [70000]/' -e 's/sgi: eth2/sgi: eth2\n  colour: red/' \
    -e 's/pool: 10.45.0.0\/16/pool: 10.45.0.1\/16/' "$D/good.yaml" >"$D/bad.yaml"
out=$("$X" config check "$D/bad.yaml")
rc=$?
[ $rc = 1 ]
ok $? "config check: a file with errors exits 1 (got $rc)"
grep -qx "$D/bad.yaml:4:13: mme.tai\[0\].tac\[0\]: 70000 is out of range 0..65535" <<<"$out" &&
    grep -qx "$D/bad.yaml:10:3: datapath.colour: unknown key" <<<"$out" &&
    grep -qx "$D/bad.yaml:13:11: apns\[0\].pool: '10.45.0.1/16' has host bits set (the network is 10.45.0.0/16)" <<<"$out" &&
    [ "$(wc -l <<<"$out")" = 3 ]
ok $? "config check: every error, in file order, with file, line, column and key" ||
    sed 's/^/# /' <<<"$out"

"$X" config check "$D/missing.yaml" >"$D/out" 2>&1
rc=$?
[ $rc = 1 ] && grep -q "missing.yaml: No such file or directory" "$D/out"
ok $? "config check: a missing file exits 1 and says why"

"$X" config frobnicate >/dev/null 2>&1
[ $? = 2 ]
ok $? "config: an unknown subcommand is a usage error (2)"
