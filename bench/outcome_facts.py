"""Rebuilding the outcome facts (``analytics.facts.rebuild_outcomes``) and the summary over them.

Usage: ``.venv/bin/python bench/outcome_facts.py --procedures 20000`` (SQLite under var/bench/, or
the PostgreSQL database named by ``DATABASE_URL``, which it drops and recreates).

One procedure is made through the real workflows and answered at every time point; it is then
cloned N times (episode, baseline answers, procedure, time points) with bulk inserts, the way a
registry import would arrive. Printed: the time to read the source rows the rebuild reads (the
reference: no rebuild can be faster than reading its input), the full rebuild and its ratio to
the reference, a one-procedure rebuild as a hook runs it, and the summary (every panel of
``GET /api/v1/outcomes/summary``) cold and warm.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _database(name: str) -> None:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        base, _, db = url.rpartition("/")
        for sql in (f"DROP DATABASE IF EXISTS {db}", f"CREATE DATABASE {db}"):
            subprocess.run(["psql", f"{base}/postgres", "-qc", sql], check=True)
        return
    path = ROOT / "var" / "bench" / f"{name}.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--procedures", type=int, default=20000)
    args = parser.parse_args()
    _database("outcome_facts")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spinepath.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    seed = _seed()
    started = time.perf_counter()
    _clone(seed, args.procedures - 1)
    print(f"cloned {args.procedures} procedures in {time.perf_counter() - started:.1f} s")
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    _measure(args.procedures)


def _seed() -> object:
    from django.utils import timezone

    from spinepath.followup.tests.helpers import answer, backdate, treated
    from spinepath.testing import make_clinic, make_episode, make_patient, make_staff

    clinic = make_clinic("bench", "Bench clinic")
    clinician = make_staff("bench", "clinician", clinic)
    record = backdate(treated(make_episode(make_patient(clinic)), clinician), 400)
    for label, leg in (("2w", 3), ("6w", 4), ("3m", 5), ("6m", 7), ("12m", 8)):
        answer(record, label, nrs_leg=leg, nrs_back=3, pgic=2)
    assert timezone.now()
    return record


def _clone(record: object, copies: int) -> None:
    import uuid

    from django.db import transaction

    from spinepath.followup.models import TimePoint
    from spinepath.patients.models import Episode
    from spinepath.procedures.models import ProcedureRecord
    from spinepath.questionnaires.models import QuestionnaireResponse

    episode = Episode.objects.get(pk=record.episode_id)  # type: ignore[attr-defined]
    points = list(TimePoint.objects.filter(procedure=record))
    answers = list(QuestionnaireResponse.objects.filter(episode=episode))
    batch = 2000
    with transaction.atomic():
        for start in range(0, copies, batch):
            size = min(batch, copies - start)
            episodes = []
            for _ in range(size):
                copy = Episode(
                    **{
                        f.attname: getattr(episode, f.attname)
                        for f in Episode._meta.concrete_fields
                    }
                )
                copy.id = uuid.uuid4()
                episodes.append(copy)
            Episode.objects.bulk_create(episodes)
            QuestionnaireResponse.objects.bulk_create(
                [_copy(a, id=None, episode_id=e.id) for e in episodes for a in answers]
            )
            records = ProcedureRecord.objects.bulk_create(
                [_copy(record, id=None, episode_id=e.id) for e in episodes]
            )
            TimePoint.objects.bulk_create(
                [
                    _copy(p, id=None, procedure_id=r.pk, episode_id=r.episode_id)
                    for r in records
                    for p in points
                ]
            )


def _copy(instance: object, **changes: object) -> object:
    model = type(instance)
    values = {f.attname: getattr(instance, f.attname) for f in model._meta.concrete_fields}  # type: ignore[attr-defined]
    values.update(changes)
    return model(**values)


def _measure(n: int) -> None:
    from django.db import connection, reset_queries
    from django.utils import timezone

    from spinepath.analytics.facts import rebuild_outcomes
    from spinepath.analytics.queries import OutcomeFilters, Scope, summary
    from spinepath.followup.models import TimePoint
    from spinepath.procedures.models import ProcedureRecord
    from spinepath.questionnaires.models import QuestionnaireResponse

    started = time.perf_counter()
    len(
        list(
            ProcedureRecord.objects.values_list(
                "pk",
                "performed_at",
                "episode_id",
                "procedure",
                "operator_id",
                "steroid",
                "complications",
            ).iterator(chunk_size=5000)
        )
    )
    len(
        list(
            TimePoint.objects.values_list(
                "procedure_id", "label", "due_on", "completed_at", "scores"
            ).iterator(chunk_size=5000)
        )
    )
    len(
        list(
            QuestionnaireResponse.objects.values_list("episode_id", "instrument", "score").iterator(
                chunk_size=5000
            )
        )
    )
    reference = time.perf_counter() - started

    started = time.perf_counter()
    rebuild_outcomes()
    full = time.perf_counter() - started

    ids = list(ProcedureRecord.objects.order_by("?").values_list("pk", flat=True)[:50])
    started = time.perf_counter()
    for pk in ids:
        rebuild_outcomes([pk])
    one = (time.perf_counter() - started) / len(ids)

    scope = Scope(clinic_ids=None, pseudonymised=False)
    started = time.perf_counter()
    summary(OutcomeFilters(), scope, on=timezone.localdate())
    cold = time.perf_counter() - started
    started = time.perf_counter()
    summary(OutcomeFilters(), scope, on=timezone.localdate())
    warm = time.perf_counter() - started
    reset_queries()

    print(
        f"machine: {platform.machine()} {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {connection.vendor}"
    )
    print(f"procedures: {n} (time points: {n * 5})")
    print(f"reference (read the source rows once): {reference:.2f} s")
    print(
        f"rebuild_outcomes() full:               {full:.2f} s  "
        f"({full / reference:.1f}× reference, {n / full:.0f} procedures/s)"
    )
    print(f"rebuild_outcomes([one]) as a hook:     {one * 1000:.1f} ms")
    print(f"summary (every panel) cold / warm:     {cold:.2f} s / {warm:.2f} s")
    print(f"1,000,000 procedures by extrapolation: rebuild ≈ {full / n * 1e6 / 60:.1f} min")


if __name__ == "__main__":
    main()
