"""Keeping the outcome facts (``models.py``) equal to what the source tables say.

``rebuild_outcomes`` is the one writer: the procedure workflows' hooks call it for one
procedure inside their transaction (recorded, entered in error, amended), the background worker
for the procedures whose follow-up answers are waiting to be counted (``rebuild_pending``, see
below), and ``refresh_outcomes`` / ``generate_registry`` for everything. It works in chunks: a few
set-based reads per chunk (``followup.outcomes.reliefs_in_bulk`` reads the follow-up and measures
relief through the clinical core, never restating it), then one bulk delete and two bulk inserts,
so its cost grows with the number of rows, not the number of queries.

A follow-up answer is counted by the worker, not in the patient's request: the rebuild was half
the CPU of a submission, and patients submit far more often than staff record procedures. The
submission's transaction inserts a ``PendingAnswer`` row and, unless one is already waiting, a
``tasks.rebuild_pending_outcomes`` task: the answer, its to-do and the task commit together or
not at all, so a worker that is down loses nothing (it counts the answers when it starts). The
task rebuilds every procedure the waiting rows name, each once however many answers it has, so
a burst of answers costs one set-based rebuild, not one per answer. Until then the facts lag;
``pending`` says by how many answers and since when, and the dashboard says so.

Every rebuild of a procedure's facts happens under its patient's lock (the workflows hold it;
the worker takes the locks of a chunk's patients in order), so the worker and a workflow never
write the same facts at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    Count,
    DateField,
    DateTimeField,
    Min,
    Model,
    Q,
    QuerySet,
    UUIDField,
)
from django.utils import timezone

from spinepath.analytics.models import (
    PROCEDURE_COLUMNS,
    PendingAnswer,
    ProcedureOutcome,
    TimePointOutcome,
)
from spinepath.analytics.summary import note_facts_changed
from spinepath.assessment.models import Decision
from spinepath.clinical.steroids import mpe_mg
from spinepath.clinical.vocab import Steroid
from spinepath.followup.models import TimePoint
from spinepath.followup.outcomes import BulkRelief, reliefs_in_bulk
from spinepath.patients.models import Patient
from spinepath.procedures.models import ProcedureRecord
from spinepath.questionnaires.models import QuestionnaireResponse

CHUNK = 2000
"""Procedures per chunk: big enough to amortise each query, small enough for SQLite's variable
limit and a bounded memory footprint."""


def _chunks(ids: Sequence[int], size: int) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def rebuild_outcomes(
    procedure_ids: Iterable[int] | None = None, *, at: datetime | None = None, chunk: int = CHUNK
) -> int:
    """Recompute the facts of ``procedure_ids`` (None: every procedure) as of ``at``.

    A procedure entered in error loses its rows. ``at`` dates ``refreshed_at`` (the workflow's
    time when a hook calls it). Returns the number of procedures that now have facts.
    """
    at = at or timezone.now()
    if procedure_ids is None:
        ids = list(ProcedureRecord.objects.order_by("pk").values_list("pk", flat=True))
        everything = True
    else:
        ids = sorted(set(procedure_ids))
        everything = False
    written = 0
    with transaction.atomic():
        if everything:
            # Listed before the answers are read, so every answer they name is counted below.
            counted = list(PendingAnswer.objects.values_list("pk", flat=True))
            _delete(TimePointOutcome.objects.all())
            _delete(ProcedureOutcome.objects.all())
        for part in _chunks(ids, chunk):
            written += _rebuild_chunk(part, at=at, clear=not everything)
        if everything:
            _forget_pending(counted)
        if ids or everything:
            note_facts_changed()
    return written


def _rebuild_chunk(ids: Sequence[int], *, at: datetime, clear: bool) -> int:
    if clear:
        _delete(TimePointOutcome.objects.filter(outcome_id__in=ids))
        _delete(ProcedureOutcome.objects.filter(record_id__in=ids))
    reliefs = reliefs_in_bulk(ids)
    if not reliefs:
        return 0
    rows = list(
        ProcedureRecord.objects.filter(pk__in=list(reliefs)).values(
            "pk",
            "episode_id",
            "episode__patient_id",
            "episode__patient__clinic_id",
            "episode__condition",
            "operator_id",
            "performed_at",
            "procedure",
            "imaging",
            "steroid",
            "steroid_dose_mg",
            "complications",
            "late_complications",
            "consent__assessment_id",
        )
    )
    episodes = {row["episode_id"] for row in rows}
    repeats = _repeats(episodes)
    startback = _startback(episodes)
    decisions = _decisions({row["consent__assessment_id"] for row in rows})
    outcomes: list[dict[str, Any]] = []
    points: list[dict[str, Any]] = []
    for row in rows:
        found = reliefs[row["pk"]]
        outcome = _outcome(row, found, at=at)
        outcome["repeat"] = repeats.get(row["pk"], False)
        outcome["startback_risk"] = _latest_before(startback.get(row["episode_id"], []), row)
        outcome["decision_outcome"], outcome["overridden"] = decisions.get(
            row["consent__assessment_id"], ("", False)
        )
        outcomes.append(outcome)
        points.extend(_time_points(found, outcome))
    insert_rows(ProcedureOutcome, outcomes)
    insert_rows(TimePointOutcome, points)
    return len(outcomes)


def _delete(rows: QuerySet[Any]) -> None:
    """One DELETE statement: derived rows have no signals and nothing refers to them but the
    time point facts, deleted first (``QuerySet.delete`` would collect every row in Python)."""
    rows._raw_delete(rows.db)


def insert_rows(model: type[Model], rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (``{attname: value}``, every concrete column but an auto id) in bulk:
    ``COPY`` on PostgreSQL, ``executemany`` elsewhere. Derived rows need no model validation or
    per-field preparation, which cost more than the relief itself in ``bulk_create``."""
    if not rows:
        return
    fields = [f for f in model._meta.concrete_fields if not (f.primary_key and f.attname == "id")]
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    names = [f.attname for f in fields]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([row[name] for name in names])
            return
        adapters = [(name, _adapter(f)) for name, f in zip(names, fields, strict=True)]
        marks = ", ".join(["%s"] * len(fields))
        cursor.executemany(
            # SQL names from the models, quoted (bandit B608).
            f"INSERT INTO {table} ({columns}) VALUES ({marks})",  # nosec B608
            [
                [row[name] if adapt is None else adapt(row[name]) for name, adapt in adapters]
                for row in rows
            ],
        )


