"""Where each time point stands today, for the worklist, the episode page and the API.

One reading, so the worklist's groups, the API's ``status`` and the completion rates agree:
upcoming → due (until the last reminder, due + 7 days) → overdue (until the link expires, due +
21 days) → never responded; or completed, cancelled, or locked (five wrong dates of birth).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from django.db.models import QuerySet

from spinepath.clinical.followup_schedule import FollowUpConfig, default_config, label_sort_key
from spinepath.followup.models import Label, TimePoint


class Status(StrEnum):
    UPCOMING = "upcoming"
    DUE = "due"
    OVERDUE = "overdue"
    NEVER_RESPONDED = "never_responded"
    LOCKED = "locked"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


STATUS_WORDS = {
    Status.UPCOMING: "Not yet due",
    Status.DUE: "Due",
    Status.OVERDUE: "Overdue",
    Status.NEVER_RESPONDED: "Never responded",
    Status.LOCKED: "Link locked",
    Status.COMPLETED: "Completed",
    Status.CANCELLED: "Cancelled",
}


def is_locked(point: TimePoint) -> bool:
    """The patient's current link is locked (uses prefetched ``links`` when present)."""
    return any(link.locked_at and not link.revoked_at for link in point.links.all())


def status_of(point: TimePoint, today: date, config: FollowUpConfig | None = None) -> Status:
    config = config or default_config()
    if point.cancelled_at is not None:
        return Status.CANCELLED
    if point.completed_at is not None:
        return Status.COMPLETED
    if is_locked(point):
        return Status.LOCKED
    if today < point.due_on:
        return Status.UPCOMING
    if today <= point.due_on + timedelta(days=config.timing.on_time_days):
        return Status.DUE
    if today <= point.due_on + timedelta(days=config.timing.link_expiry_days):
        return Status.OVERDUE
    return Status.NEVER_RESPONDED


@dataclass(frozen=True)
class Completion:
    label: str
    due: int
    completed: int

    @property
    def rate(self) -> float | None:
        return self.completed / self.due if self.due else None

    @property
    def label_words(self) -> str:
        return Label(self.label).label


def completion_rates(points: QuerySet[TimePoint], today: date) -> list[Completion]:
    """Per label: time points due on or before today (not cancelled) and how many completed."""
    due: Counter[str] = Counter()
    completed: Counter[str] = Counter()
    rows: Iterable[tuple[str, bool]] = (
        (label, done is not None)
        for label, done in points.active()
        .filter(due_on__lte=today)
        .values_list("label", "completed_at")
    )
    for label, done in rows:
        due[label] += 1
        completed[label] += done
    return [
        Completion(label=label, due=due[label], completed=completed[label])
        for label in sorted(due, key=label_sort_key)
    ]
