#!/bin/bash
# Trust in the pin directory (issue 8 item 2) and `dp down --force`
# (item 8): xepcctl refuses a pin directory owned by another user or
# writable by others (and such a bpffs root), a symlinked directory or pin,
# a map pinned in the place of one of ours (another type, another value
# size, the same shape without our BTF), a pin owned by another user; a
# missing link pin is an error for status and upgrade; `dp down --force`
# removes only xepc's pins and leaves a foreign map and a foreign link
# (attached) in place; a non-root user is told "permission denied".
# Private bpffs mount and network namespace, unique names; root only.
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
X=$ROOT/build/bin/xepcctl
[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root (bpffs, netns, XDP)"; exit 0; }
[ -x "$X" ] || { echo "1..0 # SKIP build first: make all"; exit 0; }
command -v bpftool >/dev/null || { echo "1..0 # SKIP bpftool is missing (make deps)"; exit 0; }
command -v setpriv >/dev/null || { echo "1..0 # SKIP setpriv is missing"; exit 0; }

SFX=$(printf '%x' $$ | tail -c 6)
NS=xe-dp1pt-$SFX
A=xpt${SFX}a
B=xpt${SFX}b
TMP=$(mktemp -d /tmp/xepc-pintrust.XXXXXX)
BPFFS=$TMP/bpffs
PIN=$BPFFS/xepc
OTHER=$BPFFS/other
N=0
FAILED=0

cleanup() {
    set +e
    for d in "$PIN" "$OTHER"; do
        [ -d "$d" ] && ip netns exec "$NS" "$X" dp down --force --pin-dir "$d" >/dev/null 2>&1
    done
    ip netns del "$NS" 2>/dev/null
    umount "$BPFFS" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

ok() { N=$((N + 1)); echo "ok $N - $*"; }
not_ok() { N=$((N + 1)); FAILED=$((FAILED + 1)); echo "not ok $N - $*"; }
# expect STATUS "message substring" description command...
expect() {
    local want=$1 says=$2 what=$3
    shift 3
    "$@" >"$TMP/out" 2>&1
    local rc=$?
    if [ $rc = "$want" ] && grep -q -- "$says" "$TMP/out"; then
        ok "$what"
    else
        not_ok "$what (status $rc, wanted $want and '$says')"
        sed 's/^/# /' "$TMP/out" | head -n 5
    fi
}
check() {
    local what=$1
    shift
    if "$@" >"$TMP/out" 2>&1; then ok "$what"; else not_ok "$what"; sed 's/^/# /' "$TMP/out" | head -n 8; fi
}
xc() { ip netns exec "$NS" "$X" "$@"; }
up() { xc dp up --s1u "$A" --mode nat --gtpu-addr 192.0.2.1 --max-sessions 1024 --pin-dir "${1:-$PIN}"; }

echo "1..26"
mkdir -p "$BPFFS" && mount -t bpf -o mode=0700 bpf "$BPFFS" || { echo "Bail out! cannot mount bpffs"; exit 1; }
ip netns add "$NS" && ip -n "$NS" link add "$A" type veth peer name "$B" &&
    ip -n "$NS" link set "$A" up && ip -n "$NS" link set "$B" up ||
    { echo "Bail out! cannot make the namespace"; exit 1; }

# -- the directory --
mkdir "$PIN" && chown 65534:65534 "$PIN"
expect 1 "owned by uid 65534, not root" "dp up refuses a pin directory owned by a non-root user" up
rmdir "$PIN"
mkdir "$PIN" && chmod 0777 "$PIN"
expect 1 "writable by group or others" "dp up refuses a pin directory of mode 0777" up
rmdir "$PIN"
chmod 0777 "$BPFFS"
expect 1 "mode=0700" "dp up refuses a bpffs root writable by others (no sticky bit), suggests mode=0700" up
chmod 0700 "$BPFFS"
[ ! -e "$PIN" ] || echo "# dp up created $PIN below an untrusted parent"
mkdir "$BPFFS/real" && ln -s "$BPFFS/real" "$PIN"
expect 1 "is a symbolic link" "dp up refuses a symlinked pin directory" up
rm "$PIN" && rmdir "$BPFFS/real"
expect 1 "mode=0700 bpf" "dp up on a directory that is not a bpffs suggests a safe mount" \
    xc dp up --s1u "$A" --mode nat --gtpu-addr 192.0.2.1 --pin-dir "$TMP/nobpffs/xepc"

check "dp up on a root-owned 0700 directory" up
check "session add with AMBR" xc session add --teid 0x101 --ue 10.45.0.2 --ul-ambr 10M --dl-ambr 20M --pin-dir "$PIN"
chmod 0777 "$PIN"
expect 1 "writable by group or others" "session list refuses the pinned directory once it is 0777" \
    xc session list --pin-dir "$PIN"
chmod 0700 "$PIN"
chown 65534 "$PIN"
expect 1 "owned by uid 65534" "dp status refuses the pinned directory once a non-root user owns it" \
    xc dp status --pin-dir "$PIN"
chown 0 "$PIN"

# -- the pins --
mv "$PIN/xepc_meters" "$BPFFS/meters_real" && ln -s "$BPFFS/meters_real" "$PIN/xepc_meters"
expect 1 "xepc_meters is a symbolic link" "a symlinked map pin is refused, not followed" \
    xc session list --pin-dir "$PIN"
rm "$PIN/xepc_meters" && mv "$BPFFS/meters_real" "$PIN/xepc_meters"

VSIZE=$(bpftool map show pinned "$PIN/xepc_meters" | sed -n 's/.*value \([0-9]*\)B.*/\1/p')
MAXM=$(bpftool map show pinned "$PIN/xepc_meters" | sed -n 's/.*max_entries \([0-9]*\).*/\1/p')
swap_in() { # swap_in TYPE VALUE_SIZE: a map of that shape in xepc_meters' place
    rm -f "$BPFFS/fake"
    bpftool map create "$BPFFS/fake" type "$1" key 4 value "$2" entries "$MAXM" name xepc_meters &&
        mv "$PIN/xepc_meters" "$BPFFS/meters_real" && mv "$BPFFS/fake" "$PIN/xepc_meters"
}
swap_back() { rm -f "$PIN/xepc_meters" && mv "$BPFFS/meters_real" "$PIN/xepc_meters"; }
swap_in hash "$VSIZE"
expect 1 "type hash, expected array" "a swapped map pin of another type is refused" \
    xc session add --teid 0x102 --ue 10.45.0.3 --ul-ambr 1M --pin-dir "$PIN"
swap_back
swap_in array $((VSIZE + 8))
expect 1 "value size $((VSIZE + 8)), expected $VSIZE" "a swapped map pin of another value size is refused" \
    xc session add --teid 0x102 --ue 10.45.0.3 --ul-ambr 1M --pin-dir "$PIN"
swap_back
swap_in array "$VSIZE"
expect 1 "BTF value type none, expected xepc_meter" "a swapped map pin of the same shape without our BTF is refused" \
    xc session add --teid 0x102 --ue 10.45.0.3 --ul-ambr 1M --pin-dir "$PIN"
swap_back
chown 65534 "$PIN/xepc_sessions"
expect 1 "xepc_sessions is owned by uid 65534" "a map pin owned by a non-root user is refused" \
    xc session list --pin-dir "$PIN"
chown 0 "$PIN/xepc_sessions"
expect 0 "0x00000101" "the session is intact after the refusals" xc session list --pin-dir "$PIN"
expect 1 "permission denied" "a non-root user is told permission denied, not 'no datapath'" \
    setpriv --reuid 65534 --regid 65534 --clear-groups "$X" session list --pin-dir "$PIN"

# -- a missing link pin --
mv "$PIN/link_tc_ue" "$BPFFS/link_tc_ue_saved"
expect 1 "link_tc_ue is missing" "dp status reports a missing link pin as an error" \
    xc dp status --pin-dir "$PIN"
expect 1 "link_tc_ue is missing" "dp upgrade reports a missing link pin as an error" \
    xc dp upgrade --pin-dir "$PIN"
mv "$BPFFS/link_tc_ue_saved" "$PIN/link_tc_ue"
check "dp status is clean again" xc dp status --pin-dir "$PIN"

# -- dp down --force with foreign pins --
check "another datapath (the owner of a foreign link) up on the peer device" \
    xc dp up --s1u "$B" --mode nat --gtpu-addr 192.0.2.9 --max-sessions 64 --pin-dir "$OTHER"
mv "$OTHER/link_xdp_s1u" "$PIN/foreign_link"
bpftool map create "$PIN/foreign_map" type hash key 4 value 4 entries 4 name foreign_map
rm "$PIN/xepc_dp_state" # an incomplete state: what --force is for
expect 1 "no datapath is pinned" "dp down without --force refuses an incomplete directory" \
    xc dp down --pin-dir "$PIN"
expect 0 "left 2 pins that xepc did not make" "dp down --force removes xepc's pins and says what it left" \
    xc dp down --force --pin-dir "$PIN"
foreign_kept() {
    ls "$PIN" && [ "$(ls "$PIN" | sort | tr '\n' ' ')" = "foreign_link foreign_map " ] &&
        bpftool map show pinned "$PIN/foreign_map" &&
        ip -n "$NS" -d link show dev "$B" | grep -q 'prog/xdp'
}
check "the foreign map and link are still pinned, the foreign program still attached" foreign_kept
not_attached() { ! ip -n "$NS" -d link show dev "$A" | grep -q 'prog/xdp'; }
check "xepc's own program was detached" not_attached
mv "$PIN/foreign_link" "$OTHER/link_xdp_s1u" && rm "$PIN/foreign_map" && rmdir "$PIN"
expect 1 "does not exist" "dp down --force says so when the directory does not exist" \
    xc dp down --force --pin-dir "$PIN"
check "the other datapath comes down" xc dp down --pin-dir "$OTHER"
[ $FAILED = 0 ]
