"""Demo step: consent, the day-of-procedure safety check and the procedure record.

Every episode at ``consented`` or later gets an active consent (typed signature, capacity
confirmed, levels that fit the procedure, side from the episode) taken between its assessment and
its stage change. Every episode at ``treated`` or later also gets a complete safety check and a
procedure record on a past day, done by the clinic's clinician with the drugs as planned. About a
quarter of ``follow_up`` and ``discharged`` episodes had an earlier injection too (at least three
months before, the same plan, its own consent), so the steroid ledger shows repeats; a few
procedures have a complication (mostly vasovagal, one dural puncture on an interlaminar epidural,
one intravascular uptake). A few ``assessed`` episodes show a declined and a withdrawn consent.

The records are dated in the past, so they are written with the ORM rather than through
``consent_record``, ``safety_check_record`` and ``procedure_record`` (which move the episode's
stage and refuse discharged episodes), but with exactly what those workflows store: the information
sheet from ``consent_information_for``; the checklist's three phases (sign in, time out just before
the needle, sign out after it) through the workflow's own ``save_items`` and
``store_checklist_result``, with the day's facts a careful clinic would find (holds met, not
pregnant, no infection); the decision re-run with those facts (``facts_for`` + ``day_of_facts`` +
``store_decision`` with context "day of procedure"), the procedure checked by the workflow's own
validation, and the steroid check from ``procedure_steroid_check`` against the ledger as it stood
that day. A check that blocks moves the day later; if it still blocks, a repeat is dropped and a
latest procedure carries the operating clinician's written override, as the workflow requires.
Timeline events are dated when the record was made. Stages are left as the earlier steps set them.
All randomness comes from ``world.rng`` and all dates from ``world.today``.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils import timezone

from spinepath.assessment.decisions import facts_for, ruleset, store_decision
from spinepath.assessment.models import Assessment, Decision
from spinepath.clinical.checklist import DayFacts, Phase, day_of_facts
from spinepath.clinical.decision import evaluate
from spinepath.clinical.steroids import SteroidCheck
from spinepath.clinical.vocab import (
    APPROACHES_FOR,
    Antithrombotic,
    Approach,
    Complication,
    Imaging,
    Laterality,
    LocalAnaesthetic,
    Outcome,
    Procedure,
)
from spinepath.patients.models import Episode, Language, TimelineEvent
from spinepath.procedures import procedure as recording
from spinepath.procedures.consent import consent_information_for, information_snapshot
from spinepath.procedures.models import Consent, ProcedureRecord, SafetyCheck
from spinepath.procedures.procedure import procedure_steroid_check
from spinepath.procedures.recording import (
    antithrombotics_on_record,
    assessment_decision,
    checklist_items,
    checklist_problem,
    day_of_decision_problem,
    glucose_asked,
)
from spinepath.procedures.safety_check import save_items, store_checklist_result

if TYPE_CHECKING:
    from spinepath.accounts.models import User
    from spinepath.demo.seed import DemoWorld

logger = logging.getLogger(__name__)

Stage = Episode.Stage
CONSENTED_OR_LATER = (Stage.CONSENTED, Stage.TREATED, Stage.FOLLOW_UP, Stage.DISCHARGED)
TREATED_OR_LATER = (Stage.TREATED, Stage.FOLLOW_UP, Stage.DISCHARGED)
REPEATABLE = (Stage.FOLLOW_UP, Stage.DISCHARGED)

REPEAT_SHARE = 0.25
REPEAT_MIN_DAYS = 91
"""A repeat injection is at least three months after the one before (same plan)."""
COMPLICATION_SHARE = 0.06
DENIED_CONSENTS = 2
MOVE_LATER_DAYS = 45
"""How far a procedure day may move later when the steroid check would block on it."""

ASSISTANTS = (
    "Helen Ward, staff nurse",
    "Tom Reyes, radiographer",
    "Grace Adeyemi, staff nurse",
    "Owen Price, radiographer",
    "Maya Kowalska, healthcare assistant",
)
IOHEXOL = "Iohexol 300 mgI/mL (Omnipaque 300)"
GADOLINIUM = "Gadoterate meglumine (Dotarem)"

LA_PERCENT = {
    LocalAnaesthetic.LIDOCAINE: 1.0,
    LocalAnaesthetic.LEVOBUPIVACAINE: 0.25,
    LocalAnaesthetic.BUPIVACAINE: 0.25,
    LocalAnaesthetic.ROPIVACAINE: 0.2,
}

NEEDLES = {
    Procedure.TRANSFORAMINAL_EPIDURAL: ("22G 90 mm Quincke", "22G 120 mm Quincke"),
    Procedure.INTERLAMINAR_EPIDURAL: ("18G 90 mm Tuohy",),
    Procedure.CAUDAL_EPIDURAL: ("22G 50 mm short-bevel", "20G 50 mm cannula"),
    Procedure.FACET_JOINT_INJECTION: ("22G 90 mm Quincke",),
    Procedure.MEDIAL_BRANCH_BLOCK: ("22G 90 mm Quincke", "25G 90 mm Quincke"),
    Procedure.RADIOFREQUENCY_DENERVATION: ("18G 100 mm RF cannula, 10 mm active tip",),
    Procedure.SACROILIAC_JOINT_INJECTION: ("22G 90 mm Quincke", "22G 120 mm Quincke"),
}

TECHNIQUE = {
    Procedure.TRANSFORAMINAL_EPIDURAL: "Contrast outlined the nerve root and epidural space; no "
    "vascular uptake on live screening.",
    Procedure.INTERLAMINAR_EPIDURAL: "Epidural space identified by loss of resistance to saline; "
    "contrast confirmed epidural spread.",
    Procedure.CAUDAL_EPIDURAL: "Sacral hiatus entered; epidural spread confirmed before injection.",
    Procedure.FACET_JOINT_INJECTION: "Needle tip in the joint; arthrogram before injection.",
    Procedure.MEDIAL_BRANCH_BLOCK: "Needle tips at the junction of the superior articular and "
    "transverse processes; no vascular uptake. Pain diary given for the next 6 hours.",
    Procedure.RADIOFREQUENCY_DENERVATION: "Sensory stimulation below 0.5 V reproduced the pain, "
    "no motor response at 2 V; lesioned at 80 °C for 90 s per level.",
    Procedure.SACROILIAC_JOINT_INJECTION: "Needle tip in the inferior joint; intra-articular "
    "spread confirmed before injection.",
}

DENY_QUESTIONS = (
    "Asked about the risk of nerve damage; would rather continue with physiotherapy for now.",
    "Worried about the steroid and her diabetes team's advice; wants to think about it.",
    "Asked whether the injection would cure the pain; prefers to wait and see.",
)
PERMIT_QUESTIONS = (
    "",
    "",
    "Asked how long the effect might last and whether they can drive home.",
    "Asked about returning to work; advised light duties for 24 hours.",
    "Asked about bruising at the site and when to take painkillers.",
)
DENY_REVIEW_QUESTIONS = (
    "Offered a further injection at review; pain much better, prefers to continue with exercises.",
    "Offered a further injection at review; would rather see the spinal surgeon first.",
)
WITHDRAWAL_REASONS = (
    "Patient phoned: pain much improved with physiotherapy, no longer wants the injection.",
    "Patient phoned to cancel: has decided to see a surgeon privately first.",
)
OVERRIDE_REASONS = {
    "STEROID_CUMULATIVE_LIMIT": "Cumulative steroid above the 12-month limit discussed; severe "
    "radicular pain awaiting surgical opinion; lowest effective dose; GP informed.",
    "STEROID_REGION_LIMIT": "Several injections at this region discussed; each gave months of "
    "relief and surgery is not an option; patient accepts the risks.",
    "STEROID_INTERVAL_TOO_SHORT": "Short interval since the last steroid discussed; severe pain "
    "preventing sleep and work; patient accepts the risks.",
}
DAY_OF_PROCEED = (
    "Reviewed on the day with the patient: unchanged from assessment, where the reason to "
    "proceed was recorded; patient wishes to go ahead."
)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


def _local(moment: datetime) -> datetime:
    return timezone.localtime(moment)


@dataclass
class Visit:
    """One procedure to record: its consent and its day."""

    consent_at: datetime
    day: date
    latest_day: date
    """How far ``day`` may move later if the steroid check blocks on it."""
    repeat: bool = False
    complication: Complication | None = None


@dataclass
class EpisodePlan:
    episode: Episode
    assessment: Assessment
    decision: Decision
    clinician: User
    levels: list[str]
    approach: Approach
    visits: list[Visit]
    consent_at: datetime | None = None
    """Consent only (episodes at ``consented``)."""


# --- when ---------------------------------------------------------------------------------------


def _cleared_at(decision: Decision) -> datetime:
    return _local(decision.proceed_at or decision.evaluated_at)


def _clinic_time(rng: random.Random, day: date, after: datetime | None = None) -> datetime:
    """A time on a clinic list on ``day`` (9:00–15:30), later than ``after`` on the same day."""
    moment = _at(day, rng.randint(9, 15), rng.choice([0, 15, 30]))
    if after is not None and moment <= after + timedelta(minutes=10):
        moment = after + timedelta(minutes=rng.randint(20, 50))
    return moment


def _consent_day(rng: random.Random, start: date, end: date) -> date:
    """Consent at clinic (``start``), on the day (``end``), or on a pre-procedure visit."""
    span = (end - start).days
    if span <= 0:
        return start
    choice = rng.random()
    if choice < 0.45:
        return start
    if choice < 0.8:
        return end
    return start + timedelta(days=rng.randint(0, span))


def _procedure_day(rng: random.Random, episode: Episode, start: date, today: date) -> date:
    """A past day between the assessment and the stage change that fits the stage."""
    stage_day = _local(episode.stage_changed_at).date()
    last = min(stage_day, today - timedelta(days=1))
    if episode.stage == Stage.TREATED:
        day = last
    else:
        gap = rng.randint(21, 70) if episode.stage == Stage.FOLLOW_UP else rng.randint(42, 150)
        day = min(stage_day - timedelta(days=gap), last)
    return max(start, day)


# --- what ---------------------------------------------------------------------------------------


def _levels(rng: random.Random, procedure: Procedure) -> list[str]:
    if procedure in (Procedure.TRANSFORAMINAL_EPIDURAL, Procedure.INTERLAMINAR_EPIDURAL):
        return [rng.choices(["L4/L5", "L5/S1", "L3/L4"], [45, 45, 10])[0]]
    if procedure in (
        Procedure.FACET_JOINT_INJECTION,
        Procedure.MEDIAL_BRANCH_BLOCK,
        Procedure.RADIOFREQUENCY_DENERVATION,
    ):
        return rng.choice([["L4/L5", "L5/S1"], ["L4/L5", "L5/S1"], ["L3/L4", "L4/L5"]])
    return []  # caudal epidural, sacroiliac joint


def _approach(rng: random.Random, procedure: Procedure, side: str) -> Approach:
    allowed = APPROACHES_FOR[procedure]
    if procedure is Procedure.INTERLAMINAR_EPIDURAL:
        sided = side in (Laterality.LEFT, Laterality.RIGHT)
        return Approach.INTERLAMINAR_PARAMEDIAN if sided else Approach.INTERLAMINAR_MIDLINE
    if len(allowed) > 1:
        return rng.choices(allowed, [85, 15])[0]
    return allowed[0]


def _side(episode: Episode) -> str:
    return episode.laterality or Laterality.NOT_APPLICABLE


# --- the plan for the world ---------------------------------------------------------------------


def _plan_episode(world: DemoWorld, episode: Episode) -> EpisodePlan | None:
    rng = world.rng
    assessment = episode.assessments.first()
    if assessment is None:
        return None
    decision = assessment_decision(assessment)
    if decision is None or not decision.cleared_to_proceed:
        logger.warning("Demo episode %s at %s is not cleared to proceed", episode.pk, episode.stage)
        return None
    clinician = world.staff[(episode.patient.clinic.code, "clinician")]
    procedure = Procedure(assessment.procedure)
    plan = EpisodePlan(
        episode=episode,
        assessment=assessment,
        decision=decision,
        clinician=clinician,
        levels=_levels(rng, procedure),
        approach=_approach(rng, procedure, _side(episode)),
        visits=[],
    )
    cleared = _cleared_at(decision)
    stage_at = _local(episode.stage_changed_at)
    if episode.stage == Stage.CONSENTED:
        # Taking consent is what moved the episode to consented.
        moment = stage_at - timedelta(minutes=rng.randint(5, 20))
        plan.consent_at = max(moment, cleared + timedelta(minutes=rng.randint(10, 30)))
        return plan
    day = _procedure_day(rng, episode, cleared.date(), world.today)
    latest = max(day, min(stage_at.date(), world.today) - timedelta(days=1))
    if episode.stage == Stage.TREATED:
        latest = day
    consent_day = _consent_day(rng, cleared.date(), day)
    plan.visits.append(Visit(_clinic_time(rng, consent_day, cleared), day, latest))
    return plan


def _add_repeats(rng: random.Random, plans: list[EpisodePlan]) -> None:
    """About a quarter of follow-up and discharged episodes with a steroid plan had injections
    months earlier (the same plan, each with its own consent, at least three months apart).

    The first one chosen has as many as its time allows (up to three before the latest), so the
    ledger shows a course that reaches the cumulative or regional warnings; the rest mostly one.
    """
    later = [p for p in plans if p.episode.stage in REPEATABLE and p.visits]

    def room(plan: EpisodePlan) -> int:
        return (plan.visits[0].day - _cleared_at(plan.decision).date()).days

    eligible = [p for p in later if p.assessment.steroid and room(p) >= REPEAT_MIN_DAYS + 7]
    count = min(len(eligible), max(1, round(REPEAT_SHARE * len(later))))
    for n, plan in enumerate(rng.sample(eligible, count)):
        possible = min(3, (room(plan) - 7) // REPEAT_MIN_DAYS)
        extra = possible if n == 0 else min(possible, rng.choices([1, 2], [80, 20])[0])
        latest = plan.visits[0]
        start = _cleared_at(plan.decision).date()
        days = [latest.day]
        for _ in range(extra):
            slack = (days[-1] - start).days - REPEAT_MIN_DAYS * (extra - len(days) + 1)
            gap = REPEAT_MIN_DAYS + rng.randint(0, max(0, min(slack, 60 if extra > 1 else 150)))
            days.append(days[-1] - timedelta(days=gap))
        days.reverse()
        visits = []
        for i, day in enumerate(days[:-1]):
            after = _cleared_at(plan.decision) if i == 0 else None
            begin = start if i == 0 else days[i - 1] + timedelta(days=1)
            consent_day = _consent_day(rng, begin, day)
            moved = min(day + timedelta(days=30), days[i + 1] - timedelta(days=REPEAT_MIN_DAYS))
            visits.append(Visit(_clinic_time(rng, consent_day, after), day, moved, repeat=i > 0))
        # The latest injection has its own consent too, after the one before.
        latest.consent_at = _clinic_time(rng, _consent_day(rng, days[-2] + timedelta(1), days[-1]))
        latest.repeat = True
        plan.visits[:0] = visits


def _add_complications(rng: random.Random, plans: list[EpisodePlan]) -> None:
    """A few: one dural puncture (interlaminar), one intravascular uptake, the rest vasovagal."""
    visits = [(p, v) for p in plans for v in p.visits]
    if not visits:
        return
    target = max(1, round(COMPLICATION_SHARE * len(visits)))
    free = list(visits)

    def pick(fits: set[Procedure], imaging: set[str], kind: Complication) -> None:
        options = [
            (p, v)
            for p, v in free
            if Procedure(p.assessment.procedure) in fits and p.assessment.imaging in imaging
        ]
        if options and target - sum(v.complication is not None for _, v in visits) > 0:
            chosen = rng.choice(options)
            chosen[1].complication = kind
            free.remove(chosen)

    if len(visits) >= 10:
        pick({Procedure.INTERLAMINAR_EPIDURAL}, {Imaging.FLUOROSCOPY}, Complication.DURAL_PUNCTURE)
        pick(
            {Procedure.TRANSFORAMINAL_EPIDURAL},
            {Imaging.FLUOROSCOPY, Imaging.CT},
            Complication.INTRAVASCULAR_UPTAKE,
        )
        target += 1  # vasovagal stays the most common
    while free and sum(v.complication is not None for _, v in visits) < target:
        chosen = rng.choice(free)
        chosen[1].complication = Complication.VASOVAGAL
        free.remove(chosen)


# --- recording ----------------------------------------------------------------------------------


def _consent(
    rng: random.Random,
    plan: EpisodePlan,
    *,
    at: datetime,
    decision: str = Consent.Decision.PERMIT,
    questions: str | None = None,
) -> Consent:
    """A consent as ``consent_record`` stores it, taken at ``at``."""
    assessment, episode = plan.assessment, plan.episode
    patient = episode.patient
    side = _side(episode)
    information = consent_information_for(assessment, levels=plan.levels, side=side)
    agreed = decision == Consent.Decision.PERMIT
    interpreter = patient.preferred_language != Language.ENGLISH
    if questions is None:
        questions = rng.choice(PERMIT_QUESTIONS)
    if interpreter:
        questions = f"{questions} Discussed through a professional interpreter.".strip()
    consent = Consent(
        episode=episode,
        assessment=assessment,
        status=Consent.Status.ACTIVE if agreed else Consent.Status.INACTIVE,
        decision=decision,
        information_version=information.version,
        information=information_snapshot(information),
        procedure=assessment.procedure,
        imaging=assessment.imaging,
        steroid=assessment.steroid,
        steroid_dose_mg=assessment.steroid_dose_mg if assessment.steroid else None,
        local_anaesthetic=assessment.local_anaesthetic,
        levels=list(plan.levels),
        side=side,
        clinician=plan.clinician,
        patient_questions=questions,
        capacity_confirmed=True,
        interpreter_used=interpreter,
        signature_method=Consent.SignatureMethod.TYPED,
        signed_name=patient.full_name,
        signed_on=at.date(),
        created_at=at,
    )
    consent.full_clean()
    consent.save()
    Consent.objects.filter(pk=consent.pk).update(updated_at=at)
    episode.log(
        TimelineEvent.Kind.CONSENT,
        f"Consent {'given' if agreed else 'declined'} for {consent.procedure_title.lower()}"
        f" (information {consent.information_version})",
        by=plan.clinician,
        detail={"consent": consent.pk},
        at=at,
    )
    return consent


def _withdraw(consent: Consent, *, by: User, at: datetime, reason: str, stepped_back: bool) -> None:
    """``consent_withdraw``; ``stepped_back``: the episode is at ``assessed``, so the consent had
    moved it to consented and the withdrawal moved it back (its stage is the same again)."""
    episode = consent.episode
    consent.status = Consent.Status.INACTIVE
    consent.withdrawn_at = at
    consent.withdrawn_by = by
    consent.withdrawn_reason = reason
    consent.full_clean()
    consent.save()
    Consent.objects.filter(pk=consent.pk).update(updated_at=at)
    episode.log(
        TimelineEvent.Kind.CONSENT,
        f"Consent withdrawn: {reason}",
        by=by,
        detail={"consent": consent.pk},
        at=at,
    )
    if not stepped_back:
        return
    episode.log(
        TimelineEvent.Kind.STAGE,
        "Stage changed from Assessed to Consented",
        by=by,
        at=consent.created_at,
    )
    episode.log(
        TimelineEvent.Kind.STAGE,
        "Stage changed from Consented to Assessed: no valid consent remains",
        by=by,
        at=at,
    )
    # The stage is unchanged (assessed), but it last changed at the withdrawal.
    Episode.objects.filter(pk=episode.pk).update(stage_changed_at=at)


def _steroid_check(plan: EpisodePlan, day: date) -> SteroidCheck | None:
    a = plan.assessment
    return procedure_steroid_check(
        plan.episode,
        procedure=a.procedure,
        steroid=a.steroid,
        steroid_dose_mg=a.steroid_dose_mg if a.steroid else None,
        on=day,
    )


def _blocks(check: SteroidCheck | None) -> bool:
    return check is not None and check.status == "block"


def _day_facts(assessment: Assessment, *, on: date, glucose: float | None = None) -> DayFacts:
    """What the demo clinician finds on the day: every hold met (a day past it), today's INR
    for warfarin, not pregnant, no fever or infection signs, no new red flags."""
    config = ruleset()
    drugs = antithrombotics_on_record(assessment) or []
    hours = {drug: (config.hold_hours(drug) or 0) + 24.0 for drug in drugs}
    return DayFacts(
        last_dose_hours=hours,
        inr=1.1 if Antithrombotic.WARFARIN in drugs else None,
        pregnant=False,
        infection_systemic=False,
        infection_local=False,
        glucose_mmol_l=glucose,
    )


def _decision_blocks(plan: EpisodePlan, day: date) -> bool:
    """Whether the decision re-run with ``day``'s facts could not be overridden (no storing)."""
    facts = day_of_facts(facts_for(plan.assessment, on=day), _day_facts(plan.assessment, on=day))
    result = evaluate(facts, ruleset())
    return result.outcome in (Outcome.URGENT_REFERRAL, Outcome.NOT_SUITABLE)


