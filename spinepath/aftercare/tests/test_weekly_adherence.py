"""The timeline's weekly adherence: one entry per week since the injection once it has closed,
written when a session is logged (dated with that log's ``at``), an empty week included, and a
late log for a summarised week writing that week again."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from spinepath.aftercare.models import AdherenceLog, Programme
from spinepath.aftercare.programmes import adherence_record, programme_create
from spinepath.patients.models import TimelineEvent

pytestmark = pytest.mark.django_db

INJECTED = dt.date(2026, 11, 2)  # a Monday: week 1 is 2-8 November


def moment(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def programme(episode: Any, physio: Any, made_on: dt.date = INJECTED) -> Programme:
    return programme_create(
        None,
        episode=episode,
        by=physio,
        injection_date=INJECTED,
        start_back_risk="",
        at=moment(made_on, 9),
    )


def log(made: Programme, on: dt.date, *, at_day: dt.date | None = None, **fields: Any) -> Any:
    values: dict[str, Any] = {
        "exercise_code": made.items.first().exercise_code,
        "done": True,
        "pain_during": 4,
        "source": AdherenceLog.Source.STAFF if at_day else AdherenceLog.Source.PATIENT,
    }
    values.update(fields)
    by = made.created_by if values["source"] == AdherenceLog.Source.STAFF else None
    return adherence_record(None, programme=made, on=on, by=by, at=moment(at_day or on), **values)


def weekly(episode: Any) -> list[TimelineEvent]:
    return list(episode.timeline.filter(summary__startswith="Exercise week").order_by("at", "pk"))


def test_no_entry_while_the_first_week_is_open(episode_a: Any, physio_a: Any) -> None:
    made = programme(episode_a, physio_a)
    log(made, INJECTED + dt.timedelta(days=6))  # day 6: the last day of week 1
    assert weekly(episode_a) == []


def test_the_first_log_after_a_week_closes_summarises_it_at_its_own_moment(
    episode_a: Any, physio_a: Any
) -> None:
    made = programme(episode_a, physio_a)
    log(made, INJECTED, pain_during=2)
    log(made, INJECTED + dt.timedelta(days=1), done=False, pain_during=None)
    log(made, INJECTED + dt.timedelta(days=2), pain_during=4)
    day_7 = INJECTED + dt.timedelta(days=7)
    log(made, day_7)
    [entry] = weekly(episode_a)
    assert entry.at == moment(day_7)
    assert entry.summary == (
        "Exercise week 1 adherence (2 Nov to 8 Nov): 2 of 3 sessions logged were done, "
        "pain during 3.0/10 on average"
    )
    assert entry.detail["week"] == 1 and entry.detail["done"] == 2
    made.refresh_from_db()
    assert made.weeks_summarised == 1


def test_a_week_with_nothing_logged_is_summarised_as_such(episode_a: Any, physio_a: Any) -> None:
    made = programme(episode_a, physio_a)
    log(made, INJECTED)
    log(made, INJECTED + dt.timedelta(days=15))  # week 3: weeks 1 and 2 have closed
    entries = weekly(episode_a)
    assert [e.detail["week"] for e in entries] == [1, 2]
    assert entries[1].summary.endswith("no sessions logged")


def test_weeks_closed_before_the_programme_was_made_are_not_counted(
    episode_a: Any, physio_a: Any
) -> None:
    made = programme(episode_a, physio_a, made_on=INJECTED + dt.timedelta(days=10))
    log(made, INJECTED + dt.timedelta(days=14))  # week 2 closed after the programme was made
    assert [e.detail["week"] for e in weekly(episode_a)] == [2]


def test_a_late_log_for_a_summarised_week_writes_it_again(episode_a: Any, physio_a: Any) -> None:
    made = programme(episode_a, physio_a)
    log(made, INJECTED)
    log(made, INJECTED + dt.timedelta(days=8))
    log(made, INJECTED + dt.timedelta(days=3), at_day=INJECTED + dt.timedelta(days=9))
    entries = weekly(episode_a)
    assert [(e.detail["week"], "updated" in e.summary) for e in entries] == [
        (1, False),
        (1, True),
    ]
    assert entries[1].detail["logged"] == 2


def test_a_refused_log_writes_no_summary(episode_a: Any, physio_a: Any) -> None:
    made = programme(episode_a, physio_a)
    with pytest.raises(ValidationError):
        log(made, INJECTED + dt.timedelta(days=9), pain_during=11)
    assert weekly(episode_a) == []
    made.refresh_from_db()
    assert made.weeks_summarised == 0
