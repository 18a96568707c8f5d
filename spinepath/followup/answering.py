"""The patient's side of answering: a screen at a time, then one submit, both through the one
path every door uses (``responses.answer_save`` and ``responses.time_point_submit``).

Each screen's answers are stored when the patient moves on (``save_screen``), so a closed tab
loses nothing. ``submit`` first checks that every questionnaire of the time point is answered
(the pages ask for all of them; staff entry may take part answers by phone), then completes it
and marks the link used, in one transaction. ``responses`` re-reads the time point under the
patient's lock, so a second submit, a double tap or two tabs at once store one response.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from spinepath.accounts import audit
from spinepath.accounts.models import AuditEvent
from spinepath.clinical.instruments import Instrument
from spinepath.followup import responses
from spinepath.followup.models import FollowUpLink, TimePoint
from spinepath.followup.responses import AlreadySubmitted, answers_of
from spinepath.patients.locks import hold_patient

__all__ = ["AlreadySubmitted", "Incomplete", "save_screen", "saved_answers", "submit"]

ODI_MAY_SKIP = 2
"""The ODI scores with up to two sections unanswered (instruments.md: at least 8 of 10)."""

saved_answers = answers_of


class Incomplete(Exception):
    """Something still needs an answer; ``step`` is the screen to go back to (1-based)."""

    def __init__(self, step: int, message: str) -> None:
        super().__init__(message)
        self.step = step


def missing_items(instrument: Instrument, answered: Mapping[str, Any]) -> list[str]:
    """Items of ``instrument`` that still need an answer before it can be sent."""
    unanswered = [item.id for item in instrument.items if answered.get(item.id) is None]
    if instrument.code == "odi" and len(unanswered) <= ODI_MAY_SKIP:
        return []
    return unanswered


def save_screen(
    link: FollowUpLink,
    instrument: str,
    values: Mapping[str, int | None],
    *,
    at: datetime | None = None,
) -> list[str]:
    """Store one screen's answers (``{item: value}``; ``None`` = left unanswered), all or none;
    ``AlreadySubmitted`` once the questionnaire was sent. Returns the items that changed."""
    at = at or timezone.now()
    with transaction.atomic():
        hold_patient(link.time_point.episode.patient_id)
        point = responses.time_point(link.time_point_id)
        before = answers_of(point).get(instrument, {})
        changed = []
        for item, value in values.items():
            if value is None or before.get(item) == value:
                continue
            responses.answer_save(point, instrument=instrument, item=item, value=value, at=at)
            changed.append(item)
        if changed:
            audit.record(
                None,
                AuditEvent.Action.UPDATE,
                point,
                changed_fields=[f"{instrument}.{item}" for item in changed],
                channel=AuditEvent.Channel.PATIENT,
                at=at,
            )
    return changed


def submit(
    link: FollowUpLink,
    definitions: Mapping[str, Instrument],
    *,
    at: datetime | None = None,
) -> TimePoint:
    """Complete the time point from the answers saved; ``AlreadySubmitted`` stores nothing new,
    ``Incomplete`` names the screen still to answer."""
    at = at or timezone.now()
    with transaction.atomic():
        hold_patient(link.time_point.episode.patient_id)
        point = responses.time_point(link.time_point_id)
        if point.completed_at is not None:
            raise AlreadySubmitted("This questionnaire was already submitted; nothing was changed.")
        saved = answers_of(point)
        for step, code in enumerate(point.instruments, start=1):
            if missing_items(definitions[code], saved.get(code, {})):
                raise Incomplete(step, f"Answer the questions about {_what(definitions[code])}.")
        point = responses.time_point_submit(None, point, at=at)
        FollowUpLink.objects.filter(pk=link.pk).update(submitted_at=at)
    return point


def _what(instrument: Instrument) -> str:
    return {
        "nrs_back": "your back pain",
        "nrs_leg": "your leg pain",
        "nrs": "your pain",
        "pgic": "how things have changed",
    }.get(instrument.code, instrument.name.lower().replace("oswestry", "Oswestry"))
