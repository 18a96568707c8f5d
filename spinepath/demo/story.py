"""One synthetic patient's story, replayed in date order through the real workflows.

Each step calls the function the page and the API call, with ``at=`` the story's time:
``assessment_record`` (and ``record_proceed`` where the clinician goes ahead against the advice),
the onward action for a decision that stops the pathway, ``consent_record`` (a patient may decline
first, or withdraw and agree again later), ``safety_check_record`` and ``safety_check_confirm``,
``procedure_record`` (so its hooks run), and the episode's discharge. Stage moves, timelines and
audit events are the workflows' own. Where a workflow refuses, the demo does what a clinician
would: a decision that cannot be overridden ends the story at ``assessed``, a decision re-run on
the day that finds something new (or blocks) moves the injection to the list a week later, and a
steroid check that blocks gets the operating clinician's written override.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from spinepath.assessment.decisions import assessment_record, record_proceed
from spinepath.assessment.models import Decision
from spinepath.clinical.checklist import Phase
from spinepath.clinical.vocab import Complication, Condition, Imaging, Outcome, Procedure
from spinepath.demo import assessments as scenarios
from spinepath.demo import followup as follow_up
from spinepath.demo import procedures as day_of
from spinepath.demo.wording import WORDING
from spinepath.onward.actions import not_suitable_plan_record, urgent_referral_record
from spinepath.onward.models import OnwardAction
from spinepath.patients.models import Episode, Language
from spinepath.procedures.consent import consent_record, consent_withdraw
from spinepath.procedures.models import Consent, ProcedureRecord
from spinepath.procedures.procedure import SteroidOverrideRequired, procedure_record
from spinepath.procedures.safety_check import (
    checklist_items,
    day_of_decision_problem,
    glucose_asked,
    safety_check_confirm,
    safety_check_record,
)

if TYPE_CHECKING:
    from spinepath.accounts.models import User

Stage = Episode.Stage
ORDER = list(Stage.values)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


@dataclass
class Story:
    """What happens to one episode: how far it goes, its outcome, and when each step happens."""

    episode: Episode
    clinician: User
    stage: str
    outcome: Outcome | None
    last_day: date
    """The day before the demo's today: nothing in a story happens later."""
    hesitation: str = ""
    """"declined" or "withdrawn": the patient's first answer on consent."""
    prefer: frozenset[str] = frozenset()
    """Scenarios to show when they fit (``assessments.SHOW_FIRST`` not yet shown)."""
    scenario: str = ""
    proceed_reason: str = ""
    record: ProcedureRecord | None = None
    """The latest procedure recorded, as ``procedure_record`` returned it."""

    def reaches(self, stage: str) -> bool:
        return ORDER.index(self.stage) >= ORDER.index(stage)


def _plus(rng: random.Random, day: date, low: int, high: int) -> date:
    return day + timedelta(days=rng.randint(low, high))


def replay(rng: random.Random, story: Story) -> None:
    """Walk ``story`` from its assessment on, stopping wherever the workflows say it must."""
    episode = story.episode
    if story.outcome is None:
        return
    day = min(_plus(rng, episode.referral_date, 7, 35), story.last_day)
    decision = _assess(rng, story, day)
    if decision.blocks:
        _onward(rng, story, decision)
        return
    if not story.reaches(Stage.CONSENTED):
        return
    if decision.needs_reason_to_proceed:
        reason = story.proceed_reason or scenarios.GENERIC_PROCEED
        moment = timezone.localtime(decision.evaluated_at) + timedelta(minutes=20)
        record_proceed(None, decision, by=story.clinician, reason=reason, at=moment)
    consent_day = day if rng.random() < 0.5 else min(_plus(rng, day, 1, 14), story.last_day)
    consent = _consent(rng, story, decision, consent_day)
    consent_day = timezone.localdate(consent.created_at)
    if not story.reaches(Stage.TREATED):
        return
    injection_day = _plus(rng, consent_day, 0 if consent_day > day else 7, 28)
    done = _procedure_day(rng, story, consent, min(injection_day, story.last_day))
    if done is not None:  # follow-up, next steps (repeats among them), programme, discharge
        follow_up.after_injection(rng, story, done)


def _assess(rng: random.Random, story: Story, day: date) -> Decision:
    episode, outcome = story.episode, story.outcome
    assert outcome is not None
    who = scenarios.Patient(
        age=episode.patient.age_on(day),
        sex=episode.patient.sex,
        side=episode.laterality,
        referral_care_weeks=episode.conservative_care_weeks or 0,
    )
    plan = scenarios.plan_for(rng, Condition(episode.condition), outcome, who, story.prefer)
    story.scenario, story.proceed_reason = plan.scenario, plan.proceed_reason
    answers = scenarios.questionnaire_answers(rng, plan)
    assessment, priors, baseline = scenarios.assessment_inputs(plan, episode, day, answers)
    return assessment_record(
        None,
        assessment=assessment,
        by=story.clinician,
        baseline=baseline,
        injections_elsewhere=priors,
        at=at(day, 11 + rng.randrange(3), rng.choice([0, 15, 30, 45])),
    )


def _onward(rng: random.Random, story: Story, decision: Decision) -> None:
    """Most decisions that stop the pathway have their action recorded; a few are still due."""
    if rng.random() < 0.25:
        return
    moment = timezone.localtime(decision.evaluated_at) + timedelta(minutes=rng.randint(20, 50))
    by, outcome = story.clinician, Outcome(decision.outcome)
    text = WORDING["onward"][outcome]
    if outcome is Outcome.URGENT_REFERRAL:
        urgent_referral_record(
            None,
            decision=decision,
            to_whom=text,
            method=OnwardAction.Method.PHONE,
            made_at=moment,
            by=by,
            at=moment + timedelta(minutes=5),
        )
    else:
        not_suitable_plan_record(
            None, decision=decision, plan=WORDING["onward"][outcome], by=by, at=moment
        )


