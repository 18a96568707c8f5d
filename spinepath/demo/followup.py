"""A year of follow-up after each demo injection, replayed through the follow-up workflows.

After ``story.py`` records a procedure, ``after_injection`` plans what happens next as dated
events and runs them in date order: the patient answers each questionnaire some days after it
falls due (a few late, a few taken by phone and entered by staff) through ``time_point_submit``;
the clinician reviews the episode and, when relief has ended or never came, records the next
step (``next_step_record``: a repeat after ≥ 50% relief, which goes ahead when it is simple,
otherwise physiotherapy, a surgical opinion or discharge); the physiotherapist's programme and
the patient's exercise logs come from ``demo/rehab.py``. The numbers are in ``scenarios.toml``.

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
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.test.utils import override_settings
from django.utils import timezone

from spinepath.accounts.models import Role, User
from spinepath.assessment.models import Decision
from spinepath.clinical.followup_schedule import default_config
from spinepath.clinical.vocab import Procedure
from spinepath.demo import rehab
from spinepath.demo import story as stories
from spinepath.demo.scenarios import SCENARIOS, weighted
from spinepath.demo.wording import WORDING
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
    from spinepath.demo.story import Story

Stage = Episode.Stage
FU = SCENARIOS["follow_up"]
LABELS = list(FU["drop_out"])
SENDER_DAYS = default_config().timing.link_expiry_days
"""How far back the sender's history is replayed: a patient link's life."""
SEND_HOUR = 9


@dataclass(order=True)
class Event:
    when: datetime
    seq: int
    run: Callable[[], None] = field(compare=False)
    discharge: bool = field(default=False, compare=False)


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
    while (moment := stories.at(day, SEND_HOUR)) <= last_send:
        _push(replay.later, replay, moment, partial(send_due, at=moment))
        day += timedelta(days=1)
    while replay.later:
        heapq.heappop(replay.later).run()


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
    return stories.at(last, SEND_HOUR)


def _push(queue: list[Event], replay: Replay, when: datetime, run: Any, **kw: Any) -> None:
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

    def at(self, when: datetime, run: Callable[[], None], **kw: Any) -> None:
        if when <= stories.at(self.story.last_day, 23, 30):
            _push(self.queue, self.replay, when, run, **kw)

    def physio(self) -> User:
        """The clinic's physiotherapist (who also phones patients for their answers)."""
        clinic = self.story.episode.patient.clinic
        if clinic.pk not in self.replay.physios:
            staff = User.objects.filter(clinic=clinic, role=Role.PHYSIOTHERAPIST).order_by("pk")
            self.replay.physios[clinic.pk] = staff[0]
        return self.replay.physios[clinic.pk]


def after_injection(rng: random.Random, story: Story, injected: date) -> None:
    """Everything after the episode's injection: follow-up, reviews, next steps, programme,
    exercise logs, the move to follow-up and (for a story that ends there) the discharge."""
    replay = _ACTIVE[-1] if _ACTIVE else None
    if replay is None:  # a story replayed on its own, outside ``build_demo``
        with replaying(story.last_day + timedelta(days=1)):
            after_injection(rng, story, injected)
        return
    # Seeded synthetic data, nothing secret (bandit B311).
    course_rng = random.Random(rng.getrandbits(64))  # nosec B311
    course = Course(rng=course_rng, story=story, replay=replay)
    if not story.reaches(Stage.DISCHARGED):
        replay.kept_open.add(story.episode.pk)
    _after(course, injected)
    rehab.plan_programme(course, injected)
    # Run the episode's events before the sender's window; queue the rest for it.
    while course.queue and course.queue[0].when < replay.window_from:
        heapq.heappop(course.queue).run()
    for event in course.queue:
        heapq.heappush(replay.later, event)


def _after(course: Course, injected: date) -> None:
    """Follow the latest injection: its questionnaires and reviews, the move to follow-up a few
    weeks on, and the discharge of a story that ends there."""
    story, rng = course.story, course.rng
    _follow(course, _latest_record(story))
    if story.reaches(Stage.FOLLOW_UP):
        review = stories.at(injected + timedelta(days=rng.randint(21, 40)), 10)
        course.at(review, lambda: _to_follow_up(course, review))
    if story.reaches(Stage.DISCHARGED):
        _plan_discharge(course, injected)


