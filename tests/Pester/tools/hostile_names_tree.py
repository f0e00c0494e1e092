#!/usr/bin/env python3
"""Builds <root>/ with one file per hostile but valid name (newline, CR, backslash, leading dash, 255 bytes, NFC/NFD
twins, newline in a name over 100 bytes, a folder whose name holds a newline), each with its own content, a mode
including setuid/setgid/sticky and a fixed mtime. With --bad-utf8 adds one name whose bytes are not UTF-8.
With --random SEED COUNT instead: <root>/ok/ holds COUNT files with random byte names that are valid UTF-8 and
<root>/bad/ holds files with random names that are not (random content, mode incl. special bits, mtime)."""
import os, random, sys

root = sys.argv[1].encode()
if '--random' in sys.argv:
    at = sys.argv.index('--random')
    seed, count = int(sys.argv[at + 1]), int(sys.argv[at + 2])
    rng = random.Random(seed)
    special = [b'\n', b'\r', b'\\', b'-', b'\xc3\xa9', b'e\xcc\x81', b' ', b'.', b'\t', b'\xe2\x80\xae', b'\xf0\x9f\x92\xbe']
    ascii_bytes = [bytes([b]) for b in range(1, 128) if b != ord('/')]
    def random_piece():
        r = rng.random()
        if r < 0.3: return rng.choice(special)
        if r < 0.5:  # any code point but surrogates, as UTF-8
            cp = rng.choice([rng.randrange(0x80, 0xD800), rng.randrange(0xE000, 0x110000)])
            return chr(cp).encode('utf-8')
        return rng.choice(ascii_bytes)
    def random_name(bad):
        length = rng.choice([1, 2, 5, 20, 99, 100, 101, 200, 255])
        name = b''
        while len(name) < length:
            name += random_piece()
        while len(name) > 255 or (len(name) > length and len(name) > 1):
            name = name[:-1]
        if bad:  # one byte no UTF-8 sequence can hold at that place
            at = rng.randrange(0, len(name) + 1)
            name = (name[:at] + rng.choice([b'\xff', b'\xfe', b'\xc0', b'\x80', b'\xed\xa0\x80']) + name[at:])[-255:]
        return name + b'x' if name in (b'.', b'..') else name
    def valid(name):
        try: name.decode('utf-8'); return True
        except UnicodeDecodeError: return False
    made = {b'ok': set(), b'bad': set()}
    while len(made[b'ok']) < count or len(made[b'bad']) < 3:
        kind = b'ok' if len(made[b'ok']) < count else b'bad'
        name = random_name(kind == b'bad')
        if valid(name) != (kind == b'ok') or name in made[kind]: continue
        made[kind].add(name)
        folder = os.path.join(root, kind)
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, name)
        with open(path, 'wb') as f:
            f.write(rng.randbytes(rng.randrange(0, 3000)))
        os.chmod(path, rng.choice([0o644, 0o600, 0o755, 0o4755, 0o2755, 0o1777, 0o6711]))
        mtime = rng.randrange(0, 1_700_000_000)  # not in the future: tar warns
        os.utime(path, (mtime, mtime))
    for kind in made:
        os.utime(os.path.join(root, kind), (1_300_000_000, 1_300_000_000))
    sys.exit(0)
names = [
    b'new\nline', b'carriage\rreturn', b'back\\slash', b'-leading-dash', b'--', b'x' * 255,
    'caf\u00e9'.encode(), 'cafe\u0301'.encode(),               # NFC and NFD twins: two files
    b'long ' + b'n' * 120 + b'\nwith newline',                    # newline in a name that needs a long header
    '\u00fc\u00f1\u00ef\n\u00e7\u00f8d\u00e9'.encode(),           # non-ASCII and newline: a long header too
    b'\\n-literal-backslash-n', b'trailing-backslash\\', b'\\',
    b' leading space', b'tab\there',
]
modes = [0o644, 0o600, 0o4755, 0o2755, 0o1777, 0o6711, 0o755, 0o640]
os.makedirs(root)
for i, name in enumerate(names):
    path = os.path.join(root, name)
    with open(path, 'wb') as f:
        f.write(name + b'\0content %d\n' % i)
    os.chmod(path, modes[i % len(modes)])
    os.utime(path, (1_600_000_000 + i * 3601, 1_600_000_000 + i * 3601))
folder = os.path.join(root, b'dir\nwith\\odd\rname')
os.makedirs(folder)
inner = os.path.join(folder, b'inner\nfile')
with open(inner, 'wb') as f:
    f.write(b'inner')
os.chmod(inner, 0o2750)
os.utime(inner, (1_500_000_000, 1_500_000_000))
os.chmod(folder, 0o1755)
os.utime(folder, (1_400_000_000, 1_400_000_000))
if '--bad-utf8' in sys.argv:
    with open(os.path.join(root, b'bad-\xff\xfe-utf8'), 'wb') as f:
        f.write(b'latin1')
os.utime(root, (1_300_000_000, 1_300_000_000))
