"""Day-of-procedure workflows: the safety checklist, the procedure record, and corrections.

Each workflow touches several records (the consent, the assessment's decisions, the safety check,
the procedure, the episode's stage and timeline, the audit log) so they live here as keyword-only
functions, in the style of ``consent.py``. A workflow that may not go ahead raises
``ProcedureRefused`` with one sentence for the clinician; bad input raises Django's
``ValidationError`` naming the fields.

The rules for the day:

* the safety checklist needs valid consent; it re-runs the assessment's decision with the day's
  facts (stored with context "day of procedure") and evaluates the checklist core;
* a procedure needs valid consent, an assessment current on the day (six weeks) or a safety check
  that day, a *complete* safety check that day for this consent, and a day-of decision the
  clinician may proceed on. Steroid reasons in that decision are left to the steroid check at the
  point of injection, which is run again with the drug and dose actually given: a ``block``
  there needs the operating clinician's written override.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from spinepath.accounts import audit
from spinepath.accounts.models import AuditEvent, User
from spinepath.assessment.decisions import facts_for, ruleset, store_decision
from spinepath.assessment.models import ASSESSMENT_VALID_FOR, Assessment, Decision
from spinepath.assessment.presentation import Rerun, outcome_label
from spinepath.clinical.antithrombotics import hold_needed
from spinepath.clinical.checklist import (
    CHECKLIST_CODES,
    ChecklistContext,
    ChecklistItem,
    applicable_items,
    evaluate_checklist,
)
from spinepath.clinical.steroids import SteroidCheck
from spinepath.clinical.vocab import (
    Antithrombotic,
    Imaging,
    Procedure,
    Sex,
    Steroid,
)
from spinepath.patients.models import Episode, TimelineEvent
from spinepath.procedures.models import Consent, SafetyCheck

OVERRIDE_REASON_MIN_CHARS = 10
"""A written override is at least a short sentence."""


class ProcedureRefused(Exception):
    """The checklist or procedure may not be recorded now; the message says why."""


class SteroidOverrideRequired(ProcedureRefused):
    """The steroid check blocks and no written override reason (long enough) was given."""

    field = "steroid_override_reason"

    def __init__(self, message: str, check: SteroidCheck) -> None:
        super().__init__(message)
        self.check = check


# --- What the day needs ---------------------------------------------------------------------------


def valid_consent(episode: Episode) -> Consent | None:
    """The newest consent the procedure may go ahead on, if any."""
    return Consent.objects.filter(episode=episode).valid_for_procedure().first()


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
            f"The patient withdrew consent on {timezone.localdate(consent.withdrawn_at):%d %b %Y}."
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
    return episode.assessments.first()


def plan_problem(assessment: Assessment, consent: Consent) -> str:
    """A re-assessment with a different plan needs a new consent."""
    planned = (assessment.procedure, assessment.imaging, assessment.steroid)
    consented = (consent.procedure, consent.imaging, consent.steroid)
    if planned == consented:
        return ""
    return (
        f"The latest assessment ({assessment.assessed_on:%d %b %Y}) plans a different procedure, "
        "imaging or steroid from the one consented to. Take consent for the new plan first."
    )


def assessment_decision(assessment: Assessment) -> Decision | None:
    """The decision made at assessment (or re-evaluation), not a day-of-procedure re-run."""
    return (
        assessment.decisions.exclude(context=Decision.Context.DAY_OF_PROCEDURE)
        .order_by("-evaluated_at", "-id")
        .first()
    )


def needs_antithrombotic_hold(assessment: Assessment, procedure: Procedure) -> bool:
    drugs = (
        [Antithrombotic(row["drug"]) for row in assessment.antithrombotics]
        if assessment.medication_recorded
        else None
    )
    return hold_needed(drugs, procedure, ruleset())


def checklist_context(consent: Consent, assessment: Assessment, *, on: date) -> ChecklistContext:
    """What decides the checklist items: the consented plan, the patient and the assessment.

    A patient whose sex is not known is asked the pregnancy question, and one whose diabetes
    was not recorded has their glucose checked: on the day, "not known" is treated as "ask".
    """
    patient = consent.episode.patient
    sex = Sex(patient.sex) if patient.sex in {s.value for s in Sex} else Sex.FEMALE
    procedure = Procedure(consent.procedure)
    return ChecklistContext(
        procedure=procedure,
        imaging=Imaging(consent.imaging),
        sex=sex,
        age=patient.age_on(on),
        diabetic=assessment.diabetes is not False,
        steroid=Steroid(consent.steroid) if consent.steroid else None,
        needs_antithrombotic_hold=needs_antithrombotic_hold(assessment, procedure),
    )


def checklist_items(consent: Consent, assessment: Assessment, *, on: date) -> list[ChecklistItem]:
    return applicable_items(checklist_context(consent, assessment, on=on))


def glucose_asked(items: Iterable[ChecklistItem]) -> bool:
    return any(item.code == "glucose_checked" for item in items)


# --- The safety checklist ---------------------------------------------------------------------


def safety_check_record(
    request: HttpRequest | None,
    *,
    episode: Episode,
    consent: Consent,
    by: User,
    answers: Mapping[str, bool],
    glucose_mmol_l: float | None,
) -> SafetyCheck:
    """Record today's safety checklist for ``consent`` and re-run the decision with today's facts.

    The check is stored whether or not it is complete (what was missing is part of the record);
    only a complete one lets the procedure be recorded.
    """
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

    today = timezone.localdate()
    context = checklist_context(consent, assessment, on=today)
    errors: dict[str, str] = {}
    unknown = sorted(set(answers) - CHECKLIST_CODES)
    if unknown:
        errors["answers"] = f"Unknown checklist item(s): {', '.join(unknown)}."
    if glucose_mmol_l is not None and not (math.isfinite(glucose_mmol_l) and glucose_mmol_l >= 0):
        errors["glucose_mmol_l"] = "Give the blood glucose in mmol/L (0 or more)."
    elif glucose_mmol_l is not None and glucose_mmol_l > 60:
        errors["glucose_mmol_l"] = "A blood glucose above 60 mmol/L is not plausible: check it."
    if errors:
        raise ValidationError(errors)
    answered = {code: answers[code] is True for code in answers}
    result = evaluate_checklist(context, answered, glucose_mmol_l)

    with transaction.atomic():
        decision = store_decision(
            assessment,
            facts_for(assessment, on=today),
            by=by,
            context=Decision.Context.DAY_OF_PROCEDURE,
        )
        check = SafetyCheck(
            episode=episode,
            consent=consent,
            decision=decision,
            checked_on=today,
            checked_by=by,
            answers=answered,
            glucose_mmol_l=glucose_mmol_l,
            complete=result.complete,
            missing=list(result.missing),
            warnings=list(result.warnings),
        )
        check.full_clean()
        check.save()
        before = assessment_decision(assessment)
        was = f" (at assessment: {outcome_label(before.outcome).lower()})" if before else ""
        episode.log(
            TimelineEvent.Kind.DECISION,
            f"Decision re-run on the day of the procedure: "
            f"{decision.get_outcome_display().lower()}{was}",
            by=by,
            detail={"decision": decision.pk, "safety_check": check.pk},
        )
        episode.log(
            TimelineEvent.Kind.PROCEDURE,
            "Safety checklist complete"
            if check.complete
            else f"Safety checklist incomplete: {len(check.missing)} item(s) not confirmed",
            by=by,
            detail={"safety_check": check.pk},
        )
        audit.record(request, AuditEvent.Action.CREATE, decision, user=by)
        audit.record(
            request,
            AuditEvent.Action.CREATE,
            check,
            changed_fields=["answers", "complete", "missing", "warnings", "glucose_mmol_l"],
            user=by,
        )
    return check


def decision_changes(before: Decision, after: Decision) -> Rerun:
    """What changed between two stored decisions (reasons added and removed, the outcome)."""
    then_codes = {r["code"] for r in before.reasons}
    now_codes = {r["code"] for r in after.reasons}
    return Rerun(
        then_outcome=before.outcome,
        now_outcome=after.outcome,
        then_ruleset=f"{before.ruleset_name} {before.ruleset_version}",
        now_ruleset=f"{after.ruleset_name} {after.ruleset_version}",
        added=[r for r in after.reasons if r["code"] not in then_codes],
        removed=[r for r in before.reasons if r["code"] not in now_codes],
    )


def day_of_changes(check: SafetyCheck) -> Rerun | None:
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
        f"The decision re-run on the day is '{label}' ({', '.join(sorted(codes))}). Record a "
        "reason to proceed on that decision, or act on its reasons, before recording the procedure."
    )


def todays_safety_check(consent: Consent, *, on: date) -> SafetyCheck | None:
    """The newest safety check on ``on`` for ``consent`` (complete or not)."""
    return (
        SafetyCheck.objects.filter(consent=consent, checked_on=on)
        .select_related("decision", "decision__assessment")
        .order_by("-checked_at", "-id")
        .first()
    )


def readiness_problem(episode: Episode, *, on: date) -> str:
    """Why a procedure may not be recorded on ``on`` (before the details), or "" if it may."""
    if not episode.is_open:
        return "This episode is discharged. Re-open it before recording a procedure."
    consent = valid_consent(episode)
    if consent is None:
        return episode_consent_problem(episode)
    assessment = latest_assessment(episode)
    if assessment is None:
        return "This episode has not been assessed. Assess before recording a procedure."
    check = todays_safety_check(consent, on=on)
    if not assessment.is_current_on(on) and check is None:
        weeks = ASSESSMENT_VALID_FOR.days // 7
        return (
            f"The assessment of {assessment.assessed_on:%d %b %Y} is more than {weeks} weeks "
            "old. Re-assess, or complete the safety checklist today (it re-runs the decision "
            "with today's facts)."
        )
    if check is None:
        return "Complete the safety checklist today before recording the procedure."
    if not check.complete:
        return (
            f"Today's safety checklist is incomplete ({len(check.missing)} item(s) not "
            "confirmed). Complete it before recording the procedure."
        )
    return day_of_decision_problem(check.decision)


# --- The procedure record ---------------------------------------------------------------------
# Recording, correcting and amending a procedure live in ``procedure.py`` (which asks this module
# for readiness). Their old import path keeps working for code written against it.

_MOVED_TO_PROCEDURE = frozenset(
    {
        "procedure_steroid_check",
        "radiation_warnings",
        "record_warnings",
        "procedure_problems",
        "procedure_record",
        "procedure_summary",
        "complication_label",
        "procedure_mark_entered_in_error",
    }
)


def __getattr__(name: str) -> Any:
    if name in _MOVED_TO_PROCEDURE:
        from spinepath.procedures import procedure

        return getattr(procedure, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
