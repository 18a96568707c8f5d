"""The demo physiotherapist's rehabilitation programme, and the patient's exercise logs.

A few days after the injection the clinic's physiotherapist sees the patient and makes the
programme the builder proposes (``programme_create``: condition, STarT Back band, days since the
injection), sometimes trimming it (``programme_update``). The patient then logs sessions through
``adherence_record`` (done, pain during): a patient whose injection helped keeps at it for
longer and logs more often with less pain; one who never answers follow-up logs little or
nothing. Events run in date order with the episode's follow-up (``demo/followup.py``).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from spinepath.aftercare.models import AdherenceLog
from spinepath.aftercare.programmes import (
    ItemChoice,
    adherence_record,
    programme_create,
    programme_update,
    suggested_start_back,
)
from spinepath.demo.wording import WORDING

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from spinepath.demo.followup import Course
    from spinepath.procedures.models import ProcedureRecord

EDITED_SHARE = 0.2
"""Programmes the physiotherapist trims after the proposal (one exercise fewer in a phase)."""

ENGAGEMENT = {
    # pattern: (weeks of logging (low, high), sessions logged a week (low, high), pain during)
    "lasting": ((4, 8), (1, 2), (0, 3)),
    "fading": ((3, 6), (1, 2), (1, 4)),
    "none": ((1, 3), (1, 1), (3, 6)),
    "worse": ((1, 2), (1, 1), (4, 7)),
}


def plan_programme(course: Course, record: ProcedureRecord, injected: date) -> None:
    """The physiotherapist's appointment 2 to 10 days after the injection, then the logs."""
    from spinepath.demo.followup import _at

    rng = course.rng
    day = injected + timedelta(days=rng.randint(2, 10))
    when = _at(day, rng.randint(9, 16), rng.choice([0, 30]))
    course.at(when, lambda: _make(course, injected, when))


def _make(course: Course, injected: date, when: datetime) -> None:
    from spinepath.demo.followup import _at, _physio

    if course.closed:
        return
    rng, episode = course.rng, course.story.episode
    physio = _physio(course)
    programme = programme_create(
        None,
        episode=episode,
        by=physio,
        injection_date=injected,
        start_back_risk=suggested_start_back(episode),
        notes=rng.choice(WORDING["programme_notes"]["notes"]),
        at=when,
    )
    items = list(programme.items.all())
    if rng.random() < EDITED_SHARE and len(items) > 4:
        dropped = rng.choice(items[1:])
        kept = [i for i in items if i is not dropped]
        programme_update(
            None,
            programme=programme,
            by=physio,
            items=[ItemChoice(i.phase, i.exercise_code, i.dosage) for i in kept],
            notes=programme.notes,
            at=when + timedelta(minutes=10),
        )
        items = kept
    course.programme, course.programme_items = programme, items
    weeks, per_week, pain = ENGAGEMENT.get(course.pattern, ENGAGEMENT["none"])
    if course.never_answers:
        weeks = (0, 1)
    elif course.stopped in ("6w", "3m"):  # answers stop early: so do the exercises
        weeks = (min(weeks[0], 2), min(weeks[1], 4))
    start = timezone_date(when) + timedelta(days=1)
    for week in range(rng.randint(*weeks)):
        days = sorted(rng.sample(range(7), rng.randint(*per_week)))
        for offset in days:
            day = start + timedelta(days=7 * week + offset)
            moment = _at(day, rng.randint(18, 21), rng.randint(0, 59))
            done = rng.random() < 0.85
            pain_during = rng.randint(*pain) if done else None
            course.at(
                moment, lambda d=day, m=moment, x=done, p=pain_during: _log(course, d, m, x, p)
            )


def timezone_date(when: datetime) -> date:
    from django.utils import timezone

    return timezone.localdate(when)


def _logger(
    course: Course, day: date, when: datetime, done: bool, pain: int | None
) -> Callable[[], None]:
    return lambda: _log(course, day, when, done, pain)


def _log(course: Course, day: date, when: datetime, done: bool, pain: int | None) -> None:
    """One session of one of the day's exercises (the phase the patient is in)."""
    if course.closed or course.programme is None:
        return
    programme = course.programme
    phase = programme.phase_on(day)
    today = [i for i in course.programme_items if i.phase == phase] or course.programme_items
    item = course.rng.choice(today)
    adherence_record(
        None,
        programme=programme,
        exercise_code=item.exercise_code,
        on=day,
        done=done,
        pain_during=pain,
        source=AdherenceLog.Source.PATIENT,
        at=when,
    )
