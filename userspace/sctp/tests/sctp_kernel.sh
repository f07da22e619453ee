#!/bin/bash
# The kernel SCTP backend (libsctp) between two namespaces; skips with the
# reason where the kernel has no SCTP.
exec "$(dirname "$0")/sctp_netns.sh" kernel
