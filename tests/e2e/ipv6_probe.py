#!/usr/bin/python3
"""IPv6 UE probes for the end-to-end tests (run in the eNB namespace).

scapy builds the inner IPv6 packets, the GTP-U bytes come from
gtpu_probe.py; what the gateway sends back on the eNB side is checked.

  ipv6_probe.py rs   IFACE ENB S1U UL_TEID DL_TEID PREFIX
      a Router Solicitation from fe80::42 in a G-PDU: expects a Router
      Advertisement from fe80::1 in a G-PDU with DL_TEID, carrying PREFIX/64
      in a Prefix Information option with A set and L clear
  ipv6_probe.py ping IFACE ENB S1U UL_TEID DL_TEID UE6 PEER6
      an ICMPv6 Echo Request UE6 -> PEER6 in a G-PDU: expects the Echo
      Reply PEER6 -> UE6 (the PDN's kernel answers) in a G-PDU with DL_TEID
  ipv6_probe.py spoof IFACE ENB S1U UL_TEID DL_TEID UE6 PEER6
      the same from an address outside the UE's /64: expects no reply
"""
import sys

from scapy.all import (ICMPv6EchoReply, ICMPv6EchoRequest, ICMPv6ND_RA,  # noqa: E402
                       ICMPv6ND_RS, ICMPv6NDOptPrefixInfo, IPv6, conf)

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from gtpu_probe import exchange, gtpu, parse_gtpu  # noqa: E402

conf.verb = 0


def inner_of(data, dl):
    g = parse_gtpu(data)
    if not g or g[0] != 0xFF or g[1] != dl:
        return None
    return IPv6(data[g[3]:])


def cmd_rs(iface, enb, s1u, ul, dl, prefix):
    ul, dl = int(ul, 0), int(dl, 0)
    rs = bytes(IPv6(src="fe80::42", dst="ff02::2", hlim=255) / ICMPv6ND_RS())

    def match(data, _p):
        ip = inner_of(data, dl)
        if ip is None or ICMPv6ND_RA not in ip:
            return None
        pio = ip[ICMPv6NDOptPrefixInfo]
        chk = ip[ICMPv6ND_RA].cksum
        again = IPv6(bytes(ip))
        del again[ICMPv6ND_RA].cksum
        good = IPv6(bytes(again))[ICMPv6ND_RA].cksum == chk
        return (f"RA {ip.src} -> {ip.dst} hlim {ip.hlim} prefix {pio.prefix}/{pio.prefixlen} "
                f"A={pio.A} L={pio.L} lifetime {ip[ICMPv6ND_RA].routerlifetime} "
                f"checksum {'ok' if good else 'BAD'}")

    r = exchange(iface, enb, s1u, gtpu(0xFF, ul, rs), match)
    print(r or "no Router Advertisement")
    want = f"RA fe80::1 -> fe80::42 hlim 255 prefix {prefix}/64 A=1 L=0"
    return 0 if r and r.startswith(want) and r.endswith("checksum ok") else 1


def cmd_ping(iface, enb, s1u, ul, dl, ue6, peer6, expect=True):
    ul, dl = int(ul, 0), int(dl, 0)
    req = bytes(IPv6(src=ue6, dst=peer6) / ICMPv6EchoRequest(id=0x6006, seq=1, data=b"xepc6" * 8))

    def match(data, _p):
        ip = inner_of(data, dl)
        if ip is None or ICMPv6EchoReply not in ip or ip[ICMPv6EchoReply].id != 0x6006:
            return None
        return f"echo reply {ip.src} -> {ip.dst} hlim {ip.hlim} in G-PDU TEID 0x{dl:08x}"

    r = exchange(iface, enb, s1u, gtpu(0xFF, ul, req), match)
    print(r or "no echo reply")
    return 0 if bool(r) == expect else 1


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    cmd, args = argv[1], argv[2:]
    if cmd == "rs":
        return cmd_rs(*args)
    if cmd == "ping":
        return cmd_ping(*args)
    if cmd == "spoof":
        return cmd_ping(*args, expect=False)
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
