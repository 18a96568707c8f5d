"""Registry statistics: Wilson intervals worked by hand, suppression, Kaplan–Meier vs lifelines."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spinepath.clinical.outcome_stats import (
    Z95,
    kaplan_meier,
    proportion,
    rate,
    suppressed,
    wilson_interval,
)
from spinepath.clinical.tests.factories import PROPERTY


def _hand_wilson(k: int, n: int) -> tuple[float, float]:
    """statsmodels' ``proportion_confint(k, n, method="wilson")`` as it writes it."""
    p, z2 = k / n, Z95**2
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = Z95 / denom * math.sqrt(p * (1 - p) / n + z2 / (4 * n**2))
    return centre - half, centre + half


@pytest.mark.parametrize(
    ("k", "n", "expected"),
    [
        # Worked by hand (z = 1.96): 4/5 -> centre 0.6697, half-width 0.2941 (statsmodels:
        # 0.3755, 0.9638).
        (4, 5, (0.3755, 0.9638)),
        # 0/10: the interval starts at 0 and is not degenerate (the normal one would be [0, 0]).
        (0, 10, (0.0, 0.2775)),
        (10, 10, (0.7225, 1.0)),
        # api.md's example: 1254 of 2301 -> [0.525, 0.565].
        (1254, 2301, (0.5246, 0.5652)),
    ],
)
def test_wilson_against_hand_worked_values(k: int, n: int, expected: tuple[float, float]) -> None:
    found = wilson_interval(k, n)
    assert found is not None
    low, high = found
    assert low == pytest.approx(expected[0], abs=5e-5)
    assert high == pytest.approx(expected[1], abs=5e-5)
    assert (low, high) == pytest.approx(_hand_wilson(k, n), abs=1e-12)


def test_no_denominator_no_interval_and_bad_counts_refused() -> None:
    assert wilson_interval(0, 0) is None and rate(0, 0) is None
    with pytest.raises(ValueError):
        wilson_interval(6, 5)


@PROPERTY
@given(st.integers(0, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_contains_the_rate_and_mirrors(pair: tuple[int, int]) -> None:
    k, n = pair
    if n == 0:
        assert wilson_interval(k, n) is None
        return
    found, mirror = wilson_interval(k, n), wilson_interval(n - k, n)
    assert found is not None and mirror is not None
    (low, high), (mirror_low, mirror_high) = found, mirror
    assert 0.0 <= low <= k / n <= high <= 1.0
    assert low == pytest.approx(1 - mirror_high, abs=1e-9)
    assert high == pytest.approx(1 - mirror_low, abs=1e-9)


def test_counts_below_five_are_withheld() -> None:
    assert [suppressed(c) for c in (0, 1, 4, 5, 6, None)] == [None, None, None, 5, 6, None]


def test_a_small_numerator_or_denominator_hides_the_rate() -> None:
    assert proportion(4, 50, suppress=True).rate is None
    assert proportion(4, 50, suppress=True).suppressed
    shown = proportion(6, 50, suppress=True)
    assert shown.rate == 0.12 and shown.ci95 is not None and not shown.suppressed
    assert proportion(4, 50).rate == 0.08  # staff see everything


def test_kaplan_meier_worked_by_hand_and_as_lifelines_computes_it() -> None:
    # 5 responders: events at 42, 42, 90; censored at 42 and 365.
    # S(42) = 1 - 2/5 = 0.6; S(90) = 0.6 × (1 - 1/2) = 0.3 -> median 90.
    durations = [90, 42, 42, 365, 42]
    events = [True, False, True, False, True]
    curve = kaplan_meier(durations, events)
    assert curve.subjects == 5 and curve.events == 3
    assert curve.median == 90
    assert curve.survival[curve.times.index(42.0)] == pytest.approx(0.6)
    assert curve.survival[curve.times.index(90.0)] == pytest.approx(0.3)
    assert curve.at_risk[curve.times.index(90.0)] == 2

    from lifelines import KaplanMeierFitter
    from lifelines.utils import median_survival_times

    fitter = KaplanMeierFitter().fit(durations, event_observed=events)
    ci = median_survival_times(fitter.confidence_interval_survival_function_)
    low, high = float(ci.iloc[0, 0]), float(ci.iloc[0, 1])
    assert curve.median_ci95 == (
        low if math.isfinite(low) else None,
        high if math.isfinite(high) else None,
    )
    assert curve.median_ci95[1] is None  # the upper band never falls to 0.5


def test_a_median_never_reached_is_null() -> None:
    # One event among 3 at risk: S falls to 2/3 and stays there.
    curve = kaplan_meier([30, 60, 90, 120], [False, True, False, False])
    assert curve.median is None and curve.median_ci95[1] is None
    assert kaplan_meier([], []).median is None


def test_mean_interval_uses_students_t() -> None:
    from spinepath.clinical.outcome_stats import mean_interval

    # 5 values with mean 3.8 and sample SD √3.7: t(0.975, 4) = 2.7764451
    found = mean_interval(5, 3.8, 3.7**0.5)
    half = 2.7764451052 * 3.7**0.5 / 5**0.5
    assert found.ci95 == pytest.approx((3.8 - half, 3.8 + half))
    assert mean_interval(1, 2.0, None).ci95 is None  # one value: no spread, no interval
    assert mean_interval(0, None, None).mean is None
