"""A patient's steroid ledger: every steroid given, in methylprednisolone-equivalent mg (MPE).

The checks in ``steroids`` look at one planned injection; this module looks back over the whole
history, for the patient page and the API: each injection with the rolling totals as they stood on
its day, the rolling 12-month total over time (for a chart) and the next date a typical injection
would pass every ``block`` check.

Windows are counted exactly as the checks count them (``steroids`` module docstring): an injection
counts in a window of ``n`` days ending on a date when it was given 0 to ``n - 1`` days before.
So a total "on" a date includes injections given that day, and one given exactly ``n`` days
earlier has dropped out.

A patient page asks for a total on every injection's day, on every day the chart changes and at
every marker, so re-summing the history each time is quadratic (a patient with 180 injections
took 200 ms). ``RollingTotals`` sorts the history once and answers each total from prefix sums
with a binary search. The prefix sums are exact (``Fraction``), and ``window_total_mpe`` sums
exactly too (``math.fsum``), so both give the correctly rounded total and agree to the last bit:
the fast path can never show a different figure from the simple definition.
"""

from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import accumulate

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
    "RollingTotals",
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
    """MPE given in the ``days``-day window ending on ``on`` (inclusive), to 0.01 mg.

    The simple definition, for one total; ``RollingTotals`` gives the same figure for many."""
    return round(math.fsum(i.mpe_mg for i in history if _in_window(i.date, on, days)), 2)


class RollingTotals:
    """Window totals over one history, each in O(log n) after an O(n log n) start.

    ``on(day, days)`` equals ``window_total_mpe(history, on=day, days=days)`` exactly.
    """

    def __init__(self, history: Iterable[SteroidInjection]) -> None:
        pairs = sorted(((i.date, Fraction(i.mpe_mg)) for i in history), key=lambda p: p[0])
        self._dates = [date for date, _ in pairs]
        # _sums[k] is the exact MPE of the first k injections, oldest first.
        self._sums = list(accumulate((mpe for _, mpe in pairs), initial=Fraction(0)))

    def on(self, day: dt.date, days: int) -> float:
        """MPE given in the ``days``-day window ending on ``day`` (inclusive), to 0.01 mg."""
        end = bisect_right(self._dates, day)  # given on or before ``day``
        start = bisect_right(self._dates, day - dt.timedelta(days=days))  # dropped out by then
        if end <= start:
            return 0.0
        return round(float(self._sums[end] - self._sums[start]), 2)


def ledger_lines(
    history: Sequence[GivenInjection], config: RuleSetConfig = DEFAULT
) -> list[LedgerLine]:
    """One line per injection, oldest first (injections on one day keep their given order).

    The running totals are the rolling 12- and 36-month sums ending on the line's date, so two
    injections on the same day show the same totals, both included.
    """
    ordered = sorted(history, key=lambda i: i.date)
    totals = RollingTotals(ordered)
    return [
        LedgerLine(
            date=i.date,
            site=i.procedure,
            steroid=i.steroid,
            dose_mg=i.steroid_dose_mg,
            mpe_mg=i.mpe_mg,
            region=i.region,
            running_12m_mpe_mg=totals.on(i.date, config.window_12m_days),
            running_36m_mpe_mg=totals.on(i.date, config.window_36m_days),
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
    totals = RollingTotals(history)
    changes = {i.date for i in history} | {i.date + dt.timedelta(days=days) for i in history}
    series = [(start, totals.on(start, days))]
    for on in sorted(c for c in changes if start < c <= end):
        total = totals.on(on, days)
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
