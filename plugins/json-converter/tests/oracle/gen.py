"""Corpus for the Kafka oracle: Kafka's JsonConverterTest inputs, edge cases, random
numbers, strings and random schema/payload trees, each under some converter configs.
Writes corpus.tsv (config, base64 input) and tags.txt (one category per line)."""
import base64, json, random, re, struct, math, sys

random.seed(20241025)
CFGS = ['-', 'schemas.enable=false', 'decimal.format=NUMERIC', 'replace.null.with.default=false',
        'schemas.enable=false,decimal.format=NUMERIC']
out = []  # (tag, cfg, bytes or None)

def add(tag, s, cfgs=('-',)):
    b = s.encode('utf-8', 'surrogatepass') if isinstance(s, str) else s
    for c in cfgs:
        out.append((tag, c, b))

def env(schema, payload):
    return '{"schema":%s,"payload":%s}' % (schema, payload)

# A. Kafka's JsonConverterTest inputs, verbatim.
src = open(sys.argv[1]).read()
for m in re.finditer(r'"((?:\{|\[)(?:[^"\\]|\\.)*?)"(?:\.getBytes\(\)|;)', src):
    lit = m.group(1).replace('\\"', '"')
    add('kafka', lit, CFGS)
add('kafka', 'true', CFGS)
add('kafka', '', CFGS)
add('kafka', None, CFGS)

# B. Doubles and floats.
def rand_double():
    while True:
        bits = random.getrandbits(64)
        d = struct.unpack('<d', struct.pack('<Q', bits))[0]
        if not math.isnan(d) and not math.isinf(d):
            return d
specials = [0.0, -0.0, 1.0, 0.1, 0.001, 0.0009999, 9999999.0, 10000000.0, 1e7, 1e-3, 1e-4, 12.34, 1e10, 1e21,
            1e22, 1e23, 2e23, 5e-324, 1e-323, 1.5e-323, 2.2250738585072014e-308, 1.7976931348623157e308,
            4.9e-324, 9.9e-324, 123456789.0, 0.30000000000000004, 2.0**53, 2.0**63, 1/3]
for m in range(1, 300):
    specials.append(m * 5e-324)
for e in range(-330, 310):
    specials.append(float('1e%d' % e))
    specials.append(float('9.999999999999999e%d' % e))
for d in specials + [rand_double() for _ in range(4000)]:
    r = repr(d)
    add('double', env('{"type":"double"}', r))
    add('double-schemaless', r, ['schemas.enable=false'])
for _ in range(3000):
    bits = random.getrandbits(32)
    f = struct.unpack('<f', struct.pack('<I', bits))[0]
    if math.isnan(f) or math.isinf(f):
        continue
    add('float', env('{"type":"float"}', repr(f)))
for m in range(1, 200):
    f = struct.unpack('<f', struct.pack('<I', m))[0]
    add('float', env('{"type":"float"}', repr(f)))
for txt in ['0.1000000000000000055511151231257827', '1e-400', '-1e-400', '1e400', '-0', '-0.0', '0e0', '-0e-5',
            '0.0000', '123456789012345678901234567890', '9007199254740993', '1.00000000000000011102230246251565404236316680908203125',
            '2.4703282292062327e-324', '2.4703282292062328e-324', '3.4028235677973366e38', '3.4028236e38', '1.17549435E-38',
            '1.4E-45', '7e-46', '8e-46', '00012.5', '-00.5', '1E5', '1e+5', '1e-0']:
    for t in ['double', 'float']:
        add('number-edge', env('{"type":"%s"}' % t, txt))
    add('number-edge', txt, ['schemas.enable=false'])

# C. Integers into every integer type.
ints = ['0', '-0', '12', '0012', '-0012', '127', '128', '-128', '-129', '255', '256', '32767', '32768', '-32769', '65536',
        '2147483647', '2147483648', '-2147483648', '-2147483649', '4294967296', '4294967297', '9223372036854775807',
        '9223372036854775808', '-9223372036854775808', '-9223372036854775809', '18446744073709551615', '18446744073709551616',
        '18446744073709551617', '-18446744073709551617', '123456789012345678901234567890123', '1e10', '1.5e1', '12.9', '-12.9',
        '0.5', '-0.5', '9.99e18', '1e19', '1e20', '-1e19', '1e400', '1.23456789e3', '4398046511104', '1E2', '5e-1',
        '"12"', 'true', 'false', '[1]', '{"a":1}', '"x"', '12.0', '-1.0e0']
