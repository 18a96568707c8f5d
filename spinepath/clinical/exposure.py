"""A patient's steroid ledger: every steroid given, in methylprednisolone-equivalent mg (MPE).

The checks in ``steroids`` look at one planned injection; this module looks back over the whole
history, for the patient page and the API: each injection with the rolling totals as they stood on
its day, the rolling 12-month total over time (for a chart) and the next date a typical injection
would pass every ``block`` check.

Windows are counted exactly as the checks count them (``steroids`` module docstring): an injection
counts in a window of ``n`` days ending on a date when it was given 0 to ``n - 1`` days before.
So a total "on" a date includes injections given that day, and one given exactly ``n`` days
earlier has dropped out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from spinepath.clinical.facts import InjectionSite
from spinepath.clinical.ruleset import DEFAULT, RuleSetConfig
from spinepath.clinical.steroids import (
    GivenInjection,
    PlannedInjection,
    Region,
    SteroidInjection,
    check_steroid_exposure,
)
from spinepath.clinical.vocab import Steroid

__all__ = [
    "LedgerLine",
    "exposure_series",
    "ledger_lines",
    "next_eligible_date",
    "window_total_mpe",
]


@dataclass(frozen=True)
class LedgerLine:
    """One steroid injection with the rolling totals (this one included) on the day it was given."""

    date: dt.date
    site: InjectionSite
    steroid: Steroid
    dose_mg: float
    mpe_mg: float
    region: Region | None
    running_12m_mpe_mg: float
    running_36m_mpe_mg: float


def _in_window(given: dt.date, on: dt.date, days: int) -> bool:
    return 0 <= (on - given).days < days


def window_total_mpe(history: Iterable[SteroidInjection], *, on: dt.date, days: int) -> float:
    """MPE given in the ``days``-day window ending on ``on`` (inclusive), to 0.01 mg."""
    return round(sum(i.mpe_mg for i in history if _in_window(i.date, on, days)), 2)


def ledger_lines(
    history: Sequence[GivenInjection], config: RuleSetConfig = DEFAULT
) -> list[LedgerLine]:
    """One line per injection, oldest first (injections on one day keep their given order).

    The running totals are the rolling 12- and 36-month sums ending on the line's date, so two
    injections on the same day show the same totals, both included.
    """
    ordered = sorted(history, key=lambda i: i.date)
    return [
        LedgerLine(
            date=i.date,
            site=i.procedure,
            steroid=i.steroid,
            dose_mg=i.steroid_dose_mg,
            mpe_mg=i.mpe_mg,
            region=i.region,
            running_12m_mpe_mg=window_total_mpe(ordered, on=i.date, days=config.window_12m_days),
            running_36m_mpe_mg=window_total_mpe(ordered, on=i.date, days=config.window_36m_days),
        )
        for i in ordered
    ]


def exposure_series(
    history: Sequence[GivenInjection],
    config: RuleSetConfig = DEFAULT,
    *,
    start: dt.date,
    end: dt.date,
) -> list[tuple[dt.date, float]]:
    """The rolling 12-month MPE total from ``start`` to ``end`` as a step series.

    The first point is the total on ``start``; then one point on each date the total changes (an
    injection given, or one leaving the window ``window_12m_days`` after it was given); the last
    point is ``end`` so a chart runs to the end. Between points the total is constant.
    """
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    days = config.window_12m_days
    changes = {i.date for i in history} | {i.date + dt.timedelta(days=days) for i in history}
    series = [(start, window_total_mpe(history, on=start, days=days))]
    for on in sorted(c for c in changes if start < c <= end):
        total = window_total_mpe(history, on=on, days=days)
        if total != series[-1][1]:
            series.append((on, total))
    if series[-1][0] != end:
        series.append((end, series[-1][1]))
    return series


def next_eligible_date(
    history: Sequence[GivenInjection],
    template: PlannedInjection,
    today: dt.date,
    config: RuleSetConfig = DEFAULT,
) -> dt.date | None:
    """The earliest date on or after ``today`` on which ``template`` passes every ``block`` check.

    ``template``'s own date is ignored: it is moved to ``today`` and the checks find the first
    date from there (``SteroidCheck.earliest_date``). Injections after ``today`` are not counted.
    ``None`` when no date can pass, e.g. the dose alone is over the 12-month limit.
    """
    planned = template.model_copy(update={"date": today})
    given = [i for i in history if i.date <= today]
    return check_steroid_exposure(planned, given, config).earliest_date
