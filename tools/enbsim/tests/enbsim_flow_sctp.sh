#!/usr/bin/env bash
# test_enbsim_flow over the real SCTP transport: usrsctp over raw IPv4,
# the scripted MME (a test double) and enbsim's eNBs in one process, run in
# a private network namespace so that no other usrsctp stack on the
# machine sees (and aborts) its associations (docs FACTS: SCTP).  TAP.
set -u
cd "$(dirname "$0")/../../.." || exit 1
BUILD=${BUILD:-build}
bin=$BUILD/test/test_enbsim_flow_sctp
if [ ! -x "$bin" ]; then
    echo "1..0 # SKIP $bin not built"
    exit 0
fi
if [ "$(id -u)" != 0 ] || ! ip netns add "enbsim-flow-$$" 2>/dev/null; then
    echo "1..0 # SKIP needs root and network namespaces"
    exit 0
fi
trap 'ip netns del "enbsim-flow-$$" 2>/dev/null' EXIT
ip -n "enbsim-flow-$$" link set lo up
CMOCKA_MESSAGE_OUTPUT=TAP ENBSIM_FLOW_TUN=1 ip netns exec "enbsim-flow-$$" "$bin"
