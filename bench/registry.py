"""How fast ``generate_registry`` writes: procedures/s and rows/s, with a reference.

    .venv/bin/python bench/registry.py --procedures 10000 [--database postgres://…/name]

On a throwaway database (a new SQLite file under ``var/bench/``, or the PostgreSQL database named,
dropped and recreated), migrates, then generates the registry in-process and prints wall and CPU
time, rows/s and procedures/s, and the machine's load average before and after. The reference,
measured in the same run on the same database, is Django's ``bulk_create`` of plain follow-up
answer rows (the registry's biggest table) in batches of 5,000: the ratio says how the whole
registry (50-odd rows per procedure, with the core's snapshots) compares with the simplest bulk
insert Django offers, so the figure means the same on a busier or quieter machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_ROWS = 50_000


def fresh_database(url: str) -> None:
    """Point Django at a new, empty database and set it up: the PostgreSQL database ``url`` names
    (dropped and recreated), or with ``url`` empty a new SQLite file under ``var/bench/``; then
    ``django.setup()`` and ``migrate``. Shared by the registry benches."""
    if url:
        import psycopg

        base, _, name = url.rpartition("/")
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = url
    else:
        path = ROOT / "var" / "bench" / "registry.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spinepath.settings")
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", "bench-registry-not-secret")
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--procedures", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", default="", help="postgres://…/name (default: SQLite)")
    args = parser.parse_args()

    fresh_database(args.database)

    from django.db import connection, transaction

    from spinepath.registry.generate import generate

    load_before = os.getloadavg()
    cpu = time.process_time()
    result = generate(args.procedures, args.seed)
    cpu = time.process_time() - cpu
    load_after = os.getloadavg()

    from spinepath.followup.models import FollowUpAnswer

    point = result.rows and FollowUpAnswer.objects.values_list("time_point_id", flat=True).first()
    started = time.perf_counter()
    with transaction.atomic():
        for start in range(0, REFERENCE_ROWS, 5000):
            FollowUpAnswer.objects.bulk_create(
                FollowUpAnswer(
                    time_point_id=point,
                    instrument="bench",
                    item=f"i{start + i}",
                    value=3,
                )
                for i in range(5000)
            )
        transaction.set_rollback(True)
    reference = REFERENCE_ROWS / (time.perf_counter() - started)

    rate = result.total_rows / result.seconds
    print(f"{connection.vendor} on {platform.node()}, {os.cpu_count()} CPUs")
    print(f"load average before {load_before[0]:.1f}, after {load_after[0]:.1f} (1 min)")
    print(
        f"{result.procedures:,} procedures, {result.patients:,} patients, "
        f"{result.total_rows:,} rows in {result.seconds:.1f} s wall, {cpu:.1f} s CPU (this process)"
    )
    print(f"{rate:,.0f} rows/s, {result.procedures / result.seconds:,.0f} procedures/s")
    print(
        f"reference bulk_create: {reference:,.0f} rows/s; "
        f"registry / reference = {rate / reference:.2f}"
    )
    for label, count in sorted(result.rows.items(), key=lambda kv: -kv[1]):
        print(f"  {label:40} {count:>12,}")


if __name__ == "__main__":
    main()
