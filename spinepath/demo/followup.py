"""A year of follow-up after each demo injection, replayed through the follow-up workflows.

After ``story.py`` records a procedure, ``after_injection`` plans what happens next as dated
events and runs them in date order: the patient answers each questionnaire some days after it
falls due (a few late, a few taken by phone and entered by staff) through ``time_point_submit``;
the clinician reviews the episode and, when relief has ended or never came, records the next
step (``next_step_record``: a repeat after ≥ 50% relief, which goes ahead when it is simple,
otherwise physiotherapy, a surgical opinion or discharge); the physiotherapist's programme and
the patient's exercise logs come from ``demo/rehab.py``.

Each patient follows one response pattern (lasting relief, relief that fades after 3, 6 or 12
months, no relief, worse) and one engagement pattern (answers stop for good after a point, more
often early; a few points are skipped), so about half the 12-month questionnaires go unanswered.

**Messages.** The sender's history is replayed for the last ``SENDER_DAYS`` only: replaying it
for the whole demo costs more than the rest of the demo. Every event from that window on, of
every patient, waits in one queue that runs after the last story, in date order, with
``send_due(at=)`` at 9:00 each day (Django's locmem email backend and the in-memory text
message backend, so nothing leaves the machine). In that window a patient answers only a
questionnaire whose invitation went. The sender's last run is the day before the most recent
invitation fell due, so ``manage.py send_followups`` has real messages to send after seeding.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.test.utils import override_settings
from django.utils import timezone

from spinepath.assessment.models import Decision
from spinepath.followup.models import FollowUpAnswer, Label, MessageLog, TimePoint
from spinepath.followup.outcomes import procedure_relief
from spinepath.followup.planning import PlanRefused, next_step_record, step_options
from spinepath.followup.responses import time_point_submit
from spinepath.followup.scheduling import assessment_baseline
from spinepath.followup.sending import send_due
from spinepath.followup.sms import MemorySMSBackend
from spinepath.patients.episodes import episode_discharge
from spinepath.patients.models import Episode
from spinepath.procedures.models import ProcedureRecord

if TYPE_CHECKING:
    from spinepath.accounts.models import User
    from spinepath.demo.story import Story

Stage = Episode.Stage
Source = FollowUpAnswer.Source

SENDER_DAYS = 21
"""How far back the sender's history is replayed (its link window is 21 days)."""
SEND_HOUR = 9

PATTERNS = {"lasting": 15, "fading": 37, "none": 38, "worse": 10}
"""Response patterns after an injection; "fading" relief ends at 3, 6 or 12 months."""
FADES_AT = {"3m": 40, "6m": 40, "12m": 20}
LABELS = ("2w", "6w", "3m", "6m", "12m")

NEVER_ANSWERS = 0.12
"""Patients who never answer a follow-up questionnaire."""
DROP_OUT = {"2w": 0.0, "6w": 0.10, "3m": 0.08, "6m": 0.05, "12m": 0.05}
"""The chance a patient still answering stops for good before each point."""
SKIPS = 0.08
"""The chance a patient still answering misses one point."""
DELAYS = (((0, 2), 52), ((3, 6), 24), ((7, 7), 6), ((8, 13), 8), ((14, 20), 4))
"""Days after the due date the patient answers (the reminders go on days 3 and 7)."""
BY_PHONE = 0.06
"""Answers taken by phone when staff chase a questionnaire not answered (10-18 days late)."""


@dataclass(order=True)
class Event:
    when: datetime
    seq: int
    run: Callable[[], None] = field(compare=False)
    discharge: bool = field(default=False, compare=False)
    point: int | None = field(default=None, compare=False)
    """A patient answering a questionnaire due in the sender's window: runs only if its
    invitation went."""


@dataclass
class Replay:
    """The whole build's follow-up: the sender's window and the queue of events in it."""

    today: date
    window_from: datetime
    later: list[Event] = field(default_factory=list)
    counter: Iterator[int] = field(default_factory=itertools.count)
    kept_open: set[int] = field(default_factory=set)
    """Episodes no story discharges (their time points may wait for the sender)."""
    physios: dict[int, User] = field(default_factory=dict)
    sent_during_build: int = 0


