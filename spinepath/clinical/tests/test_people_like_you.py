"""'People like you': similarity bands at their edges, the minimum-number policy, the words."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spinepath.clinical import people_like_you as core
from spinepath.clinical.outcome_stats import wilson_interval
from spinepath.clinical.tests.factories import PROPERTY


def _profile(**changes: object) -> core.Profile:
    base: dict[str, object] = {
        "condition": "facet_joint_arthritis",
        "procedure": "facet_joint_injection",
        "repeat": False,
        "baseline_pain": 6,
        "startback": "high",
        "duration_weeks": 20.0,
    }
    base.update(changes)
    return core.Profile(**base)  # type: ignore[arg-type]


def test_pain_bands_change_between_3_and_4_and_between_6_and_7() -> None:
    assert core.similarity(_profile(baseline_pain=3)).pain_range == (0, 3)
    assert core.similarity(_profile(baseline_pain=4)).pain_range == (4, 6)
    assert core.similarity(_profile(baseline_pain=6)).pain_range == (4, 6)
    assert core.similarity(_profile(baseline_pain=7)).pain_range == (7, 10)


def test_duration_bands_change_at_13_and_52_weeks() -> None:
    assert core.similarity(_profile(duration_weeks=12.9)).duration_range == (0.0, 13.0)
    assert core.similarity(_profile(duration_weeks=13.0)).duration_range == (13.0, 52.0)
    assert core.similarity(_profile(duration_weeks=52.0)).duration_range == (52.0, None)


def test_an_unknown_value_does_not_narrow_the_group_and_the_words_say_which_were_used() -> None:
    known = core.similarity(_profile())
    unknown = core.similarity(_profile(baseline_pain=None, startback=None, duration_weeks=None))
    assert (unknown.pain_range, unknown.startback, unknown.duration_range) == (None, None, None)
    assert "high STarT Back risk" in core.criteria_sentence(known)
    assert "STarT Back" not in core.criteria_sentence(unknown)
    assert "a first injection" in core.criteria_sentence(unknown)
    assert "a repeat injection" in core.criteria_sentence(core.similarity(_profile(repeat=True)))


def test_bad_values_are_refused() -> None:
    with pytest.raises(ValueError):
        core.similarity(_profile(baseline_pain=11))
    with pytest.raises(ValueError):
        core.similarity(_profile(startback="very high"))
    with pytest.raises(ValueError):
        core.similarity(_profile(duration_weeks=-1.0))


def _counts(patients: int, **changes: object) -> core.GroupCounts:
    base: dict[str, object] = {
        "patients": patients,
        "procedures": patients,
        "measured_6w": patients,
        "relief_6w": patients // 2,
        "measured_3m": patients,
        "relief_3m": patients // 3,
        "complications": 1,
        "durations": ((40, True, patients // 4), (90, False, patients // 4)),
    }
    base.update(changes)
    return core.GroupCounts(**base)  # type: ignore[arg-type]


def test_below_the_minimum_nothing_numeric_is_shown_and_at_it_everything_is() -> None:
    below = core.figures(_counts(29), minimum=30)
    assert not below.enough
    assert below.patients is None and below.relief_6w is None and below.complications is None
    at = core.figures(_counts(30), minimum=30)
    assert at.enough and at.patients == 30
    assert at.relief_6w is not None and at.relief_6w.count == 15


def test_a_figure_whose_own_denominator_is_below_the_minimum_is_withheld() -> None:
    shown = core.figures(_counts(40, measured_3m=29, relief_3m=10), minimum=30)
    assert shown.relief_6w is not None
    assert shown.relief_3m is None
    # Responders (20) are below 30: no median duration either.
    assert shown.relief_durations is None and shown.median_relief_days is None


def test_the_median_duration_comes_from_kaplan_meier_over_responders() -> None:
    shown = core.figures(
        _counts(100, durations=((40, True, 20), (90, True, 20), (120, False, 10))), minimum=30
    )
    assert shown.relief_durations == 50
    assert shown.median_relief_days == 90.0


def test_the_minimum_setting_is_checked() -> None:
    assert core.minimum_from_setting(30) == 30
    for bad in (4, 0, -1, "30", 30.0, True):
        with pytest.raises(ValueError):
            core.minimum_from_setting(bad)


def test_the_rate_is_its_wilson_interval_and_the_words_match_the_icons() -> None:
    shown = core.figures(_counts(100, measured_6w=80, relief_6w=44), minimum=30)
    rate = shown.relief_6w
    assert rate is not None
    assert rate.ci95 == wilson_interval(44, 80)
    assert rate.out_of_100 == 55
    assert sum(core.icons(rate)) == 55 and len(core.icons(rate)) == 100
    assert core.relief_sentence(rate, "6 weeks") == (
        "Out of 100 people like you, about 55 had meaningful relief at 6 weeks."
    )
    assert "between 44 and 65 out of 100" in core.interval_words(rate)


def test_too_few_says_so_without_a_number_but_the_minimum() -> None:
    words = core.too_few_sentence(30)
    assert "Fewer than 30" in words
    assert [c for c in words.replace("30", "") if c.isdigit()] == []


@PROPERTY
@given(st.integers(0, 500), st.integers(1, 500))
def test_out_of_100_is_the_rate_rounded_and_the_icons_agree(k: int, n: int) -> None:
    k = min(k, n)
    rate = core.Rate(k, n, k / n, (0.0, 1.0), core.out_of_100(k / n))
    assert abs(rate.out_of_100 - 100 * k / n) <= 0.5
    assert sum(core.icons(rate)) == rate.out_of_100


@settings(max_examples=50)
@given(st.integers(0, 10))
def test_every_pain_score_falls_in_exactly_one_band(score: int) -> None:
    bands = [b for b in core.PAIN_BANDS if b[0] <= score <= b[1]]
    assert len(bands) == 1
