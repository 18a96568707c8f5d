"""Funnel-plot limits (Spiegelhalter 2005) against values worked by hand."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spinepath.clinical.funnel import (
    Limits,
    Position,
    Unit,
    binomial_cdf_table,
    denominators,
    exact_limit,
    funnel,
    limits,
    position,
)

# Binomial(10, 0.5): P(R ≤ r) = 1, 11, 56, 176, 386, 638, 848, 968, 1013, 1023, 1024 (/1024).
# 95% upper: r = 8, α = (1013/1024 − 0.975)/(45/1024) = 14.6/45, limit (8 − α)/10.
# 95% lower: r = 2, α = (56/1024 − 0.025)/(45/1024) = 30.4/45, limit (2 − α)/10.
# 99.8% upper: r = 9, α = (1023 − 1022.976)/10, limit (9 − α)/10.
# 99.8% lower: r = 1, α = (11 − 1.024)/10, limit (1 − α)/10.
HALF_OF_TEN = Limits(
    n=10,
    lower_95=(2 - 30.4 / 45) / 10,
    upper_95=(8 - 14.6 / 45) / 10,
    lower_998=(1 - 9.976 / 10) / 10,
    upper_998=(9 - 0.024 / 10) / 10,
)

# Binomial(5, 0.2): P(R ≤ r) = .32768, .73728, .94208, .99328, .99968, 1.
# 95% upper: r = 3, α = (.99328 − .975)/.0512; 99.8% upper: r = 4, α = (.99968 − .999)/.0064.
# Both lower limits: r = 0, so 0.
FIFTH_OF_FIVE = Limits(
    n=5,
    lower_95=0.0,
    upper_95=(3 - 0.01828 / 0.0512) / 5,
    lower_998=0.0,
    upper_998=(4 - 0.00068 / 0.0064) / 5,
)


def close(a: Limits, b: Limits) -> bool:
    return a.n == b.n and all(
        math.isclose(getattr(a, f), getattr(b, f), abs_tol=1e-9)
        for f in ("lower_95", "upper_95", "lower_998", "upper_998")
    )


def test_exact_limits_match_the_hand_worked_binomial_quantiles() -> None:
    assert close(limits(10, 0.5), HALF_OF_TEN)
    assert close(limits(5, 0.2), FIFTH_OF_FIVE)
    assert math.isclose(HALF_OF_TEN.upper_95, 0.767556, abs_tol=1e-6)
    assert math.isclose(HALF_OF_TEN.lower_95, 0.132444, abs_tol=1e-6)


def test_normal_limits_are_p0_plus_or_minus_z_standard_errors() -> None:
    got = limits(10, 0.5, method="normal")
    se = math.sqrt(0.25 / 10)  # 0.158114
    assert math.isclose(got.upper_95, 0.5 + 1.959964 * se, abs_tol=1e-6)  # 0.809898
    assert math.isclose(got.lower_95, 0.190102, abs_tol=1e-6)
    assert math.isclose(got.upper_998, 0.988609, abs_tol=1e-6)
    assert math.isclose(got.lower_998, 0.011391, abs_tol=1e-6)
    # Clipped to [0, 1] where the approximation runs off the scale.
    assert limits(5, 0.2, method="normal").lower_998 == 0.0


def test_units_are_placed_by_their_own_denominator() -> None:
    at = limits(5, 0.2)
    assert position(Unit("a", 1, 5), at) is Position.WITHIN
    assert position(Unit("b", 3, 5), at) is Position.ABOVE_95  # 0.6: above 0.529, below 0.779
    assert position(Unit("c", 4, 5), at) is Position.ABOVE_998  # 0.8
    at = limits(10, 0.5)
    assert position(Unit("d", 1, 10), at) is Position.BELOW_95  # 0.1: below 0.132, above 0.0002
    assert position(Unit("e", 0, 10), at) is Position.BELOW_998


def test_a_rate_exactly_on_a_limit_is_inside() -> None:
    at = Limits(n=4, lower_95=0.25, upper_95=0.75, lower_998=0.0, upper_998=1.0)
    assert position(Unit("on", 3, 4), at) is Position.WITHIN
    assert position(Unit("on", 1, 4), at) is Position.WITHIN


def test_a_perfect_record_is_not_unusual_when_it_is_likely() -> None:
    # Around 95%, 10 out of 10 happens 60% of the time: no upper limit below 1.
    assert limits(10, 0.95).upper_998 == 1.0
    assert position(Unit("all", 10, 10), limits(10, 0.95)) is Position.WITHIN
    # Around 50% it happens once in 1,024: above the 99.8% limit.
    assert position(Unit("all", 10, 10), limits(10, 0.5)) is Position.ABOVE_998


def test_the_funnel_defaults_to_the_overall_rate_and_spans_every_denominator() -> None:
    units = [Unit("Dr A", 30, 50), Unit("Dr B", 10, 50), Unit("Dr C", 60, 100)]
    result = funnel(units)
    assert result.target == 100 / 200
    assert result.curve[0].n == 1 and result.curve[-1].n == 100
    assert [p.position for p in result.units] == [
        Position.WITHIN,  # 0.6 at n=50
        Position.BELOW_998,  # 0.2 at n=50: z ≈ −4.2
        Position.ABOVE_95,  # 0.6 at n=100: z = 2.0
    ]
    assert funnel(units, target=0.2).units[1].position is Position.WITHIN


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError):
        funnel([Unit("x", 6, 5)])
    with pytest.raises(ValueError):
        funnel([])
    with pytest.raises(ValueError):
        limits(0, 0.5)
    with pytest.raises(ValueError):
        limits(5, 1.5)


def test_denominators_are_log_spaced_and_end_at_the_largest() -> None:
    ns = denominators(1000, points=20)
    assert ns[0] == 1 and ns[-1] == 1000 and ns == sorted(set(ns))
    assert len(ns) <= 20


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 3000), p0=st.floats(0.001, 0.999))
def test_limits_are_nested_and_on_the_scale(n: int, p0: float) -> None:
    at = limits(n, p0)
    assert 0.0 <= at.lower_998 <= at.lower_95 <= at.upper_95 <= at.upper_998 <= 1.0
    assert at.lower_95 <= p0 + 1 / n and at.upper_95 >= p0 - 1 / n


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 400), p0=st.floats(0.01, 0.99))
def test_the_cdf_table_adds_up_to_one_and_matches_the_direct_sum(n: int, p0: float) -> None:
    first, cdf = binomial_cdf_table(n, p0)
    assert cdf[-1] == pytest.approx(1.0, abs=1e-9)
    middle = max(first, round(n * p0))
    direct = sum(math.comb(n, k) * p0**k * (1 - p0) ** (n - k) for k in range(middle + 1))
    assert cdf[middle - first] == pytest.approx(direct, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(2000, 20000), p0=st.floats(0.2, 0.8))
def test_exact_and_normal_limits_agree_for_large_denominators(n: int, p0: float) -> None:
    exact, normal = limits(n, p0), limits(n, p0, method="normal")
    for field in ("lower_95", "upper_95", "lower_998", "upper_998"):
        assert getattr(exact, field) == pytest.approx(getattr(normal, field), abs=2 / n + 1e-3)


def test_exact_quantiles_agree_with_scipy_when_it_is_installed() -> None:
    stats = pytest.importorskip("scipy.stats")
    for n, p0, p in [(10, 0.5, 0.975), (57, 0.31, 0.001), (500, 0.7, 0.999), (3, 0.9, 0.025)]:
        r = int(stats.binom.ppf(p, n, p0))
        at_r, below = stats.binom.cdf(r, n, p0), stats.binom.cdf(r - 1, n, p0)
        expected = 1.0 if r == n else max((r - (at_r - p) / (at_r - below)) / n, 0.0)
        assert exact_limit(n, p0, p) == pytest.approx(expected, abs=1e-9)
