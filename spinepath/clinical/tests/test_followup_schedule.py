"""Follow-up schedules per procedure type (followup.md table) and clinic overrides."""

from __future__ import annotations

import datetime as dt

import pytest

from spinepath.clinical.followup_schedule import (
    ScheduleError,
    baseline_is_stale,
    default_config,
    is_late,
    link_expires_on,
    schedule,
    validate_overrides,
    with_overrides,
)
from spinepath.clinical.vocab import Procedure

AT = dt.datetime(2026, 3, 2, 14, 0, tzinfo=dt.UTC)
ON = AT.date()


def labels(procedure: Procedure, **kwargs: object) -> list[tuple[str, int]]:
    points = schedule(procedure, performed_at=AT, performed_on=ON, primary="nrs_leg", **kwargs)  # type: ignore[arg-type]
    return [(p.label, (p.due_on - ON).days) for p in points]


def test_therapeutic_injections_follow_up_to_a_year() -> None:
    for procedure in (Procedure.TRANSFORAMINAL_EPIDURAL, Procedure.FACET_JOINT_INJECTION):
        assert labels(procedure) == [("2w", 14), ("6w", 42), ("3m", 90), ("6m", 182), ("12m", 365)]
    points = schedule(
        Procedure.CAUDAL_EPIDURAL, performed_at=AT, performed_on=ON, primary="nrs_leg"
    )
    assert "odi" not in points[0].instruments and "pgic" in points[0].instruments
    assert all("odi" in p.instruments for p in points[1:])


def test_the_medial_branch_block_keeps_a_pain_diary_over_hours_then_2_weeks() -> None:
    points = schedule(
        Procedure.MEDIAL_BRANCH_BLOCK, performed_at=AT, performed_on=ON, primary="nrs_back"
    )
    diary = [p for p in points if p.label == "diary"]
    assert [p.due_at - AT for p in diary if p.due_at] == [
        dt.timedelta(minutes=m) for m in (30, 60, 120, 240, 360, 480)
    ]
    assert all(p.instruments == ("nrs_back",) for p in diary)
    assert points[-1].label == "2w" and points[-1].instruments == ("nrs_back", "pgic")


def test_every_later_point_asks_the_primary_measure() -> None:
    points = schedule(
        Procedure.MEDIAL_BRANCH_BLOCK, performed_at=AT, performed_on=ON, primary="nrs_leg"
    )
    assert points[-1].instruments[0] == "nrs_leg"
    assert all(p.instruments == ("nrs_back",) for p in points if p.label == "diary")


def test_radiofrequency_starts_at_6_weeks() -> None:
    assert labels(Procedure.RADIOFREQUENCY_DENERVATION) == [
        ("6w", 42),
        ("3m", 90),
        ("6m", 182),
        ("12m", 365),
    ]


def test_a_clinic_may_replace_a_procedure_types_schedule() -> None:
    config = with_overrides(
        {"radiofrequency": [{"label": "3m", "after_days": 91, "instruments": ["nrs_back"]}]}
    )
    assert labels(Procedure.RADIOFREQUENCY_DENERVATION, config=config) == [("3m", 91)]
    assert labels(Procedure.CAUDAL_EPIDURAL, config=config)[0] == ("2w", 14)


@pytest.mark.parametrize(
    ("override", "problem"),
    [
        ({"knee": []}, "unknown procedure type"),
        ({"therapeutic": [{"label": "2w", "instruments": ["nrs_back"]}]}, "needs after_days"),
        ({"therapeutic": [{"label": "2w", "after_days": 14, "instruments": ["vas"]}]}, "vas"),
        ({"therapeutic": [{"label": "1y", "after_days": 365, "instruments": ["pgic"]}]}, "label"),
    ],
)
def test_a_bad_override_is_named(override: dict[str, object], problem: str) -> None:
    with pytest.raises(ScheduleError, match=problem):
        with_overrides(override)
    assert problem in validate_overrides({"A": override})[0]
    assert validate_overrides({"A": {}}) == []


def test_baseline_older_than_6_weeks_is_asked_again() -> None:
    assert baseline_is_stale(ON - dt.timedelta(days=42), ON) is False
    assert baseline_is_stale(ON - dt.timedelta(days=43), ON) is True
    assert baseline_is_stale(None, ON) is True


def test_late_means_after_the_last_reminder() -> None:
    due = ON
    on_time = dt.datetime.combine(due + dt.timedelta(days=7), dt.time(23), tzinfo=dt.UTC)
    assert not is_late(due_on=due, due_at=None, answered_on=on_time.date(), answered_at=on_time)
    late = on_time + dt.timedelta(hours=2)
    assert is_late(due_on=due, due_at=None, answered_on=late.date(), answered_at=late)
    diary = AT + dt.timedelta(minutes=60)
    assert not is_late(
        due_on=ON, due_at=diary, answered_on=ON, answered_at=diary + dt.timedelta(minutes=30)
    )
    assert is_late(
        due_on=ON, due_at=diary, answered_on=ON, answered_at=diary + dt.timedelta(minutes=31)
    )
    assert link_expires_on(due) == due + dt.timedelta(days=21)


def test_the_shipped_file_is_valid() -> None:
    assert default_config().version
