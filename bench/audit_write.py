"""What writing one audit event costs: µs of CPU per event, the three ways events are written.

    .venv/bin/python bench/audit_write.py --database-url sqlite:////tmp/audit_bench.sqlite3
    .venv/bin/python bench/audit_write.py --database-url postgres://postgres@127.0.0.1:5432/x_db

The database is created and migrated afresh (SQLite: the file; PostgreSQL: the database must
exist and be empty). Three measures, each the median of rounds, in CPU time of this process
(``time.process_time``: the client's share, which is what a page pays in Python; the server's
own work on PostgreSQL is not in it):

- ``single``: ``audit.record`` of an update outside any batch (its own INSERT, autocommit), as a
  workflow's write does;
- ``workflow``: the same inside a transaction of its own (``transaction.atomic``), as a
  workflow writes its event with the change it records;
- ``deferred``: a request's five audited reads flushed as ``AuditFlushMiddleware`` does (one
  INSERT), per request;
- ``batched``: 500 events in ``batched_inserts`` (the demo), per event.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    import web  # bench/web.py: the same environment as the other benches

    if args.database_url.startswith("sqlite"):
        web.fresh_database(args.database_url)
    os.environ.update(web.environment(args.database_url))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    call_command("migrate", verbosity=0)

    from spinepath.accounts import audit
    from spinepath.accounts.models import AuditEvent, Role
    from spinepath.lib.batched import batched_inserts, deferred_inserts
    from spinepath.testing import make_clinic, make_patient, make_staff

    clinic = make_clinic("B1", "Bench clinic")
    user = make_staff("bench-clinician", Role.CLINICIAN, clinic)
    patient = make_patient(clinic)
    n = args.events

    def single() -> float:
        start = time.process_time()
        for _ in range(n):
            audit.record(None, AuditEvent.Action.UPDATE, patient, user=user, changed_fields=["x"])
        return (time.process_time() - start) / n

    def in_workflow() -> float:  # inside the workflow's own transaction, as workflows write
        start = time.process_time()
        for _ in range(n):
            with transaction.atomic():
                audit.record(None, AuditEvent.Action.UPDATE, patient, user=user)
        return (time.process_time() - start) / n

    def deferred() -> float:
        requests = n // 5
        start = time.process_time()
        for _ in range(requests):
            with deferred_inserts():
                for _ in range(5):
                    audit.record(None, AuditEvent.Action.READ, patient, user=user)
        return (time.process_time() - start) / requests

    def batched() -> float:
        start = time.process_time()
        with batched_inserts():
            for _ in range(n):
                audit.record(None, AuditEvent.Action.CREATE, patient, user=user)
        return (time.process_time() - start) / n

    def split(measure: Callable[[], float]) -> tuple[float, float, float]:
        """The measure, and the user and system CPU it took (the kernel's part: file writes)."""
        before = resource.getrusage(resource.RUSAGE_SELF)
        value = measure()
        after = resource.getrusage(resource.RUSAGE_SELF)
        return value, after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime

    single(), in_workflow(), deferred(), batched()  # warm: compiled SQL, caches
    print(f"load average {os.getloadavg()[0]:.2f}  ({args.database_url.split(':', 1)[0]})")
    measures = [("single", single), ("workflow", in_workflow)]
    for name, measure in [*measures, ("deferred", deferred), ("batched", batched)]:
        runs = [split(measure) for _ in range(args.rounds)]
        unit = "per request of 5 reads" if name == "deferred" else "per event"
        user_cpu = sum(r[1] for r in runs)
        system_share = sum(r[2] for r in runs) / (user_cpu + sum(r[2] for r in runs))
        print(
            f"{name:9s} {statistics.median(r[0] for r in runs) * 1e6:8.0f} µs CPU {unit}"
            f"  ({system_share:.0%} of it in the kernel)"
        )
    print(f"load average {os.getloadavg()[0]:.2f}; {AuditEvent.objects.count()} events written")


if __name__ == "__main__":
    main()
