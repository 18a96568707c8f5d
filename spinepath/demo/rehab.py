"""The demo physiotherapist's rehabilitation programme, and the patient's exercise logs.

A few days after the injection the clinic's physiotherapist sees the patient and makes the
programme the builder proposes (``programme_create``: condition, STarT Back band, days since the
injection), sometimes trimming it (``programme_update``). The patient then logs sessions through
``adherence_record`` (done, pain during): a patient whose injection helped keeps at it for
longer and logs more often with less pain; one who never answers follow-up logs little or
nothing. Events run in date order with the episode's follow-up (``demo/followup.py``).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from spinepath.aftercare.models import AdherenceLog
from spinepath.aftercare.programmes import (
    ItemChoice,
    adherence_record,
    programme_create,
    programme_update,
    suggested_start_back,
)
from spinepath.demo import story as stories
from spinepath.demo.scenarios import SCENARIOS
from spinepath.demo.wording import WORDING

if TYPE_CHECKING:
    from spinepath.demo.followup import Course

REHAB = SCENARIOS["rehab"]


def plan_programme(course: Course, injected: date) -> None:
    """The physiotherapist's appointment 2 to 10 days after the injection, then the logs."""
    rng = course.rng
    day = injected + timedelta(days=rng.randint(2, 10))
    when = stories.at(day, rng.randint(9, 16), rng.choice([0, 30]))
    course.at(when, lambda: _make(course, injected, when))


def _make(course: Course, injected: date, when: datetime) -> None:
    if course.closed:
        return
    rng, episode, physio = course.rng, course.story.episode, course.physio()
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
    if rng.random() < REHAB["edited_share"] and len(items) > 4:
        items.remove(rng.choice(items[1:]))
        programme_update(
            None,
            programme=programme,
            by=physio,
            items=[ItemChoice(i.phase, i.exercise_code, i.dosage) for i in items],
            notes=programme.notes,
            at=when + timedelta(minutes=10),
        )
    course.programme, course.programme_items = programme, items
    engagement = REHAB["engagement"][course.pattern]
    weeks = engagement["weeks"]
    if course.never_answers:
        weeks = (0, 1)
    elif course.stopped in ("6w", "3m"):  # answers stop early: so do the exercises
        weeks = (min(weeks[0], 2), min(weeks[1], 4))
    start = timezone.localdate(when) + timedelta(days=1)
    for week in range(rng.randint(*weeks)):
        for offset in sorted(rng.sample(range(7), rng.randint(*engagement["per_week"]))):
            day = start + timedelta(days=7 * week + offset)
            moment = stories.at(day, rng.randint(18, 21), rng.randint(0, 59))
            done = rng.random() < REHAB["done_share"]
            pain = rng.randint(*engagement["pain"]) if done else None
            course.at(moment, lambda d=day, m=moment, x=done, p=pain: _log(course, d, m, x, p))


def _log(course: Course, day: date, when: datetime, done: bool, pain: int | None) -> None:
    """One session of one of the day's exercises (the phase the patient is in)."""
    if course.closed or course.programme is None:
        return
    programme = course.programme
    phase = programme.phase_on(day)
    today = [i for i in course.programme_items if i.phase == phase] or course.programme_items
    adherence_record(
        None,
        programme=programme,
        exercise_code=course.rng.choice(today).exercise_code,
        on=day,
        done=done,
        pain_during=pain,
        source=AdherenceLog.Source.PATIENT,
        at=when,
    )
