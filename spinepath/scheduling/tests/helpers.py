"""Sessions and consented episodes for the scheduling tests."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

from django.utils import timezone

from spinepath.scheduling.booking import session_create
from spinepath.scheduling.models import Session
from spinepath.testing import assess, make_episode, make_patient, take_consent


def in_days(days: int) -> date:
    return timezone.localdate() + timedelta(days=days)


def make_session(by: Any, *, days: int = 14, **fields: Any) -> Session:
    values: dict[str, Any] = {
        "date": in_days(days),
        "start_time": time(9, 0),
        "room": "Radiology 2",
        "modality": "fluoroscopy",
        "capacity": 4,
    }
    values.update(fields)
    return session_create(None, session=Session(**values), by=by)


def consented(episode: Any, clinician: Any, **assess_fields: Any) -> Any:
    """Assessed (suitable unless ``assess_fields`` say) and consented: ready to book."""
    return take_consent(assess(episode, clinician, **assess_fields), clinician)


def another_episode(clinic: Any, n: int, **fields: Any) -> Any:
    patient = make_patient(
        clinic, given_name=f"Pat{n}", nhs_number="", mrn=f"MRN{n:04d}", email=f"p{n}@example.com"
    )
    return make_episode(patient, **fields)
