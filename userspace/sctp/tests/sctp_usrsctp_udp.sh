#!/bin/bash
# usrsctp over UDP encapsulation (RFC 6951) between two namespaces.
exec "$(dirname "$0")/sctp_netns.sh" usrsctp-udp
