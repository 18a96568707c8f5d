"""Answering a follow-up time point: one path for the patient's link, staff by phone, the API.

``answer_save`` stores one item as the patient goes (an answer may be changed until submitted);
``time_point_submit`` completes the time point: scores every instrument answered through the
clinical core, marks it late when answered after the on-time window, and is refused once it is
completed, so a second submit (or two at once) stores nothing new. Both run under the patient's
lock; the unique answer row per item is the last line of defence.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from spinepath.accounts import access, audit
from spinepath.accounts.access import Task
from spinepath.accounts.models import AuditEvent, User
from spinepath.clinical import instruments
from spinepath.clinical.followup_schedule import is_late
from spinepath.clinical.instruments import INSTRUMENTS
from spinepath.followup import hooks
from spinepath.followup.models import FollowUpAnswer, Label, TimePoint
from spinepath.followup.scheduling import clinic_config
from spinepath.lib.prepared import Prepared
from spinepath.patients.locks import hold_patient
from spinepath.patients.models import TimelineEvent

Source = FollowUpAnswer.Source


class FollowUpRefused(Exception):
    """The time point cannot take answers (cancelled, not yet due, or the role may not)."""


class AlreadySubmitted(FollowUpRefused):
    """The questionnaire was already submitted; nothing new was stored."""


# Compiled once (lib/prepared.py): the time point with what the checks and the timeline read.
_POINT = Prepared(
    lambda pk: TimePoint.objects.select_related("episode__patient__clinic", "procedure").filter(
        pk=pk
    ),
    pk=(TimePoint._meta.pk, 1, 2),  # type: ignore[arg-type]
)


_ANSWERS = Prepared(
    lambda point: FollowUpAnswer.objects.filter(time_point=point),
    point=(TimePoint._meta.pk, 1, 2),  # type: ignore[arg-type]
)


def _saved_answers(point: TimePoint) -> list[FollowUpAnswer]:
    """``point.answers.all()`` (compiled once unless prefetched), each holding ``point``."""
    if "answers" in getattr(point, "_prefetched_objects_cache", {}):
        return list(point.answers.all())
    answers: list[FollowUpAnswer] = _ANSWERS(point=point.pk)
    for answer in answers:
        answer.time_point = point
    return answers


def time_point(pk: int) -> TimePoint:
    """The time point with the episode, patient, clinic and procedure a submission reads, in
    one query compiled once (the patient's submit reads it before ``time_point_submit``)."""
    found: TimePoint = _POINT.get(pk=pk)
    return found


def _refresh(point: TimePoint) -> None:
    """Re-read ``point`` under the lock, with the episode, patient, clinic and procedure the
    checks and the timeline read (one query, not one each)."""
    _POINT.refresh(point, pk=point.pk)


def _check_open(point: TimePoint, at: datetime) -> None:
    if point.cancelled_at is not None:
        raise FollowUpRefused("This follow-up was cancelled with its procedure.")
    if point.completed_at is not None:
        raise AlreadySubmitted("This questionnaire was already submitted; nothing was changed.")
    if point.procedure_id is not None and point.procedure.performed_at > at:
        raise FollowUpRefused("This follow-up is for a procedure that has not happened yet.")


def _check_staff(by: User | None, source: str) -> None:
    if source == Source.STAFF and (by is None or not access.may(by, Task.FOLLOW_UP)):
        raise FollowUpRefused("Your role does not enter follow-up answers.")


def _item_problem(point: TimePoint, instrument: str, item: str, value: Any) -> str:
    if instrument not in point.instruments:
        return f"This questionnaire does not ask {instrument}."
    definition = INSTRUMENTS[instrument]
    if item not in definition.item_ids:
        return f"{definition.name} has no question {item!r}."
    allowed = definition.item(item).values
    if isinstance(value, bool) or not isinstance(value, int | float) or value not in allowed:
        return f"Choose one of {min(allowed)} to {max(allowed)}."
    return ""


def answer_save(
    point: TimePoint,
    *,
    instrument: str,
    item: str,
    value: Any,
    source: str = Source.PATIENT,
    by: User | None = None,
    at: datetime | None = None,
) -> FollowUpAnswer:
    """Save (or change) one answer before the questionnaire is submitted.

    Raises ``ValidationError`` naming ``<instrument>.<item>`` for an answer the questionnaire
    does not ask or cannot hold, ``FollowUpRefused`` when the time point takes no answers.
    """
    at = at or timezone.now()
    _check_staff(by, source)
    with transaction.atomic():
        hold_patient(point.episode.patient_id)
        _refresh(point)
        _check_open(point, at)
        if problem := _item_problem(point, instrument, item, value):
            raise ValidationError({f"{instrument}.{item}": problem})
        answer, _ = FollowUpAnswer.objects.update_or_create(
            time_point=point,
            instrument=instrument,
            item=item,
            defaults={
                "value": int(value),
                "source": source,
                "entered_by": by if source == Source.STAFF else None,
                "answered_at": at,
            },
        )
    return answer


def _store_answers(
    point: TimePoint,
    answers: Mapping[str, Mapping[str, Any]],
    *,
    source: str,
    by: User | None,
    at: datetime,
) -> dict[str, dict[str, Any]]:
    """Store ``answers`` over those saved so far (one read, one insert, one update, however many
    items) and return every answer the time point now holds, ``{instrument: {item: value}}``."""
    stored = {(a.instrument, a.item): a for a in _saved_answers(point)}
    entered_by = by if source == Source.STAFF else None
    new: list[FollowUpAnswer] = []
    changed: list[FollowUpAnswer] = []
    for instrument, items in answers.items():
        for item, value in items.items():
            if value is None:
                continue
            answer = stored.get((instrument, item))
            if answer is None:
                answer = FollowUpAnswer(time_point=point, instrument=instrument, item=item)
                new.append(answer)
                stored[(instrument, item)] = answer
            else:
                changed.append(answer)
            answer.value = int(value)
            answer.source = source
            answer.entered_by = entered_by
            answer.answered_at = at
    FollowUpAnswer.objects.bulk_create(new)
    FollowUpAnswer.objects.bulk_update(changed, ["value", "source", "entered_by", "answered_at"])
    saved: dict[str, dict[str, Any]] = {}
    for (instrument, item), answer in sorted(stored.items()):
        saved.setdefault(instrument, {})[item] = answer.value
    return saved


def answers_of(point: TimePoint) -> dict[str, dict[str, Any]]:
    """``{instrument: {item: value}}`` as saved so far."""
    found: dict[str, dict[str, Any]] = {}
    for answer in _saved_answers(point):
        found.setdefault(answer.instrument, {})[answer.item] = answer.value
    return found


def time_point_submit(
    request: HttpRequest | None,
    point: TimePoint,
    *,
    answers: Mapping[str, Mapping[str, Any]] | None = None,
    source: str = Source.PATIENT,
    by: User | None = None,
    at: datetime | None = None,
) -> TimePoint:
    """Complete ``point`` with the answers saved so far plus ``answers`` (``{instrument: {item:
    value}}``), scored by the core; staff entries are marked staff-entered.

    Refused with ``AlreadySubmitted`` once completed (nothing stored); ``ValidationError`` names
    each bad answer as ``<instrument>.<item>``; at least one instrument must be scorable.
    """
    at = at or timezone.now()
    _check_staff(by, source)
    try:
        with transaction.atomic():
            hold_patient(point.episode.patient_id)
            _refresh(point)
            _check_open(point, at)
            return _submit(request, point, answers or {}, source=source, by=by, at=at)
    except IntegrityError as error:  # a concurrent submit won the race
        raise AlreadySubmitted(
            "This questionnaire was already submitted; nothing was changed."
        ) from error


def _submit(
    request: HttpRequest | None,
    point: TimePoint,
    answers: Mapping[str, Mapping[str, Any]],
    *,
    source: str,
    by: User | None,
    at: datetime,
) -> TimePoint:
    errors: dict[str, str] = {}
    for instrument, items in answers.items():
        if not isinstance(items, Mapping):
            errors[instrument] = "Give the answers as question → value."
            continue
        for item, value in items.items():
            if value is None:
                continue
            if problem := _item_problem(point, instrument, item, value):
                errors[f"{instrument}.{item}"] = problem
    if errors:
        raise ValidationError(errors)
    saved = _store_answers(point, answers, source=source, by=by, at=at)
    scores: dict[str, float] = {}
    for instrument, items in saved.items():
        try:
            scores[instrument] = instruments.score(instrument, items).score
        except instruments.NotScorable as error:
            errors[f"{instrument}.{error.field}"] = error.reason
    if errors:
        raise ValidationError(errors)
    if not scores:
        raise ValidationError({"__all__": "Answer at least one question before submitting."})

    config = clinic_config(point.episode.patient.clinic.code)
    point.completed_at = at
    point.scores = scores
    point.staff_entered = source == Source.STAFF
    point.entered_by = by if source == Source.STAFF else None
    point.late = point.label != Label.BASELINE and is_late(
        due_on=point.due_on,
        due_at=point.due_at,
        answered_on=timezone.localdate(at),
        answered_at=at,
        config=config,
    )
    point.save(update_fields=["completed_at", "scores", "staff_entered", "entered_by", "late"])
    how = "entered by staff from the patient's answers" if point.staff_entered else "by the patient"
    summary = f"{point.get_label_display()} follow-up answered {how}" + (
        " (late)" if point.late else ""
    )
    summary += ": " + "; ".join(f"{INSTRUMENTS[c].name} {s:g}" for c, s in scores.items())
    point.episode.log(
        TimelineEvent.Kind.FOLLOW_UP,
        summary[:500],
        by=by,
        detail={"time_point": point.pk, "procedure": point.procedure_id},
        at=at,
    )
    audit.record(
        request,
        AuditEvent.Action.UPDATE,
        point,
        changed_fields=["completed_at", "scores", *sorted(saved)],
        user=by,
        channel=AuditEvent.Channel.PATIENT if source == Source.PATIENT else None,
        at=at,
    )
    hooks.time_point_submitted(point, at)
    return point
