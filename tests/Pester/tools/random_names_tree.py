#!/usr/bin/env python3
"""Creates <root>/n<i>/<name> for COUNT random file names made of random bytes (anything but '/' and NUL, 1-255
bytes), each with random content, mode (incl. setuid/setgid/sticky) and mtime. The seed is printed so a failure replays."""
import os, random, sys

root, count, seed = sys.argv[1].encode(), int(sys.argv[2]), int(sys.argv[3])
print(f"seed={seed}", file=sys.stderr)
rng = random.Random(seed)
alphabet = [bytes([b]) for b in range(1, 256) if b != ord('/')]
special = [b'\n', b'\r', b'\\', b'-', b'\xff', b'\xc3\xa9', b'e\xcc\x81', b' ', b'.']
for i in range(count):
    length = rng.choice([1, 2, 5, 20, 100, 255])
    name = b''.join(rng.choice(special if rng.random() < 0.2 else alphabet) for _ in range(length))[:255]
    if name in (b'.', b'..'):
        name += b'x'
    folder = os.path.join(root, b'n%03d' % i)
    os.makedirs(folder)
    path = os.path.join(folder, name)
    with open(path, 'wb') as f:
        f.write(rng.randbytes(rng.randrange(0, 3000)))
    os.chmod(path, rng.choice([0o644, 0o600, 0o755, 0o4755, 0o2755, 0o1777, 0o6711]))
    mtime = rng.randrange(0, 2**31)
    os.utime(path, (mtime, mtime))
