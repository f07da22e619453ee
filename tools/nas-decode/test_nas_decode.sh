#!/usr/bin/env bash
# TAP test of build/bin/nas-decode: plain and protected PDUs, errors.  The
# protected PDUs are built here with the openssl command line (AES-CMAC for
# 128-EIA2, AES-CTR for 128-EEA2, TS 33.401 B.1.3/B.2.3), independently of
# the project's own crypto.
set -u
cd "$(dirname "$0")/../.." || exit 1
BIN=${BUILD:-build}/bin/nas-decode
tmp=$(mktemp -d /tmp/xepc-nas-decode-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

n=0; failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; sed 's/^/# /' "$tmp/out" "$tmp/err" | head -20; }
# run NAME EXPECTED_RC PATTERN... -- ARGS...: the patterns must all appear
run() {
    local name=$1 want=$2; shift 2
    local pats=()
    while [ "$1" != "--" ]; do pats+=("$1"); shift; done
    shift
    "$BIN" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null; local rc=$?
    if [ $rc -ne "$want" ]; then echo "# exit $rc, wanted $want"; nok "$name"; return; fi
    for p in "${pats[@]}"; do
        if ! grep -qF -- "$p" "$tmp/out" "$tmp/err"; then echo "# missing: $p"; nok "$name"; return; fi
    done
    ok "$name"
}
hex2bin() { perl -e 'print pack("H*", $ARGV[0])' "$1"; }
bin2hex() { perl -e 'local $/; print unpack("H*", <STDIN>)'; }

echo "1..19"

golden_inner=0741020bf600f110000201030003e605f07000001000050215d011d15200f11030395c0a003103e5e0349011035758a65d0100e0c1
run "plain attach request, GUTI and ESM container" 0 "Attach request (EMM 0x41)" \
    "GUTI plmn 001/01 mmegi 2 mmec 1 m-tmsi 0x030003e6" "EEA:0123 EIA:123" \
    "PDN connectivity request" "esm_info_transfer_flag (0xd0): 1" "tac 12345" -- "$golden_inner"
run "golden protected PDU without keys" 0 "integrity protected (1), MAC 0xdf675aa8, SQN 5, MAC not verified" \
    "Attach request" -- "17df675aa805$golden_inner"
run "ESM message" 0 "PDN connectivity reject (ESM 0xd1)" "esm_cause: 27 (Missing or unknown APN)" \
    "backoff_timer (0x37): 36000 s" -- 0205d11b37012a
run "missing mandatory IE gives EMM cause 96" 1 "missing mandatory IE at octet 2" "emm_cause" \
    "EMM cause #96" -- 0744
run "unknown message type gives cause 97" 1 "unknown message type" "EMM cause #97" -- 077f
run "TFT syntax error gives ESM cause 42" 1 "syntactical error in the TFT operation" \
    "ESM cause #42" -- 6207c50501010120
# issue 8 finding 3: a network name of length 1 claiming 5 spare bits
# printed 255 characters read from past the name's array; it holds none
"$BIN" 0761430105 >"$tmp/out" 2>"$tmp/err"
if [ $? -eq 0 ] && grep -qxF '  full_name (0x43): "" (GSM 7-bit)' "$tmp/out"; then
    ok "network name of length 1 with 5 spare bits prints empty"
else nok "network name of length 1 with 5 spare bits prints empty"; fi
# issue 8: a truncated UE originating detach request is named as such
run "truncated UE originating detach request" 1 "IE length exceeds the message" \
    "in Detach request (UE originating)" -- 0745090bf600f1100002010300
run "--dir dl reads 07 45 0x as the UE terminated detach" 0 "Detach request (UE terminated)" \
    -- --dir dl 074501
run "uplink generic NAS transport (was cause #97)" 0 "Uplink generic NAS transport (EMM 0x69)" \
    "generic_msg_container_type: 1 (LTE positioning protocol (LPP) message container)" \
    "generic_msg_container: [1] 08" "additional_info (0x65): [4] 0000000a" -- 07690100010865040000000a
run "not hex" 1 "not a hex string" -- 07zz
run "usage error" 2 "--eia takes 0, 1, 2 or 3" -- --eia 9 0744

printf '%s\n# comment\n\n%s\n' "$golden_inner" 0205d11b37012a | "$BIN" >"$tmp/out" 2>"$tmp/err"
if [ $? -eq 0 ] && grep -q "Attach request" "$tmp/out" && grep -q "PDN connectivity reject" "$tmp/out"; then
    ok "PDUs one per line on stdin"
else nok "PDUs one per line on stdin"; fi

# Integrity protected (type 1), uplink, COUNT 7, EIA2 with our own MAC.
kint=2bd6459f82c5b300952c49104881ff48
kenc=d3c5d592327fb11c4035c6680af8c6d1
plain=$golden_inner
count=00000007; sqn=07
mac=$(hex2bin "${count}00000000${sqn}${plain}" | openssl mac -cipher AES-128-CBC -macopt "hexkey:$kint" CMAC | cut -c1-8 | tr A-F a-f)
run "integrity protected PDU verified with --key (EIA2)" 0 "MAC 0x$mac verified, SQN 7, NAS COUNT 7" \
    "m-tmsi 0x030003e6" -- --key "$kint" --eia 2 --count 7 --dir ul "17${mac}${sqn}${plain}"
run "wrong key is an integrity failure" 1 "integrity check failed" -- \
    --key 000102030405060708090a0b0c0d0e0f --eia 2 --count 7 "17${mac}${sqn}${plain}"

# Integrity protected and ciphered (type 2), downlink, COUNT 0x0105: EEA2 then EIA2.
count=00000105; sqn=05
dl=074402  # attach reject, cause #2
ct=$(hex2bin "$dl" | openssl enc -aes-128-ctr -K "$kenc" -iv "${count}04000000""0000000000000000" | bin2hex)
mac=$(hex2bin "${count}04000000${sqn}${ct}" | openssl mac -cipher AES-128-CBC -macopt "hexkey:$kint" CMAC | cut -c1-8 | tr A-F a-f)
run "ciphered downlink PDU deciphered (EEA2/EIA2)" 0 "deciphered" "Attach reject" \
    "emm_cause: 2 (IMSI unknown in HSS)" -- --key "$kint" --enc-key "$kenc" --eia 2 --eea 2 \
    --count 0x105 --dir dl "27${mac}${sqn}${ct}"
run "ciphered PDU without keys is refused" 1 "ciphered: give --key and --enc-key" -- "27${mac}${sqn}${ct}"

# Service request (header type 12), KSI 1, sequence number 3, COUNT 3: the
# short MAC is the 2 least significant octets of the EIA2 NAS-MAC over
# octets 1-2 (TS 24.301 9.9.3.28).
mac=$(hex2bin "0000000300000000c723" | openssl mac -cipher AES-128-CBC -macopt "hexkey:$kint" CMAC | cut -c1-8 | tr A-F a-f)
run "service request short MAC verified" 0 "short MAC 0x${mac:4:4} verified" "ksi 1, sequence number 3" \
    -- --key "$kint" --eia 2 --count 3 "c723${mac:4:4}"
run "service request with a wrong short MAC" 1 "NOT verified" -- --key "$kint" --eia 2 --count 3 \
    "c723${mac:0:4}"

[ $failed = 0 ]
