"""Time points to answer in tests: a patient with an episode and one follow-up owed."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone

from spinepath.followup.models import TimePoint
from spinepath.testing import make_episode, make_patient

THERAPEUTIC = ["nrs_leg", "nrs_back", "pgic"]


def make_time_point(
    clinic: Any,
    *,
    due_on: date | None = None,
    label: str = "2w",
    instruments: list[str] | None = None,
    episode: Any = None,
    due_at: datetime | None = None,
    **patient: Any,
) -> TimePoint:
    if episode is None:
        episode = make_episode(make_patient(clinic, **patient))
    return TimePoint.objects.create(
        episode=episode,
        label=label,
        due_on=due_on or timezone.localdate() - timedelta(days=1),
        due_at=due_at,
        instruments=instruments or list(THERAPEUTIC),
    )