def _settle_day(
    plan: EpisodePlan, visit: Visit, earliest: date
) -> tuple[date, SteroidCheck | None] | None:
    """The day nearest the planned one on which neither the re-run decision nor the steroid
    check blocks: later days first (up to ``visit.latest_day``), then earlier ones (down to
    ``earliest``); ``None`` when there is no such day."""
    later = [visit.day + timedelta(days=n) for n in range((visit.latest_day - visit.day).days + 1)]
    earlier = [visit.day - timedelta(days=n) for n in range(1, (visit.day - earliest).days + 1)]
    for day in later + earlier:
        check = _steroid_check(plan, day)
        if not _blocks(check) and not _decision_blocks(plan, day):
            return day, check
    return None


def _safety_check(
    rng: random.Random, plan: EpisodePlan, consent: Consent, *, at: datetime, performed_at: datetime
) -> SafetyCheck:
    """``safety_check_record`` on ``at``'s day, then the time out just before ``performed_at``
    and the sign out after it: every item confirmed, the decision re-run with the day's facts."""
    day = at.date()
    assessment, episode, by = plan.assessment, plan.episode, plan.clinician
    items = checklist_items(consent, assessment, on=day)
    glucose = round(rng.uniform(5.8, 11.5), 1) if glucose_asked(items) else None
    facts = _day_facts(assessment, on=day, glucose=glucose)
    decision = store_decision(
        assessment,
        day_of_facts(facts_for(assessment, on=day), facts),
        by=by,
        context=Decision.Context.DAY_OF_PROCEDURE,
    )
    Decision.objects.filter(pk=decision.pk).update(evaluated_at=at)
    decision.evaluated_at = at
    check = SafetyCheck(
        episode=episode,
        consent=consent,
        decision=decision,
        checked_on=day,
        checked_by=by,
        checked_at=at,
        day_facts=facts.to_json(),
        glucose_mmol_l=glucose,
    )
    check.full_clean()
    check.save()
    time_out_at = performed_at - timedelta(minutes=rng.randint(2, 5))
    sign_out_at = performed_at + timedelta(minutes=rng.randint(30, 50))
    for phase, when in (
        (Phase.SIGN_IN, at),
        (Phase.TIME_OUT, time_out_at),
        (Phase.SIGN_OUT, sign_out_at),
    ):
        answers = {item.code: True for item in items if item.phase is phase}
        save_items(check, answers, by=by, at=when)
    result = store_checklist_result(check)
    before = assessment_decision(assessment)
    was = f" (at assessment: {before.get_outcome_display().lower()})" if before else ""
    episode.log(
        TimelineEvent.Kind.DECISION,
        f"Decision re-run at sign in with the day's facts: "
        f"{decision.get_outcome_display().lower()}{was}",
        by=by,
        detail={"decision": decision.pk, "safety_check": check.pk},
        at=at,
    )
    for phase, when in (
        (Phase.SIGN_IN, at),
        (Phase.TIME_OUT, time_out_at),
        (Phase.SIGN_OUT, sign_out_at),
    ):
        episode.log(
            TimelineEvent.Kind.PROCEDURE,
            f"Safety checklist {phase.label.lower()} complete",
            by=by,
            detail={"safety_check": check.pk, "phase": phase.value},
            at=when,
        )
    problem = day_of_decision_problem(decision)
    if problem and not decision.blocks:
        # What the clinician does on the day (``safety_check_proceed``), dated then.
        proceed_at = at + timedelta(minutes=1)
        decision.proceed_reason = DAY_OF_PROCEED
        decision.proceed_by = by
        decision.proceed_at = proceed_at
        decision.save(update_fields=["proceed_reason", "proceed_by", "proceed_at"])
        episode.log(
            TimelineEvent.Kind.OVERRIDE,
            f"Proceeding against '{decision.get_outcome_display().lower()}': {DAY_OF_PROCEED}",
            by=by,
            detail={"decision": decision.pk},
            at=proceed_at,
        )
        problem = day_of_decision_problem(decision)
    problem = checklist_problem(check) or problem
    if not result.complete or problem:
        raise RuntimeError(
            f"Demo safety check for episode {episode.pk} on {day} fails: {problem} "
            f"{[r['code'] for r in decision.reasons]} (assessed {assessment.assessed_on}, "
            f"{[r['code'] for r in (before.reasons if before else [])]})"
        )
    return check


