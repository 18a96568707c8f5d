"""What happens after a follow-up time point is answered: an explicit list, not signals.

Layers above follow-up (analytics keeps its outcome facts current) register here in their
``AppConfig.ready()``; this app never imports them. Each hook is called with the saved
``TimePoint`` and the workflow's ``at`` inside the transaction that stored the answers, so a
failing hook rolls the answers back. A hook runs in the patient's request, so it does only what
must commit with the answer: analytics leaves a to-do row and a task for the background worker
there (``analytics.facts.on_time_point_submitted``) and the worker rebuilds the facts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spinepath.followup.models import TimePoint

ON_TIME_POINT_SUBMITTED: list[Callable[[TimePoint, datetime], None]] = []
"""Called after a time point's answers are stored and scored (``time_point_submit``)."""


def time_point_submitted(point: TimePoint, at: datetime) -> None:
    for hook in list(ON_TIME_POINT_SUBMITTED):
        hook(point, at)