def _adapter(field: Any) -> Callable[[Any], Any] | None:
    """How a column's Python value is stored by Django on SQLite (None: as it is)."""
    ops = connection.ops
    target = getattr(field, "target_field", field)
    if isinstance(target, DateTimeField):
        return lambda value: None if value is None else ops.adapt_datetimefield_value(value)
    if isinstance(target, DateField):
        return lambda value: None if value is None else ops.adapt_datefield_value(value)
    if isinstance(target, UUIDField):
        return lambda value: None if value is None else value.hex
    return None


def _outcome(row: dict[str, Any], found: BulkRelief, *, at: datetime) -> dict[str, Any]:
    result = found.result
    steroid = row["steroid"] or ""
    dose = row["steroid_dose_mg"]
    codes = list(dict.fromkeys([*(row["complications"] or []), *(row["late_complications"] or [])]))
    return dict(
        record_id=row["pk"],
        clinic_id=row["episode__patient__clinic_id"],
        operator_id=row["operator_id"],
        patient_id=row["episode__patient_id"],
        episode_id=row["episode_id"],
        procedure_date=found.performed_on,
        condition=row["episode__condition"],
        procedure=row["procedure"],
        imaging=row["imaging"],
        steroid=bool(steroid),
        steroid_mpe_mg=mpe_mg(Steroid(steroid), dose) if steroid and dose else None,
        primary=found.primary,
        baseline_nrs_back=found.baseline.nrs_back,
        baseline_nrs_leg=found.baseline.nrs_leg,
        baseline_odi=found.baseline.odi,
        baseline_primary=found.baseline.primary(found.primary),
        baseline_source=found.baseline_source,
        measured=found.baseline.primary(found.primary) is not None
        and any(t.completed for t in result.timepoints),
        responder=result.responder,
        onset_days=result.onset.days if result.onset else None,
        ended_days=result.ended.days if result.ended else None,
        duration_days=result.duration_days,
        censored=result.censored,
        complication_codes=";".join(sorted(codes))[:300],
        refreshed_at=at,
    )


def _whole(value: Any) -> int | None:
    return None if value is None else round(value)


def _time_points(found: BulkRelief, outcome: dict[str, Any]) -> list[dict[str, Any]]:
    """The procedure's time points, each with the procedure's filter columns (``outcome``'s)."""
    measured = {t.label: t for t in found.result.timepoints}
    carried = {name: outcome[name] for name in PROCEDURE_COLUMNS}
    has_baseline = found.baseline.primary(found.primary) is not None
    zone = timezone.get_current_timezone()
    rows = []
    for point in found.follow_ups:
        relief = measured.get(point.label)
        if relief is None:  # pragma: no cover - relief() returns every point it was given
            continue
        scores = point.scores if point.completed_at is not None else {}
        rows.append(
            dict(
                outcome_id=found.procedure_id,
                label=point.label,
                days=relief.days,
                due_on=point.due_on,
                completed_on=(
                    point.completed_at.astimezone(zone).date() if point.completed_at else None
                ),
                late=point.late,
                nrs_back=_whole(scores.get("nrs_back")),
                nrs_leg=_whole(scores.get("nrs_leg")),
                odi=scores.get("odi"),
                pgic=_whole(scores.get("pgic")),
                completed=relief.completed,
                measurable=relief.completed and has_baseline,
                change_points=relief.change_points,
                change_percent=relief.change_percent,
                meaningful=relief.meaningful,
                substantial=relief.substantial,
                odi_change_points=relief.odi_change_points,
                odi_meaningful=relief.odi_meaningful,
                pgic_meaningful=relief.pgic_meaningful,
                **carried,
            )
        )
    return rows