def _radiation(rng: random.Random, procedure: Procedure, imaging: str) -> dict[str, float | None]:
    if imaging == Imaging.FLUOROSCOPY:
        heavy = procedure in (Procedure.RADIOFREQUENCY_DENERVATION, Procedure.MEDIAL_BRANCH_BLOCK)
        return {
            "dose_area_product": float(rng.randint(150, 600) if heavy else rng.randint(50, 400)),
            "screening_time_s": float(rng.randint(35, 90) if heavy else rng.randint(10, 60)),
            "dose_length_product": None,
        }
    if imaging == Imaging.CT:
        return {
            "dose_area_product": None,
            "screening_time_s": None,
            "dose_length_product": float(rng.randint(50, 300)),
        }
    return {"dose_area_product": None, "screening_time_s": None, "dose_length_product": None}


def _anaesthetic(rng: random.Random, procedure: Procedure, drug: str) -> dict[str, object]:
    if not drug:
        return {"local_anaesthetic": "", "percent": None, "ml": None}
    la = LocalAnaesthetic(drug)
    if la is LocalAnaesthetic.LIDOCAINE:
        ml = rng.choice([2.0, 3.0, 4.0, 5.0])
    elif procedure is Procedure.CAUDAL_EPIDURAL:
        ml = rng.choice([5.0, 8.0, 10.0])
    else:
        ml = rng.choice([2.0, 3.0, 4.0, 5.0])
    return {"local_anaesthetic": la.value, "percent": LA_PERCENT[la], "ml": ml}


