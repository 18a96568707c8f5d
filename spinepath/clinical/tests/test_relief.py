"""Relief after one procedure (followup.md, "Precisely"): worked examples and properties."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spinepath.clinical.relief import (
    FollowUpScores,
    ReliefInputError,
    Scores,
    in_words,
    nrs_change,
    odi_change,
    relief,
)
from spinepath.clinical.tests.factories import PROPERTY

PROCEDURE = dt.date(2026, 1, 10)
BASELINE = Scores(nrs_back=4, nrs_leg=8, odi=46.0)


def point(label: str, days: int, leg: int | None, **other: float | int | None) -> FollowUpScores:
    return FollowUpScores(
        label=label,
        on=PROCEDURE + dt.timedelta(days=days),
        scores=Scores(nrs_leg=leg, **other),  # type: ignore[arg-type]
    )


def test_the_api_md_example() -> None:
    result = relief(
        PROCEDURE,
        "nrs_leg",
        BASELINE,
        [
            point("6w", 42, 7, nrs_back=4, odi=40.0, pgic=4),
            point("2w", 14, 3, nrs_back=3, pgic=2),
        ],
    )
    assert result.responder is True
    assert (result.onset.label, result.onset.days) == ("2w", 14)  # type: ignore[union-attr]
    assert (result.ended.label, result.ended.days) == ("6w", 42)  # type: ignore[union-attr]
    assert result.duration_days == 42
    assert result.censored is False
    first, second = result.timepoints  # sorted by date
    assert first.label == "2w"
    assert (first.change_points, first.change_percent) == (5, 62.5)
    assert first.meaningful and first.substantial and first.pgic_meaningful
    assert (first.odi_change_points, first.odi_meaningful) == (None, None)
    assert (second.change_points, second.meaningful, second.substantial) == (1, False, False)
    assert second.odi_change_points == 6.0 and second.odi_meaningful is False
    assert second.pgic_meaningful is False


def test_onset_is_the_first_meaningful_point_not_the_first_answered() -> None:
    result = relief(PROCEDURE, "nrs_leg", BASELINE, [point("2w", 14, 7), point("6w", 42, 4)])
    assert result.onset is not None and result.onset.label == "6w"


def test_relief_still_meaningful_at_the_last_answer_is_censored_there() -> None:
    result = relief(
        PROCEDURE,
        "nrs_leg",
        BASELINE,
        [point("2w", 14, 3), point("6w", 42, 4), point("3m", 90, None)],
    )
    assert result.ended is None
    assert result.censored is True
    assert result.duration_days == 42  # the last *completed* time point, not the unanswered 3m


def test_a_missing_answer_neither_ends_nor_extends_relief() -> None:
    with_gap = relief(
        PROCEDURE,
        "nrs_leg",
        BASELINE,
        [point("2w", 14, 3), point("6w", 42, None, pgic=7), point("3m", 90, 8)],
    )
    assert with_gap.ended is not None and with_gap.ended.label == "3m"
    assert with_gap.duration_days == 90
    gap = with_gap.timepoints[1]
    assert gap.completed is False and gap.meaningful is None and gap.change_points is None
    assert gap.pgic_meaningful is False  # still shown


def test_relief_that_returns_after_it_ended_does_not_reopen_it() -> None:
    result = relief(
        PROCEDURE, "nrs_leg", BASELINE, [point("2w", 14, 3), point("6w", 42, 8), point("3m", 90, 2)]
    )
    assert result.ended is not None and result.ended.label == "6w"
    assert result.duration_days == 42 and result.censored is False


def test_no_meaningful_relief_is_a_non_responder() -> None:
    result = relief(PROCEDURE, "nrs_leg", BASELINE, [point("2w", 14, 7), point("6w", 42, 9)])
    assert result.responder is False
    assert result.onset is None and result.ended is None
    assert result.duration_days is None and result.censored is False
    assert result.timepoints[1].change_points == -1  # worse is a negative change
    assert result.timepoints[1].meaningful is False
    assert "non-responder" in in_words(result)


def test_nothing_answered_is_not_yet_measurable() -> None:
    result = relief(PROCEDURE, "nrs_leg", BASELINE, [point("2w", 14, None)])
    assert result.responder is False and result.duration_days is None
    assert in_words(result).startswith("No follow-up answered yet")


def test_no_pain_at_baseline_is_never_meaningful() -> None:
    result = relief(PROCEDURE, "nrs_back", Scores(nrs_back=0), [point("2w", 14, None, nrs_back=0)])
    row = result.timepoints[0]
    assert row.completed is True and row.change_points == 0 and row.change_percent is None
    assert row.meaningful is False and result.responder is False


def test_missing_baseline_answers_completion_but_never_relief() -> None:
    result = relief(PROCEDURE, "nrs_leg", Scores(), [point("2w", 14, 1)])
    row = result.timepoints[0]
    assert row.completed is True and row.change_points is None and row.meaningful is False


@pytest.mark.parametrize(
    ("baseline", "now", "meaningful", "substantial"),
    [
        (10, 7, True, False),  # exactly 30% and 3 points
        (10, 8, False, False),  # 2 points but 20%
        (3, 2, False, False),  # 33% but 1 point
        (4, 2, True, True),  # exactly 50% and 2 points
        (2, 1, False, False),  # 50% of a single point
        (5, 7, False, False),  # worse
    ],
)
def test_meaningful_and_substantial_thresholds(
    baseline: int, now: int, meaningful: bool, substantial: bool
) -> None:
    result = relief(
        PROCEDURE, "nrs_back", Scores(nrs_back=baseline), [point("2w", 14, None, nrs_back=now)]
    )
    assert result.timepoints[0].meaningful is meaningful
    assert result.timepoints[0].substantial is substantial


@pytest.mark.parametrize(
    ("baseline", "now", "points", "meaningful"),
    [
        (46.0, 36.0, 10.0, True),  # 10 points
        (20.0, 14.0, 6.0, True),  # 30%
        (20.0, 15.0, 5.0, False),
        (30.0, 40.0, -10.0, False),  # worse is never relief
        (None, 20.0, None, None),
    ],
)
def test_odi_change(
    baseline: float | None, now: float, points: float | None, meaningful: bool | None
) -> None:
    assert odi_change(baseline, now) == (points, meaningful)


def test_change_percent() -> None:
    assert nrs_change(8, 3) == (5, 62.5)
    assert nrs_change(0, 2) == (-2, None)
    assert nrs_change(None, 2) == (None, None)


def test_a_time_point_before_the_procedure_is_refused_naming_it() -> None:
    with pytest.raises(ReliefInputError) as refused:
        relief(PROCEDURE, "nrs_leg", BASELINE, [point("2w", 14, 3), point("6w", -1, 3)])
    assert refused.value.field == "timepoints.1.date"


def test_in_words() -> None:
    ended = relief(PROCEDURE, "nrs_leg", BASELINE, [point("2w", 14, 3), point("3m", 90, 8)])
    assert in_words(ended) == "Meaningful relief from 2 weeks, ended by 3 months: 90 days."
    ongoing = relief(PROCEDURE, "nrs_leg", BASELINE, [point("2w", 14, 3)])
    assert "still meaningful" in in_words(ongoing) and "14 days" in in_words(ongoing)


def test_best_change_percent_reads_worse_as_no_relief() -> None:
    worse = relief(PROCEDURE, "nrs_leg", BASELINE, [point("2w", 14, 9)])
    assert worse.best_change_percent == 0.0
    good = relief(PROCEDURE, "nrs_leg", BASELINE, [point("2w", 14, 4), point("6w", 42, 2)])
    assert good.best_change_percent == 75.0


# --- Properties ----------------------------------------------------------------------------------

nrs = st.none() | st.integers(min_value=0, max_value=10)
follow_ups = st.lists(
    st.tuples(st.integers(min_value=0, max_value=400), nrs), min_size=0, max_size=8
).map(lambda rows: [point(f"t{i}", days, leg) for i, (days, leg) in enumerate(rows)])


@PROPERTY
@given(baseline=nrs, points=follow_ups)
def test_duration_is_never_negative(baseline: int | None, points: list[FollowUpScores]) -> None:
    result = relief(PROCEDURE, "nrs_leg", Scores(nrs_leg=baseline), points)
    assert result.duration_days is None or result.duration_days >= 0
    assert (result.duration_days is None) is (not result.responder)


@PROPERTY
@given(baseline=nrs, points=follow_ups)
def test_censored_is_never_counted_as_ended(
    baseline: int | None, points: list[FollowUpScores]
) -> None:
    result = relief(PROCEDURE, "nrs_leg", Scores(nrs_leg=baseline), points)
    assert not (result.censored and result.ended is not None)
    if result.ended is not None:
        assert result.duration_days == result.ended.days
    if result.onset is not None and result.ended is not None:
        assert result.ended.on >= result.onset.on


@PROPERTY
@given(baseline=nrs, points=follow_ups, later=st.integers(min_value=1, max_value=400), leg=nrs)
def test_a_later_completed_time_point_never_moves_onset(
    baseline: int | None, points: list[FollowUpScores], later: int, leg: int | None
) -> None:
    before = relief(PROCEDURE, "nrs_leg", Scores(nrs_leg=baseline), points)
    last = max((p.on for p in points), default=PROCEDURE)
    added = FollowUpScores("later", last + dt.timedelta(days=later), Scores(nrs_leg=leg))
    after = relief(PROCEDURE, "nrs_leg", Scores(nrs_leg=baseline), [*points, added])
    if before.onset is not None:
        assert after.onset == before.onset
        if before.ended is not None:
            assert after.ended == before.ended  # an end, once reached, stays
