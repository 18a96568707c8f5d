"""Follow-up test helpers: a recorded procedure with its schedule, and answers at a chosen time."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.utils import timezone

from spinepath.followup.models import TimePoint
from spinepath.followup.responses import time_point_submit
from spinepath.testing import (
    ready_for_procedure,
    record_procedure,
)


def treated(
    episode: Any, clinician: Any, *, assess: dict[str, Any] | None = None, **fields: Any
) -> Any:
    """A transforaminal epidural recorded now (baseline NRS back 3, leg 8 at the assessment)."""
    ready_for_procedure(episode, clinician, **(assess or {}))
    return record_procedure(episode, clinician, **fields)


def point(record: Any, label: str) -> TimePoint:
    return TimePoint.objects.get(procedure=record, label=label)


def on_day(point: TimePoint, days_late: int = 0) -> datetime:
    """Midday on the time point's due date (plus ``days_late``), in the clinic's time zone."""
    when = datetime.combine(point.due_on + timedelta(days=days_late), time(12))
    return timezone.make_aware(when)


def answer(
    record: Any,
    label: str,
    by: Any = None,
    days_late: int = 0,
    at: datetime | None = None,
    **scores: int,
) -> TimePoint:
    """Submit ``scores`` (``nrs_leg=3, pgic=2``; ODI as ``odi=<0..5 for every section>``) on the
    due date (plus ``days_late``), or ``at``."""
    tp = point(record, label)
    answers: dict[str, dict[str, int]] = {}
    for code, value in scores.items():
        if code == "odi":
            answers[code] = {f"s{n}": value for n in range(1, 11)}
        else:
            answers[code] = {"score": value}
    return time_point_submit(
        None,
        tp,
        answers=answers,
        source="staff" if by else "patient",
        by=by,
        at=at or on_day(tp, days_late),
    )


def backdate(record: Any, days: int) -> Any:
    """Move a freshly recorded procedure, its baseline answers and its time points ``days``
    into the past, as if it had been recorded then (test set-up only)."""
    from spinepath.procedures.models import ProcedureRecord
    from spinepath.questionnaires.models import QuestionnaireResponse

    shift = timedelta(days=days)
    ProcedureRecord.objects.filter(pk=record.pk).update(
        performed_at=record.performed_at - shift, created_at=record.created_at - shift
    )
    for response in QuestionnaireResponse.objects.filter(episode=record.episode):
        response.created_at -= shift
        if response.completed_at:
            response.completed_at -= shift
        response.save(update_fields=["created_at", "completed_at"])
    for tp in TimePoint.objects.filter(procedure=record):
        tp.due_on -= shift
        if tp.due_at:
            tp.due_at -= shift
        tp.save(update_fields=["due_on", "due_at"])
    record.refresh_from_db()
    return record