def _observations(rng: random.Random, complication: Complication | None) -> str:
    hr, sys_, dia = rng.randint(62, 88), rng.randint(118, 148), rng.randint(68, 88)
    pain = rng.randint(4, 8)
    before = f"Before: HR {hr}, BP {sys_}/{dia}, SpO₂ {rng.randint(96, 99)}%, pain {pain}/10."
    if complication is Complication.VASOVAGAL:
        during = (
            f" During: HR {rng.randint(42, 50)}, BP {rng.randint(78, 90)}/{rng.randint(44, 52)}, "
            "pale and clammy; laid flat with legs raised, recovered within 10 minutes."
        )
    else:
        during = ""
    after = (
        f" After 30 min: HR {hr + rng.randint(-6, 4)}, BP {sys_ + rng.randint(-10, 4)}/"
        f"{dia + rng.randint(-6, 3)}, pain {max(0, pain - rng.randint(2, 5))}/10; "
        "walking safely, legs neurologically unchanged."
    )
    return before + during + after


COMPLICATION_NOTES = {
    Complication.VASOVAGAL: "Vasovagal episode during needle placement; recovered lying flat with "
    "legs raised, no loss of consciousness. Observed longer before discharge.",
    Complication.DURAL_PUNCTURE: "Dural puncture with the Tuohy needle (CSF at the hub); needle "
    "withdrawn and re-sited at the same level; loss of resistance without CSF, injection "
    "completed. "
    "Advised about post-dural puncture headache and given the contact number; no headache at "
    "discharge.",
    Complication.INTRAVASCULAR_UPTAKE: "Vascular uptake of contrast on live screening; needle "
    "repositioned, no steroid given intravascularly. Epidural spread confirmed before "
    "dexamethasone given.",
}


