"""Saving a patient's follow-up answers as they go, and submitting them once.

Each screen's answers are stored when the patient moves on (``save_screen``), so a closed tab
loses nothing; ``submit`` scores them and completes the time point. Both run under the patient's
lock (``patients/locks.py``) and re-read the time point inside it: once it is completed nothing
more is written, so a second submit, a double click or two tabs at once store one response.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from spinepath.accounts import audit
from spinepath.accounts.models import AuditEvent
from spinepath.clinical import instruments
from spinepath.clinical.instruments import Instrument, NotScorable
from spinepath.followup import links
from spinepath.followup.models import FollowUpAnswer, FollowUpLink, TimePoint
from spinepath.lib.dates import day
from spinepath.patients.locks import lock_patient
from spinepath.patients.models import TimelineEvent

ODI_MAY_SKIP = 2
"""The ODI scores with up to two sections unanswered (instruments.md: at least 8 of 10)."""


class AlreadySubmitted(Exception):
    """The questionnaire was submitted before: nothing was written."""


class Incomplete(Exception):
    """Something still needs an answer; ``step`` is the screen to go back to (0-based)."""

    def __init__(self, step: int, message: str) -> None:
        super().__init__(message)
        self.step = step


def saved_answers(time_point: TimePoint) -> dict[str, dict[str, Any]]:
    """``{instrument: {item: value}}`` of everything answered so far."""
    answers: dict[str, dict[str, Any]] = {}
    for row in time_point.answers.all():
        answers.setdefault(row.instrument, {})[row.item] = row.value
    return answers


def missing_items(instrument: Instrument, answered: Mapping[str, Any]) -> list[str]:
    """Items of ``instrument`` that still need an answer before it can be scored."""
    unanswered = [item.id for item in instrument.items if answered.get(item.id) is None]
    if instrument.code == "odi" and len(unanswered) <= ODI_MAY_SKIP:
        return []
    return unanswered


@dataclass(frozen=True)
class Saved:
    changed: bool


def save_screen(
    link: FollowUpLink,
    instrument: str,
    values: Mapping[str, int | None],
    *,
    at: datetime | None = None,
) -> Saved:
    """Store one screen's answers (``{item: value or None}``); refuses once submitted."""
    at = at or timezone.now()
    with transaction.atomic():
        lock_patient(link.time_point.episode.patient_id)
        time_point = TimePoint.objects.get(pk=link.time_point_id)
        if time_point.completed_at is not None:
            raise AlreadySubmitted
        if instrument not in time_point.instruments:
            raise ValueError(f"{instrument} is not asked at this time point")
        existing = {row.item: row for row in time_point.answers.filter(instrument=instrument)}
        changed = []
        for item, value in values.items():
            row = existing.get(item)
            if value is None:
                if row is not None:
                    row.delete()
                    changed.append(item)
            elif row is None:
                FollowUpAnswer.objects.create(
                    time_point=time_point,
                    instrument=instrument,
                    item=item,
                    value=value,
                    source=FollowUpAnswer.Source.PATIENT,
                    answered_at=at,
                )
                changed.append(item)
            elif row.value != value:
                row.value = value
                row.answered_at = at
                row.save(update_fields=["value", "answered_at"])
                changed.append(item)
        if changed:
            audit.record(
                None,
                AuditEvent.Action.UPDATE,
                time_point,
                changed_fields=[f"{instrument}.{item}" for item in changed],
                channel=AuditEvent.Channel.PATIENT,
                at=at,
            )
    return Saved(changed=bool(changed))


def submit(
    link: FollowUpLink,
    definitions: Mapping[str, Instrument],
    *,
    at: datetime | None = None,
) -> TimePoint:
    """Score and complete the time point; ``AlreadySubmitted`` stores nothing new."""
    at = at or timezone.now()
    with transaction.atomic():
        lock_patient(link.time_point.episode.patient_id)
        time_point = TimePoint.objects.select_related("episode").get(pk=link.time_point_id)
        if time_point.completed_at is not None:
            raise AlreadySubmitted
        answers = saved_answers(time_point)
        scores: dict[str, float | None] = {}
        for step, code in enumerate(time_point.instruments):
            given = answers.get(code, {})
            if missing_items(definitions[code], given):
                raise Incomplete(step, f"Answer the questions about {_what(definitions[code])}.")
            try:
                scores[code] = instruments.score(code, given).score
            except NotScorable as error:
                raise Incomplete(step, str(error)) from error
        time_point.completed_at = at
        time_point.late = links.is_late(time_point, at)
        time_point.scores = scores
        time_point.staff_entered = False
        time_point.save(update_fields=["completed_at", "late", "scores", "staff_entered"])
        FollowUpLink.objects.filter(pk=link.pk).update(submitted_at=at)
        late = " (late)" if time_point.late else ""
        time_point.episode.log(
            TimelineEvent.Kind.QUESTIONNAIRE,
            f"Follow-up questionnaire ({time_point.get_label_display()}, due "
            f"{day(time_point.due_on)}) answered by the patient{late}",
            detail={"time_point": time_point.pk, "scores": scores, "late": time_point.late},
            at=at,
        )
        audit.record(
            None,
            AuditEvent.Action.UPDATE,
            time_point,
            changed_fields=["completed_at", "late", "scores"],
            channel=AuditEvent.Channel.PATIENT,
            at=at,
        )
    return time_point


def _what(instrument: Instrument) -> str:
    return {
        "nrs_back": "your back pain",
        "nrs_leg": "your leg pain",
        "nrs": "your pain",
        "pgic": "how things have changed",
    }.get(instrument.code, instrument.name)
