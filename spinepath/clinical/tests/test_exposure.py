"""The steroid ledger: running totals, the exposure series and the next eligible date."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spinepath.clinical.exposure import (
    LedgerLine,
    RollingTotals,
    exposure_series,
    ledger_lines,
    next_eligible_date,
    window_total_mpe,
)
from spinepath.clinical.facts import InjectionSite
from spinepath.clinical.ruleset import DEFAULT, config_with_overrides
from spinepath.clinical.steroids import (
    GivenInjection,
    PlannedInjection,
    Region,
    SteroidStatus,
    check_steroid_exposure,
)
from spinepath.clinical.tests.factories import PROPERTY
from spinepath.clinical.vocab import Steroid

TODAY = dt.date(2026, 11, 24)


def given_on(
    on: dt.date | str,
    steroid: str = "triamcinolone",
    dose: float = 40,
    site: str = "caudal_epidural",
) -> GivenInjection:
    return GivenInjection.model_validate(
        {"date": on, "procedure": site, "steroid": steroid, "steroid_dose_mg": dose}
    )


def template(
    steroid: str = "dexamethasone", dose: float = 8, site: str = "transforaminal_epidural"
) -> PlannedInjection:
    return PlannedInjection.model_validate(
        {"date": TODAY, "procedure": site, "steroid": steroid, "steroid_dose_mg": dose}
    )


# --- ledger_lines ------------------------------------------------------------------------------


def test_it_converts_each_dose_to_methylprednisolone_equivalent() -> None:
    [line] = ledger_lines([given_on("2026-11-01", "dexamethasone", 8)])
    assert line == LedgerLine(
        date=dt.date(2026, 11, 1),
        site=InjectionSite.CAUDAL_EPIDURAL,
        steroid=Steroid.DEXAMETHASONE,
        dose_mg=8,
        mpe_mg=42.67,
        region=Region.LUMBAR_EPIDURAL,
        running_12m_mpe_mg=42.67,
        running_36m_mpe_mg=42.67,
    )


def test_it_lists_oldest_first_with_rolling_totals_on_each_day() -> None:
    lines = ledger_lines(
        [
            given_on("2027-01-10", "dexamethasone", 8),  # 42.67
            given_on("2026-01-10", "triamcinolone", 80),  # 80, exactly 365 days before the last
            given_on("2026-06-01", "methylprednisolone", 40, site="other_joint"),  # 40
        ]
    )
    assert [line.date.isoformat() for line in lines] == ["2026-01-10", "2026-06-01", "2027-01-10"]
    assert [line.running_12m_mpe_mg for line in lines] == [80, 120, 82.67]
    assert [line.running_36m_mpe_mg for line in lines] == [80, 120, 162.67]
    assert lines[1].region is None


def test_two_injections_on_one_day_both_count_on_both_lines() -> None:
    lines = ledger_lines([given_on("2026-03-01", dose=40), given_on("2026-03-01", dose=20)])
    assert [line.dose_mg for line in lines] == [40, 20]
    assert [line.running_12m_mpe_mg for line in lines] == [60, 60]


def test_the_windows_come_from_the_rule_set() -> None:
    short = config_with_overrides({"window_6m_days": 30, "window_12m_days": 60})
    lines = ledger_lines([given_on("2026-01-01"), given_on("2026-03-02")], short)
    assert [line.running_12m_mpe_mg for line in lines] == [40, 40]  # 60 days apart: dropped out
    assert [line.running_36m_mpe_mg for line in lines] == [40, 80]


def test_an_empty_history_has_no_lines() -> None:
    assert ledger_lines([]) == []


# --- exposure_series ---------------------------------------------------------------------------


def test_the_series_steps_up_on_each_injection_and_down_a_year_later() -> None:
    history = [given_on("2025-03-01", dose=80), given_on("2025-09-01", dose=40)]
    series = exposure_series(history, start=dt.date(2025, 1, 1), end=TODAY)
    assert series == [
        (dt.date(2025, 1, 1), 0),
        (dt.date(2025, 3, 1), 80),
        (dt.date(2025, 9, 1), 120),
        (dt.date(2026, 3, 1), 40),  # 365 days after 1 March 2025
        (dt.date(2026, 9, 1), 0),
        (TODAY, 0),
    ]


def test_the_series_starts_with_what_is_already_in_the_window() -> None:
    series = exposure_series(
        [given_on("2025-12-01", dose=80)], start=dt.date(2026, 1, 1), end=TODAY
    )
    assert series == [(dt.date(2026, 1, 1), 80), (TODAY, 80)]  # it leaves on 1 Dec 2026


def test_the_series_ends_on_a_change_without_repeating_it() -> None:
    series = exposure_series([given_on(TODAY, dose=40)], start=dt.date(2026, 1, 1), end=TODAY)
    assert series == [(dt.date(2026, 1, 1), 0), (TODAY, 40)]


def test_the_series_leaves_out_a_change_that_cancels_out() -> None:
    # One injection leaves the window on the day an equal one is given: the total stays at 40.
    history = [given_on("2025-01-01", dose=40), given_on("2026-01-01", dose=40)]
    series = exposure_series(history, start=dt.date(2025, 6, 1), end=dt.date(2026, 6, 1))
    assert series == [(dt.date(2025, 6, 1), 40), (dt.date(2026, 6, 1), 40)]


def test_the_series_needs_start_before_end() -> None:
    with pytest.raises(ValueError, match="before start"):
        exposure_series([], start=TODAY, end=TODAY - dt.timedelta(days=1))


# --- next_eligible_date ------------------------------------------------------------------------


def test_with_no_history_the_next_date_is_today() -> None:
    assert next_eligible_date([], template(), TODAY) == TODAY


def test_after_a_recent_injection_the_next_date_is_14_days_after_it() -> None:
    history = [given_on(TODAY - dt.timedelta(days=3), dose=40)]
    assert next_eligible_date(history, template(), TODAY) == TODAY + dt.timedelta(days=11)


def test_an_injection_14_days_ago_does_not_hold_today_up() -> None:
    history = [given_on(TODAY - dt.timedelta(days=14))]
    assert next_eligible_date(history, template(), TODAY) == TODAY


def test_the_next_date_waits_for_the_12_month_total_to_fall_under_the_limit() -> None:
    # 360 mg in the window; 80 more would be 440 > 400 until 1 Jan 2026's 80 mg leaves it.
    history = [
        given_on("2026-01-01", "triamcinolone", 80, site="other_joint"),
        given_on("2026-04-01", "triamcinolone", 80, site="other_joint"),
        given_on("2026-07-01", "triamcinolone", 80, site="other_joint"),
        given_on("2026-10-01", "triamcinolone", 80, site="other_joint"),
        given_on("2026-11-01", "triamcinolone", 40, site="other_joint"),
    ]
    planned = template("triamcinolone", 80, "caudal_epidural")
    assert next_eligible_date(history, planned, TODAY) == dt.date(2027, 1, 1)


def test_the_next_date_waits_for_a_fifth_injection_in_a_region() -> None:
    history = [given_on(f"2026-{month:02}-01", dose=10) for month in (2, 5, 8, 10)]
    planned = template("dexamethasone", 4, "interlaminar_epidural")
    assert next_eligible_date(history, planned, TODAY) == dt.date(2027, 2, 1)


def test_a_dose_over_the_limit_on_its_own_never_passes() -> None:
    assert next_eligible_date([], template("triamcinolone", 410), TODAY) is None


def test_injections_after_today_are_not_counted() -> None:
    history = [given_on(TODAY + dt.timedelta(days=2))]
    assert next_eligible_date(history, template(), TODAY) == TODAY


def test_the_template_date_is_ignored() -> None:
    long_ago = template().model_copy(update={"date": dt.date(2020, 1, 1)})
    history = [given_on(TODAY - dt.timedelta(days=1))]
    assert next_eligible_date(history, long_ago, TODAY) == TODAY + dt.timedelta(days=13)


def test_the_interval_comes_from_the_rule_set() -> None:
    config = config_with_overrides({"steroid_min_interval_days": 28})
    history = [given_on(TODAY - dt.timedelta(days=3))]
    assert next_eligible_date(history, template(), TODAY, config) == TODAY + dt.timedelta(days=25)


# --- Properties --------------------------------------------------------------------------------

histories = st.lists(
    st.builds(
        lambda days, site, steroid, dose: given_on(
            TODAY - dt.timedelta(days=days), steroid.value, dose, site.value
        ),
        st.integers(0, 1500),
        st.sampled_from(list(InjectionSite)),
        st.sampled_from(list(Steroid)),
        st.integers(0, 120),
    ),
    max_size=10,
)


def _brute_force(history: list[GivenInjection], on: dt.date, days: int) -> float:
    return round(sum(i.mpe_mg for i in history if on - dt.timedelta(days=days) < i.date <= on), 2)


@PROPERTY
@given(histories)
def test_running_totals_are_the_window_sums(history: list[GivenInjection]) -> None:
    lines = ledger_lines(history)
    assert [line.date for line in lines] == sorted(i.date for i in history)
    for line in lines:
        assert line.running_12m_mpe_mg == _brute_force(history, line.date, DEFAULT.window_12m_days)
        assert line.running_36m_mpe_mg == _brute_force(history, line.date, DEFAULT.window_36m_days)


@PROPERTY
@given(histories, st.integers(0, 400))
def test_the_series_holds_the_window_sum_on_every_day(
    history: list[GivenInjection], span: int
) -> None:
    start = TODAY - dt.timedelta(days=span)
    series = exposure_series(history, start=start, end=TODAY)
    assert series[0][0] == start
    assert series[-1][0] == TODAY
    for day in (start + dt.timedelta(days=n) for n in range(span + 1)):
        shown = [total for on, total in series if on <= day][-1]
        assert shown == window_total_mpe(history, on=day, days=DEFAULT.window_12m_days)


@PROPERTY
@given(
    histories,
    st.sampled_from(list(InjectionSite)),
    st.sampled_from(list(Steroid)),
    st.integers(0, 500),
)
def test_the_next_date_passes_and_the_day_before_does_not(
    history: list[GivenInjection], site: InjectionSite, steroid: Steroid, dose: int
) -> None:
    planned = template(steroid.value, dose, site.value)
    found = next_eligible_date(history, planned, TODAY)
    if found is None:
        assert planned.mpe_mg > DEFAULT.steroid_cumulative_limit_12m_mg
        return
    assert found >= TODAY

    def blocks(on: dt.date) -> bool:
        check = check_steroid_exposure(planned.model_copy(update={"date": on}), history)
        return any(r.status is SteroidStatus.BLOCK for r in check.reasons)

    assert not blocks(found)
    if found > TODAY:
        assert blocks(found - dt.timedelta(days=1))


# Long histories with fractional doses, many on the same day, and fractional MPE (betamethasone).
long_histories = st.lists(
    st.builds(
        lambda days, steroid, dose: given_on(TODAY - dt.timedelta(days=days), steroid.value, dose),
        st.integers(0, 1500),
        st.sampled_from(list(Steroid)),
        st.floats(0, 120, allow_nan=False).map(lambda dose: round(dose, 2)),
    ),
    max_size=80,
)


@PROPERTY
@given(long_histories, st.integers(-30, 1600), st.sampled_from([1, 30, 365, 1095]))
def test_rolling_totals_equal_the_simple_resumming_total(
    history: list[GivenInjection], days_ago: int, window: int
) -> None:
    """The fast ledger (prefix sums) shows exactly the simple definition's figure, on any day."""
    on = TODAY - dt.timedelta(days=days_ago)
    assert RollingTotals(history).on(on, window) == window_total_mpe(history, on=on, days=window)


@PROPERTY
@given(long_histories)
def test_ledger_lines_equal_the_simple_resumming_ledger(history: list[GivenInjection]) -> None:
    simple = [
        (
            window_total_mpe(history, on=i.date, days=DEFAULT.window_12m_days),
            window_total_mpe(history, on=i.date, days=DEFAULT.window_36m_days),
        )
        for i in sorted(history, key=lambda i: i.date)
    ]
    fast = [(line.running_12m_mpe_mg, line.running_36m_mpe_mg) for line in ledger_lines(history)]
    assert fast == simple
