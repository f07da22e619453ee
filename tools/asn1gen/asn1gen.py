#!/usr/bin/python3
"""asn1gen: C types and Aligned-PER descriptors from 3GPP ASN.1 modules.

usage: asn1gen.py --prefix s1ap --pdu-class S1AP-ELEMENTARY-PROCEDURE \
                  --out-h asn1/s1ap_types.h --out-c asn1/s1ap_desc  MODULE.asn...

writes the header and, for descriptors, one C file per ASN.1 module
(asn1/s1ap_desc_ies.c, ..._pdu_contents.c ...) plus asn1/s1ap_desc_tables.c
with the message and procedure tables.

For every type assignment it emits a C type (typedef) and a descriptor
`const struct aper_type <prefix>_desc_<Name>` for the runtime in asn1/aper.h.
The 3GPP containers are understood by name (TS 36.413 9.3.7):
  ProtocolIE-Container{{Set}}        -> a struct with one field per IE of the
                                        set (bool <ie>_present for the
                                        optional/conditional ones)
  ProtocolExtensionContainer{{Set}}  -> the same for extension IEs; an empty
                                        set has no C field at all
  ProtocolIE-SingleContainer{{Set}}  -> the value type of the set's one IE
  ProtocolIE-ContainerList{lb,ub,{Set}} and parameterised aliases of it
                                     -> SEQUENCE (SIZE(lb..ub)) OF single
A SEQUENCE made only of `protocolIEs ProtocolIE-Container{{Set}}` (every
message) is typedef'd to the container struct, so that IEs are direct
fields of the message.  The elementary procedure objects of the PDU class
give the message table (procedure code, criticality, the three message
types).  Names keep the ASN.1 spelling with '-' turned into '_'.
"""
import argparse
import copy
import os
import re
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import asn1parse as ap  # noqa: E402


class Unsupported(ValueError):
    """An ASN.1 construct the generator has no code for (none of them is
    used by the TS 36.413 S1AP modules it is made for).  The generator stops
    with its name rather than emit a descriptor that would encode wrongly."""

C_KEYWORDS = {'auto', 'break', 'case', 'char', 'const', 'continue', 'default', 'do',
              'double', 'else', 'enum', 'extern', 'float', 'for', 'goto', 'if', 'int',
              'long', 'register', 'return', 'short', 'signed', 'sizeof', 'static',
              'struct', 'switch', 'typedef', 'union', 'unsigned', 'void', 'volatile',
              'while', 'bool', 'inline', 'restrict', 'true', 'false', 'u'}

CONTAINERS = {'ProtocolIE-Container', 'ProtocolExtensionContainer',
              'ProtocolIE-SingleContainer', 'ProtocolIE-ContainerList', 'PrivateIE-Container',
              'ProtocolIE-ContainerPair', 'ProtocolIE-ContainerPairList'}

ALPHABETS = {
    # X.680 41: the characters of PrintableString; VisibleString is 0x20..0x7e
    'PrintableString': "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 '()+,-./:=?",
    'VisibleString': ''.join(chr(c) for c in range(0x20, 0x7f)),
    'IA5String': None,
}


def ident(name):
    s = name.replace('-', '_')
    return s + '_' if s in C_KEYWORDS else s


def cstr(s):
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'


