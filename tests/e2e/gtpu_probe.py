#!/usr/bin/python3
"""Independent GTP-U probes for the end-to-end tests (run in the eNB namespace).

Builds packets with scapy (IP/UDP/ICMP) and the GTP-U bytes by hand from
TS 29.281, sends them to the gateway's S1-U address, sniffs what comes back
on the eNB-side interface and checks it.  Exit status 0 = as expected; a
line on stdout says what was seen.

  gtpu_probe.py gpdu-ext  IFACE ENB S1U UL_TEID DL_TEID UE PEER
  gtpu_probe.py echo      IFACE ENB S1U [RECOVERY]
  gtpu_probe.py unknown   IFACE ENB S1U TEID [--expect-ei]
  gtpu_probe.py malformed IFACE ENB S1U UL_TEID KIND
  gtpu_probe.py flood     IFACE ENB S1U FIRST_TEID COUNT
      COUNT G-PDUs to COUNT different TEIDs from FIRST_TEID up, as fast as
      a raw socket takes them; prints "sent N in S s"
  gtpu_probe.py echo-answer IFACE ENB S1U SPORT [COUNT]
      answers the gateway's Echo Requests (path management) with Echo
      Responses of the right sequence number, sent from UDP port SPORT
"""
import struct
import sys
import time

from scapy.all import AsyncSniffer, ICMP, IP, UDP, Raw, conf, send  # noqa: E402

conf.verb = 0
GTPU_PORT = 2152


