"""Relief after one procedure: followup.md's "Precisely" section, as one pure function.

Every screen, export, API answer and test reads relief from ``relief()`` so they cannot disagree.
The thresholds are the published responder definitions (``instruments.improvement``); the onset,
end and duration of relief are spinepath's own definitions, because registries define none.

The arithmetic compares by cross-multiplying (``points × 100 ≥ 30 × baseline``) rather than
through a rounded percentage, so a change of exactly 30% counts on every platform.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from spinepath.clinical.instruments.improvement import (
    NRS_MEANINGFUL_FRACTION,
    NRS_MEANINGFUL_POINTS,
    NRS_SUBSTANTIAL_FRACTION,
    ODI_MEANINGFUL_FRACTION,
    ODI_MEANINGFUL_POINTS,
    is_meaningful_pgic,
)

PrimaryMeasure = Literal["nrs_back", "nrs_leg"]
PRIMARY_MEASURES: tuple[PrimaryMeasure, ...] = ("nrs_back", "nrs_leg")

DEFINITION = (
    "Meaningful relief is a fall in the main pain score of at least 30% and at least 2 points "
    "from before the injection (substantial: at least 50%). Relief starts at the first follow-up "
    "with meaningful relief and ends at the first later follow-up without it. Its duration is "
    "counted in days from the injection to that follow-up; if relief was still meaningful at "
    "the last follow-up answered, the duration runs to there and may be longer. A follow-up "
    "left unanswered neither ends relief nor extends it. This is spinepath's definition: "
    "registries have no standard one."
)
"""spinepath's definition in plain words, stated wherever relief is shown."""


class ReliefInputError(ValueError):
    """The input cannot be measured; ``field`` names the offending value for a 422."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Scores:
    """Scores at one moment; ``None`` means not answered."""

    nrs_back: int | None = None
    nrs_leg: int | None = None
    odi: float | None = None
    pgic: int | None = None

    def primary(self, measure: PrimaryMeasure) -> int | None:
        return self.nrs_back if measure == "nrs_back" else self.nrs_leg


@dataclass(frozen=True)
class FollowUpScores:
    """One follow-up time point: its label (``2w``…), the date answered and the scores."""

    label: str
    on: date
    scores: Scores


@dataclass(frozen=True)
class Milestone:
    label: str
    on: date
    days: int


@dataclass(frozen=True)
class TimePointRelief:
    label: str
    on: date
    days: int
    completed: bool
    change_points: int | None
    change_percent: float | None
    meaningful: bool | None
    substantial: bool | None
    odi_change_points: float | None
    odi_meaningful: bool | None
    pgic_meaningful: bool | None


@dataclass(frozen=True)
class Relief:
    responder: bool
    onset: Milestone | None
    ended: Milestone | None
    duration_days: int | None
    censored: bool
    timepoints: tuple[TimePointRelief, ...]

    @property
    def best_change_percent(self) -> float | None:
        """The largest relief measured, as a percentage (None when nothing was measurable).

        This is what "the previous injection gave ≥ 50% relief" reads; a worse score counts
        as 0% relief, never as negative relief.
        """
        measured = [t.change_percent for t in self.timepoints if t.change_percent is not None]
        return max(0.0, max(measured)) if measured else None


def nrs_change(baseline: int | None, now: int | None) -> tuple[int | None, float | None]:
    """``(change_points, change_percent)``; percent is None when the baseline is 0 or missing."""
    if baseline is None or now is None:
        return None, None
    points = baseline - now
    return points, (points / baseline * 100 if baseline > 0 else None)


def nrs_meaningful(baseline: int, now: int) -> bool:
    """≥ 30% and ≥ 2 points; never with a baseline of 0 (no pain, nothing to relieve)."""
    points = baseline - now
    return (
        baseline > 0
        and points >= NRS_MEANINGFUL_POINTS
        and points * 100 >= round(NRS_MEANINGFUL_FRACTION * 100) * baseline
    )


def nrs_substantial(baseline: int, now: int) -> bool:
    """Meaningful and ≥ 50%."""
    points = baseline - now
    return (
        nrs_meaningful(baseline, now)
        and points * 100 >= round(NRS_SUBSTANTIAL_FRACTION * 100) * baseline
    )


def odi_change(baseline: float | None, now: float | None) -> tuple[float | None, bool | None]:
    """``(odi_change_points, odi_meaningful)``: ≥ 10 points or ≥ 30%; None when either missing."""
    if baseline is None or now is None:
        return None, None
    points = baseline - now
    meaningful = points > 0 and (
        points >= ODI_MEANINGFUL_POINTS
        or points * 100 >= round(ODI_MEANINGFUL_FRACTION * 100) * baseline
    )
    return points, meaningful


def _days(procedure_date: date, on: date) -> int:
    return (on - procedure_date).days


def timepoint_relief(
    procedure_date: date,
    primary: PrimaryMeasure,
    baseline: Scores,
    point: FollowUpScores,
) -> TimePointRelief:
    """One time point's changes from baseline. Completed = its primary pain score answered."""
    base = baseline.primary(primary)
    now = point.scores.primary(primary)
    points, percent = nrs_change(base, now)
    completed = now is not None
    meaningful: bool | None = None
    substantial: bool | None = None
    if completed:
        measurable = base is not None and now is not None
        meaningful = measurable and nrs_meaningful(base or 0, now or 0)
        substantial = measurable and nrs_substantial(base or 0, now or 0)
    odi_points, odi_meaningful = odi_change(baseline.odi, point.scores.odi)
    pgic = point.scores.pgic
    return TimePointRelief(
        label=point.label,
        on=point.on,
        days=_days(procedure_date, point.on),
        completed=completed,
        change_points=points,
        change_percent=percent,
        meaningful=meaningful,
        substantial=substantial,
        odi_change_points=odi_points,
        odi_meaningful=odi_meaningful,
        pgic_meaningful=None if pgic is None else is_meaningful_pgic(pgic),
    )


