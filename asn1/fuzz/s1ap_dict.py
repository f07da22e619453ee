#!/usr/bin/python3
"""Writes the libFuzzer dictionary of fuzz_s1ap_decode (and fuzz_s1ap_pcap)
from the generated S1AP tables, so that the fuzzer starts from the words of
the APER encoding (X.691) instead of guessing them byte by byte:

  - PDU headers: S1AP-PDU choice octet (initiatingMessage 0x00,
    successfulOutcome 0x20, unsuccessfulOutcome 0x40), procedure code,
    criticality (TS 36.413 9.3.2): one entry per message of s1ap_msgs;
  - IE headers: ProtocolIE-ID (2 octets) + criticality octet, for every IE
    and extension id of the object sets, with reject/ignore/notify;
  - common encodings: container counts, long and fragmented length
    determinants (X.691 11.9), PLMN identities, TAC, extension bits.

Usage: asn1/fuzz/s1ap_dict.py > asn1/fuzz/fuzz_s1ap_decode.dict
(asn1/fuzz/s1ap_dict_check.sh, a script test, checks the committed file)."""
import glob
import os
import re
import sys

top = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')


def esc(bs):
    return ''.join('\\x%02x' % b for b in bs)


def main():
    out = ['# libFuzzer dictionary for the S1AP decoder: written by asn1/fuzz/s1ap_dict.py',
           '# from the generated tables (asn1/s1ap_desc_*.c); do not edit.']
    msgs = set()
    with open(os.path.join(top, 's1ap_desc_tables.c')) as f:
        for m in re.finditer(r'\[S1AP_MSG_(\w+)\] = \{ "[^"]*", &\w+, (\d+), (\d), S1AP_CRIT_(\w+)',
                             f.read()):
            msgs.add((int(m.group(2)), int(m.group(3)), m.group(4)))
    crit = {'REJECT': 0x00, 'IGNORE': 0x40, 'NOTIFY': 0x80}
    for code, kind, c in sorted(msgs):
        out.append('pdu_%d_%d="%s"' % (code, kind, esc([kind << 5, code, crit[c]])))
    ids = {}
    for path in sorted(glob.glob(os.path.join(top, 's1ap_desc_*.c'))):
        with open(path) as f:
            for m in re.finditer(r'\{ "(id-[\w-]+)", &\w+, (\d+), APER_CRIT_(\w+),', f.read()):
                ids.setdefault(int(m.group(2)), set()).add(m.group(3))
    for i in sorted(ids):
        for c in sorted(ids[i]):
            out.append('ie_%d_%s="%s"' % (i, c.lower(), esc([i >> 8, i & 0xff, crit[c]])))
    common = [
        ('container_1', [0x00, 0x00, 0x01]), ('container_3', [0x00, 0x00, 0x03]),
        ('container_ext_5', [0x40, 0x00, 0x05]),
        ('len_127', [0x7f]), ('len_128', [0x80, 0x80]), ('len_16383', [0xbf, 0xff]),
        ('frag_16k', [0xc1]), ('frag_32k', [0xc2]), ('frag_48k', [0xc3]), ('frag_64k', [0xc4]),
        ('plmn_00101', [0x00, 0xf1, 0x10]), ('plmn_310410', [0x13, 0x00, 0x14]),
        ('tac', [0x00, 0x01]), ('teid', [0x00, 0x00, 0x00, 0x01]),
        ('ipv4_bits_32', [0x0f, 0x80, 0x0a, 0x00, 0x00, 0x01]),
        ('ext_bit', [0x80]), ('ext_bit_opt', [0x40]), ('zero4', [0, 0, 0, 0]),
        ('ff4', [0xff, 0xff, 0xff, 0xff]),
    ]
    for name, bs in common:
        out.append('%s="%s"' % (name, esc(bs)))
    sys.stdout.write('\n'.join(out) + '\n')


main()
