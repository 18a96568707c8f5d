"""Funnel-plot control limits for a proportion (a clinician's or clinic's responder rate).

Spiegelhalter DJ. Funnel plots for comparing institutional performance. Stat Med 2005;24:1185–1202.
A unit with ``events`` out of ``n`` is compared with a target rate ``p0`` (usually the overall
rate of all units): under the null hypothesis its count is Binomial(n, p0), and the funnel is the
pair of control limits drawn over a range of denominators at two levels, 95% (about 2 SD,
"alert") and 99.8% (about 3 SD, "alarm").

**Method: exact binomial limits with Spiegelhalter's interpolation** (``method="exact"``, the
default). For a tail probability ``p`` let ``r`` be the smallest count with ``P(R ≤ r) ≥ p`` and

    α = (P(R ≤ r) − p) / (P(R ≤ r) − P(R ≤ r − 1)),   limit = (r − α) / n

(the paper's appendix), which turns the binomial's steps into a smooth curve a point can be read
against. The binomial probabilities are computed here in plain Python from ``math.lgamma`` (the
terms further than 12 SD from the mean, below 1e-30, are left out), so the limits are exact without
scipy. scipy is not a dependency of spinepath (the brief allowed it "if installed" — it was not,
and a result that changed with what happens to be installed would be worse than none); the tests
compare these quantiles with ``scipy.stats.binom`` whenever scipy is present.

At the edges the interpolation would draw an upper limit just below 1 even when n out of n is
quite likely (n = 10 around 95%: the formula gives 0.9998 though P(R = 10) = 0.6), flagging a
perfect record as unusual; where the quantile is n itself the upper limit is 1 (and, likewise, a
lower limit whose quantile is 0 is 0). Elsewhere the limits are exactly the paper's; a rate
exactly on a limit counts as inside it.

``method="normal"`` gives the paper's normal approximation ``p0 ± z·sqrt(p0(1 − p0)/n)``, clipped
to [0, 1]; it is poor for small ``n`` or rates near 0 or 1, which is why it is not the default.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

Method = Literal["exact", "normal"]

LEVELS: tuple[float, float] = (0.95, 0.998)
"""The two control levels the registries draw: 95% and 99.8% (two-sided)."""

# Two-sided normal quantiles, z = Φ⁻¹(1 − (1 − level)/2).
_Z: dict[float, float] = {0.95: 1.959963984540054, 0.998: 3.090232306167813}


class Position(StrEnum):
    """Where a unit's rate falls in the funnel."""

    WITHIN = "within"
    ABOVE_95 = "above_95"  # above the 95% upper limit, within the 99.8%
    BELOW_95 = "below_95"
    ABOVE_998 = "above_998"  # above the 99.8% upper limit
    BELOW_998 = "below_998"


@dataclass(frozen=True)
class Limits:
    """The control limits (as proportions) at one denominator."""

    n: int
    lower_95: float
    upper_95: float
    lower_998: float
    upper_998: float


@dataclass(frozen=True)
class Unit:
    """One clinician or clinic: a label, its events (e.g. responders) and its denominator."""

    label: str
    events: int
    n: int

    @property
    def rate(self) -> float:
        return self.events / self.n


@dataclass(frozen=True)
class Placed:
    unit: Unit
    limits: Limits
    position: Position


@dataclass(frozen=True)
class Funnel:
    """Everything a funnel plot draws: the target, the limit curves and the placed units."""

    target: float
    method: Method
    curve: tuple[Limits, ...]
    units: tuple[Placed, ...]


def _check(p0: float, n: int) -> None:
    if not 0.0 <= p0 <= 1.0 or math.isnan(p0):
        raise ValueError(f"target rate must be between 0 and 1, got {p0}")
    if n < 1:
        raise ValueError(f"denominator must be at least 1, got {n}")


def binomial_cdf_table(n: int, p0: float) -> tuple[int, list[float]]:
    """``(first, cdf)`` with ``cdf[i] = P(R ≤ first + i)`` for R ~ Binomial(n, p0); counts below
    ``first`` have probability below 1e-30 and are treated as 0, the table ends where it reaches 1.
    """
    _check(p0, n)
    if p0 == 0.0:
        return 0, [1.0]
    if p0 == 1.0:
        return n, [1.0]
    mean, sd = n * p0, math.sqrt(n * p0 * (1 - p0))
    first = max(0, math.floor(mean - 12 * sd - 10))
    last = min(n, math.ceil(mean + 12 * sd + 10))
    log_p, log_q = math.log(p0), math.log1p(-p0)
    log_n = math.lgamma(n + 1)
    cdf: list[float] = []
    total = 0.0
    for k in range(first, last + 1):
        total += math.exp(
            log_n - math.lgamma(k + 1) - math.lgamma(n - k + 1) + k * log_p + (n - k) * log_q
        )
        cdf.append(min(total, 1.0))
    if last == n:
        cdf[-1] = 1.0
    return first, cdf