def _procedure(
    rng: random.Random,
    plan: EpisodePlan,
    consent: Consent,
    check: SafetyCheck,
    steroid_check: SteroidCheck | None,
    *,
    at: datetime,
    complication: Complication | None,
) -> ProcedureRecord:
    """``procedure_record`` at ``at``, with the drugs as planned, validated as the workflow does."""
    assessment, episode, by = plan.assessment, plan.episode, plan.clinician
    procedure = Procedure(consent.procedure)
    imaging = consent.imaging
    radiation = _radiation(rng, procedure, imaging)
    la = _anaesthetic(rng, procedure, consent.local_anaesthetic)
    ionising = imaging in (Imaging.FLUOROSCOPY, Imaging.CT)
    contrast_agent, contrast_ml = "", None
    if ionising:
        allergic = "iodinated_contrast" in (assessment.allergies or [])
        contrast_agent = GADOLINIUM if allergic else IOHEXOL
        contrast_ml = rng.choice([1.0, 1.5, 2.0]) if allergic else rng.choice([1.0, 1.5, 2.0, 3.0])
    side = consent.side
    complications = [complication.value] if complication else []
    minutes = rng.randint(90, 150) if complication else rng.randint(30, 90)
    discharged_at = at + timedelta(minutes=minutes)
    discharge = (
        ProcedureRecord.Discharge.OBSERVED if complication else ProcedureRecord.Discharge.WELL
    )
    guidance = {"fluoroscopy": "Fluoroscopic", "ct": "CT", "ultrasound": "Ultrasound"}[imaging]
    notes = f"{guidance} guidance, aseptic technique. {TECHNIQUE[procedure]}"
    if imaging == Imaging.ULTRASOUND:
        notes = notes.replace("contrast confirmed", "ultrasound confirmed")
    fields = {
        "procedure": procedure.value,
        "levels": list(consent.levels),
        "side": side,
        "approach": plan.approach.value,
        "imaging": imaging,
        **radiation,
        "steroid": consent.steroid,
        "steroid_dose_mg": consent.steroid_dose_mg if consent.steroid else None,
        "local_anaesthetic": la["local_anaesthetic"],
        "local_anaesthetic_percent": la["percent"],
        "local_anaesthetic_ml": la["ml"],
        "contrast_agent": contrast_agent,
        "contrast_ml": contrast_ml,
        "complications": complications,
        "complication_notes": COMPLICATION_NOTES[complication] if complication else "",
        "discharged_at": discharged_at,
        "discharge_condition": discharge.value,
    }
    blocked = _blocks(steroid_check)
    override = ""
    if blocked and steroid_check is not None:
        codes = [r.code for r in steroid_check.reasons if r.status == "block"]
        override = OVERRIDE_REASONS.get(codes[0], OVERRIDE_REASONS["STEROID_CUMULATIVE_LIMIT"])
    record = ProcedureRecord(
        episode=episode,
        consent=consent,
        safety_check=check,
        performed_at=at,
        operator=by,
        assistant=rng.choice(ASSISTANTS),
        needle=rng.choice(NEEDLES[procedure]),
        observations=_observations(rng, complication),
        notes=notes,
        steroid_check=steroid_check.model_dump(mode="json") if steroid_check else None,
        steroid_override_reason=override,
        created_at=discharged_at,
        **fields,
    )
    errors = recording.procedure_problems(consent, record)
    if errors:
        raise ValidationError(errors)
    record.full_clean()
    record.save()
    record.write_complication_rows(at=record.created_at)
    episode.log(
        TimelineEvent.Kind.PROCEDURE,
        recording.procedure_summary(record),
        by=by,
        detail={"procedure": record.pk},
        at=at,
    )
    if override and steroid_check is not None:
        overridden = [r.code for r in steroid_check.reasons if r.status == "block"]
        episode.log(
            TimelineEvent.Kind.OVERRIDE,
            f"Steroid check overridden ({', '.join(overridden)}): {override}",
            by=by,
            detail={"procedure": record.pk, "codes": overridden},
            at=at,
        )
    return record