class Gen:
    def __init__(self, mods, prefix):
        self.m = mods
        self.P = prefix
        self.infos = {}          # key -> info dict
        self.order = []          # keys in creation order
        self.descs = []          # (module, C text of a descriptor), in order
        self.mod_stack = []      # module of the type being generated
        self.aliases = []        # (descriptor name, descriptor it stands for)

    def emit(self, text):
        self.descs.append((self.mod_stack[-1] if self.mod_stack else '', text))

    def in_module(self, name, fn, *args):
        """Runs fn with the descriptors it emits filed under name's module."""
        self.mod_stack.append(self.m['origin'].get(name, self.mod_stack[-1] if self.mod_stack else ''))
        try:
            return fn(*args)
        finally:
            self.mod_stack.pop()

    # ------------------------------------------------------------ values --
    def value(self, tok):
        seen = 0
        while not isinstance(tok, int):
            if re.match(r'-?\d+$', tok):
                return int(tok)
            if tok in ('MIN', 'MAX'):
                return None
            if tok not in self.m['values']:
                raise KeyError('asn1gen: unknown value %s' % tok)
            tok = self.m['values'][tok]
            seen += 1
            if seen > 10:
                raise ValueError('asn1gen: value loop at %s' % tok)
        return tok

    def value_set(self, toks):
        """Effective PER-visible bounds of a value/size constraint (X.691 10.3:
        a union of ranges gives its extremes)."""
        parts = ap.split_top(toks, ',')
        ext = any(p == ['...'] for p in parts[1:])
        lo = hi = None
        first = True
        ranges = []
        for elem in ap.split_top(parts[0], '|'):
            if '..' in elem:
                k = elem.index('..')
                a, b = self.value(elem[k - 1]), self.value(elem[k + 1])
            else:
                a = b = self.value(elem[0])
            ranges.append((a, b))
            if first:
                lo, hi, first = a, b, False
            else:
                lo = None if lo is None or a is None else min(lo, a)
                hi = None if hi is None or b is None else max(hi, b)
        # the root's value set, merged; kept only when it has holes (X.691
        # 13: a value in a hole is outside the extension root)
        merged = []
        if len(ranges) > 1 and all(a is not None and b is not None for a, b in ranges):
            for a, b in sorted(ranges):
                if merged and a <= merged[-1][1] + 1:
                    merged[-1] = (merged[-1][0], max(merged[-1][1], b))
                else:
                    merged.append((a, b))
            if len(merged) == 1:
                merged = []
        return {'lb': lo, 'ub': hi, 'ext': ext, 'ranges': merged}

    def constraints(self, node):
        val = size = None
        for c in node.get('cons', []):
            if not c or c[0] == '{':
                continue                               # table constraint
            if c[0] == 'SIZE':
                size = self.value_set(ap.Parser(c[1:]).balanced('(', ')'))
                size['ranges'] = []                    # sizes: extremes only
            else:
                val = self.value_set(c)
        return val, size

    # ------------------------------------------------------ object sets --
    def ie_set(self, name):
        if name not in self.m['objsets']:
            raise KeyError('asn1gen: unknown object set %s' % name)
        cls, items, ext = self.m['objsets'][name]
        out = []
        for kind, body in items:
            if kind == 'ref':
                if body in self.m['objsets']:
                    out += self.ie_set(body)
                    continue
                body = self.m['objects'][body][1]
            f = ap.object_fields(body)
            typ = f.get('TYPE') or f.get('EXTENSION')
            out.append({'idname': f['ID'][0], 'id': self.value(f['ID'][0]),
                        'crit': f['CRITICALITY'][0], 'type': typ[0],
                        'presence': f['PRESENCE'][0]})
        return out

    # ------------------------------------------------------------ types --
    def cname(self, name):
        return '%s_%s' % (self.P, ident(name))

    def add(self, key, info):
        self.infos[key] = info
        self.order.append(key)
        return info

    def named(self, name):
        """Info for the type assignment `name`."""
        if name in self.infos:
            return self.infos[name]
        if name not in self.m['types']:
            raise KeyError('asn1gen: unknown type %s' % name)
        return self.in_module(name, self.build, name, self.m['types'][name])

    def ref_type(self, node, ctx):
        """Info for a type used inside another type (ctx names inline ones)."""
        if node['k'] == 'REF':
            if node.get('params') is not None:
                return self.param_type(node, ctx)
            if not node.get('cons'):
                return self.named(node['name'])
            base = self.resolve(node['name'])
            merged = copy.deepcopy(base)
            merged['cons'] = merged.get('cons', []) + node['cons']
            return self.build(ctx, merged)
        if ctx in self.infos:
            return self.infos[ctx]
        return self.build(ctx, node)

    def resolve(self, name):
        node = self.m['types'][name]
        while node['k'] == 'REF' and not node.get('params'):
            node = self.m['types'][node['name']]
        return node

    def set_param(self, toks):
        if toks[0] == '{' and toks[-1] == '}':
            toks = toks[1:-1]
        if toks and toks[0] == '{':
            toks = toks[1:-1]
        return toks[0]

    def param_type(self, node, ctx):
        name, params = node['name'], node['params']
        if name in self.m['ptypes'] and name not in CONTAINERS:
            formals, body = self.m['ptypes'][name]
            sub = {f: p for f, p in zip(formals, params)}
            body = copy.deepcopy(body)
            new = []
            for p in body.get('params', []):
                inner = [t for t in p if t not in ('{', '}')]
                if len(inner) == 1 and inner[0] in sub:
                    new.append(sub[inner[0]])
                else:
                    new.append(p)
            body['params'] = new
            return self.param_type(body, ctx)
        if name == 'ProtocolIE-Container':
            return self.container(self.set_param(params[0]), 0, 'maxProtocolIEs')
        if name == 'ProtocolExtensionContainer':
            return self.container(self.set_param(params[0]), 1, 'maxProtocolExtensions')
        if name == 'ProtocolIE-SingleContainer':
            return self.single(self.set_param(params[0]))
        if name == 'PrivateIE-Container':
            return self.private(self.set_param(params[0]))
        if name == 'ProtocolIE-ContainerList':
            lb, ub = self.value(params[0][0]), self.value(params[1][0])
            setname = self.set_param(params[2])
            elem = self.single(setname)
            key = 'list:%s' % setname
            if key in self.infos:
                return self.infos[key]
            return self.seqof_info(key, setname + '-List', elem,
                                   {'lb': lb, 'ub': ub, 'ext': False})
        raise Unsupported('asn1gen: unsupported: parameterised type %s' % name)

    def container(self, setname, lb, ubname):
        key = 'cont:%s' % setname
        if key in self.infos:
            return self.infos[key]
        return self.in_module(setname, self.make_container, key, setname, lb, ubname)

    def make_container(self, key, setname, lb, ubname):
        ies = self.ie_set(setname)
        cn = self.cname(setname)
        info = self.add(key, {'c': cn, 'desc': '%s_desc_%s' % (self.P, ident(setname)),
                              'asn': setname, 'struct': bool(ies), 'deps': set(),
                              'empty': not ies})
        fields, rows = [], []
        if len(ies) > 128:
            raise ValueError('asn1gen: %s has more than 128 IEs' % setname)
        for ie in ies:
            t = self.named(ie['type'])
            f = ident(ie['idname'][3:] if ie['idname'].startswith('id-') else ie['idname'])
            pres = ie['presence']
            if pres != 'mandatory':
                fields.append('    bool %s_present;' % f)
            fields.append('    %s %s; /* %s, %s, %s */' % (t['c'], f, ie['idname'], ie['crit'], pres))
            info['deps'].add(t['key'])
            rows.append('    { %s, &%s, %d, APER_CRIT_%s, APER_PRES_%s, offsetof(%s, %s), %s },'
                        % (cstr(ie['idname']), t['desc'], ie['id'],
                           {'reject': 'REJECT', 'ignore': 'IGNORE', 'notify': 'NOTIFY'}[ie['crit']],
                           pres.upper(), cn, f,
                           'offsetof(%s, %s_present)' % (cn, f) if pres != 'mandatory' else '-1'))
        info['key'] = key
        if ies:
            info['decl'] = 'struct %s {\n%s\n};' % (cn, '\n'.join(fields))
            arr = '%s_ies_%s' % (self.P, ident(setname))
            self.emit('static const struct aper_ie %s[] = {\n%s\n};\n' % (arr, '\n'.join(rows)))
            size = 'sizeof(%s)' % cn
        else:
            info['decl'] = None
            arr, size = 'NULL', '0'
        self.emit(
            'const struct aper_type %s = {\n    .name = %s, .kind = APER_IE_CONTAINER, .c_size = %s,\n'
            '    .c = { .lb = %d, .ub = %d, .has_lb = true, .has_ub = true },\n'
            '    .ies = %s, .n_ies = %d,\n};\n'
            % (info['desc'], cstr(setname), size, lb, self.value(ubname), arr, len(ies)))
        return info

    def private(self, setname):
        key = 'private:%s' % setname
        if key in self.infos:
            return self.infos[key]
        if self.m['objsets'][setname][1]:
            raise Unsupported('asn1gen: unsupported: private IEs in %s' % setname)
        info = self.add(key, {'c': 'uint8_t', 'desc': '%s_desc_%s' % (self.P, ident(setname)),
                              'asn': setname, 'struct': False, 'decl': None, 'deps': set(),
                              'key': key, 'empty': True})
        self.in_module(setname, self.emit,
                       'const struct aper_type %s = {\n    .name = %s, .kind = APER_PRIVATE_CONTAINER,\n'
                       '    .c = { .lb = 1, .ub = %d, .has_lb = true, .has_ub = true },\n};\n'
                       % (info['desc'], cstr(setname), self.value('maxPrivateIEs')))
        return info

    def single(self, setname):
        key = 'single:%s' % setname
        if key in self.infos:
            return self.infos[key]
        return self.in_module(setname, self.make_single, key, setname)

    def make_single(self, key, setname):
        ies = self.ie_set(setname)
        if len(ies) > 1:
            raise Unsupported('asn1gen: unsupported: single container %s has %d IEs' % (setname, len(ies)))
        if not ies:
            # an empty set (a CHOICE extension reserved for later IEs): any IE
            # received there is not comprehended; nothing can be sent
            info = self.add(key, {'c': 'uint8_t', 'desc': '%s_desc_%s_single' % (self.P, ident(setname)),
                                  'asn': setname, 'struct': False, 'decl': None,
                                  'deps': set(), 'key': key})
            self.emit(
                'const struct aper_type %s = {\n    .name = %s, .kind = APER_IE_SINGLE, .c_size = 1,\n'
                '    .ies = NULL, .n_ies = 0,\n};\n' % (info['desc'], cstr(setname)))
            return info
        ie = ies[0]
        t = self.named(ie['type'])
        info = self.add(key, {'c': t['c'], 'desc': '%s_desc_%s_single' % (self.P, ident(setname)),
                              'asn': setname, 'struct': False, 'decl': None,
                              'deps': {t['key']}, 'key': key})
        arr = '%s_ies_%s' % (self.P, ident(setname))
        self.emit(
            'static const struct aper_ie %s[] = {\n    { %s, &%s, %d, APER_CRIT_%s, APER_PRES_MANDATORY, 0, -1 },\n};\n'
            'const struct aper_type %s = {\n    .name = %s, .kind = APER_IE_SINGLE, .c_size = sizeof(%s),\n'
            '    .ies = %s, .n_ies = 1,\n};\n'
            % (arr, cstr(ie['idname']), t['desc'], ie['id'], ie['crit'].upper(),
               info['desc'], cstr(setname), t['c'], arr))
        return info

    def seqof_info(self, key, asn, elem, size):
        cn = self.cname(asn)
        info = self.add(key, {'c': cn, 'desc': '%s_desc_%s' % (self.P, ident(asn)), 'asn': asn,
                              'struct': True, 'key': key, 'deps': set()})
        # a pointer to a struct needs only its forward typedef
        if not self.infos[elem['key']].get('struct'):
            info['deps'].add(elem['key'])
        info['decl'] = 'struct %s {\n    uint32_t count;\n    %s *items;\n};' % (cn, elem['c'])
        self.emit(
            'const struct aper_type %s = {\n    .name = %s, .kind = APER_SEQUENCE_OF, .c_size = sizeof(%s),\n'
            '    .c = %s,\n    .elem = &%s,\n};\n'
            % (info['desc'], cstr(asn), cn, self.cons_c(size), elem['desc']))
        return info

    def cons_c(self, c):
        if not c:
            return '{ 0 }'
        parts = []
        if c['lb'] is not None:
            parts += ['.lb = %s' % self.big(c['lb']), '.has_lb = true']
        if c['ub'] is not None:
            parts += ['.ub = %s' % self.big(c['ub']), '.has_ub = true']
        if c['ext']:
            parts.append('.ext = true')
        if c.get('ranges'):
            parts.append('.ranges = (const struct aper_range[]){ %s }, .n_ranges = %d'
                         % (', '.join('{ %s, %s }' % (self.big(a), self.big(b))
                                      for a, b in c['ranges']), len(c['ranges'])))
        return '{ %s }' % ', '.join(parts) if parts else '{ 0 }'

    @staticmethod
    def big(v):
        if v > 0x7fffffffffffffff:
            return '(aper_int_t)%dULL' % v
        return '%dLL' % v if abs(v) > 0x7fffffff else str(v)

    def build(self, name, node):
        """Creates the info (C declaration + descriptor) for type `name`."""
        k = node['k']
        key = name
        cn, desc = self.cname(name), '%s_desc_%s' % (self.P, ident(name))
        if k == 'REF' and node.get('params') is None and not node.get('cons'):
            target = self.named(node['name'])
            info = self.add(key, {'c': cn, 'desc': desc, 'asn': name, 'key': key,
                                  'struct': False, 'deps': {target['key']},
                                  'decl': 'typedef %s %s;' % (target['c'], cn)})
            self.aliases.append((desc, target['desc']))
            info['desc'] = target['desc']
            return info
        if k == 'REF':
            # a constrained or parameterised reference: the type it makes gets
            # its own name, and this one becomes an alias of it
            t = self.ref_type(node, name + '-value')
            info = self.add(key, {'c': cn, 'desc': t['desc'], 'asn': name, 'key': key,
                                  'struct': False, 'deps': {t['key']},
                                  'decl': 'typedef %s %s;' % (t['c'], cn)})
            self.aliases.append((desc, t['desc']))
            return info
        val, size = self.constraints(node)
        info = {'c': cn, 'desc': desc, 'asn': name, 'key': key, 'struct': False, 'deps': set()}
        self.add(key, info)
        d = {'name': cstr(name), 'c_size': 'sizeof(%s)' % cn}
        if k == 'INTEGER':
            lb, ub = (val or {}).get('lb'), (val or {}).get('ub')
            if lb is not None and lb >= 0 and ub is not None:
                ctype, repr_ = next((c, r) for lim, c, r in (
                    (0xff, 'uint8_t', 'U8'), (0xffff, 'uint16_t', 'U16'),
                    (0xffffffff, 'uint32_t', 'U32'), (2 ** 64 - 1, 'uint64_t', 'U64'))
                    if ub <= lim)
            elif lb is not None and ub is not None and lb >= -2 ** 31 and ub < 2 ** 31:
                ctype, repr_ = 'int32_t', 'I32'
            else:
                ctype, repr_ = 'int64_t', 'I64'
            info['decl'] = 'typedef %s %s;' % (ctype, cn)
            d.update(kind='APER_INTEGER', repr='APER_R_' + repr_, c=self.cons_c(val))
        elif k == 'ENUMERATED':
            items = node['root'] + node['ext']
            lines = ['    %s_%s_%s = %d,' % (self.P.upper(), ident(name), ident(it), i)
                     for i, it in enumerate(items)]
            info['decl'] = 'typedef enum %s {\n%s\n} %s;' % (cn, '\n'.join(lines), cn)
            arr = '%s_names_%s' % (self.P, ident(name))
            self.emit('static const char *const %s[] = { %s };\n'
                              % (arr, ', '.join(cstr(i) for i in items)))
            d.update(kind='APER_ENUMERATED', repr='APER_R_ENUM',
                     ext='true' if node['extensible'] else 'false',
                     n_items=len(items), n_root=len(node['root']), enum_names=arr)
        elif k == 'BOOLEAN':
            info['decl'] = 'typedef bool %s;' % cn
            d.update(kind='APER_BOOLEAN', repr='APER_R_BOOL')
        elif k == 'NULL':
            info['decl'] = 'typedef uint8_t %s; /* NULL: no value */' % cn
            d.update(kind='APER_NULL')
        elif k == 'BIT STRING':
            fixed = size and size['lb'] == size['ub'] and not size['ext']
            if fixed and size['ub'] <= 32:
                info['decl'] = 'typedef uint32_t %s; /* BIT STRING (SIZE(%d)), right-aligned */' % (cn, size['ub'])
                d.update(repr='APER_R_BITS_U32')
            elif fixed and size['ub'] <= 64:
                info['decl'] = 'typedef uint64_t %s; /* BIT STRING (SIZE(%d)), right-aligned */' % (cn, size['ub'])
                d.update(repr='APER_R_BITS_U64')
            else:
                info['decl'] = 'typedef struct aper_bits %s;' % cn
                d.update(repr='APER_R_BITS')
            d.update(kind='APER_BIT_STRING', c=self.cons_c(size))
        elif k in ('OCTET STRING', 'OBJECT IDENTIFIER') or (k == 'STRING' and node['str'] == 'UTF8String'):
            # X.691 24 (OBJECT IDENTIFIER: BER contents octets) and 30
            # (UTF8String: not known-multiplier) are length-prefixed octets.
            fixed = size and size['lb'] == size['ub'] and not size['ext']
            if k == 'OCTET STRING' and fixed and size['ub'] <= 16:
                info['decl'] = 'typedef uint8_t %s[%d];' % (cn, size['ub'])
                d.update(repr='APER_R_ARRAY')
            else:
                info['decl'] = 'typedef struct aper_octets %s;' % cn
                d.update(repr='APER_R_OCTETS')
            d.update(kind='APER_OCTET_STRING', c=self.cons_c(size if k != 'OBJECT IDENTIFIER' else None))
        elif k == 'STRING':
            if node['str'] not in ALPHABETS:
                raise Unsupported('asn1gen: unsupported: %s' % node['str'])
            alpha = ALPHABETS[node['str']]
            info['decl'] = 'typedef struct aper_octets %s; /* %s */' % (cn, node['str'])
            d.update(kind='APER_CHAR_STRING', repr='APER_R_OCTETS', char_bits=8,
                     c=self.cons_c(size), alphabet=cstr(alpha) if alpha else 'NULL')
        elif k == 'SEQUENCE':
            self.sequence(name, node, info, d)
        elif k == 'CHOICE':
            self.choice(name, node, info, d)
        elif k == 'SEQUENCE OF':
            elem = self.ref_type(node['elem'], name + '-item')
            self.order.remove(key)
            del self.infos[key]
            return self.seqof_info(key, name, elem, size)
        else:
            raise Unsupported('asn1gen: unsupported: %s (%s)' % (k, name))
        self.emit_desc(desc, d)
        return info

    def emit_desc(self, desc, d):
        body = ',\n'.join('    .%s = %s' % (f, v) for f, v in d.items())
        self.emit('const struct aper_type %s = {\n%s,\n};\n' % (desc, body))

    def sequence(self, name, node, info, d):
        comps = node['root'] + node['ext']
        cn = info['c']
        # every message: SEQUENCE { protocolIEs ProtocolIE-Container {{Set}}, ... }
        if len(node['root']) == 1 and not node['ext'] and node['root'][0]['type']['k'] == 'REF' \
                and node['root'][0]['type']['name'] == 'ProtocolIE-Container':
            cont = self.ref_type(node['root'][0]['type'], name)
            info['decl'] = 'typedef %s %s;' % (cont['c'] if cont['decl'] else 'uint8_t', cn)
            info['deps'].add(cont['key'])
            comps_c = '    { "protocolIEs", &%s, 0, -1, false, false },' % cont['desc']
            arr = '%s_members_%s' % (self.P, ident(name))
            self.emit('static const struct aper_member %s[] = {\n%s\n};\n' % (arr, comps_c))
            d.update(kind='APER_SEQUENCE', ext='true' if node['extensible'] else 'false',
                     n_items=1, n_root=1, members=arr)
            return
        if len(node['root']) > 64:
            raise ValueError('asn1gen: %s has more than 64 root components' % name)
        info['struct'] = True
        fields, rows = [], []
        for c in comps:
            f = ident(c['name'])
            t = self.ref_type(c['type'], '%s-%s' % (name, c['name']))
            stored = not (t.get('empty'))
            if stored:
                if c['optional'] and not self.is_container(t):
                    fields.append('    bool %s_present;' % f)
                fields.append('    %s %s;' % (t['c'], f))
                info['deps'].add(t['key'])
            has_flag = stored and c['optional'] and not self.is_container(t)
            rows.append('    { %s, &%s, %s, %s, %s, %s },' % (
                cstr(c['name']), t['desc'],
                'offsetof(%s, %s)' % (cn, f) if stored else '-1',
                'offsetof(%s, %s_present)' % (cn, f) if has_flag else '-1',
                'true' if c['optional'] else 'false',
                'true' if c.get('extension') else 'false'))
        if not fields:
            fields.append('    uint8_t unused_; /* no stored components */')
        info['decl'] = 'struct %s {\n%s\n};' % (cn, '\n'.join(fields))
        arr = '%s_members_%s' % (self.P, ident(name))
        self.emit('static const struct aper_member %s[] = {\n%s\n};\n' % (arr, '\n'.join(rows)))
        d.update(kind='APER_SEQUENCE', ext='true' if node['extensible'] else 'false',
                 n_items=len(comps), n_root=len(node['root']), members=arr)

    def is_container(self, t):
        return t['key'].startswith('cont:')

    def choice(self, name, node, info, d):
        comps = node['root'] + node['ext']
        cn = info['c']
        info['struct'] = True
        sel, alts, rows = [], [], []
        up = self.P.upper()
        sel.append('    %s_%s_PR_NOTHING = 0,' % (up, ident(name)))
        for i, c in enumerate(comps):
            f = ident(c['name'])
            t = self.ref_type(c['type'], '%s-%s' % (name, c['name']))
            sel.append('    %s_%s_PR_%s = %d,' % (up, ident(name), f, i + 1))
            alts.append('        %s %s;' % (t['c'], f))
            info['deps'].add(t['key'])
            rows.append('    { %s, &%s, offsetof(%s, u.%s), -1, false, %s },' % (
                cstr(c['name']), t['desc'], cn, f, 'true' if c.get('extension') else 'false'))
        info['decl'] = ('enum %s_PR {\n%s\n};\nstruct %s {\n    uint32_t present; /* enum %s_PR */\n'
                        '    union {\n%s\n    } u;\n};' % (cn, '\n'.join(sel), cn, cn, '\n'.join(alts)))
        arr = '%s_members_%s' % (self.P, ident(name))
        self.emit('static const struct aper_member %s[] = {\n%s\n};\n' % (arr, '\n'.join(rows)))
        d.update(kind='APER_CHOICE', ext='true' if node['extensible'] else 'false',
                 n_items=len(comps), n_root=len(node['root']), members=arr)

    # ------------------------------------------------------------ output --
    def decl_order(self):
        done, out, visiting = set(), [], set()

        def visit(key):
            if key in done:
                return
            if key in visiting:
                raise ValueError('asn1gen: by-value cycle through %s' % key)
            visiting.add(key)
            for dep in sorted(self.infos[key]['deps']):
                visit(dep)
            visiting.discard(key)
            done.add(key)
            out.append(key)
        for key in self.order:
            visit(key)
        return out