def _latest_record(story: Story) -> ProcedureRecord:
    """The story's latest procedure: the record ``procedure_record`` returned (the story holds
    it), else read back."""
    if story.record is not None:
        return story.record
    return (
        ProcedureRecord.objects.filter(episode=story.episode)
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
    if pattern == "fading" and k < LABELS.index(fades_at):
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
            share = relief + rng.gauss(0, 0.06)
            answers[code] = {"score": max(0, min(10, round(base.get(code, 6.0) * (1 - share))))}
        elif code == "odi":
            target = base.get("odi", 40.0) * (1 - 0.8 * relief) + rng.gauss(0, 3)
            total = max(0, min(50, round(target / 2)))
            answers[code] = {f"s{n}": total // 10 + (n <= total % 10) for n in range(1, 11)}
        elif code == "pgic":
            limits = (0.6, 0.4, 0.12, -0.1, -0.25)  # much better (1) ... much worse (6)
            answers[code] = {"score": 1 + sum(relief < limit for limit in limits)}
    return answers


def _follow(course: Course, record: ProcedureRecord) -> None:
    """Plan the answers to ``record``'s time points and the reviews after them."""
    rng, story = course.rng, course.story
    course.pattern = weighted(rng, FU["patterns"])
    fades_at = weighted(rng, FU["fades_at"])
    if course.procedures == 1 and rng.random() < FU["never_answers"]:
        course.answering, course.never_answers = False, True
    given = assessment_baseline(record.episode, before=record.performed_at)
    base = {code: float(r.score) for code, r in given.items() if r.score is not None}
    points = list(TimePoint.objects.filter(procedure=record).order_by("due_on", "due_at"))
    for point in points:  # the story's episode, so the workflow takes its lock without a read
        point.episode = record.episode
    scheduled = [p for p in points if p.label not in (Label.BASELINE, Label.DIARY)]
    for point in points:
        if point.label == Label.BASELINE:  # asked again on the day, in clinic
            when = record.created_at + timedelta(minutes=5)
            answers = _answers(rng, point, base, rng.uniform(-0.1, 0.1))
            course.at(when, _submit(course, point, answers, when, story.clinician))
            base.update({c: float(a["score"]) for c, a in answers.items() if "score" in a})
        elif point.label == Label.DIARY and course.answering and rng.random() < 0.7:
            assert point.due_at is not None
            # The record is written at discharge: earlier diary hours are answered after it.
            when = max(
                point.due_at + timedelta(minutes=rng.randint(0, 25)),
                record.created_at + timedelta(minutes=rng.randint(1, 10)),
            )
            relief = rng.uniform(0.5, 0.9) if course.pattern != "none" else 0.1
            course.at(when, _submit(course, point, _answers(rng, point, base, relief), when))
    for point in scheduled:
        if not course.answering:
            break
        if rng.random() < FU["drop_out"][point.label]:
            course.answering, course.stopped = False, point.label
            break
        if rng.random() < FU["skips"]:
            continue
        answers = _answers(rng, point, base, _relief_at(course, point.label, fades_at))
        when, by = _answered_at(course, point)
        course.at(when, _submit(course, point, answers, when, by))
        if point.label != "2w" or point is scheduled[-1]:
            review = when + timedelta(days=rng.randint(2, 10), hours=rng.randint(0, 3))
            course.at(review, lambda r=review: _review(course, record, r))


def _answered_at(course: Course, point: TimePoint) -> tuple[datetime, User | None]:
    """When the patient answers, and the staff member who took the answers by phone, if any."""
    rng = course.rng
    if rng.random() < FU["by_phone"]:
        day = point.due_on + timedelta(days=rng.randint(10, 18))
        return stories.at(day, rng.randint(10, 16), rng.choice([0, 20, 40])), course.physio()
    low, high, _ = rng.choices(FU["delays"], [weight for *_, weight in FU["delays"]])[0]
    days = rng.randint(low, high)
    hour = rng.randint(10 if days == 0 else 7, 22)
    return stories.at(point.due_on + timedelta(days=days), hour, rng.randint(0, 59)), None


def _submit(
    course: Course,
    point: TimePoint,
    answers: dict[str, dict[str, int]],
    when: datetime,
    by: User | None = None,
) -> Callable[[], None]:
    """The answers given at ``when``; in the sender's window, a patient answers only a
    questionnaire whose invitation went."""
    due = point.due_at or stories.at(point.due_on, SEND_HOUR)
    invited_first = by is None and due >= course.replay.window_from

    def run() -> None:
        if course.closed:
            return
        sent = MessageLog.objects.filter(time_point=point, status=MessageLog.Status.SENT)
        if invited_first and not sent.exists():
            return
        source = FollowUpAnswer.Source.STAFF if by else FollowUpAnswer.Source.PATIENT
        time_point_submit(None, point, answers=answers, source=source, by=by, at=when)

    return run


# --- Reviews and the next step -------------------------------------------------------------------


def _review(course: Course, record: ProcedureRecord, when: datetime) -> None:
    """The clinician looks at the answers; when relief has ended or never came (and the story
    goes as far as follow-up), the next step is recorded, once per procedure."""
    story = course.story
    if course.closed or not story.reaches(Stage.FOLLOW_UP) or record.next_step_plans.exists():
        return
    relief = procedure_relief(record, as_of=timezone.localdate(when))
    if not relief.needs_next_step:
        return
    choice = _choose(course, [o.step.value for o in step_options(relief) if o.offered])
    plan = partial(next_step_record, None, record=record, by=story.clinician, at=when)
    try:
        outcome = ""
        if choice == "discharge":
            outcome = course.rng.choice(["physiotherapy", "self_managing", "other_service"])
        plan(choice=choice, reason=WORDING["next_steps"][choice], discharge_outcome=outcome)
    except ValidationError:  # a repeat the steroid checks rule out: physiotherapy instead
        choice = "physiotherapy"
        plan(choice=choice, reason=WORDING["next_steps"][choice])
    except PlanRefused:
        return
    if choice == "discharge":
        course.closed = True
    elif choice == "repeat_injection":
        _repeat(course, record, when)


def _choose(course: Course, offered: list[str]) -> str:
    rng, story = course.rng, course.story
    if "repeat_injection" in offered and rng.random() < FU["repeat_share"]:
        return "repeat_injection"
    weights = dict(FU["steps"])
    if not story.reaches(Stage.DISCHARGED):
        del weights["discharge"]
    if course.pattern == "worse":
        weights["surgical_opinion"] = FU["worse_surgical_opinion"]
    return weighted(rng, {choice: weights[choice] for choice in weights if choice in offered})


def _repeat(course: Course, record: ProcedureRecord, planned: datetime) -> None:
    """The repeat goes ahead when it is simple: a third injection at most, on the list within
    five weeks, before the sender's window and with time left to follow it. RF denervation is
    never simple to repeat: it waits months and needs a fresh positive block (rules.md)."""
    rng, story = course.rng, course.story
    day = timezone.localdate(planned) + timedelta(days=rng.randint(14, 35))
    latest = min(course.replay.window_from.date(), story.last_day - timedelta(days=30))
    rf = record.procedure == Procedure.RADIOFREQUENCY_DENERVATION
    if course.procedures >= 3 or day >= latest or rf:
        return
    decision = Decision.objects.filter(
        assessment=record.consent.assessment, context=Decision.Context.ASSESSMENT
    ).latest("evaluated_at")
    consent = stories._consent(rng, story, decision, day, hour=8)
    done = stories._procedure_day(rng, story, consent, day)
    if done is None:
        return
    recorded = _latest_record(story).created_at
    # The last injection's questionnaires still go on after this one; its discharge does not.
    course.queue = [e for e in course.queue if e.when > recorded and not e.discharge]
    heapq.heapify(course.queue)
    course.procedures += 1
    course.answering = True
    _after(course, done)


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
    when = stories.at(day, 16)
    course.at(when, lambda: _discharge(course, when), discharge=True)


def _discharge(course: Course, when: datetime) -> None:
    if course.closed:
        return
    course.closed = True
    outcome = FU["discharge_outcomes"].get(
        course.pattern, course.rng.choice(["physiotherapy", "surgical_opinion"])
    )
    note, story = WORDING["discharges"][outcome], course.story
    episode_discharge(
        None, episode=story.episode, outcome=outcome, note=note, by=story.clinician, at=when
    )