def _record_visit(
    rng: random.Random, plan: EpisodePlan, visit: Visit, *, last: bool, after: date | None
) -> datetime | None:
    """Consent, safety check and procedure; the procedure's time. ``None`` when no day fits an
    earlier injection (it is then left out); ``after`` is the day of the injection before."""
    earliest = _cleared_at(plan.decision).date()
    if after is not None:
        earliest = max(earliest, visit.consent_at.date(), after + timedelta(REPEAT_MIN_DAYS))
    settled = _settle_day(plan, visit, earliest)
    if settled is None:
        if not last:
            return None
        raise RuntimeError(f"No day fits the demo procedure for episode {plan.episode.pk}")
    day, steroid_check = settled
    consent_at = visit.consent_at
    if consent_at.date() > day:
        consent_at = _clinic_time(rng, day, _cleared_at(plan.decision))
    performed_at = _clinic_time(rng, day)
    stage_at = _local(plan.episode.stage_changed_at)
    if plan.episode.stage == Stage.TREATED and stage_at.date() == day:
        # Recording the procedure moved the episode to treated: it was done just before.
        performed_at = stage_at - timedelta(minutes=rng.randint(40, 75))
    # Consent first (on the day: before the safety check), then the check, then the needle.
    performed_at = max(performed_at, consent_at + timedelta(minutes=rng.randint(45, 90)))
    consent = _consent(rng, plan, at=consent_at)
    check_at = performed_at - timedelta(minutes=rng.randint(10, 20))
    check = _safety_check(rng, plan, consent, at=check_at, performed_at=performed_at)
    _procedure(
        rng, plan, consent, check, steroid_check, at=performed_at, complication=visit.complication
    )
    return performed_at