def gtpu(msg_type, teid, payload, seq=None, exts=()):
    """GTP-U v1 header; exts is a list of (type, body) with body 4n-2 bytes."""
    flags = 0x30
    opt = b""
    if seq is not None or exts:
        flags |= 0x02 if seq is not None else 0
        flags |= 0x04 if exts else 0
        chain = b""
        for i, (etype, body) in enumerate(exts):
            nxt = exts[i + 1][0] if i + 1 < len(exts) else 0
            assert (len(body) + 2) % 4 == 0
            chain += bytes([(len(body) + 2) // 4]) + body + bytes([nxt])
        opt = struct.pack("!HBB", seq or 0, 0, exts[0][0] if exts else 0) + chain
    body = opt + payload
    return struct.pack("!BBHI", flags, msg_type, len(body), teid) + body


def parse_gtpu(data):
    """Returns (type, teid, seq or None, payload offset) or None."""
    if len(data) < 8 or data[0] >> 5 != 1:
        return None
    flags, mtype, length, teid = struct.unpack("!BBHI", data[:8])
    off, seq = 8, None
    if flags & 0x07:
        seq, _, nxt = struct.unpack("!HBB", data[8:12])
        if not flags & 0x02:
            seq = None
        off = 12
        while nxt:
            elen = data[off] * 4
            nxt = data[off + elen - 1]
            off += elen
    return mtype, teid, seq, off


def exchange(iface, enb, s1u, packet, match, timeout=3.0):
    """Sends packet to the gateway and returns match()'s first non-None
    answer for a UDP 2152 packet from s1u to enb seen within timeout."""
    found = []

    def on_packet(p):
        if not found and UDP in p and p[UDP].dport == GTPU_PORT:
            r = match(bytes(p[UDP].payload), p)
            if r:
                found.append(r)

    # No BPF filter: scapy compiles those with tcpdump, which may be absent.
    sn = AsyncSniffer(iface=iface, store=False, prn=on_packet,
                      lfilter=lambda p: IP in p and p[IP].src == s1u and p[IP].dst == enb)
    sn.start()
    time.sleep(0.3)
    send(IP(src=enb, dst=s1u) / UDP(sport=GTPU_PORT, dport=GTPU_PORT) / Raw(packet))
    deadline = time.time() + timeout
    while time.time() < deadline and not found:
        time.sleep(0.05)
    sn.stop()
    return found[0] if found else None


def cmd_gpdu_ext(iface, enb, s1u, ul, dl, ue, peer):
    ul, dl = int(ul, 0), int(dl, 0)
    inner = bytes(IP(src=ue, dst=peer) / ICMP(type=8, id=0x4242, seq=7) / Raw(b"xepc-ext" * 4))
    # PDU Session Container (TS 38.415: UL PDU type 1, QFI 9), then an
    # extension type the gateway does not know but whose length is sound
    # (0x03: comprehension not required), 8 octets long.
    exts = [(0x85, bytes([0x10, 0x09])), (0x03, bytes(6))]
    pkt = gtpu(0xFF, ul, inner, seq=1, exts=exts)

    def match(data, _p):
        g = parse_gtpu(data)
        if not g or g[0] != 0xFF or g[1] != dl:
            return None
        ip = IP(data[g[3]:])
        if ICMP in ip and ip[ICMP].type == 0 and ip[ICMP].id == 0x4242 and ip.dst == ue:
            return f"echo reply {ip.src} -> {ip.dst} in G-PDU TEID 0x{g[1]:08x}"
        return None

    return exchange(iface, enb, s1u, pkt, match)


def cmd_echo(iface, enb, s1u, recovery=None):
    pkt = gtpu(1, 0, b"", seq=0x1234)
    want = None if recovery is None else int(recovery, 0)

    def match(data, _p):
        g = parse_gtpu(data)
        if not g or g[0] != 2 or g[2] != 0x1234:
            return None
        ies = data[g[3]:]
        if len(ies) >= 2 and ies[0] == 14 and want in (None, ies[1]):
            return f"Echo Response seq 0x1234 with Recovery IE {ies[1]}"
        return None

    return exchange(iface, enb, s1u, pkt, match)


def cmd_unknown(iface, enb, s1u, teid, expect_ei):
    teid = int(teid, 0)
    inner = bytes(IP(src="10.45.9.9", dst="172.16.2.2") / ICMP() / Raw(b"unknown"))
    pkt = gtpu(0xFF, teid, inner)

    def match(data, _p):
        g = parse_gtpu(data)
        if not g or g[0] != 26:
            return None
        ies, out = data[g[3]:], {}
        i = 0
        while i < len(ies):
            t = ies[i]
            if t == 16:
                out["teid"] = struct.unpack("!I", ies[i + 1:i + 5])[0]
                i += 5
            elif t >= 128:
                ln = struct.unpack("!H", ies[i + 1:i + 3])[0]
                out[t] = ies[i + 3:i + 3 + ln]
                i += 3 + ln
            else:
                break
        peer = ".".join(str(b) for b in out.get(133, b""))
        if out.get("teid") == teid and peer == s1u:
            return f"Error Indication TEID Data I 0x{teid:08x} peer {peer}"
        return None

    got = exchange(iface, enb, s1u, pkt, match, timeout=3.0 if expect_ei else 1.5)
    if expect_ei:
        return got
    return None if got else "no Error Indication (none expected)"


def cmd_malformed(iface, enb, s1u, ul, kind):
    ul = int(ul, 0)
    inner = bytes(IP(src="10.45.0.2", dst="172.16.2.2") / ICMP() / Raw(b"m" * 16))
    if kind == "len-long":
        pkt = bytearray(gtpu(0xFF, ul, inner))
        struct.pack_into("!H", pkt, 2, len(inner) + 40)
    elif kind == "version":
        pkt = bytearray(gtpu(0xFF, ul, inner))
        pkt[0] = (pkt[0] & 0x1F) | (2 << 5)
    elif kind == "ext-zero":
        pkt = bytearray(gtpu(0xFF, ul, inner, seq=0, exts=[(0x85, bytes(2))]))
        pkt[12] = 0
    else:
        raise SystemExit(f"unknown kind {kind}")
    send(IP(src=enb, dst=s1u) / UDP(sport=GTPU_PORT, dport=GTPU_PORT) / Raw(bytes(pkt)))
    return f"sent {kind}"


def cmd_flood(iface, enb, s1u, first, count):
    """COUNT unknown-TEID G-PDUs, each to its own TEID (issue 13 section 5)."""
    import socket
    first, count = int(first, 0), int(count)
    inner = bytes(IP(src="10.45.9.9", dst="172.16.2.2") / ICMP() / Raw(b"flood"))
    tmpl = bytes(IP(src=enb, dst=s1u) / UDP(sport=GTPU_PORT, dport=GTPU_PORT)
                 / Raw(gtpu(0xFF, 0, inner)))
    ihl = (tmpl[0] & 0x0F) * 4
    teid_at = ihl + 8 + 4  # IPv4 header, UDP header, GTP-U flags/type/length
    pkts = []
    for i in range(count):
        b = bytearray(tmpl)
        struct.pack_into("!I", b, teid_at, first + i)
        pkts.append(bytes(b))
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, iface.encode())
    t0 = time.time()
    sent = 0
    for b in pkts:
        while True:
            try:
                s.sendto(b, (s1u, 0))
                break
            except BlockingIOError:
                time.sleep(0.001)
            except OSError as e:  # ENOBUFS: the qdisc is full, try again
                if e.errno != 105:
                    raise
                time.sleep(0.001)
        sent += 1
    return f"sent {sent} in {time.time() - t0:.2f} s"


def cmd_echo_answer(iface, enb, s1u, sport, count="3"):
    """Answers COUNT Echo Requests from the gateway, from port SPORT."""
    sport, count = int(sport), int(count)
    answered = 0

    def on_packet(p):
        nonlocal answered
        if UDP not in p or p[IP].src != s1u or p[UDP].dport != GTPU_PORT:
            return
        data = bytes(p[UDP].payload)
        g = parse_gtpu(data)
        if not g or g[0] != 1:
            return
        rsp = gtpu(2, 0, bytes([14, 0]), seq=g[2])  # TS 29.281 7.2.2, Recovery IE
        send(IP(src=enb, dst=s1u) / UDP(sport=sport, dport=p[UDP].sport) / Raw(rsp), iface=iface)
        answered += 1

    # "sniffing" on stdout once the capture is open, so that the caller can
    # start the gateway's requests only then (scapy's start-up takes
    # seconds on a loaded machine)
    sn = AsyncSniffer(iface=iface, filter=f"udp and src host {s1u} and dst port {GTPU_PORT}",
                      prn=on_packet, store=False,
                      started_callback=lambda: print("sniffing", flush=True))
    sn.start()
    deadline = time.time() + 20
    while answered < count and time.time() < deadline:
        time.sleep(0.05)
    sn.stop()
    return f"answered {answered} Echo Requests from port {sport}" if answered else None


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    cmd, args = argv[1], argv[2:]
    if cmd == "gpdu-ext":
        res = cmd_gpdu_ext(*args)
    elif cmd == "echo":
        res = cmd_echo(*args)
    elif cmd == "unknown":
        res = cmd_unknown(args[0], args[1], args[2], args[3], "--expect-ei" in args)
    elif cmd == "malformed":
        res = cmd_malformed(*args)
    elif cmd == "flood":
        res = cmd_flood(*args)
    elif cmd == "echo-answer":
        res = cmd_echo_answer(*args)
    else:
        print(__doc__)
        return 2
    print(res or "nothing matching came back")
    return 0 if res else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
