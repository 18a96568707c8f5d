"""CPU per phase of ``generate_registry`` on PostgreSQL: the generator's and the server backend's.

    .venv/bin/python bench/registry_phases.py --procedures 100000 [--library 10000] \
        --database postgres://postgres@127.0.0.1:5432/registry_prof

Drops and recreates the database, migrates, then runs ``generate`` with the phases reported
(wall, this process's CPU, the PostgreSQL backend's CPU read from ``/proc``: the server must run
on this machine) and the dashboard summary's refresh, with the load average beside each. The
backend's CPU leaves out parallel workers (index builds may use two) and the WAL writer and
checkpointer, so it is a floor of the server's work.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--procedures", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--library", type=int, default=0, help="override LIBRARY (0: keep)")
    parser.add_argument("--database", required=True, help="postgres://…/name (dropped, recreated)")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    from bench.registry import fresh_database

    fresh_database(args.database)
    from spinepath.analytics.summary import refresh_summary
    from spinepath.registry import generate as registry

    if args.library:
        registry.LIBRARY = args.library

    def say(text: str) -> None:
        if text.startswith("phase") or "copy" in text or "index" in text:
            load = os.getloadavg()[0]
            print(f"{time.strftime('%H:%M:%S')} load {load:4.1f}  {text}", flush=True)

    print(f"load before {os.getloadavg()}", flush=True)
    wall, cpu = time.perf_counter(), time.process_time()
    result = registry.generate(args.procedures, args.seed, progress=say)
    print(
        f"generate: {result.procedures:,} procedures, {result.total_rows:,} rows, "
        f"{time.perf_counter() - wall:.1f} s wall, {time.process_time() - cpu:.1f} s CPU "
        f"(generator), load {os.getloadavg()}",
        flush=True,
    )
    wall, cpu, server = time.perf_counter(), time.process_time(), registry.server_cpu()
    rows = refresh_summary()
    print(
        f"summary refresh: {rows:,} rows, {time.perf_counter() - wall:.1f} s wall, "
        f"{time.process_time() - cpu:.1f} s CPU (this process), "
        f"{(registry.server_cpu() or 0) - (server or 0):.1f} s CPU (backend), "
        f"load {os.getloadavg()}",
        flush=True,
    )


if __name__ == "__main__":
    main()
