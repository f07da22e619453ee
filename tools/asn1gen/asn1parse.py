"""A small ASN.1 (X.680/X.681/X.683 subset) parser: what the 3GPP
application protocols (S1AP, and X2AP/NGAP in the same style) use.

It turns module text into plain Python data:
  types      name -> type node (dict)
  ptypes     name -> (parameter names, type node)   parameterised types
  values     name -> int                            (id-*, maxnoof*)
  objects    name -> {KEYWORD-PHRASE: [tokens]}      information objects
  objsets    name -> (class name, [items], extensible)
  origin     type or object set name -> the module that defines it
A type node is {'k': kind, ...}; see parse_type().
"""
import re

TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<sym>::=|\.\.\.|\.\.|\[\[|\]\]|[{}(),|;@.&!:<>\[\]^])
  | (?P<num>-?\d+)
  | (?P<id>[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*)
  | (?P<str>"[^"]*")
""", re.X)


def strip_comments(text):
    out = []
    for line in text.split('\n'):
        # "--" starts a comment that ends at the line end or the next "--"
        res, i = [], 0
        while True:
            j = line.find('--', i)
            if j < 0:
                res.append(line[i:])
                break
            res.append(line[i:j])
            k = line.find('--', j + 2)
            if k < 0:
                break
            i = k + 2
        out.append(' '.join(res))
    return re.sub(r'/\*.*?\*/', ' ', '\n'.join(out), flags=re.S)


def tokenize(text):
    text = strip_comments(text)
    pos, toks = 0, []
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m:
            raise SyntaxError('asn1: cannot tokenize at %r' % text[pos:pos + 30])
        pos = m.end()
        if m.lastgroup != 'ws':
            toks.append(m.group())
    return toks


class Parser:
    def __init__(self, toks):
        self.t = toks
        self.i = 0

    def peek(self, k=0):
        return self.t[self.i + k] if self.i + k < len(self.t) else None

    def next(self):
        tok = self.peek()
        if tok is None:
            raise SyntaxError('asn1: unexpected end of input')
        self.i += 1
        return tok

    def expect(self, tok):
        got = self.next()
        if got != tok:
            raise SyntaxError('asn1: expected %r, got %r near %r'
                              % (tok, got, self.t[self.i - 5:self.i + 5]))

    def balanced(self, opener='{', closer='}'):
        """Tokens inside a balanced pair, the opener being next."""
        self.expect(opener)
        depth, out = 1, []
        while True:
            tok = self.next()
            if tok == opener:
                depth += 1
            elif tok == closer:
                depth -= 1
                if depth == 0:
                    return out
            out.append(tok)

    # ------------------------------------------------------------- types --
    def constraints(self):
        cons = []
        while self.peek() == '(':
            cons.append(self.balanced('(', ')'))
        return cons

    def parse_type(self):
        tok = self.next()
        if tok == 'INTEGER':
            if self.peek() == '{':
                self.balanced()                       # named numbers
            return {'k': 'INTEGER', 'cons': self.constraints()}
        if tok == 'ENUMERATED':
            body = self.balanced()
            root, ext, seen_ext = [], [], False
            for item in split_top(body, ','):
                if item == ['...']:
                    seen_ext = True
                    continue
                (ext if seen_ext else root).append(item[0])
            return {'k': 'ENUMERATED', 'root': root, 'ext': ext, 'extensible': seen_ext,
                    'cons': self.constraints()}
        if tok in ('BOOLEAN', 'NULL'):
            return {'k': tok, 'cons': self.constraints()}
        if tok == 'BIT':
            self.expect('STRING')
            if self.peek() == '{':
                self.balanced()                       # named bits
            return {'k': 'BIT STRING', 'cons': self.constraints()}
        if tok == 'OCTET':
            self.expect('STRING')
            return {'k': 'OCTET STRING', 'cons': self.constraints()}
        if tok == 'OBJECT':
            self.expect('IDENTIFIER')
            return {'k': 'OBJECT IDENTIFIER', 'cons': self.constraints()}
        if tok in ('PrintableString', 'VisibleString', 'IA5String', 'UTF8String',
                   'NumericString'):
            return {'k': 'STRING', 'str': tok, 'cons': self.constraints()}
        if tok in ('SEQUENCE', 'SET'):
            if self.peek() == '{':
                return self.components('SEQUENCE')
            cons = self.constraints()
            if self.peek() == 'SIZE':                 # SEQUENCE SIZE (..) OF
                self.next()
                cons.append(['SIZE'] + ['('] + self.balanced('(', ')') + [')'])
            self.expect('OF')
            if self.peek(1) is not None and self.peek()[0].islower() and \
                    self.peek(1)[0].isupper() and self.peek() not in ('SEQUENCE', 'CHOICE'):
                self.next()                           # element name
            return {'k': 'SEQUENCE OF', 'cons': cons, 'elem': self.parse_type()}
        if tok == 'CHOICE':
            return self.components('CHOICE')
        if tok[0].isupper():
            node = {'k': 'REF', 'name': tok}
            if self.peek() == '.':                    # CLASS.&field
                self.next()
                self.expect('&')
                node = {'k': 'CLASSFIELD', 'cls': tok, 'field': self.next()}
            elif self.peek() == '{':
                node['params'] = [p for p in split_top(self.balanced(), ',')]
            node['cons'] = self.constraints()
            return node
        raise SyntaxError('asn1: unexpected %r in a type' % tok)

    def components(self, kind):
        body = Parser(self.balanced())
        comps, ext, ext_seen = [], [], 0
        while body.peek() is not None:
            if body.peek() == '...':
                body.next()
                ext_seen += 1
                if body.peek() == '!':
                    raise SyntaxError('asn1: exception specs unsupported')
            elif body.peek() == '[[':
                raise SyntaxError('asn1: extension addition groups unsupported')
            else:
                name = body.next()
                typ = body.parse_type()
                c = {'name': name, 'type': typ, 'optional': False}
                if body.peek() == 'OPTIONAL':
                    body.next()
                    c['optional'] = True
                elif body.peek() == 'DEFAULT':
                    raise SyntaxError('asn1: DEFAULT unsupported (%s)' % name)
                if ext_seen == 1:
                    c['extension'] = True
                    ext.append(c)
                elif ext_seen == 2:
                    raise SyntaxError('asn1: root components after extensions unsupported')
                else:
                    comps.append(c)
            if body.peek() == ',':
                body.next()
        return {'k': kind, 'root': comps, 'ext': ext, 'extensible': ext_seen > 0,
                'cons': self.constraints()}


def split_top(toks, sep):
    """Split a token list at top-level separators."""
    out, cur, depth = [], [], 0
    for tok in toks:
        if tok in ('{', '(', '[[', '['):
            depth += 1
        elif tok in ('}', ')', ']]', ']'):
            depth -= 1
        if tok == sep and depth == 0:
            out.append(cur)
            cur = []
        else:
            cur.append(tok)
    if cur:
        out.append(cur)
    return out


def parse_module(text, mod):
    """Adds the module's assignments to the dict-of-dicts `mod`."""
    p = Parser(tokenize(text))
    modname = p.peek()
    while p.next() != 'BEGIN':
        pass
    if p.peek() == 'IMPORTS':
        while p.next() != ';':
            pass
    while p.peek() != 'END':
        name = p.next()
        if p.peek() == '{':                           # parameterised type
            params = [x[-1] for x in split_top(p.balanced(), ',')]
            p.expect('::=')
            mod['ptypes'][name] = (params, p.parse_type())
        elif p.peek() == '::=':
            p.next()
            if p.peek() == 'CLASS':                  # information object class
                p.next()
                p.balanced()
                if p.peek() == 'WITH':
                    p.next()
                    p.expect('SYNTAX')
                    p.balanced()
                mod['classes'].add(name)
            else:
                mod['types'][name] = p.parse_type()
                mod['origin'][name] = modname
        else:
            # "name Type ::= value" or "Name CLASS ::= { objects }"
            cls = [p.next()]
            while p.peek() != '::=':
                cls.append(p.next())
            p.expect('::=')
            cls = ' '.join(cls)
            if name[0].isupper():
                items, extensible = [], False
                for item in split_top(p.balanced(), '|'):
                    for part in split_top(item, ','):
                        if part == ['...']:
                            extensible = True
                        elif part and part[0] == '{':
                            items.append(('object', Parser(part).balanced()))
                        elif part:
                            items.append(('ref', part[0]))
                mod['objsets'][name] = (cls, items, extensible)
                mod['origin'][name] = modname
            elif p.peek() == '{':
                mod['objects'][name] = (cls, p.balanced())
            else:
                val = p.next()
                mod['values'][name] = int(val) if re.match(r'-?\d+$', val) else val
    return mod


def new_module_set():
    return {'types': {}, 'ptypes': {}, 'values': {}, 'objects': {}, 'objsets': {},
            'classes': set(), 'origin': {}}


SYNTAX_WORDS = ('INITIATING MESSAGE', 'SUCCESSFUL OUTCOME', 'UNSUCCESSFUL OUTCOME',
                'PROCEDURE CODE', 'FIRST CRITICALITY', 'FIRST TYPE', 'SECOND CRITICALITY',
                'SECOND TYPE', 'ID', 'CRITICALITY', 'TYPE', 'EXTENSION', 'PRESENCE')


def object_fields(tokens):
    """{ ID id-x CRITICALITY reject TYPE T PRESENCE mandatory } -> dict keyed by
    the WITH SYNTAX words of the class."""
    out, key, i = {}, None, 0
    while i < len(tokens):
        for word in SYNTAX_WORDS:
            parts = word.split()
            if tokens[i:i + len(parts)] == parts:
                key = word
                out[key] = []
                i += len(parts)
                break
        else:
            if key is None:
                raise SyntaxError('asn1: object without syntax word: %r' % tokens)
            out[key].append(tokens[i])
            i += 1
    return out