def _cdf_at(first: int, cdf: list[float], r: int) -> float:
    if r < first:
        return 0.0
    return cdf[min(r - first, len(cdf) - 1)]


def exact_limit(n: int, p0: float, p: float) -> float:
    """Spiegelhalter's interpolated binomial ``p``-quantile of Binomial(n, p0), divided by n."""
    if not 0.0 < p < 1.0:
        raise ValueError(f"tail probability must be strictly between 0 and 1, got {p}")
    first, cdf = binomial_cdf_table(n, p0)
    if p0 in (0.0, 1.0):
        return p0
    r = next((first + i for i, value in enumerate(cdf) if value >= p), first + len(cdf) - 1)
    if r == n:
        # Even all n counts are not unusual (P(R = n) ≥ 1 − p): nothing can lie above.
        return 1.0
    at_r, below = _cdf_at(first, cdf, r), _cdf_at(first, cdf, r - 1)
    alpha = (at_r - p) / (at_r - below) if at_r > below else 0.0
    return min(max((r - alpha) / n, 0.0), 1.0)


def normal_limit(n: int, p0: float, z: float) -> float:
    """``p0 + z·sqrt(p0(1 − p0)/n)``, clipped to [0, 1] (``z`` negative for a lower limit)."""
    _check(p0, n)
    return min(max(p0 + z * math.sqrt(p0 * (1 - p0) / n), 0.0), 1.0)


def limits(n: int, p0: float, *, method: Method = "exact") -> Limits:
    """The 95% and 99.8% control limits for a denominator ``n`` around the target ``p0``."""
    values: list[float] = []
    for level in LEVELS:
        tail = (1 - level) / 2
        if method == "exact":
            values += [exact_limit(n, p0, tail), exact_limit(n, p0, 1 - tail)]
        else:
            values += [normal_limit(n, p0, -_Z[level]), normal_limit(n, p0, _Z[level])]
    return Limits(n, *values)


def position(unit: Unit, at: Limits) -> Position:
    """Where ``unit`` falls; a rate exactly on a limit counts as inside it."""
    rate = unit.rate
    if rate > at.upper_998:
        return Position.ABOVE_998
    if rate < at.lower_998:
        return Position.BELOW_998
    if rate > at.upper_95:
        return Position.ABOVE_95
    if rate < at.lower_95:
        return Position.BELOW_95
    return Position.WITHIN


def denominators(largest: int, *, points: int = 60) -> list[int]:
    """Denominators from 1 to ``largest`` spaced evenly on a log scale (every small n, then
    fewer), enough for a smooth limit curve without computing every n."""
    if largest < 1:
        raise ValueError(f"largest denominator must be at least 1, got {largest}")
    chosen = {1, largest}
    for i in range(points):
        chosen.add(round(largest ** (i / max(points - 1, 1))))
    return sorted(n for n in chosen if 1 <= n <= largest)


def funnel(
    units: Sequence[Unit],
    *,
    target: float | None = None,
    method: Method = "exact",
    points: int = 60,
) -> Funnel:
    """The funnel for ``units`` around ``target`` (default: the overall rate, Σevents / Σn).

    The limit curves run from n = 1 to the largest denominator (at least 10) on ``points``
    log-spaced denominators; each unit is placed against the limits at its own n."""
    for unit in units:
        if unit.n < 1 or not 0 <= unit.events <= unit.n:
            raise ValueError(f"{unit.label}: events must be between 0 and n ≥ 1")
    if target is None:
        if not units:
            raise ValueError("with no units the target rate must be given")
        target = sum(u.events for u in units) / sum(u.n for u in units)
    _check(target, 1)
    largest = max([10, *(u.n for u in units)])
    curve = tuple(limits(n, target, method=method) for n in denominators(largest, points=points))
    placed = []
    for unit in units:
        at = limits(unit.n, target, method=method)
        placed.append(Placed(unit, at, position(unit, at)))
    return Funnel(target=target, method=method, curve=curve, units=tuple(placed))