def has_classfield(node):
    if isinstance(node, dict):
        if node.get('k') == 'CLASSFIELD':
            return True
        return any(has_classfield(v) for v in node.values())
    if isinstance(node, list):
        return any(has_classfield(v) for v in node)
    return False


def main():
    ap_ = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap_.add_argument('--prefix', default='s1ap')
    ap_.add_argument('--pdu-class', default='S1AP-ELEMENTARY-PROCEDURE')
    ap_.add_argument('--out-h', required=True)
    ap_.add_argument('--out-c', required=True)
    ap_.add_argument('modules', nargs='+')
    args = ap_.parse_args()

    mods = ap.new_module_set()
    for path in args.modules:
        with open(path, encoding='utf-8') as f:
            ap.parse_module(f.read(), mods)
    g = Gen(mods, args.prefix)
    P, UP = args.prefix, args.prefix.upper()

    # the PDU wrappers (class fields: the runtime's <prefix>.c does them),
    # and whatever refers to them
    skipped = {n for n, node in mods['types'].items() if has_classfield(node)}
    grew = True
    while grew:
        grew = False
        for name, node in mods['types'].items():
            if name not in skipped and any(re.search(r"'%s'" % re.escape(s), repr(node)) for s in skipped):
                skipped.add(name)
                grew = True
    skipped = sorted(skipped)
    for name, node in mods['types'].items():
        if name not in skipped:
            g.named(name)

    # elementary procedures
    procs = []
    for oname, (cls, body) in mods['objects'].items():
        if cls != args.pdu_class:
            continue
        f = ap.object_fields(body)
        procs.append({'name': oname, 'code': g.value(f['PROCEDURE CODE'][0]),
                      'codename': f['PROCEDURE CODE'][0],
                      'crit': f['CRITICALITY'][0],
                      'msgs': [f.get(k, [None])[0] for k in
                               ('INITIATING MESSAGE', 'SUCCESSFUL OUTCOME', 'UNSUCCESSFUL OUTCOME')]})
    procs.sort(key=lambda p: p['code'])
    msgs = []
    for p in procs:
        for i, m in enumerate(p['msgs']):
            if m:
                msgs.append((m, p, i))

    base = os.path.basename(args.out_h)
    guard = 'XEPC_ASN1_%s' % re.sub(r'\W', '_', base.upper())
    h = ['/* Generated by tools/asn1gen/asn1gen.py from the ASN.1 of %s: do not edit.' % UP,
         ' * Regenerate with `make %s-gen`. */' % P,
         '#ifndef %s' % guard, '#define %s' % guard, '',
         '#include <stdbool.h>', '#include <stdint.h>', '', '#include "aper.h"', '']
    h.append('/* ---- constants (values of the ASN.1 modules) ---- */')
    for name, v in mods['values'].items():
        if isinstance(v, int):
            h.append('#define %s_%s %d' % (UP, ident(name), v))
    h.append('')
    h.append('/* ---- forward declarations ---- */')
    for key in g.order:
        info = g.infos[key]
        if info.get('struct'):
            h.append('typedef struct %s %s;' % (info['c'], info['c']))
    h.append('')
    h.append('/* ---- types ---- */')
    for key in g.decl_order():
        info = g.infos[key]
        if info.get('decl'):
            h.append('/* %s */' % info['asn'])
            h.append(info['decl'])
            h.append('')
    h.append('/* ---- descriptors ---- */')
    seen = set()
    for _, text in g.descs:
        m = re.match(r'const struct aper_type (\w+) =', text)
        if m and m.group(1) not in seen:
            seen.add(m.group(1))
            h.append('extern const struct aper_type %s;' % m.group(1))
    for name, target in g.aliases:
        h.append('#define %s %s' % (name, target))
    h.append('')
    h.append('/* ---- messages (one per message type of the elementary procedures) ---- */')
    h.append('enum %s_msg_kind {\n    %s_MSG_NONE = 0,' % (P, UP))
    for m, p, i in msgs:
        h.append('    %s_MSG_%s,' % (UP, ident(m)))
    h.append('    %s_MSG__COUNT\n};\n' % UP)
    h.append('union %s_msg_u {' % P)
    for m, p, i in msgs:
        if m not in skipped:
            h.append('    %s %s;' % (g.named(m)['c'], ident(m)))
    h.append('};\n')
    h.append('#define %s_N_PROCEDURES %d' % (UP, len(procs)))
    h.append('/* Not generated (the runtime does the PDU wrappers): %s */' % ', '.join(skipped))
    h.append('\n#endif')

    # one descriptor file per ASN.1 module, and the message tables
    stem = args.out_c[:-2] if args.out_c.endswith('.c') else args.out_c
    files = {}

    def module_file(mod):
        short = re.sub(r'^%s-' % re.escape(UP), '', mod, flags=re.I) or 'misc'
        return '%s_%s.c' % (stem, re.sub(r'\W', '_', short).lower())

    head = ['/* Generated by tools/asn1gen/asn1gen.py from the ASN.1 of %s: do not edit.' % UP,
            ' * Regenerate with `make %s-gen`. */' % P,
            '#include <stddef.h>', '', '#include "%s"' % base, '#include "%s.h"' % P, '',
            '#pragma GCC diagnostic ignored "-Wmissing-field-initializers"', '']
    for mod, text in g.descs:
        files.setdefault(module_file(mod), list(head)).append(text)
    c = files.setdefault('%s_tables.c' % stem, list(head))
    c.append('const struct %s_msg_info %s_msgs[%s_MSG__COUNT] = {' % (P, P, UP))
    c.append('    [%s_MSG_NONE] = { 0 },' % UP)
    for m, p, i in msgs:
        if m in skipped:
            c.append('    [%s_MSG_%s] = { %s, NULL, %d, %d, %s_CRIT_%s, 0 },'
                     % (UP, ident(m), cstr(m), p['code'], i, UP, p['crit'].upper()))
            continue
        c.append('    [%s_MSG_%s] = { %s, &%s, %d, %d, %s_CRIT_%s, offsetof(union %s_msg_u, %s) },'
                 % (UP, ident(m), cstr(m), g.named(m)['desc'], p['code'], i, UP,
                    p['crit'].upper(), P, ident(m)))
    c.append('};\n')
    c.append('const struct %s_procedure %s_procedures[%s_N_PROCEDURES] = {' % (P, P, UP))
    for p in procs:
        kinds = ', '.join('%s_MSG_%s' % (UP, ident(m)) if m else '%s_MSG_NONE' % UP
                          for m in p['msgs'])
        c.append('    { %s, %d, %s_CRIT_%s, { %s } },' % (cstr(p['name']), p['code'], UP,
                                                           p['crit'].upper(), kinds))
    c.append('};')

    with open(args.out_h, 'w') as f:
        f.write('\n'.join(h) + '\n')
    for path, lines in sorted(files.items()):
        with open(path, 'w') as f:
            f.write('\n'.join(lines) + '\n')
    print('asn1gen: %d types, %d procedures, %d messages; not generated: %s'
          % (len(g.order), len(procs), len(msgs), ', '.join(skipped)), file=sys.stderr)


if __name__ == '__main__':
    main()