def _repeats(episodes: set[Any]) -> dict[int, bool]:
    """``{procedure: True}`` when an earlier standing procedure exists in the same episode."""
    by_episode: dict[Any, list[tuple[datetime, int]]] = {}
    for pk, episode_id, performed_at in (
        ProcedureRecord.objects.counted()
        .filter(episode_id__in=episodes)
        .values_list("pk", "episode_id", "performed_at")
    ):
        by_episode.setdefault(episode_id, []).append((performed_at, pk))
    repeat: dict[int, bool] = {}
    for done in by_episode.values():
        done.sort()
        for position, (_, pk) in enumerate(done):
            repeat[pk] = position > 0
    return repeat


def _startback(episodes: set[Any]) -> dict[Any, list[tuple[datetime, str]]]:
    found: dict[Any, list[tuple[datetime, str]]] = {}
    for episode_id, band, completed_at, created_at in QuestionnaireResponse.objects.filter(
        episode_id__in=episodes,
        instrument="startback",
        context=QuestionnaireResponse.Context.BASELINE,
        status=QuestionnaireResponse.Status.COMPLETED,
    ).values_list("episode_id", "band", "completed_at", "created_at"):
        found.setdefault(episode_id, []).append((completed_at or created_at, band or ""))
    return found


def _latest_before(answers: list[tuple[datetime, str]], row: dict[str, Any]) -> str:
    """The latest STarT Back risk answered before the procedure ('' when never asked)."""
    before = [a for a in answers if a[0] <= row["performed_at"]]
    return max(before)[1] if before else ""


def _decisions(assessments: set[Any]) -> dict[Any, tuple[str, bool]]:
    """``{assessment: (latest outcome, any override)}``: the advice the patient received."""
    found: dict[Any, tuple[str, bool]] = {}
    for assessment_id, outcome, proceed_at in (
        Decision.objects.filter(assessment_id__in=assessments)
        .order_by("assessment_id", "evaluated_at", "id")
        .values_list("assessment_id", "outcome", "proceed_at")
    ):
        _, overridden = found.get(assessment_id, ("", False))
        found[assessment_id] = (outcome, overridden or proceed_at is not None)
    return found


# --- Hooks: the workflows keep the facts current --------------------------------------------

_held: ContextVar[set[int] | None] = ContextVar("outcome_facts_held", default=None)


@contextmanager
def rebuilt_once(*, at: datetime) -> Iterator[None]:
    """Hold the hooks' rebuilds and make them in one set-based pass when the block ends.

    For a caller that replays many workflows in one transaction (the demo replays thousands
    of procedures and answers): one chunked rebuild costs a fraction of one per hook call, and
    the facts are still current when the block commits. Nothing is rebuilt if the block fails.
    """
    held: set[int] = set()
    token = _held.set(held)
    try:
        yield
    finally:
        _held.reset(token)
    rebuild_outcomes(held, at=at)


def _rebuild(ids: Iterable[int], *, at: datetime) -> None:
    held = _held.get()
    if held is None:
        rebuild_outcomes(ids, at=at)
    else:
        held.update(ids)


def on_procedure_recorded(record: ProcedureRecord) -> None:
    _rebuild([record.pk], at=record.created_at)


def on_procedure_changed(record: ProcedureRecord, at: datetime) -> None:
    """Entered in error (its rows go, and a later injection may no longer be a repeat) or
    amended (its complication codes change): the episode's procedures are recomputed."""
    _rebuild(
        ProcedureRecord.objects.filter(episode_id=record.episode_id).values_list("pk", flat=True),
        at=at,
    )


def on_time_point_submitted(point: TimePoint, at: datetime) -> None:
    """Leave the answer for the worker to count: a ``PendingAnswer`` row and, unless one is
    waiting, the task, in the submission's transaction (both roll back with it). Inside
    ``rebuilt_once`` the procedure is held for the block's one rebuild instead."""
    if point.procedure_id is None:
        return
    held = _held.get()
    if held is not None:
        held.add(point.procedure_id)
        return
    from spinepath.analytics.tasks import enqueue_rebuild

    # The row first, then the look for a waiting task: the order ``_wait_for_submissions``
    # relies on.
    PendingAnswer.objects.create(
        procedure_id=point.procedure_id,
        clinic_id=point.episode.patient.clinic_id,
        answered_at=at,
    )
    enqueue_rebuild()