def relief(
    procedure_date: date,
    primary: PrimaryMeasure,
    baseline: Scores,
    timepoints: Sequence[FollowUpScores],
) -> Relief:
    """Relief of one procedure's follow-up, exactly as followup.md defines it.

    Raises ``ReliefInputError`` naming ``timepoints.<n>.date`` when a time point is dated before
    the procedure (days would be negative, which no definition here allows).
    """
    if primary not in PRIMARY_MEASURES:
        raise ReliefInputError("primary", f"primary must be one of {', '.join(PRIMARY_MEASURES)}")
    for index, point in enumerate(timepoints):
        if point.on < procedure_date:
            raise ReliefInputError(
                f"timepoints.{index}.date", "A follow-up cannot be dated before the procedure."
            )
    ordered = sorted(timepoints, key=lambda p: p.on)  # stable: same-day points keep their order
    rows = tuple(timepoint_relief(procedure_date, primary, baseline, p) for p in ordered)

    completed = [r for r in rows if r.completed]
    onset = next((r for r in completed if r.meaningful), None)
    ended: TimePointRelief | None = None
    if onset is not None:
        after = completed[completed.index(onset) + 1 :]
        ended = next((r for r in after if not r.meaningful), None)

    duration: int | None = None
    censored = False
    if ended is not None:
        duration = ended.days
    elif onset is not None:
        censored = True
        duration = completed[-1].days  # still meaningful at the last completed time point

    return Relief(
        responder=onset is not None,
        onset=_milestone(onset),
        ended=_milestone(ended),
        duration_days=duration,
        censored=censored,
        timepoints=rows,
    )


def _milestone(row: TimePointRelief | None) -> Milestone | None:
    return None if row is None else Milestone(label=row.label, on=row.on, days=row.days)


LABEL_WORDS = {
    "baseline": "baseline",
    "diary": "the pain diary",
    "2w": "2 weeks",
    "6w": "6 weeks",
    "3m": "3 months",
    "6m": "6 months",
    "12m": "12 months",
}


def in_words(result: Relief) -> str:
    """The summary a clinician reads, e.g. "Meaningful relief from 2 weeks, ended by 3 months:
    90 days."."""

    def when(m: Milestone) -> str:
        return LABEL_WORDS.get(m.label, m.label)

    def days(n: int) -> str:
        return "1 day" if n == 1 else f"{n} days"

    if not any(t.completed for t in result.timepoints):
        return "No follow-up answered yet: relief cannot be measured."
    if result.onset is None:
        return "No meaningful relief at any follow-up answered (non-responder)."
    start = f"Meaningful relief from {when(result.onset)}"
    if result.ended is not None:
        return f"{start}, ended by {when(result.ended)}: {days(result.ended.days)}."
    assert result.duration_days is not None
    return (
        f"{start}, still meaningful at the last follow-up answered: "
        f"at least {days(result.duration_days)} so far."
    )
