"""Keeping the outcome facts (``models.py``) equal to what the source tables say.

``rebuild_outcomes`` is the one writer: the workflows' hooks call it for one procedure inside
their transaction (recorded, entered in error, amended, a time point answered), and
``refresh_outcomes`` / ``generate_registry`` call it for everything. It works in chunks: a few
set-based reads per chunk (``followup.outcomes.reliefs_in_bulk`` reads the follow-up and measures
relief through the clinical core, never restating it), then one bulk delete and two bulk inserts,
so its cost grows with the number of rows, not the number of queries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import DateField, DateTimeField, Model, Q, QuerySet, UUIDField
from django.utils import timezone

from spinepath.analytics.models import ProcedureOutcome, TimePointOutcome
from spinepath.analytics.summary import note_facts_changed
from spinepath.assessment.models import Decision
from spinepath.clinical.steroids import mpe_mg
from spinepath.clinical.vocab import Steroid
from spinepath.followup.models import TimePoint
from spinepath.followup.outcomes import BulkRelief, reliefs_in_bulk
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
            _delete(TimePointOutcome.objects.all())
            _delete(ProcedureOutcome.objects.all())
        for part in _chunks(ids, chunk):
            written += _rebuild_chunk(part, at=at, clear=not everything)
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
        points.extend(_time_points(found))
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


def _time_points(found: BulkRelief) -> list[dict[str, Any]]:
    measured = {t.label: t for t in found.result.timepoints}
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


# --- Hooks: the workflows keep the facts current in their own transaction ----------------------

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
    if point.procedure_id is not None:
        _rebuild([point.procedure_id], at=at)


def stale_procedures() -> list[int]:
    """Standing procedures without facts, and facts of procedures entered in error (a check)."""
    missing = ProcedureRecord.objects.counted().filter(outcome__isnull=True)
    wrong = ProcedureOutcome.objects.filter(Q(record__entered_in_error=True))
    return sorted(
        [*missing.values_list("pk", flat=True), *wrong.values_list("record_id", flat=True)]
    )
