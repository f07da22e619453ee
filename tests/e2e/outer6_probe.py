#!/usr/bin/python3
"""GTP-U over IPv6 probes for the end-to-end tests (run in the eNB namespace).

scapy builds the outer IPv6/UDP (with its checksum) and the inner packets,
the GTP-U bytes come from gtpu_probe.py; what the gateway sends back over
IPv6 is checked, its UDP checksum recomputed by scapy.

  outer6_probe.py echo   IFACE ENB6 GW6
      a GTP-U Echo Request over IPv6: expects the Echo Response (same
      sequence number, Recovery IE) with a valid UDP checksum
  outer6_probe.py ping4  IFACE ENB6 GW6 UL_TEID DL_TEID UE PEER
      an ICMP Echo Request UE -> PEER (inner IPv4) in a G-PDU over IPv6:
      expects the reply in a G-PDU with DL_TEID over IPv6
  outer6_probe.py ping6  IFACE ENB6 GW6 UL_TEID DL_TEID UE6 PEER6
      the same with an inner ICMPv6 Echo Request
  outer6_probe.py zero   IFACE ENB6 GW6 UL_TEID DL_TEID UE PEER
      ping4 with UDP checksum 0 (RFC 8200 8.1 forbids it): expects no reply
"""
import sys
import time

from scapy.all import (ICMP, ICMPv6EchoReply, ICMPv6EchoRequest, IP, IPv6, UDP,  # noqa: E402
                       AsyncSniffer, Raw, conf, send)

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from gtpu_probe import GTPU_PORT, gtpu, parse_gtpu  # noqa: E402

conf.verb = 0


def csum_ok(p):
    """The UDP checksum the gateway sent, against scapy's own."""
    got = p[UDP].chksum
    again = p[IPv6].copy()
    del again[UDP].chksum
    return got != 0 and IPv6(bytes(again))[UDP].chksum == got


def exchange(iface, enb6, gw6, packet, match, zero=False, timeout=3.0):
    found = []

    def on_packet(p):
        if not found and UDP in p and p[UDP].dport == GTPU_PORT:
            r = match(bytes(p[UDP].payload), p)
            if r:
                found.append(r)

    sn = AsyncSniffer(iface=iface, store=False, prn=on_packet,
                      lfilter=lambda p: IPv6 in p and p[IPv6].src == gw6 and p[IPv6].dst == enb6)
    sn.start()
    time.sleep(0.3)
    udp = UDP(sport=GTPU_PORT, dport=GTPU_PORT, chksum=0) if zero else \
        UDP(sport=GTPU_PORT, dport=GTPU_PORT)
    send(IPv6(src=enb6, dst=gw6) / udp / Raw(packet))
    deadline = time.time() + timeout
    while time.time() < deadline and not found:
        time.sleep(0.05)
    sn.stop()
    return found[0] if found else None


def cmd_echo(iface, enb6, gw6):
    def match(data, p):
        g = parse_gtpu(data)
        if not g or g[0] != 2 or len(data) < 14:
            return None
        seq = data[8] << 8 | data[9]
        return (f"echo response seq {seq:#x} recovery IE {data[12]} "
                f"udp checksum {'ok' if csum_ok(p) else 'BAD'}")

    r = exchange(iface, enb6, gw6, gtpu(1, 0, b"", seq=0x6161), match)
    print(r or "no echo response")
    return 0 if r and r.startswith("echo response seq 0x6161 recovery IE 14") and \
        r.endswith("ok") else 1


def cmd_ping(iface, enb6, gw6, ul, dl, ue, peer, v6=False, expect=True, zero=False):
    ul, dl = int(ul, 0), int(dl, 0)
    if v6:
        inner = bytes(IPv6(src=ue, dst=peer) / ICMPv6EchoRequest(id=0x6006, seq=1,
                                                                  data=b"xepc6" * 8))
    else:
        inner = bytes(IP(src=ue, dst=peer) / ICMP(type=8, id=0x4646, seq=1) / Raw(b"xepc" * 9))

    def match(data, p):
        g = parse_gtpu(data)
        if not g or g[0] != 0xFF or g[1] != dl:
            return None
        if v6:
            ip = IPv6(data[g[3]:])
            if ICMPv6EchoReply not in ip or ip[ICMPv6EchoReply].id != 0x6006:
                return None
        else:
            ip = IP(data[g[3]:])
            if ICMP not in ip or ip[ICMP].type != 0 or ip[ICMP].id != 0x4646:
                return None
        return (f"echo reply {ip.src} -> {ip.dst} in G-PDU TEID 0x{dl:08x} over IPv6, "
                f"udp checksum {'ok' if csum_ok(p) else 'BAD'}")

    r = exchange(iface, enb6, gw6, gtpu(0xFF, ul, inner), match, zero=zero)
    print(r or "no echo reply")
    if not expect:
        return 0 if not r else 1
    return 0 if r and r.endswith("ok") else 1


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    cmd, args = argv[1], argv[2:]
    if cmd == "echo":
        return cmd_echo(*args)
    if cmd == "ping4":
        return cmd_ping(*args)
    if cmd == "ping6":
        return cmd_ping(*args, v6=True)
    if cmd == "zero":
        return cmd_ping(*args, expect=False, zero=True)
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
