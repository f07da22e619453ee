#!/bin/bash
# tshark judges one attach and detach on the wire, over SCTP on raw IPv4
# and over SCTP in UDP (RFC 6951): every S1AP and NAS message decodes
# without malformed packets or expert errors, and the procedure sequence
# is the one TS 23.401 5.3.2.1 describes.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agw_lib.sh"

e2e_require
agw_require
trap e2e_cleanup EXIT
tap_plan 8

e2e_topology || { not_ok "topology"; exit 1; }

# The S1AP messages of one attach + detach, in order (Info column names).
EXPECTED="S1SetupRequest S1SetupResponse InitialUEMessage DownlinkNASTransport
UplinkNASTransport DownlinkNASTransport UplinkNASTransport InitialContextSetupRequest
InitialContextSetupResponse UplinkNASTransport DownlinkNASTransport UplinkNASTransport
DownlinkNASTransport UEContextReleaseCommand UEContextReleaseComplete"

one_backend() {
    local backend=$1 decode=()
    [ "$backend" = usrsctp-udp ] && decode=(-d udp.port==9899,sctp)
    AGW_BACKEND=$backend
    agw_config
    [ -s "$E2E_TMP/subs.csv" ] || agw_subscribers 2
    [ -f "$AGW_DB" ] || "$XEPCCTL" subscriber import --db "$AGW_DB" "$E2E_TMP/subs.csv" >/dev/null
    local cap=$E2E_TMP/s1-$backend.pcap
    ip netns exec "$NS_ENB" timeout 60 tshark -q -i "$E_IF" -f "sctp or udp port 9899 or ($E2E_S1_MARK)" -w "$cap" \
        >"$E2E_TMP/tshark-$backend.log" 2>&1 &
    local tpid=$!
    e2e_wait_capturing "$E2E_TMP/tshark-$backend.log"
    e2e_capture_marked "$cap" || diag "$backend: the capture shows no marker after 30 s"
    agw_start || { not_ok "$backend: xepc-agwd start"; return; }
    enbsim_run "$E2E_TMP/$backend.out" --ues 1 --hold 1 --detach --no-tun
    local rc=$?
    sleep 0.5
    agw_stop TERM
    kill -INT $tpid 2>/dev/null
    wait $tpid 2>/dev/null
    [ $rc = 0 ] && ok "$backend: attach and detach" || not_ok "$backend: enbsim exit $rc"

    # NAS ciphered with EEA1..3 is shown as ciphered, not decoded: with
    # nas-eps.null_decipher tshark would parse the keystream's output as
    # a message, malformed now and then
    local ts=(tshark -r "$cap" "${decode[@]}" -o nas-eps.null_decipher:FALSE)
    local bad
    bad=$("${ts[@]}" -Y '_ws.malformed || _ws.expert.severity >= "Error"' 2>"$E2E_TMP/ts.err") ||
        bad="tshark failed: $(cat "$E2E_TMP/ts.err")"
    if [ -z "$bad" ]; then
        ok "$backend: every packet decodes, no malformed packet, no expert error"
    else
        not_ok "$backend: malformed or erroneous packets"
        echo "$bad" | head -n 10 | sed 's/^/# /'
    fi
    local seq
    seq=$("${ts[@]}" -Y s1ap -T fields -e _ws.col.Info 2>/dev/null |
        tr ',' '\n' | grep -oE '^ *[A-Za-z0-9]+(Request|Response|Message|Transport|Command|Complete)\b' |
        tr -d ' ' | grep -E '^(S1Setup|InitialUE|DownlinkNAS|UplinkNAS|InitialContext|UEContextRelease)' |
        tr '\n' ' ')
    if [ "$(echo $seq)" = "$(echo $EXPECTED)" ]; then
        ok "$backend: the S1AP procedure sequence of an attach and a detach"
    else
        not_ok "$backend: S1AP sequence"
        diag "got:      $seq"
        diag "expected: $(echo $EXPECTED)"
    fi
    local nas
    nas=$("${ts[@]}" -Y nas-eps -T fields -e nas_eps.nas_msg_emm_type 2>/dev/null | tr '\n' ' ')
    diag "NAS EMM message types seen: $nas"
    # Attach request 0x41, Authentication request 0x52 / response 0x53,
    # Security mode command 0x5d (integrity only, readable) must be there
    if echo "$nas" | grep -q "0x41" && echo "$nas" | grep -q "0x52" &&
        echo "$nas" | grep -q "0x53" && echo "$nas" | grep -q "0x5d"; then
        ok "$backend: tshark reads the attach's NAS: attach request, AKA, security mode command"
    else
        not_ok "$backend: NAS messages missing"
    fi
    rm -f "$AGW_DB" "$AGW_DB-wal" "$AGW_DB-shm"
}

one_backend usrsctp-raw
one_backend usrsctp-udp
[ $TAP_FAILED = 0 ]
