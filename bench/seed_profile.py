"""Profile the demo build: CPU seconds, statements a patient, and (optionally) a cProfile.

    PYTHONPATH=. .venv/bin/python bench/seed_profile.py --patients 200 [--profile out.prof]
        [--database-url sqlite:///var/seedbench/x.sqlite3] [--dump out.sql]

Migrates a fresh database (SQLite file removed first; a PostgreSQL database must be empty),
then runs ``build_demo`` with DEBUG off under ``time.process_time`` and a connection
``execute_wrapper`` counting statements (savepoints separately). ``--dump`` writes every demo
table in primary-key order (less wall-clock columns) to compare two builds row for row.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import os
import sys
import threading
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--today", type=date.fromisoformat, default=date(2026, 12, 2))
    parser.add_argument("--database-url", default=f"sqlite:///{ROOT}/var/seedbench/bench.sqlite3")
    parser.add_argument("--profile", default=None)
    parser.add_argument("--count", action="store_true", help="count statements by kind")
    parser.add_argument(
        "--sample", type=int, default=0, help="sample the stack; print the N costliest lines"
    )
    parser.add_argument("--sites", type=int, default=0, help="print the N busiest call sites")
    args = parser.parse_args()
    url = args.database_url
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spinepath.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import override_settings

    from spinepath.demo.seed import build_demo

    call_command("migrate", verbosity=0)
    kinds: collections.Counter[str] = collections.Counter()
    sites: collections.Counter[tuple[str, str]] = collections.Counter()

    def wrapper(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        head = sql.lstrip().split(None, 1)[0].upper()
        if "SAVEPOINT" in sql.upper():
            head = "SAVEPOINT*"
        kinds[head] += 1
        if args.sites:
            frame = sys._getframe(1)
            chain = []
            while frame is not None and len(chain) < 3:
                name = frame.f_code.co_filename
                if "/spinepath/" in name and "/lib/" not in name:
                    short = name.split("/spinepath/", 1)[1]
                    chain.append(f"{short}:{frame.f_lineno} {frame.f_code.co_name}")
                frame = frame.f_back
            sites[(head, " < ".join(chain))] += 1
        return execute(sql, params, many, context)

    profiler = cProfile.Profile() if args.profile else None
    samples: collections.Counter[str] = collections.Counter()
    leaf: collections.Counter[str] = collections.Counter()
    stop = threading.Event()
    main_id = threading.get_ident()

    def sampler() -> None:
        while not stop.wait(0.002):
            frame = sys._current_frames().get(main_id)
            seen = set()
            first = None
            while frame is not None:
                name = frame.f_code.co_filename
                if "/spinepath/" in name:
                    short = name.split("/spinepath/", 1)[1]
                    key = f"{short}:{frame.f_lineno} {frame.f_code.co_name}"
                    if first is None and "/lib/" not in name:
                        first = key
                    if key not in seen:
                        seen.add(key)
                        samples[key] += 1
                frame = frame.f_back
            if first:
                leaf[first] += 1
            samples["TOTAL"] += 1

    if args.sample:
        threading.Thread(target=sampler, daemon=True).start()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    with override_settings(DEBUG=False):
        if args.count:
            with connection.execute_wrapper(wrapper):
                if profiler:
                    profiler.enable()
                build_demo(patients=args.patients, seed=args.seed, today=args.today)
        else:
            if profiler:
                profiler.enable()
            build_demo(patients=args.patients, seed=args.seed, today=args.today)
    stop.set()
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.profile)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    load = os.getloadavg()
    print(
        f"{args.patients} patients: {cpu:.1f} s CPU, {wall:.1f} s wall, "
        f"{args.patients / cpu:.1f} patients/CPU-s, load {load[0]:.2f} {load[1]:.2f}"
    )
    if args.sample:
        total = samples["TOTAL"]
        print(f"samples {total}; innermost project line (incl. Django below it):")
        for key, n in leaf.most_common(args.sample):
            print(f"  {100 * n / total:5.1f}% {key}")
        print("inclusive:")
        for key, n in samples.most_common(args.sample):
            print(f"  {100 * n / total:5.1f}% {key}")
    if args.count:
        total = sum(kinds.values())
        print(f"statements {total} ({total / args.patients:.1f} a patient)")
        for head, n in kinds.most_common():
            print(f"  {head:12} {n:7} {n / args.patients:6.1f}")
        for (head, where), n in sites.most_common(args.sites):
            print(f"{n / args.patients:6.2f} {head:10} {where}")


if __name__ == "__main__":
    main()
