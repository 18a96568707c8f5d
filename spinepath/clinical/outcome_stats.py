"""The statistics an outcomes registry reports: proportions with their 95% interval, small-count
suppression, and Kaplan–Meier duration of relief.

Kept in the core (no Django) so the dashboard, the API, the PDF report and the research extract
compute every figure the same way, and so each function is tested directly against hand-worked
values. Proportions use the Wilson score interval (what statsmodels' ``proportion_confint(...,
method="wilson")`` gives): unlike the normal approximation it stays inside [0, 1] and behaves at
0% and 100%, which small clinics and rare subgroups hit. Duration of relief is estimated with
``lifelines`` (``KaplanMeierFitter``) rather than by hand, so the median and its confidence interval
are exactly what a statistician reproducing the figures would get.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

Z95 = NormalDist().inv_cdf(0.975)
"""The two-sided 95% normal quantile (1.959963984540054)."""

SUPPRESS_BELOW = 5
"""Counts below this are withheld from analysts (small-number disclosure control)."""


def wilson_interval(successes: int, total: int, *, z: float = Z95) -> tuple[float, float] | None:
    """Wilson score interval for ``successes`` of ``total``; None when ``total`` is 0.

    centre = (p + z²/2n) / (1 + z²/n); half = z·√(p(1−p)/n + z²/4n²) / (1 + z²/n).
    """
    if total < 0 or successes < 0 or successes > total:
        raise ValueError("need 0 ≤ successes ≤ total")
    if total == 0:
        return None
    n = float(total)
    p = successes / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    # At 0 (or n) successes the bound is exactly 0 (or 1); say so rather than leave float dust.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == total else min(1.0, centre + half)
    return low, high


def rate(successes: int, total: int) -> float | None:
    """successes ÷ total, None when there is no denominator."""
    return None if total == 0 else successes / total


def suppressed(count: int | None, *, below: int = SUPPRESS_BELOW) -> int | None:
    """``count``, or None when it is below ``below`` (api.md: "any count below 5 is replaced by
    null" for analysts, zero included, so a withheld cell cannot be told apart from an empty one).
    """
    if count is None:
        return None
    return None if count < below else count


@dataclass(frozen=True)
class Proportion:
    """A count out of a denominator with its rate and 95% Wilson interval (None: undefined or
    withheld)."""

    count: int | None
    denominator: int | None
    rate: float | None
    ci95: tuple[float, float] | None
    suppressed: bool


def proportion(count: int, denominator: int, *, suppress: bool = False) -> Proportion:
    """``count`` of ``denominator``; with ``suppress``, a small numerator or denominator hides the
    rate and interval too (a rate with a small count discloses the count)."""
    shown_count = suppressed(count) if suppress else count
    shown_denominator = suppressed(denominator) if suppress else denominator
    hidden = shown_count is None or shown_denominator is None
    if hidden:
        return Proportion(shown_count, shown_denominator, None, None, True)
    return Proportion(
        count, denominator, rate(count, denominator), wilson_interval(count, denominator), False
    )


@dataclass(frozen=True)
class Mean:
    """A mean with its 95% confidence interval (Student's t; None with fewer than 2 values)."""

    n: int
    mean: float | None
    ci95: tuple[float, float] | None


def mean_interval(n: int, mean: float | None, sd: float | None) -> Mean:
    """The mean of ``n`` values with sample standard deviation ``sd`` and its 95% interval,
    mean ± t(0.975, n − 1) · sd / √n, the t quantile from scipy (as the databases give the mean
    and the standard deviation, never the values)."""
    if n < 1 or mean is None:
        return Mean(n, None, None)
    if n < 2 or sd is None:
        return Mean(n, float(mean), None)
    from scipy.stats import t as student  # scipy comes with lifelines; imported when needed

    half = float(student.ppf(0.975, n - 1)) * float(sd) / math.sqrt(n)
    return Mean(n, float(mean), (float(mean) - half, float(mean) + half))


@dataclass(frozen=True)
class SurvivalCurve:
    """A Kaplan–Meier estimate: S(t) with its 95% band, and numbers at risk at each time."""

    subjects: int
    events: int
    median: float | None
    """Median time to event; None when the curve never falls to 0.5."""
    median_ci95: tuple[float | None, float | None]
    """The median's 95% CI from the band; a bound not reached is None."""
    times: tuple[float, ...]
    survival: tuple[float, ...]
    lower: tuple[float, ...]
    upper: tuple[float, ...]
    at_risk: tuple[int, ...]


def _finite(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def kaplan_meier(
    durations: Sequence[float], events: Sequence[bool], weights: Sequence[int] | None = None
) -> SurvivalCurve:
    """Kaplan–Meier over ``durations`` (days) with ``events`` (True: relief ended; False: censored).

    lifelines' ``KaplanMeierFitter`` with its defaults (exponential Greenwood band, α = 0.05);
    the median's CI is ``median_survival_times`` of that band, as api.md specifies. ``weights``
    (whole numbers) says how many subjects each row stands for: lifelines' own way of taking
    grouped data, the same estimate as the rows repeated (a database's counts stay counts).
    """
    if len(durations) != len(events) or (weights is not None and len(weights) != len(events)):
        raise ValueError("durations, events and weights differ in length")
    if weights is not None:
        kept = [i for i, w in enumerate(weights) if w > 0]
        durations = [durations[i] for i in kept]
        events = [events[i] for i in kept]
        weights = [int(weights[i]) for i in kept]
    if not durations:
        return SurvivalCurve(0, 0, None, (None, None), (), (), (), (), ())
    # lifelines pulls in pandas and scipy: imported here so importing the core stays quick.
    from lifelines import KaplanMeierFitter
    from lifelines.utils import median_survival_times

    fitter = KaplanMeierFitter()
    fitter.fit(list(durations), event_observed=[bool(e) for e in events], weights=weights)
    band = fitter.confidence_interval_survival_function_
    median_ci = median_survival_times(band)
    lower_median = _finite(float(median_ci.iloc[0, 0]))
    upper_median = _finite(float(median_ci.iloc[0, 1]))
    table = fitter.event_table
    return SurvivalCurve(
        subjects=len(durations) if weights is None else sum(weights),
        events=sum(1 if weights is None else weights[i] for i, e in enumerate(events) if e),
        median=_finite(float(fitter.median_survival_time_)),
        median_ci95=(lower_median, upper_median),
        times=tuple(float(t) for t in fitter.survival_function_.index),
        survival=tuple(float(s) for s in fitter.survival_function_.iloc[:, 0]),
        lower=tuple(float(s) for s in band.iloc[:, 0]),
        upper=tuple(float(s) for s in band.iloc[:, 1]),
        at_risk=tuple(int(n) for n in table["at_risk"]),
    )