for t in ['int8', 'int16', 'int32', 'int64', 'boolean', 'string', 'bytes', 'double', 'float']:
    for v in ints:
        add('coerce', env('{"type":"%s"}' % t, v), ['-', 'decimal.format=NUMERIC'])
for v in ints:
    add('schemaless', env('null', v))

# D. Strings.
def rand_string():
    n = random.randint(0, 12)
    chars = []
    for _ in range(n):
        r = random.random()
        if r < 0.15:
            chars.append(chr(random.randint(0, 0x1f)))
        elif r < 0.3:
            chars.append(random.choice('"\\/\'\x7f'))
        elif r < 0.5:
            chars.append(chr(random.randint(0x80, 0x7ff)))
        elif r < 0.6:
            chars.append(chr(random.choice([random.randint(0x800, 0xd7ff), random.randint(0xe000, 0xfffd)])))
        elif r < 0.7:
            chars.append(chr(random.randint(0x10000, 0x10ffff)))
        else:
            chars.append(chr(random.randint(0x20, 0x7e)))
    return ''.join(chars)
for _ in range(1500):
    text = rand_string()
    lit = json.dumps(text, ensure_ascii=random.random() < 0.5)
    if random.random() < 0.3:
        lit = lit.replace('/', '\\/')
    if random.random() < 0.3:
        lit = re.sub(r'\\u([0-9a-f]{4})', lambda m: '\\u' + m.group(1).upper(), lit)
    add('string', env('{"type":"string"}', lit), ['-', 'schemas.enable=false'])
    add('string-key', env('{"type":"map","keys":{"type":"string"},"values":{"type":"int8"}}', '{%s:1}' % lit))
for bad in ['"\\x"', '"\\u12"', '"\\u12g4"', '"a\nb"', '"a\tb"', '"\x00"', '"\\\'"', '"ab', '"\\ud83d\\ude00"', '"\\ude00"', '"\\ud83d"', '"\\ud83dx"']:
    add('string-edge', env('{"type":"string"}', bad))

# E. Bytes / base64.
for b64 in ['', 'AA==', 'AJw=', 'AJw', 'AJ', 'A', 'AB==', 'AC==', 'AAA=', 'AAB=', ' AJw= ', 'AA== AA==', 'AA==AA==', 'AJ w=',
            'AJ-_', '====', '=AAA', 'AA=x', 'AA=', 'AAAA\nAAAA', 'AAAA\tAAAA', '\\u0020AJw=', 'dGVzdC1zdHJpbmc=', 'ZGF0YQ==\n',
            '////', '+/+/', 'AAAA====', 'AAAAAA==', 'A===', 'é===']:
    lit = json.dumps(b64)
    add('bytes', env('{"type":"bytes"}', lit), ['-', 'schemas.enable=false'])
    add('decimal-b64', env('{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"}}', lit), ['-', 'decimal.format=NUMERIC'])
for _ in range(300):
    raw = bytes(random.getrandbits(8) for _ in range(random.randint(1, 24)))
    if random.random() < 0.3:
        raw = bytes([random.choice([0, 255])]) * random.randint(1, 3) + raw
    scale = random.choice([0, 1, 2, 5, 10, 20, -1, -3, 30])
    sch = '{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"%d"}}' % scale
    add('decimal-b64', env(sch, json.dumps(base64.b64encode(raw).decode())), ['-', 'decimal.format=NUMERIC'])
# Numeric decimals whose scale equals the schema's (Kafka keeps the JSON number's scale).
for _ in range(300):
    scale = random.choice([0, 1, 2, 3, 5, 8, 17, 30])
    digits = str(random.randint(0, 10 ** random.randint(1, 40)))
    neg = random.choice(['', '-'])
    if scale == 0:
        txt = neg + digits
    else:
        digits = digits.rjust(scale + 1, '0')
        txt = neg + digits[:-scale] + '.' + digits[-scale:]
    sch = '{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"%d"}}' % scale
    add('decimal-num', env(sch, txt), ['-', 'decimal.format=NUMERIC'])
for scale_param in ['"2"', '"+2"', '" 2"', '"x"', '2', '"-2"', '"2147483648"']:
    sch = '{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":%s}}' % scale_param
    add('decimal-scale', env(sch, '"AJw="'), ['-', 'decimal.format=NUMERIC'])
add('decimal-scale', env('{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal"}', '"AJw="'))
# (No numeric payload whose scale differs from the schema's: Kafka keeps the number's
# own scale in its BigDecimal, Ferry rescales it to the schema's.)
for v in ['true', '[1]', '{"a":1}', 'null', '"AJw="', '1.56', '"AA=="']:
    sch = '{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","version":1,"optional":true,"default":"AJw=","parameters":{"scale":"2"}}'
    add('decimal-misc', env(sch, v), CFGS)

