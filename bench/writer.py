#!/usr/bin/env python3
"""Writer-stall probe for Invoke-Benchmark.ps1.

Inserts one row per transaction into table bench_writer of DB, one transaction every INTERVAL_MS
milliseconds, until the file STOP exists. For every commit it records when the transaction started
(Unix epoch, ms) and how long BEGIN..COMMIT took (ms), one "start_ms latency_ms" line per commit in OUT.
The busy timeout is 10 minutes, so a commit that has to wait for a lock (rollback-journal mode while
a reader holds SHARED) waits and its latency shows the stall instead of failing.

Usage: writer.py DB OUT STOP [INTERVAL_MS]
"""
import os
import sqlite3
import sys
import time


def main() -> int:
    if len(sys.argv) not in (4, 5):
        print(__doc__, file=sys.stderr)
        return 2
    db, out, stop = sys.argv[1:4]
    interval = (float(sys.argv[4]) if len(sys.argv) == 5 else 5.0) / 1000.0
    con = sqlite3.connect(db, timeout=600, isolation_level=None)
    con.execute("PRAGMA synchronous=NORMAL")
    payload = "x" * 100
    rows = []
    next_slot = time.perf_counter()
    # A ready marker, so the caller knows the connection is open before it starts the backup.
    with open(out + ".ready", "w") as f:
        f.write("ready\n")
    while not os.path.exists(stop):
        start_wall = time.time()
        t0 = time.perf_counter()
        con.execute("BEGIN")
        con.execute("INSERT INTO bench_writer(ts, payload) VALUES (?, ?)", (int(start_wall * 1000), payload))
        con.execute("COMMIT")
        latency = time.perf_counter() - t0
        rows.append(f"{start_wall * 1000:.1f} {latency * 1000:.3f}\n")
        next_slot += interval
        delay = next_slot - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        else:
            next_slot = time.perf_counter()  # fell behind (a stall): do not burst to catch up
    con.close()
    with open(out, "w") as f:
        f.writelines(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