def _consent(
    rng: random.Random, story: Story, decision: Decision, day: date, *, hour: int = 15
) -> Consent:
    """Consent for the plan on ``day``; a hesitant patient first declines, or agrees and then
    withdraws, and agrees again a few days later."""
    assessment, patient = decision.assessment, story.episode.patient
    procedure = Procedure(assessment.procedure)
    interpreter = patient.preferred_language != Language.ENGLISH
    moment = at(day, hour, rng.choice([0, 15, 30]))

    def take(answer: str, when: datetime, questions: str) -> Consent:
        if interpreter:
            questions = f"{questions} Discussed through a professional interpreter.".strip()
        return consent_record(
            None,
            assessment=assessment,
            clinician=story.clinician,
            decision=answer,
            capacity_confirmed=True,
            signed_on=timezone.localdate(when),
            levels=day_of.levels(rng, procedure),
            side=story.episode.laterality,
            interpreter_used=interpreter,
            patient_questions=questions,
            signed_name=patient.full_name,
            at=when,
        )

    if story.hesitation and day + timedelta(days=8) <= story.last_day:  # else kept, unshown
        hesitation, story.hesitation = story.hesitation, ""
        if hesitation == "declined":
            take(Consent.Decision.DENY, moment, rng.choice(day_of.DENY_QUESTIONS))
        else:
            agreed = take(Consent.Decision.PERMIT, moment, "")
            withdrawn = at(day + timedelta(days=rng.randint(2, 4)), 10)
            reason = rng.choice(day_of.WITHDRAWAL_REASONS)
            consent_withdraw(None, consent=agreed, by=story.clinician, reason=reason, at=withdrawn)
        moment += timedelta(days=7)
    return take(Consent.Decision.PERMIT, moment, rng.choice(day_of.PERMIT_QUESTIONS))


def _procedure_day(rng: random.Random, story: Story, consent: Consent, day: date) -> date | None:
    """Sign in, time out, the injection, sign out; the day it was done, or ``None`` if no day
    before the demo's today fits (the story stops there)."""
    episode, by = story.episode, story.clinician
    assessment = consent.assessment
    while day <= story.last_day:
        items = checklist_items(consent, assessment, on=day)
        glucose = round(rng.uniform(5.8, 11.5), 1) if glucose_asked(items) else None
        sign_in = at(day, rng.randint(9, 14), rng.choice([0, 15, 30]))
        sign_in = max(sign_in, timezone.localtime(consent.created_at) + timedelta(minutes=30))
        check = safety_check_record(
            None,
            episode=episode,
            consent=consent,
            by=by,
            answers={i.code: True for i in items if i.phase is Phase.SIGN_IN},
            day=day_of.day_facts(assessment, glucose=glucose),
            at=sign_in,
        )
        if day_of_decision_problem(check.decision):
            day += timedelta(days=7)  # not today: act on the reasons, the list a week later
            continue
        performed = sign_in + timedelta(minutes=rng.randint(15, 30))
        sign_out = performed + timedelta(minutes=20)
        time_out = performed - timedelta(minutes=2)
        for phase, moment in ((Phase.TIME_OUT, time_out), (Phase.SIGN_OUT, sign_out)):
            answers = {i.code: True for i in items if i.phase is phase}
            safety_check_confirm(None, check=check, phase=phase, by=by, answers=answers, at=moment)
        _inject(rng, story, consent, performed)
        return day
    return None


def _inject(rng: random.Random, story: Story, consent: Consent, performed: datetime) -> None:
    complication = None
    if rng.random() < day_of.COMPLICATION_SHARE:
        complication = _complication(rng, consent)
    fields = day_of.procedure_fields(
        rng,
        consent,
        consent.assessment,
        approach=day_of.approach(rng, Procedure(consent.procedure), consent.side),
        performed_at=performed,
        complication=complication,
    )
    recorded = fields["discharged_at"]
    try:
        story.record = procedure_record(
            None,
            record=ProcedureRecord(episode=story.episode, **fields),
            by=story.clinician,
            at=recorded,
        )
    except SteroidOverrideRequired as blocked:
        code = blocked.check.blocking_codes[0]
        reason = day_of.OVERRIDE_REASONS.get(code, day_of.OVERRIDE_REASONS["STEROID_REGION_LIMIT"])
        story.record = procedure_record(
            None,
            record=ProcedureRecord(episode=story.episode, **fields),
            by=story.clinician,
            steroid_override_reason=reason,
            at=recorded,
        )


def _complication(rng: random.Random, consent: Consent) -> Complication:
    """Mostly vasovagal; a dural puncture on an interlaminar epidural, intravascular uptake on a
    transforaminal one under live imaging."""
    if consent.procedure == Procedure.INTERLAMINAR_EPIDURAL and rng.random() < 0.5:
        return Complication.DURAL_PUNCTURE
    if consent.procedure == Procedure.TRANSFORAMINAL_EPIDURAL and consent.imaging in (
        Imaging.FLUOROSCOPY,
        Imaging.CT,
    ):
        return Complication.INTRAVASCULAR_UPTAKE if rng.random() < 0.4 else Complication.VASOVAGAL
    return Complication.VASOVAGAL