# G. Date / Time / Timestamp.
for name, typ in [('Date', 'int32'), ('Time', 'int32'), ('Timestamp', 'int64')]:
    for v in ['0', '-1', '1', '10000', '86400000', '86400001', '14400000', '2147483647', '-2147483648', '2147483648',
              '4000000000', '99999999999999999999', '1.5', '1e3', '"1"', 'true', 'null', '[1]', '-0']:
        sch = '{"type":"%s","name":"org.apache.kafka.connect.data.%s","version":1,"optional":true}' % (typ, name)
        add('temporal', env(sch, v), ['-', 'replace.null.with.default=false'])
        sch = '{"type":"%s","name":"org.apache.kafka.connect.data.%s","version":1,"default":%s}' % (typ, name, v)
        add('temporal-default', env(sch, 'null'))

# I. Parsing quirks.
base = env('{"type":"int32"}', '7')
for s in [base + ' trailing', base + '}', base + ',', '  \n\t' + base, '\ufeff' + base, base + '\x00', '\r\n' + base,
          '\x0b' + base, '12', '12 x', '12x', '12,', '12]', '12\t', 'true]', 'truex', 'true1', 'nullx', 'null_', 'falsey',
          'tru', 'nul', '[1,]', '[,1]', '{"a":1,}', "{'a':1}", '{a:1}', '[1 2]', '{"a" 1}', '{"a":}', '-', '+1', '.5', '1.',
          '1.e5', '1e', '1e+', '01', '-01', '00', '0x10', 'NaN', 'Infinity', '-Infinity', '/*c*/1', '// c\n1', '#1',
          '"\\u00"', '[' * 50 + ']' * 50, '{"a":' * 20 + '1' + '}' * 20, '[1]]]]', '{"a":1}{"b":2}', '"str"x', ' ']:
    add('parse', s, ['-', 'schemas.enable=false'])
for enc in ['utf-16-le', 'utf-16-be', 'utf-32-le', 'utf-32-be', 'utf-16', 'utf-32']:
    for s in [base, '{"schema":{"type":"string"},"payload":"üé😀"}', '1', '[1]', '"x"']:
        add('encoding', s.encode(enc), ['-', 'schemas.enable=false'])
add('encoding', b'\xef\xbb\xbf' + base.encode())
add('encoding', b'\xff\xfe')
add('encoding', b'\xfe\xff')
add('encoding', '"\xe9"'.encode('latin-1'), ['schemas.enable=false'])
add('encoding', b'"\xed\xa0\x80"', ['schemas.enable=false'])
add('encoding', b'"\xc0\xaf"', ['schemas.enable=false'])

# J. Envelope shapes.
for s in ['{}', '{"schema":null}', '{"payload":1}', '{"schema":null,"payload":1,"x":1}', '{"schema":null,"payload":1,"schema":{"type":"int8"}}',
          '{"schema":{"type":"int8"},"payload":1,"schema":null}', '{"payload":1,"schema":null}', '{"Schema":null,"payload":1}',
          '[]', '1', '"s"', 'null', '{"schema":1,"payload":1}', '{"schema":"int8","payload":1}', '{"schema":[],"payload":1}',
          '{"schema":{},"payload":1}', '{"schema":{"type":null},"payload":1}']:
    add('envelope', s, ['-', 'schemas.enable=false'])

# K/H. Random schemas and payloads.
PRIMS = ['int8', 'int16', 'int32', 'int64', 'float', 'double', 'boolean', 'string', 'bytes']
LOGICAL = [('int32', 'org.apache.kafka.connect.data.Date'), ('int32', 'org.apache.kafka.connect.data.Time'),
           ('int64', 'org.apache.kafka.connect.data.Timestamp')]

def rand_prim_value(t, name=None):
    if name and name.endswith('Date'):
        return str(random.randint(-100000, 100000))
    if name and name.endswith('Time'):
        return str(random.randint(0, 86400000))
    if name and name.endswith('Timestamp'):
        return str(random.randint(-2**62, 2**62))
    if name and name.endswith('Decimal'):
        return json.dumps(base64.b64encode(bytes(random.getrandbits(8) for _ in range(random.randint(1, 6)))).decode())
    if t == 'int8': return str(random.randint(-128, 127))
    if t == 'int16': return str(random.randint(-32768, 32767))
    if t == 'int32': return str(random.randint(-2**31, 2**31 - 1))
    if t == 'int64': return str(random.randint(-2**63, 2**63 - 1))
    if t == 'float': return repr(struct.unpack('<f', struct.pack('<f', random.uniform(-1e6, 1e6)))[0])
    if t == 'double': return repr(rand_double() if random.random() < 0.3 else random.uniform(-1e9, 1e9))
    if t == 'boolean': return random.choice(['true', 'false'])
    if t == 'string': return json.dumps(rand_string(), ensure_ascii=False)
    if t == 'bytes': return json.dumps(base64.b64encode(bytes(random.getrandbits(8) for _ in range(random.randint(0, 9)))).decode())

