#!/usr/bin/python3
"""TAP tests of the ASN.1 parser and generator on a small module in the
3GPP style (no dependency on the S1AP modules): constraints, extension
markers, information object sets, containers and the procedure table;
the generated C is compiled and linked against the runtime."""
import glob
import os
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import asn1gen  # noqa: E402
import asn1parse as ap  # noqa: E402

MODULE = r'''
Mini-Module { itu-t (0) mini (1) } DEFINITIONS AUTOMATIC TAGS ::=
BEGIN
IMPORTS Foo FROM Other;   -- imports are skipped
maxnoofThings INTEGER ::= 4   -- a constant
id-Thing ProtocolIE-ID ::= 7
id-Name ProtocolIE-ID ::= 9
id-Ext ProtocolIE-ID ::= 11
id-mini ProcedureCode ::= 3
ProtocolIE-ID ::= INTEGER (0..65535)
ProcedureCode ::= INTEGER (0..255)
Criticality ::= ENUMERATED { reject, ignore, notify }
Presence ::= ENUMERATED { optional, conditional, mandatory }
MINI-IES ::= CLASS { &id ProtocolIE-ID UNIQUE, &criticality Criticality,
    &Value, &presence Presence }
WITH SYNTAX { ID &id CRITICALITY &criticality TYPE &Value PRESENCE &presence }
MINI-EP ::= CLASS { &InitiatingMessage, &procedureCode ProcedureCode UNIQUE,
    &criticality Criticality }
WITH SYNTAX { INITIATING MESSAGE &InitiatingMessage PROCEDURE CODE &procedureCode
    CRITICALITY &criticality }
Period ::= INTEGER (1..30|40|181, ...)  -- union: effective 1..181
Colour ::= ENUMERATED { red, green, ..., blue }
Thing ::= SEQUENCE {
    count  INTEGER (0..maxnoofThings),
    tag    OCTET STRING (SIZE (2)),
    iE-Extensions ProtocolExtensionContainer { {Thing-ExtIEs} } OPTIONAL,
    ...,
    colour Colour OPTIONAL
}
Thing-ExtIEs MINI-IES ::= {
    { ID id-Ext CRITICALITY ignore TYPE Colour PRESENCE optional },
    ...
}
Things ::= SEQUENCE (SIZE (1..maxnoofThings)) OF Thing
Name ::= PrintableString (SIZE (1..8, ...))
MiniMessage ::= SEQUENCE {
    protocolIEs ProtocolIE-Container { {MiniMessageIEs} },
    ...
}
MiniMessageIEs MINI-IES ::= {
    { ID id-Thing CRITICALITY reject TYPE Things PRESENCE mandatory } |
    { ID id-Name  CRITICALITY ignore TYPE Name   PRESENCE optional },
    ...
}
mini MINI-EP ::= { INITIATING MESSAGE MiniMessage PROCEDURE CODE id-mini
    CRITICALITY reject }
maxProtocolIEs INTEGER ::= 65535
maxProtocolExtensions INTEGER ::= 65535
END
'''

PROGRAM = r'''
#include <stdio.h>
#include <string.h>
#include "mini_types.h"
int main(void)
{
    s1ap_Thing things[2] = { 0 };
    s1ap_MiniMessage m = { 0 };
    uint8_t buf[64], mem[256];
    things[0].count = 4;
    memcpy(things[0].tag, "\x12\x34", 2);
    things[0].iE_Extensions.Ext_present = true;
    things[0].iE_Extensions.Ext = S1AP_Colour_blue;
    things[1].colour_present = true;
    things[1].colour = S1AP_Colour_green;
    m.Thing.count = 2;
    m.Thing.items = things;
    m.Name_present = true;
    m.Name.buf = (const uint8_t *)"abc";
    m.Name.len = 3;
    int n = aper_encode_complete(&s1ap_desc_MiniMessage, &m, buf, sizeof(buf));
    if (n <= 0)
        return 1;
    for (int i = 0; i < n; i++)
        printf("%02x", buf[i]);
    printf("\n");
    struct aper_reader r;
    struct aper_arena a;
    s1ap_MiniMessage back = { 0 };
    aper_reader_init(&r, buf, (size_t)n);
    aper_arena_init(&a, mem, sizeof(mem));
    if (aper_decode_type(&r, &s1ap_desc_MiniMessage, &back, &a, NULL))
        return 2;
    if (back.Thing.count != 2 || back.Thing.items[0].iE_Extensions.Ext != S1AP_Colour_blue ||
        !back.Thing.items[1].colour_present || !back.Name_present || back.Name.len != 3)
        return 3;
    return 0;
}
'''

results = []


def check(name, cond, diag=''):
    results.append((name, bool(cond), diag))


