#!/usr/bin/env python3
"""Builds a valid-looking PostgreSQL backup whose dump is garbage, for tests/Pester/PostgresHostileFolder.Tests.ps1.

usage: New-GarbageDumpBackup.py <good backup .tar.zst> <output .tar.zst>

Keeps the good backup's manifest (id, database, times), replaces the dump entry's bytes with random ones, and writes
correct checksums (checksums.sha256, the sidecar's sha256 and entry hashes): the dump's content is the only defect.
The sidecar is written as <output>.json.
"""
import io, json, os, sys, tarfile, hashlib, subprocess, time

def main(source, output):
    raw = subprocess.run(["zstd", "-d", "-q", "-c", source], check=True, capture_output=True).stdout
    src = tarfile.open(fileobj=io.BytesIO(raw), mode="r:")
    manifest = json.loads(src.extractfile("manifest.json").read())
    db_entry = next(e for e in manifest["entries"] if e["kind"] == "Database")
    garbage = b"PGDMP" + os.urandom(4096)  # the custom format's magic, then noise
    db_entry["size"] = len(garbage)
    out = io.BytesIO()
    tar = tarfile.open(fileobj=out, mode="w:", format=tarfile.PAX_FORMAT)
    now = time.time()
    def add(name, data):
        ti = tarfile.TarInfo(name); ti.size = len(data); ti.mode = 0o600; ti.mtime = now
        tar.addfile(ti, io.BytesIO(data))
    add("manifest.json", json.dumps(manifest, indent=2).encode())
    add(db_entry["path"], garbage)
    digest = hashlib.sha256(garbage).hexdigest()
    add("checksums.sha256", (digest + "  " + db_entry["path"] + "\n").encode())
    tar.close()
    subprocess.run(["zstd", "-q", "--check", "-f", "-o", output], input=out.getvalue(), check=True)
    sidecar = json.load(open(source + ".json"))
    sidecar["backupFile"] = os.path.basename(output)
    data = open(output, "rb").read()
    sidecar["sizeBytes"] = len(data)
    sidecar["sha256"] = hashlib.sha256(data).hexdigest()
    for e in sidecar["manifest"]["entries"]:
        if e["kind"] == "Database":
            e["size"] = len(garbage); e["sha256"] = digest
    json.dump(sidecar, open(output + ".json", "w"), indent=2)

if __name__ == "__main__":
    main(*sys.argv[1:])
