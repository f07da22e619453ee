#!/bin/bash
# usrsctp over raw IPv4 (protocol 132) between two namespaces.
exec "$(dirname "$0")/sctp_netns.sh" usrsctp-raw