def rand_schema(depth):
    """Returns (schema dict as ordered list of (k, v-json), value generator)."""
    r = random.random()
    fields = []
    if depth > 3 or r < 0.5:
        if random.random() < 0.15:
            t, name = random.choice(LOGICAL + [('bytes', 'org.apache.kafka.connect.data.Decimal')])
        else:
            t, name = random.choice(PRIMS), None
        fields.append(('type', json.dumps(t)))
        if name:
            fields.append(('name', json.dumps(name)))
            fields.append(('version', '1'))
            if name.endswith('Decimal'):
                fields.append(('parameters', '{"scale":"%d"}' % random.randint(0, 6)))
        gen = lambda: rand_prim_value(t, name)
    elif r < 0.65:
        inner, ig = rand_schema(depth + 1)
        fields.append(('type', '"array"'))
        fields.append(('items', inner))
        gen = lambda: '[' + ','.join(ig() for _ in range(random.randint(0, 3))) + ']'
    elif r < 0.8:
        k_prims = PRIMS if random.random() < 0.5 else ['string']
        kt = random.choice(k_prims)
        ks = '{"type":"%s"}' % kt
        vs, vg = rand_schema(depth + 1)
        fields.append(('type', '"map"'))
        fields.append(('keys', ks))
        fields.append(('values', vs))
        if kt == 'string':
            gen = lambda: '{' + ','.join('%s:%s' % (json.dumps(rand_string(), ensure_ascii=False), vg()) for _ in range(random.randint(0, 3))) + '}'
        else:
            gen = lambda: '[' + ','.join('[%s,%s]' % (rand_prim_value(kt), vg()) for _ in range(random.randint(0, 3))) + ']'
    else:
        n = random.randint(0, 5)
        subs = []
        for i in range(n):
            fs, fg = rand_schema(depth + 1)
            name = 'f%d' % i if random.random() < 0.9 else rand_string() or 'g%d' % i
            subs.append((name, fs, fg))
        # ensure unique names
        seen = set(); uniq = []
        for name, fs, fg in subs:
            if name in seen: continue
            seen.add(name); uniq.append((name, fs, fg))
        fields.append(('type', '"struct"'))
        fields.append(('fields', '[' + ','.join(fs[:-1] + ',"field":%s}' % json.dumps(name, ensure_ascii=False) for name, fs, fg in uniq) + ']'))
        if random.random() < 0.3:
            fields.append(('name', json.dumps('com.example.S%d' % random.randint(0, 99))))
        def gen(uniq=uniq):
            items = []
            for name, fs, fg in uniq:
                rr = random.random()
                if rr < 0.1:
                    continue  # missing
                items.append('%s:%s' % (json.dumps(name, ensure_ascii=False), 'null' if rr < 0.2 else fg()))
            random.shuffle(items)
            return '{' + ','.join(items) + '}'
    optional = random.random() < 0.4
    if optional or random.random() < 0.3:
        fields.append(('optional', 'true' if optional else 'false'))
    if random.random() < 0.1:
        fields.append(('doc', json.dumps(rand_string(), ensure_ascii=False)))
    if random.random() < 0.1:
        fields.append(('version', str(random.randint(-5, 100))))
    if random.random() < 0.15:
        fields.append(('default', gen()))
    random.shuffle(fields)
    base_gen = gen
    def gen2():
        rr = random.random()
        if rr < 0.05:
            return 'null'
        if rr < 0.08:
            return random.choice(['1', '"x"', 'true', '[]', '{}', '1.5'])  # wrong kind
        return base_gen()
    return '{' + ','.join('"%s":%s' % kv for kv in fields) + '}', gen2

for _ in range(6000):
    sch, g = rand_schema(0)
    payload = g()
    add('random', env(sch, payload), [random.choice(CFGS)])

with open('corpus.tsv', 'w') as f:
    for tag, cfg, b in out:
        f.write('%s\t%s\n' % (cfg, '-' if b is None else base64.b64encode(b).decode()))
with open('tags.txt', 'w') as f:
    for tag, cfg, b in out:
        f.write(tag + '\n')
print(len(out))
