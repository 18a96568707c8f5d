"""The referral-to-treatment (RTT) clock: how long a patient has waited, and when they breach.

The clock starts on the referral date and runs one day at a time. A day counts when the clock is
running at the start of it: the referral day counts, a paused day does not, and nothing counts
from the day the clock stops. So ``waited_days(on)`` is the number of running days in
``[referral, on)``, and the days are the same on every machine and in every time zone.

* A **pause** is patient-initiated (the patient asked to wait, is on holiday, chose to delay) and
  always has a reason; its days ``[start, end)`` do not count. A pause with no end is still going.
* A **stop** ends the clock: first definitive treatment (the injection) or discharge without it.

The standard (NHS: 18 weeks, 126 days, by default; configurable) is **breached** on the first day
on which the waited days reach it: with no pauses, the referral date plus 126 days. A clock that
stopped before that day met the standard. While the clock is paused the breach date is unknown
(``None``): it moves on by every paused day.

Worked examples (referral on 2026-01-05, standard 126 days):

* no pauses: breach on 2026-05-11 (2026-01-05 + 126 days); on 2026-05-10 the patient has waited
  125 days and is not yet in breach;
* a pause 2026-02-02 to 2026-02-16 (14 days, "on holiday"): breach 14 days later, 2026-05-25;
* treated on 2026-04-01: stopped after 86 days, the standard met; no breach date;
* paused from 2026-03-02 with no end yet: breach date unknown, 56 days waited so far.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

DEFAULT_STANDARD_DAYS = 18 * 7
"""The NHS referral-to-treatment standard: treatment within 18 weeks of referral."""


class StopKind(StrEnum):
    TREATMENT = "treatment"
    DISCHARGE = "discharge"


@dataclass(frozen=True)
class Pause:
    """A patient-initiated pause: days ``start`` up to (not including) ``end`` do not count."""

    start: dt.date
    reason: str
    end: dt.date | None = None

    def days_before(self, on: dt.date) -> int:
        """Paused days in ``[start, min(end, on))``."""
        last = on if self.end is None else min(self.end, on)
        return max(0, (last - self.start).days)


@dataclass(frozen=True)
class Stop:
    on: dt.date
    kind: StopKind


@dataclass(frozen=True)
class RttClock:
    referral: dt.date
    pauses: Sequence[Pause] = field(default_factory=tuple)
    stop: Stop | None = None
    standard_days: int = DEFAULT_STANDARD_DAYS

    def __post_init__(self) -> None:
        problem = clock_problem(self.referral, self.pauses, self.stop, self.standard_days)
        if problem:
            raise ValueError(problem)
        object.__setattr__(self, "pauses", tuple(sorted(self.pauses, key=lambda p: p.start)))


def clock_problem(
    referral: dt.date, pauses: Iterable[Pause], stop: Stop | None, standard_days: int
) -> str:
    """Why these records cannot make one clock, in words; ``""`` when they can."""
    if standard_days < 1:
        return "The waiting-time standard must be at least one day."
    if stop is not None and stop.on < referral:
        return "The clock cannot stop before the referral date."
    ordered = sorted(pauses, key=lambda p: p.start)
    previous_end: dt.date | None = referral
    for index, pause in enumerate(ordered):
        if not pause.reason.strip():
            return "A pause needs a reason."
        if pause.start < referral:
            return "A pause cannot start before the referral date."
        if pause.end is not None and pause.end <= pause.start:
            return "A pause must end after it starts."
        if previous_end is None or pause.start < previous_end:
            return "Pauses cannot overlap."
        if pause.end is None and index != len(ordered) - 1:
            return "Only the latest pause can still be open."
        if stop is not None and pause.start >= stop.on:
            return "A pause cannot start after the clock stopped."
        previous_end = pause.end
    return ""


@dataclass(frozen=True)
class RttStatus:
    waited_days: int
    paused_days: int
    paused: bool
    stopped: Stop | None
    breach_date: dt.date | None
    breached: bool

    @property
    def waited_weeks(self) -> int:
        """Completed weeks, as RTT waits are reported."""
        return self.waited_days // 7


def waited_days(clock: RttClock, on: dt.date) -> int:
    """Running days in ``[referral, on)``, up to the stop."""
    end = on if clock.stop is None else min(on, clock.stop.on)
    if end <= clock.referral:
        return 0
    paused = sum(p.days_before(end) for p in clock.pauses)
    return (end - clock.referral).days - paused


def breach_date(clock: RttClock) -> dt.date | None:
    """The first day on which the waited days reach the standard, ignoring any stop.

    ``None`` when an open pause begins before that day (the date moves on while it lasts).
    """
    remaining = clock.standard_days
    cursor = clock.referral
    for pause in clock.pauses:
        running = (pause.start - cursor).days
        if remaining <= running:
            return cursor + dt.timedelta(days=remaining)
        remaining -= running
        if pause.end is None:
            return None
        cursor = pause.end
    return cursor + dt.timedelta(days=remaining)


def breached_if_referred_by(on: dt.date, standard_days: int = DEFAULT_STANDARD_DAYS) -> dt.date:
    """The last referral day whose clock, never paused or stopped, has reached the standard by
    ``on`` (``breach_date`` of such a clock is ``referral + standard``). Lets a database count the
    breaches by referral date alone, as the dashboard does; the waiting list deducts pauses."""
    return on - dt.timedelta(days=standard_days)


def rtt_status(clock: RttClock, on: dt.date) -> RttStatus:
    """Where the clock stands at the start of day ``on``."""
    breach = breach_date(clock)
    stop = clock.stop if clock.stop is not None and clock.stop.on <= on else None
    if stop is not None and breach is not None and breach >= stop.on:
        breach = None  # stopped in time: the standard was met
    waited = waited_days(clock, on)
    end = on if stop is None else stop.on
    paused_days = sum(p.days_before(end) for p in clock.pauses) if end > clock.referral else 0
    paused = stop is None and any(
        p.start <= on and (p.end is None or on < p.end) for p in clock.pauses
    )
    return RttStatus(
        waited_days=waited,
        paused_days=paused_days,
        paused=paused,
        stopped=stop,
        breach_date=breach,
        breached=breach is not None and breach <= on,
    )