def _declined_and_withdrawn(
    world: DemoWorld, followed_up: list[tuple[EpisodePlan, datetime]]
) -> None:
    """A few patients declined after discussion, and one withdrew later.

    Consent can only be taken on a decision cleared to proceed, so these are episodes at
    ``assessed`` with a suitable decision and, when there are too few of those, episodes at
    ``follow_up`` offered a further injection at review (consent for it declined or withdrawn).
    """
    rng = world.rng
    candidates: list[tuple[EpisodePlan, datetime, bool]] = []
    for episode in world.episodes:
        if episode.stage != Stage.ASSESSED:
            continue
        assessment = episode.assessments.first()
        decision = assessment_decision(assessment) if assessment else None
        if assessment is None or decision is None or not decision.cleared_to_proceed:
            continue
        cleared = _cleared_at(decision)
        if (world.today - cleared.date()).days < 4:
            continue
        procedure = Procedure(assessment.procedure)
        plan = EpisodePlan(
            episode=episode,
            assessment=assessment,
            decision=decision,
            clinician=world.staff[(episode.patient.clinic.code, "clinician")],
            levels=_levels(rng, procedure),
            approach=_approach(rng, procedure, _side(episode)),
            visits=[],
        )
        candidates.append((plan, cleared + timedelta(minutes=rng.randint(15, 40)), False))
    wanted = DENIED_CONSENTS + 1
    if len(candidates) < wanted:
        reviews = []
        for plan, performed_at in followed_up:
            review = performed_at.date() + timedelta(days=rng.randint(28, 49))
            if (world.today - review).days >= 4:
                reviews.append((plan, _clinic_time(rng, review), True))
        candidates += rng.sample(reviews, min(len(reviews), wanted - len(candidates)))
    chosen = rng.sample(candidates, min(len(candidates), wanted))
    for n, (plan, at, review) in enumerate(chosen):
        if n == 0:
            questions = "Offered a further injection at the follow-up review." if review else None
            consent = _consent(rng, plan, at=at, questions=questions)
            days = rng.randint(3, min(21, (world.today - at.date()).days - 1))
            withdrawn = _at(at.date() + timedelta(days=days), rng.randint(9, 16))
            _withdraw(
                consent,
                by=plan.clinician,
                at=withdrawn,
                reason=rng.choice(WITHDRAWAL_REASONS),
                stepped_back=not review,
            )
        else:
            questions = rng.choice(DENY_REVIEW_QUESTIONS if review else DENY_QUESTIONS)
            _consent(rng, plan, at=at, decision=Consent.Decision.DENY, questions=questions)


def consents_and_procedures(world: DemoWorld) -> None:
    rng = world.rng
    plans = [
        plan
        for episode in world.episodes
        if episode.stage in CONSENTED_OR_LATER
        for plan in [_plan_episode(world, episode)]
        if plan is not None
    ]
    _add_repeats(rng, plans)
    _add_complications(rng, plans)
    followed_up = []
    for plan in plans:
        if plan.consent_at is not None:
            _consent(rng, plan, at=plan.consent_at)
        before: date | None = None
        for n, visit in enumerate(plan.visits):
            last = n == len(plan.visits) - 1
            performed_at = _record_visit(rng, plan, visit, last=last, after=before)
            if performed_at is not None:
                before = performed_at.date()
            if last and performed_at is not None and plan.episode.stage == Stage.FOLLOW_UP:
                followed_up.append((plan, performed_at))
    _declined_and_withdrawn(world, followed_up)
