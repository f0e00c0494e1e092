#!/usr/bin/env python3
"""Builds a hostile BackupPS-like archive for tests/Pester/Robustness.Tests.ps1.

usage: New-HostileArchive.py <good backup .tar.zst> <output .tar.zst> <case> <outside folder>

Takes a real backup, keeps its manifest and database entry, and adds one hostile element (an entry climbing out with
'..', an absolute path, a symlink or hardlink, or an entry the manifest does not list), with correct checksums, so
the hostile element is the only defect. Case 'clean' rebuilds the archive with no defect (the control).
"""
import io, json, sys, tarfile, hashlib, subprocess, time

def main(source, output, case, outside):
    raw = subprocess.run(["zstd", "-d", "-q", "-c", source], check=True, capture_output=True).stdout
    src = tarfile.open(fileobj=io.BytesIO(raw), mode="r:")
    members = {m.name: (m, src.extractfile(m).read() if m.isfile() else None) for m in src.getmembers()}
    manifest = json.loads(members["manifest.json"][1])
    manifest.pop("databaseEntry", None)
    db_name = next(e["path"] for e in manifest["entries"] if e["kind"] == "Database")
    now = time.time()
    extra = []  # (TarInfo, data, listed_in_manifest)

    def file_entry(name, data, listed=True):
        ti = tarfile.TarInfo(name); ti.size = len(data); ti.mode = 0o600; ti.mtime = now
        extra.append((ti, data, listed))

    def link_entry(name, target, kind):
        ti = tarfile.TarInfo(name); ti.type = kind; ti.linkname = target; ti.mode = 0o777; ti.mtime = now
        extra.append((ti, None, True))

    root = {"name": "data", "originalPath": outside + "/data-original", "isDirectory": True}
    if case == "dotdot":
        file_entry("../evil", b"evil\n")
    elif case == "dotdot-nested":
        manifest["fileRoots"].append(root)
        file_entry("files/data/../../../evil", b"evil\n")
    elif case == "absolute":
        file_entry(outside + "/abs-evil", b"evil\n")
    elif case == "symlink":
        manifest["fileRoots"].append(root)
        link_entry("files/data/link", outside + "/link-target", tarfile.SYMTYPE)
    elif case == "hardlink":
        manifest["fileRoots"].append(root)
        link_entry("files/data/hard", outside + "/link-target", tarfile.LNKTYPE)
    elif case == "unlisted":
        manifest["fileRoots"].append(root)
        file_entry("files/data/extra.txt", b"not in the manifest\n", listed=False)
    elif case == "clean":
        pass
    elif case == "unlisted-dotdot":
        file_entry("../evil", b"evil\n", listed=False)
    else:
        raise SystemExit("unknown case " + case)

    for ti, data, listed in extra:
        if listed:
            kind = "File"
            manifest["entries"].append({"path": ti.name, "kind": kind, "size": ti.size, "mode": "0600",
                                        "modifiedUtc": "2025-01-01T00:00:00+00:00"})
    out = io.BytesIO()
    tar = tarfile.open(fileobj=out, mode="w:", format=tarfile.PAX_FORMAT)
    def add(name, data, mode=0o600):
        ti = tarfile.TarInfo(name); ti.size = len(data); ti.mode = mode; ti.mtime = now
        tar.addfile(ti, io.BytesIO(data))
    add("manifest.json", json.dumps(manifest, indent=2).encode())
    add(db_name, members[db_name][1])
    sums = [hashlib.sha256(members[db_name][1]).hexdigest() + "  " + db_name]
    for ti, data, listed in extra:
        tar.addfile(ti, io.BytesIO(data) if data is not None else None)
        if data is not None:
            sums.append(hashlib.sha256(data).hexdigest() + "  " + ti.name)
    add("checksums.sha256", ("\n".join(sums) + "\n").encode())
    tar.close()
    subprocess.run(["zstd", "-q", "--check", "-f", "-o", output], input=out.getvalue(), check=True)

if __name__ == "__main__":
    main(*sys.argv[1:])