def main():
    # comments: to the line end, or between two "--"
    toks = ap.tokenize('A ::= INTEGER -- x -- (0..7) -- tail\nB ::= BOOLEAN')
    check('comments are stripped', toks == ['A', '::=', 'INTEGER', '(', '0', '..', '7', ')',
                                            'B', '::=', 'BOOLEAN'], toks)

    mods = ap.parse_module(MODULE, ap.new_module_set())
    g = asn1gen.Gen(mods, 's1ap')
    val, _ = g.constraints(mods['types']['Period'])
    check('union constraint gives its extremes, and its ranges when it has holes',
          val == {'lb': 1, 'ub': 181, 'ext': True, 'ranges': [(1, 30), (40, 40), (181, 181)]}, val)
    col = mods['types']['Colour']
    check('enumerated root and extension', col['root'] == ['red', 'green'] and col['ext'] == ['blue']
          and col['extensible'], col)
    thing = mods['types']['Thing']
    check('sequence extension addition', [c['name'] for c in thing['ext']] == ['colour']
          and thing['root'][2]['optional'], thing)
    ies = g.ie_set('MiniMessageIEs')
    check('object set entries', [(i['id'], i['crit'], i['type'], i['presence']) for i in ies]
          == [(7, 'reject', 'Things', 'mandatory'), (9, 'ignore', 'Name', 'optional')], ies)
    check('constants resolve', g.value('maxnoofThings') == 4)

    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, 'Mini.asn')
        with open(src, 'w') as f:
            f.write(MODULE)
        h, c = os.path.join(tmp, 'mini_types.h'), os.path.join(tmp, 'mini_desc')
        run = subprocess.run([sys.executable, os.path.join(HERE, 'asn1gen.py'), '--prefix', 's1ap',
                              '--pdu-class', 'MINI-EP', '--out-h', h, '--out-c', c, src],
                             capture_output=True, text=True)
        check('generator runs', run.returncode == 0, run.stderr)
        text = open(h).read() if run.returncode == 0 else ''
        check('message struct has IE fields', 'bool Name_present;' in text and
              's1ap_Things Thing;' in text, text[-2000:])
        check('procedure table', 'S1AP_MSG_MiniMessage' in text)
        check('a descriptor file per module, and the tables',
              sorted(os.path.basename(x) for x in glob.glob(c + '_*.c'))
              == ['mini_desc_mini_module.c', 'mini_desc_tables.c'], glob.glob(c + '_*.c'))
        # the generated .c includes "s1ap.h" for the message table types;
        # a stand-in with the same declarations keeps this test independent
        with open(os.path.join(tmp, 's1ap.h'), 'w') as f:
            f.write('#include "aper.h"\n#include "mini_types.h"\n'
                    'enum { S1AP_CRIT_REJECT, S1AP_CRIT_IGNORE, S1AP_CRIT_NOTIFY };\n'
                    'struct s1ap_msg_info { const char *name; const struct aper_type *desc;'
                    ' uint8_t procedure_code, pdu_type, criticality; size_t offset; };\n'
                    'struct s1ap_procedure { const char *name; uint8_t code, criticality;'
                    ' uint16_t msgs[3]; };\n')
        prog = os.path.join(tmp, 'prog.c')
        with open(prog, 'w') as f:
            f.write(PROGRAM)
        exe = os.path.join(tmp, 'prog')
        cc = subprocess.run(['gcc', '-std=gnu11', '-Wall', '-Wextra', '-Werror',
                             '-I' + tmp, '-I' + os.path.join(ROOT, 'asn1'), prog] +
                            sorted(glob.glob(c + '_*.c')) + [
                             os.path.join(ROOT, 'asn1', 'aper.c'),
                             os.path.join(ROOT, 'asn1', 'aper_codec.c'), '-o', exe],
                            capture_output=True, text=True)
        check('generated C compiles with -Werror', cc.returncode == 0, cc.stderr[-2000:])
        if cc.returncode == 0:
            out = subprocess.run([exe], capture_output=True, text=True)
            # 00 | 00 01 | IE 7 reject | IE 9 ignore (PrintableString "abc")
            check('generated codec round-trips', out.returncode == 0, 'exit %d' % out.returncode)
            check('container header bytes', out.stdout.startswith('00000200070'), out.stdout)

    print('1..%d' % len(results))
    for i, (name, ok, diag) in enumerate(results, 1):
        print('%s %d - %s' % ('ok' if ok else 'not ok', i, name))
        if not ok:
            for line in str(diag).splitlines()[:20]:
                print('# ' + line)
    return 0 if all(ok for _, ok, _ in results) else 1


if __name__ == '__main__':
    sys.exit(main())
