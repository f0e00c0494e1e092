#!/usr/bin/env python3
"""Compares two trees byte-exactly, walking with bytes names: name bytes, content sha256, mode (incl. special bits)
and whole-second mtime of every file and folder below the roots. Prints each difference; exit 1 if any."""
import hashlib, os, stat, sys

def snapshot(root):
    out = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(folder, name)
            st = os.lstat(path)
            digest = hashlib.sha256(open(path, 'rb').read()).hexdigest() if stat.S_ISREG(st.st_mode) else None
            out[os.path.relpath(path, root)] = (stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode), int(st.st_mtime), digest)
    return out

a, b = snapshot(sys.argv[1].encode()), snapshot(sys.argv[2].encode())
diffs = [f"{k!r}: {a.get(k)} != {b.get(k)}" for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
print("\n".join(diffs))
sys.exit(1 if diffs else 0)
