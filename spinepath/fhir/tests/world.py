"""One fully populated episode, made through the workflows, for the FHIR tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from spinepath.aftercare.programmes import programme_create
from spinepath.followup.models import TimePoint
from spinepath.followup.responses import time_point_submit
from spinepath.testing import ready_for_procedure, record_procedure


def populated_episode(episode: Any, clinician: Any, physio: Any) -> Any:
    """Assessed, consented, injected (with a complication), answered at 2 weeks, with a programme.

    Returns the procedure record."""
    ready_for_procedure(episode, clinician)
    record = record_procedure(
        episode,
        clinician,
        complications=["vasovagal"],
        complication_notes="Felt faint; settled lying flat.",
    )
    point = TimePoint.objects.get(procedure=record, label="2w")
    at = timezone.make_aware(dt.datetime.combine(point.due_on, dt.time(12)))
    answers = {code: {"score": 3} for code in point.instruments if code.startswith("nrs")}
    if "pgic" in point.instruments:
        answers["pgic"] = {"score": 2}
    time_point_submit(None, point, answers=answers, source="patient", by=None, at=at)
    programme_create(
        None,
        episode=episode,
        by=physio,
        injection_date=timezone.localdate(record.performed_at),
        start_back_risk="medium",
        at=timezone.now(),
    )
    return record