_ACTIVE: list[Replay] = []


@contextmanager
def replaying(today: date) -> Iterator[Replay]:
    """Collect the stories' events in the sender's window and run them, with the sender, when
    the last story is done. Messages go to memory, never out of the machine."""
    start = datetime.combine(today - timedelta(days=SENDER_DAYS), time.min)
    replay = Replay(today=today, window_from=timezone.make_aware(start))
    outbox = list(getattr(mail, "outbox", []))
    texts = list(MemorySMSBackend.outbox)
    quiet = {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if settings.SPINEPATH_SMS_BACKEND:
        quiet["SPINEPATH_SMS_BACKEND"] = "spinepath.followup.sms.MemorySMSBackend"
    sender_log = logging.getLogger("spinepath.followup.sending")
    level = sender_log.level
    sender_log.setLevel(logging.WARNING)  # one line a message is noise in a seeding
    _ACTIVE.append(replay)
    try:
        with override_settings(**quiet):
            yield replay
            _run_window(replay)
    finally:
        _ACTIVE.remove(replay)
        sender_log.setLevel(level)
        mail.outbox = outbox
        MemorySMSBackend.outbox[:] = texts


def _run_window(replay: Replay) -> None:
    last_send = _last_send(replay)
    day = replay.window_from.date()
    while (moment := _at(day, SEND_HOUR)) <= last_send:
        _push(replay.later, replay, moment, lambda m=moment: _send(replay, m))
        day += timedelta(days=1)
    queue = replay.later
    while queue:
        event = heapq.heappop(queue)
        if event.point is not None and not _invited(event.point):
            continue
        event.run()


def _send(replay: Replay, moment: datetime) -> None:
    replay.sent_during_build += send_due(at=moment).sent


def _invited(point_id: int) -> bool:
    return MessageLog.objects.filter(time_point_id=point_id, status=MessageLog.Status.SENT).exists()


def _last_send(replay: Replay) -> datetime:
    """The sender's last run: two days before today, or the day before the latest invitation
    due on an episode that stays open, whichever is earlier."""
    yesterday = replay.today - timedelta(days=1)
    latest = (
        TimePoint.objects.filter(
            episode_id__in=replay.kept_open, due_on__lte=yesterday, due_at__isnull=True
        )
        .exclude(label=Label.BASELINE)
        .aggregate(latest=Max("due_on"))["latest"]
    )
    last = replay.today - timedelta(days=2)
    if latest is not None:
        last = min(last, latest - timedelta(days=1))
    return _at(last, SEND_HOUR)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _push(
    queue: list[Event], replay: Replay, when: datetime, run: Callable[[], None], **kw: Any
) -> None:
    heapq.heappush(queue, Event(when, next(replay.counter), run, **kw))


# --- One episode ---------------------------------------------------------------------------------


@dataclass
class Course:
    """One episode's follow-up: its story, its patterns, and its events still to come."""

    rng: random.Random
    story: Story
    replay: Replay
    queue: list[Event] = field(default_factory=list)
    answering: bool = True
    never_answers: bool = False
    stopped: str = ""
    """The time point before which the patient stopped answering ("" if they did not)."""
    closed: bool = False
    procedures: int = 1
    programme: Any = None
    programme_items: list[Any] = field(default_factory=list)
    pattern: str = ""

    @property
    def last_moment(self) -> datetime:
        return _at(self.story.last_day, 23, 30)

    def at(self, when: datetime, run: Callable[[], None], **kw: Any) -> None:
        if when <= self.last_moment:
            _push(self.queue, self.replay, when, run, **kw)


def after_injection(rng: random.Random, story: Story, injected: date) -> None:
    """Everything after the episode's injection: follow-up, reviews, next steps, programme,
    exercise logs, the move to follow-up and (for a story that ends there) the discharge."""
    from spinepath.demo import rehab

    replay = _ACTIVE[-1] if _ACTIVE else None
    if replay is None:  # a story replayed on its own, outside ``build_demo``
        with replaying(story.last_day + timedelta(days=1)):
            after_injection(rng, story, injected)
        return
    episode = story.episode
    course = Course(rng=random.Random(rng.getrandbits(64)), story=story, replay=replay)
    if not story.reaches(Stage.DISCHARGED):
        replay.kept_open.add(episode.pk)
    record = _latest_record(episode)
    _follow(course, record)
    if story.reaches(Stage.FOLLOW_UP):
        review = _at(injected + timedelta(days=course.rng.randint(21, 40)), 10)
        course.at(review, lambda: _to_follow_up(course, review))
    if story.reaches(Stage.DISCHARGED):
        _plan_discharge(course, injected)
    rehab.plan_programme(course, record, injected)
    _run(course)


def _run(course: Course) -> None:
    """Run the episode's events before the sender's window; queue the rest for it."""
    window = course.replay.window_from
    while course.queue and course.queue[0].when < window:
        heapq.heappop(course.queue).run()
    for event in course.queue:
        heapq.heappush(course.replay.later, event)
    course.queue = []


def _latest_record(episode: Episode) -> ProcedureRecord:
    return (
        ProcedureRecord.objects.filter(episode=episode)
        .select_related("consent__assessment", "episode__patient__clinic", "operator")
        .latest("performed_at")
    )


def _to_follow_up(course: Course, when: datetime) -> None:
    episode = course.story.episode
    if not course.closed and episode.stage == Stage.TREATED:
        episode.advance_to(Stage.FOLLOW_UP, by=course.story.clinician, at=when)


# --- Answers -------------------------------------------------------------------------------------


def _relief_at(course: Course, label: str, fades_at: str) -> float:
    """The fraction of the baseline pain gone at ``label`` for the course's pattern."""
    rng, pattern = course.rng, course.pattern
    k = LABELS.index(label) if label in LABELS else 0
    if pattern == "lasting":
        return rng.uniform(0.5, 0.8) - 0.03 * k
    if pattern == "fading":
        if k >= LABELS.index(fades_at):
            return rng.uniform(-0.05, 0.15)
        return rng.uniform(0.45, 0.8) - 0.04 * k
    if pattern == "worse":
        return rng.uniform(-0.45, -0.15)
    return rng.uniform(-0.05, 0.15)


def _answers(
    rng: random.Random, point: TimePoint, base: dict[str, float], relief: float
) -> dict[str, dict[str, int]]:
    """Answers to the point's instruments that give ``relief`` from the baseline scores."""
    answers: dict[str, dict[str, int]] = {}
    for code in point.instruments:
        if code in ("nrs_back", "nrs_leg"):
            start = base.get(code, 6.0)
            share = relief + rng.gauss(0, 0.06)
            answers[code] = {"score": max(0, min(10, round(start * (1 - share))))}
        elif code == "odi":
            target = base.get("odi", 40.0) * (1 - 0.8 * relief) + rng.gauss(0, 3)
            total = max(0, min(50, round(target / 2)))
            answers[code] = {f"s{n}": total // 10 + (n <= total % 10) for n in range(1, 11)}
        elif code == "pgic":
            answers[code] = {"score": _pgic(relief)}
    return answers


def _pgic(relief: float) -> int:
    for limit, score in ((0.6, 1), (0.4, 2), (0.12, 3), (-0.1, 4), (-0.25, 5)):
        if relief >= limit:
            return score
    return 6


def _follow(course: Course, record: ProcedureRecord) -> None:
    """Plan the answers to ``record``'s time points and the reviews after them."""
    rng, story = course.rng, course.story
    course.pattern = rng.choices(list(PATTERNS), list(PATTERNS.values()))[0]
    fades_at = rng.choices(list(FADES_AT), list(FADES_AT.values()))[0]
    if course.procedures == 1 and rng.random() < NEVER_ANSWERS:
        course.answering, course.never_answers = False, True
    given = assessment_baseline(record.episode, before=record.performed_at)
    base = {code: float(r.score) for code, r in given.items() if r.score is not None}
    points = list(TimePoint.objects.filter(procedure=record).order_by("due_on", "due_at"))
    scheduled = [p for p in points if p.label not in (Label.BASELINE, Label.DIARY)]
    for point in points:
        if point.label == Label.BASELINE:  # asked again on the day, in clinic
            when = record.created_at + timedelta(minutes=5)
            answers = _answers(rng, point, base, rng.uniform(-0.1, 0.1))
            course.at(when, _submit(course, point, answers, when, story.clinician))
            base.update({c: float(a["score"]) for c, a in answers.items() if "score" in a})
        elif point.label == Label.DIARY and course.answering and rng.random() < 0.7:
            assert point.due_at is not None
            when = point.due_at + timedelta(minutes=rng.randint(0, 25))
            # The record is written at discharge: earlier diary hours are answered after it.
            when = max(when, record.created_at + timedelta(minutes=rng.randint(1, 10)))
            diary_relief = rng.uniform(0.5, 0.9) if course.pattern != "none" else 0.1
            answers = _answers(rng, point, base, diary_relief)
            course.at(
                when, _submit(course, point, answers, when), point=_invited_first(course, point)
            )
    for point in scheduled:
        if not course.answering:
            break
        if rng.random() < DROP_OUT.get(point.label, 0.08):
            course.answering, course.stopped = False, point.label
            break
        if rng.random() < SKIPS:
            continue
        relief = _relief_at(course, point.label, fades_at)
        answers = _answers(rng, point, base, relief)
        if rng.random() < BY_PHONE:
            day = point.due_on + timedelta(days=rng.randint(10, 18))
            when = _at(day, rng.randint(10, 16), rng.choice([0, 20, 40]))
            by = _physio(course)
            course.at(when, _submit(course, point, answers, when, by))
        else:
            low, high = rng.choices([d for d, _ in DELAYS], [w for _, w in DELAYS])[0]
            days = rng.randint(low, high)
            hour = rng.randint(10 if days == 0 else 7, 22)
            when = _at(point.due_on + timedelta(days=days), hour, rng.randint(0, 59))
            course.at(
                when, _submit(course, point, answers, when), point=_invited_first(course, point)
            )
        last = point is scheduled[-1]
        if point.label != "2w" or last:
            review = when + timedelta(days=rng.randint(2, 10), hours=rng.randint(0, 3))
            course.at(review, lambda r=review: _review(course, record, r))


def _invited_first(course: Course, point: TimePoint) -> int | None:
    """The point's id when the sender's replay must have invited the patient first."""
    due = point.due_at or _at(point.due_on, SEND_HOUR)
    return point.pk if due >= course.replay.window_from else None


def _submit(
    course: Course,
    point: TimePoint,
    answers: dict[str, dict[str, int]],
    when: datetime,
    by: User | None = None,
) -> Callable[[], None]:
    def run() -> None:
        if course.closed:
            return
        source = Source.STAFF if by is not None else Source.PATIENT
        time_point_submit(None, point, answers=answers, source=source, by=by, at=when)

    return run


def _physio(course: Course) -> User:
    from spinepath.accounts.models import Role, User

    clinic = course.story.episode.patient.clinic
    found = course.replay.physios.get(clinic.pk)
    if found is None:
        found = User.objects.filter(clinic=clinic, role=Role.PHYSIOTHERAPIST).order_by("pk")[0]
        course.replay.physios[clinic.pk] = found
    return found


# --- Reviews and the next step -------------------------------------------------------------------


def _review(course: Course, record: ProcedureRecord, when: datetime) -> None:
    """The clinician looks at the answers; when relief has ended or never came (and the story
    goes as far as follow-up), the next step is recorded, once per procedure."""
    from spinepath.demo.wording import WORDING

    story = course.story
    if course.closed or not story.reaches(Stage.FOLLOW_UP) or record.next_step_plans.exists():
        return
    relief = procedure_relief(record, as_of=timezone.localdate(when))
    if not relief.needs_next_step:
        return
    offered = [o.step.value for o in step_options(relief) if o.offered]
    choice = _choose(course, offered)
    outcome = ""
    if choice == "discharge":
        outcome = course.rng.choice(["physiotherapy", "self_managing", "other_service"])
    try:
        next_step_record(
            None,
            record=record,
            choice=choice,
            reason=WORDING["next_steps"][choice],
            by=story.clinician,
            discharge_outcome=outcome,
            at=when,
        )
    except ValidationError:  # a repeat the steroid checks rule out: physiotherapy instead
        choice = "physiotherapy"
        next_step_record(
            None,
            record=record,
            choice=choice,
            reason=WORDING["next_steps"][choice],
            by=story.clinician,
            at=when,
        )
    except PlanRefused:
        return
    if choice == "discharge":
        course.closed = True
    elif choice == "repeat_injection":
        _repeat(course, record, when)


def _choose(course: Course, offered: list[str]) -> str:
    rng, story = course.rng, course.story
    if "repeat_injection" in offered and rng.random() < 0.8:
        return "repeat_injection"
    weights = {"physiotherapy": 50, "surgical_opinion": 20, "diagnostic_block_rf": 25}
    if story.reaches(Stage.DISCHARGED):
        weights["discharge"] = 30
    if course.pattern == "worse":
        weights["surgical_opinion"] = 60
    choices = [c for c in weights if c in offered]
    return rng.choices(choices, [weights[c] for c in choices])[0]


def _repeat(course: Course, record: ProcedureRecord, planned: datetime) -> None:
    """The repeat goes ahead when it is simple: a third injection at most, on the list within
    five weeks, before the sender's window and with time left to follow it."""
    from spinepath.demo import story as stories

    rng, story = course.rng, course.story
    day = timezone.localdate(planned) + timedelta(days=rng.randint(14, 35))
    latest = min(course.replay.window_from.date(), story.last_day - timedelta(days=30))
    if course.procedures >= 3 or day >= latest:
        return
    decision = Decision.objects.filter(
        assessment=record.consent.assessment, context=Decision.Context.ASSESSMENT
    ).latest("evaluated_at")
    consent = stories._consent(rng, story, decision, day, hour=8)
    done = stories._procedure_day(rng, story, consent, day)
    if done is None:
        return
    new = _latest_record(story.episode)
    # The last injection's questionnaires still go on after this one; its discharge does not.
    course.queue = [e for e in course.queue if e.when > new.created_at and not e.discharge]
    heapq.heapify(course.queue)
    course.procedures += 1
    course.answering = True
    _follow(course, new)
    if story.reaches(Stage.FOLLOW_UP):
        review = _at(done + timedelta(days=rng.randint(21, 40)), 10)
        course.at(review, lambda: _to_follow_up(course, review))
    if story.reaches(Stage.DISCHARGED):
        _plan_discharge(course, done)


def _plan_discharge(course: Course, injected: date) -> None:
    """A story that ends in discharge: after the 12-month questionnaire, or earlier when the
    year is not over by the demo's today."""
    rng, story = course.rng, course.story
    day = injected + timedelta(days=rng.randint(380, 420))
    if day > story.last_day:
        earliest = injected + timedelta(days=60)
        if earliest > story.last_day:
            return
        day = earliest + timedelta(days=rng.randint(0, (story.last_day - earliest).days))
    when = _at(day, 16)
    course.at(when, lambda: _discharge(course, when), discharge=True)


def _discharge(course: Course, when: datetime) -> None:
    from spinepath.demo.wording import WORDING

    if course.closed:
        return
    course.closed = True
    outcome = {"lasting": "self_managing", "fading": "physiotherapy"}.get(
        course.pattern, course.rng.choice(["physiotherapy", "surgical_opinion"])
    )
    story = course.story
    episode_discharge(
        None,
        episode=story.episode,
        outcome=outcome,
        note=WORDING["discharges"][outcome],
        by=story.clinician,
        at=when,
    )