# --- The worker counts the waiting answers ------------------------------------------------------

PENDING_CHUNK = 200
"""Procedures per transaction of the worker's rebuild: their patients are locked while it runs
(a patient answering then waits), so a chunk is kept to a fraction of a second."""


def rebuild_pending(*, chunk: int = PENDING_CHUNK) -> int:
    """Count every answer waiting in ``PendingAnswer``: rebuild each procedure they name once,
    a chunk of procedures per transaction, and delete the rows counted. Returns the number of
    procedures rebuilt (the task's result).

    Each chunk lists its waiting rows before reading the answers (the answers of every listed
    row have committed, so the rebuild sees them) and deletes exactly those rows: an answer
    committed meanwhile keeps its row, and the task it enqueued (or found waiting) counts it.
    """
    _wait_for_submissions()
    procedures = sorted(set(PendingAnswer.objects.values_list("procedure_id", flat=True)))
    for part in _chunks(procedures, chunk):
        with transaction.atomic():
            _hold_patients(part)
            listed = list(
                PendingAnswer.objects.filter(procedure_id__in=part).values_list("pk", flat=True)
            )
            rebuild_outcomes(part)
            _forget_pending(listed)
    return len(procedures)


def _wait_for_submissions() -> None:
    """Let every submission that has added a ``PendingAnswer`` row commit (or roll back) before
    the rows are listed.

    A submission adds its row, then looks for a waiting task and enqueues none when it finds
    one. The worker claims that task before running it, so if the submission saw it waiting,
    the submission's row was added before the claim: waiting here for every transaction
    holding the table's insert lock makes that row visible to the listing. On PostgreSQL
    ``LOCK TABLE … IN SHARE MODE`` does that wait and is released at once (new submissions
    queue behind it for that moment only); on SQLite a write transaction holds the whole
    database (``BEGIN IMMEDIATE``), so the claim could not have happened between the
    submission's look and its commit, and there is nothing to wait for.
    """
    if connection.vendor != "postgresql":
        return
    table = connection.ops.quote_name(PendingAnswer._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        # The table name from the model, quoted (bandit B608).
        cursor.execute(f"LOCK TABLE {table} IN SHARE MODE")  # nosec B608


def _hold_patients(procedure_ids: Sequence[int]) -> None:
    """Lock the patients of ``procedure_ids`` until the transaction ends, in one statement and
    in key order (two workers never wait on each other in a circle); the workflows rebuild
    under the same locks. SQLite has no row locks: its write lock serialises the writers."""
    if not connection.features.has_select_for_update:
        return
    patients = ProcedureRecord.objects.filter(pk__in=list(procedure_ids)).values(
        "episode__patient_id"
    )
    list(
        Patient.objects.filter(pk__in=patients)
        .order_by("pk")
        .select_for_update()
        .values_list("pk", flat=True)
    )


def _forget_pending(ids: Sequence[int]) -> None:
    for part in _chunks(ids, 500):
        _delete(PendingAnswer.objects.filter(pk__in=list(part)))


@dataclass(frozen=True)
class Pending:
    """Answers given but not yet counted in the facts (``pending``)."""

    answers: int
    since: datetime
    """When the oldest of them was given."""


def pending(clinic_ids: Iterable[int] | None = None) -> Pending | None:
    """The answers of ``clinic_ids``' patients (None: every clinic) still waiting for the worker,
    or None when the facts count every answer: what a page showing figures tells its reader."""
    rows = PendingAnswer.objects.all()
    if clinic_ids is not None:
        rows = rows.filter(clinic_id__in=sorted(clinic_ids))
    found = rows.aggregate(n=Count("pk"), since=Min("answered_at"))
    return Pending(found["n"], found["since"]) if found["n"] else None


def stale_procedures() -> list[int]:
    """Standing procedures without facts, facts of procedures entered in error, and procedures
    with answers waiting that no task will count (a check).

    Answers waiting while a task is queued or running are not stale: the facts lag by design
    until the worker has counted them. Waiting with no task (it failed) is an error.
    """
    from spinepath.analytics.tasks import rebuild_queued

    missing = ProcedureRecord.objects.counted().filter(outcome__isnull=True)
    wrong = ProcedureOutcome.objects.filter(Q(record__entered_in_error=True))
    found = {*missing.values_list("pk", flat=True), *wrong.values_list("record_id", flat=True)}
    waiting = set(PendingAnswer.objects.values_list("procedure_id", flat=True))
    if waiting and not rebuild_queued():
        found |= waiting
    return sorted(found)
