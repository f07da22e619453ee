#!/usr/bin/env python3
"""UDP for the Gy e2e test (tests/e2e/agw_gy.sh).

  gy_traffic.py recv ADDR PORT SECONDS [IDLE [COUNT]]
                                        -> prints the datagrams received
                                           (until SECONDS, IDLE s without
                                           one after the first (2), or
                                           COUNT of them)
  gy_traffic.py send DST PORT COUNT LEN GAP_MS [SPORT [SADDR]]
LEN is the IPv4 total length of each datagram (what the datapath charges)."""
import socket
import sys
import time

if sys.argv[1] == "recv":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((sys.argv[2], int(sys.argv[3])))
    end = time.time() + float(sys.argv[4])
    idle = float(sys.argv[5]) if len(sys.argv) > 5 else 2.0
    count = int(sys.argv[6]) if len(sys.argv) > 6 else 0
    n = 0
    nbytes = 0
    while True:
        left = end - time.time()
        if left <= 0 or (count and n >= count):
            break
        s.settimeout(min(left, idle) if n else left)
        try:
            d = s.recv(65535)
        except socket.timeout:
            break
        n += 1
        nbytes += len(d) + 28
    print(n, nbytes)
else:
    dst, port, count, length, gap = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), \
        int(sys.argv[5]), float(sys.argv[6]) / 1000
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    if len(sys.argv) > 7:
        s.bind((sys.argv[8] if len(sys.argv) > 8 else "0.0.0.0", int(sys.argv[7])))
    payload = b"x" * (length - 28)
    for _ in range(count):
        try:
            s.sendto(payload, (dst, port))
        except OSError:
            break       # the UE's device went away (detached): nothing more to send
        time.sleep(gap)
