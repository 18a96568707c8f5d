"""The day-of safety checklist (NatSSIPs sign in, time out, sign out) and what the day needs.

The gating, in one place (``readiness_problem``; ``procedure_record`` refuses on it):

* valid consent, an assessment (current, or re-run today by the checklist) for the consented plan;
* today's newest checklist for that consent with **sign in and time out complete** and no tick
  that the day's facts contradict (``clinical.checklist``: "held as planned" while the rules say
  the drug is not held, "pregnancy checked" with no answer, a particulate steroid confirmed as
  non-particulate, ...). A sided injection's time out includes "stop before you block", so a
  sided injection cannot be recorded without it;
* the decision re-run at sign in with the day's facts: ``urgent_referral`` or ``not_suitable`` is
  a hard stop (no reason accepted); any other restrictive outcome needs a written reason unless
  the reason written at assessment covers it — the day's outcome is no worse and every
  overridable code was in the cleared decision
  (``clinical.decision.reasons_to_justify_on_the_day``).
  The new reason is written on the checklist page (``safety_check_proceed``), audited and put
  on the timeline.

Sign out follows the procedure and is confirmed on the same checklist; the procedure record
shows all three phases.

Workflows take ``at=`` (default now) and never read the clock otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from spinepath.accounts import audit
from spinepath.accounts.models import AuditEvent, User
from spinepath.assessment.decisions import (
    ProceedRefused,
    facts_for,
    record_proceed,
    store_decision,
)
from spinepath.assessment.models import ASSESSMENT_VALID_FOR, Assessment, Decision
from spinepath.assessment.presentation import Rerun, outcome_label
from spinepath.clinical import vocab
from spinepath.clinical.antithrombotics import hold_needed
from spinepath.clinical.checklist import (
    CHECKLIST_CODES,
    ITEMS_BY_CODE,
    ChecklistConfig,
    ChecklistContext,
    ChecklistItem,
    ChecklistResult,
    DayFacts,
    Phase,
    applicable_items,
    day_of_facts,
    evaluate_checklist,
)
from spinepath.clinical.pregnancy import sex_for_rules
from spinepath.clinical.vocab import Antithrombotic, Imaging, Laterality, Procedure, Steroid
from spinepath.lib.dates import day as day_words
from spinepath.lib.prepared import Prepared
from spinepath.patients.locks import hold_patient
from spinepath.patients.models import Episode, TimelineEvent
from spinepath.procedures.models import Consent, SafetyCheck, SafetyCheckItem


class ProcedureRefused(Exception):
    """The checklist or procedure may not be recorded now; the message says why."""


# --- What the day needs ---------------------------------------------------------------------------


# The hot reads of the day's workflows, each compiled once (lib/prepared.py): the same querysets
# as written, run with new values.
_EPISODE = (Episode._meta.pk, UUID(int=1), UUID(int=2))
_VALID_CONSENT = Prepared(
    lambda episode: (
        Consent.objects.filter(episode=episode).valid_for_procedure().select_related("assessment")
    )[:1],
    episode=_EPISODE,  # type: ignore[arg-type]
)
_LATEST_ASSESSMENT = Prepared(
    lambda episode: Assessment.objects.filter(episode=episode)[:1],
    episode=_EPISODE,  # type: ignore[arg-type]
)
_TODAYS_CHECK = Prepared(
    lambda consent, on: (
        SafetyCheck.objects.filter(consent=consent, checked_on=on)
        .select_related("decision", "decision__assessment")
        .order_by("-checked_at", "-id")
    )[:1],
    consent=(Consent._meta.pk, 1, 2),  # type: ignore[arg-type]
    on=(SafetyCheck._meta.get_field("checked_on"), date(1901, 1, 1), date(1902, 2, 2)),
)
_CHECK_ITEMS = Prepared(
    lambda check: SafetyCheckItem.objects.filter(safety_check=check),
    check=(SafetyCheck._meta.pk, 1, 2),  # type: ignore[arg-type]
)
_CHECK_UNDER_LOCK = Prepared(
    lambda pk: SafetyCheck.objects.select_related(
        "episode__patient__clinic", "consent", "decision__assessment"
    ).filter(pk=pk),
    pk=(SafetyCheck._meta.pk, 1, 2),  # type: ignore[arg-type]
)


def valid_consent(episode: Episode) -> Consent | None:
    """The newest consent the procedure may go ahead on, if any."""
    consent: Consent | None = _VALID_CONSENT.first(episode=episode.pk)
    if consent is not None:
        consent.episode = episode  # as ``episode.consents`` would cache it
    return consent


def consent_problem(consent: Consent | None) -> str:
    """Why ``consent`` (an episode's newest) does not allow the procedure, or "" if it does."""
    if consent is None:
        return "No consent is recorded for this episode. Take consent first."
    if consent.is_valid_for_procedure():
        return ""
    if consent.status == Consent.Status.ENTERED_IN_ERROR:
        return "The consent on record was entered in error. Take consent again first."
    if consent.is_withdrawn:
        return (
            f"The patient withdrew consent on {day_words(consent.withdrawn_at)}."
            " Take consent again first."
        )
    if consent.decision == Consent.Decision.DENY:
        return "The patient declined the procedure. Take consent again if they change their mind."
    return "There is no active consent for this episode. Take consent first."


def episode_consent_problem(episode: Episode) -> str:
    if valid_consent(episode) is not None:
        return ""
    return consent_problem(Consent.objects.filter(episode=episode).first())


def latest_assessment(episode: Episode) -> Assessment | None:
    """``episode.assessments.first()``, the episode cached on it as the related manager would."""
    assessment: Assessment | None = _LATEST_ASSESSMENT.first(episode=episode.pk)
    if assessment is not None:
        assessment.episode = episode
    return assessment


def plan_problem(assessment: Assessment, consent: Consent) -> str:
    """A re-assessment with a different plan needs a new consent."""
    planned = (assessment.procedure, assessment.imaging, assessment.steroid)
    consented = (consent.procedure, consent.imaging, consent.steroid)
    if planned == consented:
        return ""
    return (
        f"The latest assessment ({day_words(assessment.assessed_on)}) plans a different procedure, "
        "imaging or steroid from the one consented to. Take consent for the new plan first."
    )


def assessment_decision(assessment: Assessment) -> Decision | None:
    """The decision made at assessment (or re-evaluation), not a day-of-procedure re-run."""
    return assessment.decision_at_assessment()


def antithrombotics_on_record(assessment: Assessment) -> list[Antithrombotic] | None:
    """The drugs recorded at assessment, in order; ``None`` when medication was not recorded."""
    if not assessment.medication_recorded:
        return None
    return list(dict.fromkeys(Antithrombotic(row["drug"]) for row in assessment.antithrombotics))


def needs_antithrombotic_hold(assessment: Assessment, procedure: Procedure) -> bool:
    config = assessment.episode.patient.clinic.ruleset()
    return hold_needed(antithrombotics_on_record(assessment), procedure, config)


def checklist_config(assessment: Assessment) -> ChecklistConfig:
    """The checklist's thresholds: the patient's clinic's rule set."""
    return ChecklistConfig(ruleset=assessment.episode.patient.clinic.ruleset())


def checklist_context(consent: Consent, assessment: Assessment, *, on: date) -> ChecklistContext:
    """What decides the checklist items: the consented plan, the patient and the assessment.

    The patient's sex is mapped exactly as for the decision rules (``sex_for_rules``: not known is
    ``other``), and the pregnancy question follows the same core function as the rules. One
    whose diabetes was not recorded has their glucose checked: "not known" is treated as "ask".
    """
    patient = consent.episode.patient
    procedure = Procedure(consent.procedure)
    return ChecklistContext(
        procedure=procedure,
        imaging=Imaging(consent.imaging),
        sex=sex_for_rules(patient.sex),
        age=patient.age_on(on),
        diabetic=assessment.diabetes is not False,
        steroid=Steroid(consent.steroid) if consent.steroid else None,
        needs_antithrombotic_hold=needs_antithrombotic_hold(assessment, procedure),
        side=Laterality(consent.side),
    )


def checklist_items(
    consent: Consent, assessment: Assessment, *, on: date, phase: Phase | None = None
) -> list[ChecklistItem]:
    return applicable_items(
        checklist_context(consent, assessment, on=on), checklist_config(assessment), phase
    )


def glucose_asked(items: Iterable[ChecklistItem]) -> bool:
    return any(item.code == "glucose_checked" for item in items)


def pregnancy_asked(items: Iterable[ChecklistItem]) -> bool:
    return any(item.code == "pregnancy_checked" for item in items)


# --- Recording the checklist ------------------------------------------------------------------


def _ensure_may_check(by: User, episode: Episode, consent: Consent) -> Assessment:
    if not by.is_clinician:
        raise ProcedureRefused("Only a clinician may complete the safety checklist.")
    if not episode.is_open:
        raise ProcedureRefused("This episode is discharged. Re-open it first.")
    if consent.episode_id != episode.pk:
        raise ProcedureRefused("That consent belongs to another episode.")
    problem = consent_problem(consent)
    if problem:
        raise ProcedureRefused(problem)
    assessment = latest_assessment(episode)
    if assessment is None:
        raise ProcedureRefused("This episode has not been assessed. Assess first.")
    problem = plan_problem(assessment, consent)
    if problem:
        raise ProcedureRefused(problem)
    return assessment


def _answer_errors(answers: Mapping[str, Any], phases: Iterable[Phase]) -> dict[str, str]:
    allowed = {code for code in CHECKLIST_CODES if ITEMS_BY_CODE[code].phase in set(phases)}
    unknown = sorted(set(answers) - CHECKLIST_CODES)
    if unknown:
        return {"answers": f"Unknown checklist item(s): {', '.join(unknown)}."}
    elsewhere = sorted(set(answers) - allowed)
    if elsewhere:
        return {"answers": f"Not items of this phase: {', '.join(elsewhere)}."}
    return {}


def save_items(
    check: SafetyCheck,
    answers: Mapping[str, Any],
    *,
    by: User,
    at: datetime,
    new_check: bool = False,
) -> dict[str, bool]:
    """Store each answer, replacing an earlier answer to the same item (at most three queries a
    phase; a check just created has no earlier answers to read). Returns every answer the check
    now holds, ``{item code: confirmed}``, as ``SafetyCheck.answers`` would read it back."""
    existing: dict[str, SafetyCheckItem] = (
        {} if new_check else {i.code: i for i in _CHECK_ITEMS(check=check.pk)}
    )
    new, changed = [], []
    for code, value in answers.items():
        item = existing.get(code) or SafetyCheckItem(safety_check=check, code=code)
        item.phase = ITEMS_BY_CODE[code].phase.value
        item.confirmed = value is True
        item.recorded_by = by
        item.recorded_at = at
        (changed if item.pk else new).append(item)
    SafetyCheckItem.objects.bulk_create(new)
    SafetyCheckItem.objects.bulk_update(
        changed, ["phase", "confirmed", "recorded_by", "recorded_at"]
    )
    every = existing | {item.code: item for item in new}
    return {code: item.confirmed for code, item in every.items()}


def evaluate_check(
    check: SafetyCheck, answers: Mapping[str, bool] | None = None
) -> ChecklistResult:
    """The clinical core's view of ``check`` as it stands (items, day's facts, day-of decision);
    ``answers`` are its items' answers when the caller has them (``save_items``)."""
    context = checklist_context(check.consent, check.decision.assessment, on=check.checked_on)
    return evaluate_checklist(
        context,
        check.answers if answers is None else answers,
        DayFacts.from_json(check.day_facts),
        [r["code"] for r in check.decision.reasons],
        checklist_config(check.decision.assessment),
    )


def store_checklist_result(
    check: SafetyCheck, answers: Mapping[str, bool] | None = None
) -> ChecklistResult:
    result = evaluate_check(check, answers)
    check.missing = list(result.all_missing)
    check.contradictions = [
        {"item": c.item, "label": ITEMS_BY_CODE[c.item].label, "message": c.message}
        for c in result.contradictions
    ]
    check.warnings = list(result.warnings)
    check.ready_for_procedure = result.ready_for_procedure
    check.complete = result.complete
    check.save(
        update_fields=["missing", "contradictions", "warnings", "ready_for_procedure", "complete"]
    )
    return result


def _phase_summary(check: SafetyCheck, phase: Phase, result: ChecklistResult) -> str:
    """For the timeline: "Safety checklist sign in complete", or what is wrong with it."""
    name = f"Safety checklist {phase.label.lower()}"
    missing = result.missing.get(phase, ())
    flagged = [c for c in result.contradictions if ITEMS_BY_CODE[c.item].phase is phase]
    if flagged:
        return (
            f"{name}: {len(flagged)} tick(s) contradicted by the day's facts ("
            + "; ".join(f"{ITEMS_BY_CODE[c.item].label}: {c.message.rstrip('.')}" for c in flagged)
            + ")"
        )
    if missing:
        return f"{name} incomplete: {len(missing)} item(s) not confirmed"
    return f"{name} complete"


def _day_errors(assessment: Assessment, day: DayFacts) -> dict[str, str]:
    on_record = antithrombotics_on_record(assessment) or []
    stray = [str(drug) for drug in day.last_dose_hours if drug not in on_record]
    if stray:
        return {
            "last_dose_hours": f"Not on the patient's medicine list: {', '.join(stray)}. "
            "Record it in the assessment first."
        }
    return {}


def safety_check_record(
    request: HttpRequest | None,
    *,
    episode: Episode,
    consent: Consent,
    by: User,
    answers: Mapping[str, Any],
    day: DayFacts | None = None,
    at: datetime | None = None,
) -> SafetyCheck:
    """Sign in: record the day's facts and answers, and re-run the decision with those facts.

    ``answers`` are usually the sign-in items; answers to time-out and sign-out items may be
    given in the same call (the API does), each recorded with ``by`` and ``at``. A new sign in
    always starts a new checklist with its own day-of decision; the previous one stays on the
    record. The check is stored whether or not it is complete (what was missing is part of the
    record).
    """
    at = at or timezone.now()
    on = timezone.localdate(at)
    assessment = _ensure_may_check(by, episode, consent)
    day = day or DayFacts()
    errors = _answer_errors(answers, Phase) | _day_errors(assessment, day)
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        hold_patient(episode.patient_id)
        decision = store_decision(
            assessment,
            day_of_facts(facts_for(assessment, on=on), day),
            by=by,
            context=Decision.Context.DAY_OF_PROCEDURE,
            at=at,
        )
        check = SafetyCheck(
            episode=episode,
            consent=consent,
            decision=decision,
            checked_on=on,
            checked_by=by,
            checked_at=at,
            day_facts=day.to_json(),
            glucose_mmol_l=day.glucose_mmol_l,
        )
        check.full_clean()
        check.save()
        every = save_items(check, answers, by=by, at=at, new_check=True)
        result = store_checklist_result(check, every)
        before = assessment_decision(assessment)
        was = f" (at assessment: {outcome_label(before.outcome).lower()})" if before else ""
        changes = None if before is None else decision_changes(before, decision)
        changed = f"; {changes.summary}" if changes and changes.changed else ""
        episode.log(
            TimelineEvent.Kind.DECISION,
            f"Decision re-run at sign in with the day's facts: "
            f"{decision.get_outcome_display().lower()}{was}{changed}",
            by=by,
            detail={"decision": decision.pk, "safety_check": check.pk},
            at=at,
        )
        episode.log(
            TimelineEvent.Kind.PROCEDURE,
            _phase_summary(check, Phase.SIGN_IN, result),
            by=by,
            detail={"safety_check": check.pk, "phase": Phase.SIGN_IN.value},
            at=at,
        )
        audit.record(request, AuditEvent.Action.CREATE, decision, user=by, at=at)
        audit.record(
            request,
            AuditEvent.Action.CREATE,
            check,
            changed_fields=["items", "day_facts", "missing", "contradictions", "warnings"],
            detail={"phase": Phase.SIGN_IN.value, "answers": sorted(answers)},
            user=by,
            at=at,
        )
    return check


def latest_check(consent: Consent, *, on: date) -> SafetyCheck | None:
    return todays_safety_check(consent, on=on)


def safety_check_confirm(
    request: HttpRequest | None,
    *,
    check: SafetyCheck,
    phase: Phase,
    by: User,
    answers: Mapping[str, Any],
    at: datetime | None = None,
) -> SafetyCheck:
    """Time out (immediately before the procedure) or sign out (before the patient leaves).

    Time out needs sign in complete with nothing contradicted, on the newest checklist of its day
    for a consent that is still valid; sign out needs the time out. Answers are the items of
    ``phase`` only; each is recorded with ``by`` and ``at``.
    """
    at = at or timezone.now()
    episode = check.episode
    if phase is Phase.SIGN_IN:
        raise ProcedureRefused("Sign in again to change sign in: it re-runs the decision.")
    if not by.is_clinician:
        raise ProcedureRefused("Only a clinician may complete the safety checklist.")
    errors = _answer_errors(answers, [phase])
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        hold_patient(episode.patient_id)
        check = _CHECK_UNDER_LOCK.get(pk=check.pk)
        # One episode object for all three paths, so the checks below read the patient and
        # the clinic's rule set once, not once per path.
        check.consent.episode = check.decision.assessment.episode = check.episode
        if phase is Phase.TIME_OUT:
            problem = consent_problem(check.consent)
            if problem:
                raise ProcedureRefused(problem)
            if timezone.localdate(at) != check.checked_on:
                raise ProcedureRefused(
                    "This checklist was signed in on another day. Sign in again today first."
                )
            newest = todays_safety_check(check.consent, on=check.checked_on)
            if newest is not None and newest.pk != check.pk:
                raise ProcedureRefused("A newer sign in exists today: do the time out on that one.")
            if check.contradictions or check.missing_in(Phase.SIGN_IN):
                raise ProcedureRefused(
                    "Sign in is not complete, or a tick is contradicted by the day's facts. "
                    "Sign in again before the time out."
                )
        elif check.missing_in(Phase.TIME_OUT) or not check.ready_for_procedure:
            raise ProcedureRefused("Do the time out before the sign out.")
        every = save_items(check, answers, by=by, at=at)
        result = store_checklist_result(check, every)
        episode.log(
            TimelineEvent.Kind.PROCEDURE,
            _phase_summary(check, phase, result),
            by=by,
            detail={"safety_check": check.pk, "phase": phase.value},
            at=at,
        )
        audit.record(
            request,
            AuditEvent.Action.UPDATE,
            check,
            changed_fields=["items", "missing", "contradictions"],
            detail={"phase": phase.value, "answers": sorted(answers)},
            user=by,
            at=at,
        )
    return check


def safety_check_proceed(
    request: HttpRequest | None,
    *,
    check: SafetyCheck,
    by: User,
    reason: str,
    at: datetime | None = None,
) -> Decision:
    """The operator's written reason to proceed against the decision re-run on the day.

    Only where one is needed (``day_of_decision_problem``); never for ``urgent_referral`` or
    ``not_suitable``. Stored on the day-of decision, on the timeline and in the audit log.
    """
    decision = check.decision
    if decision.blocks:
        raise ProcedureRefused(
            f"The decision on the day is '{decision.get_outcome_display().lower()}': no reason "
            "to proceed is accepted. Do not proceed: act on its reasons."
        )
    if not decision.reasons_still_to_justify():
        raise ProcedureRefused("Nothing in the decision on the day needs a new reason.")
    try:
        return record_proceed(request, decision, by=by, reason=reason, at=at)
    except ProceedRefused as refused:
        raise ProcedureRefused(str(refused)) from None


def day_facts_lines(check: SafetyCheck) -> list[str]:
    """What was found on the day, in words, as entered at sign in."""
    day = DayFacts.from_json(check.day_facts)

    def yes_no(value: bool | None) -> str:
        return "not checked" if value is None else ("yes" if value else "no")

    lines = [
        f"{vocab.label(drug)}: "
        + (
            "time of the last dose not known (still taken)"
            if h is None
            else f"last dose {h:g} h ago"
        )
        for drug, h in day.last_dose_hours.items()
    ]
    if day.inr is not None:
        lines.append(f"INR today: {day.inr:g}")
    if day.pregnant is not None:
        lines.append(f"Could be pregnant: {yes_no(day.pregnant)}")
    lines.append(f"Fever or unwell with an infection: {yes_no(day.infection_systemic)}")
    lines.append(f"Infection at the injection site: {yes_no(day.infection_local)}")
    flags = ", ".join(vocab.lower_label(f) for f in day.new_red_flags)
    lines.append(f"New red flags: {flags or 'none'}")
    if day.glucose_mmol_l is not None:
        lines.append(f"Blood glucose: {day.glucose_mmol_l:g} mmol/L")
    return lines


# --- What changed, and what still stands in the way ---------------------------------------------


@dataclass(frozen=True)
class DecisionChanges(Rerun):
    @property
    def summary(self) -> str:
        """One line for the timeline: "defer → suitable; new: X; no longer: Y"."""
        parts = []
        if self.then_outcome != self.now_outcome:
            parts.append(f"{self.then_label.lower()} → {self.now_label.lower()}")
        if self.added:
            parts.append("new: " + ", ".join(r["code"] for r in self.added))
        if self.removed:
            parts.append("no longer: " + ", ".join(r["code"] for r in self.removed))
        return "; ".join(parts)


def decision_changes(before: Decision, after: Decision) -> DecisionChanges:
    """What changed between two stored decisions (reasons added and removed, the outcome)."""
    then_codes = {r["code"] for r in before.reasons}
    now_codes = {r["code"] for r in after.reasons}
    return DecisionChanges(
        then_outcome=before.outcome,
        now_outcome=after.outcome,
        then_ruleset=f"{before.ruleset_name} {before.ruleset_version}",
        now_ruleset=f"{after.ruleset_name} {after.ruleset_version}",
        added=[r for r in after.reasons if r["code"] not in then_codes],
        removed=[r for r in before.reasons if r["code"] not in now_codes],
    )


def day_of_changes(check: SafetyCheck) -> DecisionChanges | None:
    """The day-of decision against the assessment's, or ``None`` if there was none before."""
    before = assessment_decision(check.decision.assessment)
    return None if before is None else decision_changes(before, check.decision)


def day_of_decision_problem(decision: Decision) -> str:
    """Why the procedure may not go ahead on the day-of ``decision``, or "".

    Steroid reasons are left to the check at the point of injection, and a reason to proceed
    written at assessment may still cover the day (``Decision.reasons_still_to_justify``).
    """
    label = decision.get_outcome_display().lower()
    if decision.blocks:
        return (
            f"The decision re-run on the day is '{label}', which cannot be overridden. "
            "Do not proceed: act on its reasons."
        )
    uncovered = decision.reasons_still_to_justify()
    if not uncovered:
        return ""
    codes = {r.code for r in uncovered}
    return (
        f"The decision re-run on the day is '{label}' ({', '.join(sorted(codes))}), which the "
        "reason given at assessment does not cover. Write a reason to proceed today on the "
        "safety checklist, or act on its reasons, before recording the procedure."
    )


def todays_safety_check(consent: Consent, *, on: date) -> SafetyCheck | None:
    """The newest safety check on ``on`` for ``consent`` (complete or not)."""
    check: SafetyCheck | None = _TODAYS_CHECK.first(consent=consent.pk, on=on)
    return check


def checklist_problem(check: SafetyCheck) -> str:
    """Why ``check`` does not yet allow the procedure (sign in, time out, contradictions)."""
    if check.contradictions:
        first = check.contradictions[0]
        more = len(check.contradictions) - 1
        also = f" (and {more} more)" if more else ""
        return (
            f"Today's checklist has a tick the day's facts contradict: {first['label']}: "
            f"{first['message']}{also} Do not proceed: sign in again with the facts."
        )
    sign_in = check.missing_in(Phase.SIGN_IN)
    if sign_in:
        return (
            f"Sign in is incomplete ({len(sign_in)} item(s) not confirmed). Complete it before "
            "recording the procedure."
        )
    time_out = check.missing_in(Phase.TIME_OUT)
    if time_out:
        block = ", including stop before you block" if "stop_before_you_block" in time_out else ""
        return (
            f"The time out is not done ({len(time_out)} item(s) not confirmed{block}). Do it "
            "with the team immediately before the injection."
        )
    return ""


def readiness_problem(episode: Episode, *, on: date) -> str:
    """Why a procedure may not be recorded on ``on`` (before the details), or "" if it may."""
    return readiness(episode, on=on)[0]


def readiness(episode: Episode, *, on: date) -> tuple[str, Consent | None, SafetyCheck | None]:
    """``readiness_problem`` with the consent and today's checklist it found (so recording
    the procedure does not look them up again); both are set when the problem is ""."""
    if not episode.is_open:
        return "This episode is discharged. Re-open it before recording a procedure.", None, None
    consent = valid_consent(episode)
    if consent is None:
        return episode_consent_problem(episode), None, None
    assessment = latest_assessment(episode)
    if assessment is None:
        problem = "This episode has not been assessed. Assess before recording a procedure."
        return problem, consent, None
    check = todays_safety_check(consent, on=on)
    if not assessment.is_current_on(on) and check is None:
        weeks = ASSESSMENT_VALID_FOR.days // 7
        problem = (
            f"The assessment of {day_words(assessment.assessed_on)} is more than {weeks} weeks "
            "old. Re-assess, or complete the safety checklist today (it re-runs the decision "
            "with today's facts)."
        )
        return problem, consent, check
    if check is None:
        problem = (
            "Complete today's safety checklist (sign in and time out) before recording the "
            "procedure."
        )
        return problem, consent, None
    problem = checklist_problem(check) or day_of_decision_problem(check.decision)
    return problem, consent, check


# --- The episode's decision history -------------------------------------------------------------


@dataclass(frozen=True)
class CheckHistory:
    """One checklist with the decision re-run at its sign in and what changed."""

    check: SafetyCheck
    since_assessment: DecisionChanges | None
    since_previous: DecisionChanges | None
    """Against the previous sign in on the same assessment, if there was one."""
    status: str

    @property
    def phases(self) -> list[tuple[str, bool]]:
        """(phase label, complete) for sign in, time out and sign out."""
        return [(phase.label, not self.check.missing_in(phase)) for phase in Phase]


def check_status(check: SafetyCheck) -> str:
    """In words, where this checklist stands for the procedure."""
    decision = check.decision
    if decision.blocks:
        return "cannot proceed"
    if check.contradictions:
        return "contradicted: not cleared"
    if decision.proceed_reason:
        return "cleared with a reason given on the day"
    if decision.reasons_still_to_justify():
        return "new reason needed"
    if not check.ready_for_procedure:
        return "checklist not complete"
    return "cleared"


def checklist_history(episode: Episode) -> list[CheckHistory]:
    """The episode's checklists, newest first, each with its day-of decision and what changed."""
    checks = list(
        episode.safety_checks.select_related(
            "decision__assessment", "checked_by", "consent"
        ).order_by("checked_at", "id")
    )
    # Each assessment's own decision, for all checks in one query (not one per checklist).
    at_assessment: dict[int, Decision] = {}
    if checks:
        for made in (
            Decision.objects.filter(assessment_id__in={c.decision.assessment_id for c in checks})
            .exclude(context=Decision.Context.DAY_OF_PROCEDURE)
            .order_by("-evaluated_at", "-id")
        ):
            at_assessment.setdefault(made.assessment_id, made)
    rows: list[CheckHistory] = []
    previous: dict[int, Decision] = {}
    for check in checks:
        decision = check.decision
        earlier = previous.get(decision.assessment_id)
        before = at_assessment.get(decision.assessment_id)
        rows.append(
            CheckHistory(
                check=check,
                since_assessment=None if before is None else decision_changes(before, decision),
                since_previous=decision_changes(earlier, decision) if earlier else None,
                status=check_status(check),
            )
        )
        previous[decision.assessment_id] = decision
    return rows[::-1]
