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
from datetime import date, datetime

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
from spinepath.clinical.coding import codebook
from spinepath.clinical.consent_info import validate_levels
from spinepath.clinical.facts import InjectionSite
from spinepath.clinical.steroids import PlannedInjection, SteroidCheck, check_steroid_exposure
from spinepath.clinical.vocab import (
    APPROACHES_FOR,
    INJECTABLE_STEROIDS,
    Antithrombotic,
    Complication,
    Imaging,
    Laterality,
    LocalAnaesthetic,
    Procedure,
    Sex,
    Steroid,
)
from spinepath.lib.dates import day
from spinepath.patients.models import Episode, TimelineEvent
from spinepath.procedures.history import steroid_history
from spinepath.procedures.hooks import procedure_recorded
from spinepath.procedures.models import SIDE_CHOICES, Consent, ProcedureRecord, SafetyCheck

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
            f"The patient withdrew consent on {day(consent.withdrawn_at)}."
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
        f"The latest assessment ({day(assessment.assessed_on)}) plans a different procedure, "
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
            f"The assessment of {day(assessment.assessed_on)} is more than {weeks} weeks "
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


# --- The steroid check at the point of injection ------------------------------------------------


def procedure_steroid_check(
    episode: Episode,
    *,
    procedure: str,
    steroid: str,
    steroid_dose_mg: float | None,
    on: date,
) -> SteroidCheck | None:
    """The steroids.md checks for this injection against the patient's whole steroid history.

    ``None`` when no steroid (or no usable dose) is planned, or the procedure is not known.
    """
    if not steroid or steroid_dose_mg is None or steroid_dose_mg < 0:
        return None
    try:
        site, drug = InjectionSite(procedure), Steroid(steroid)
    except ValueError:
        return None
    planned = PlannedInjection(
        date=on, procedure=site, steroid=drug, steroid_dose_mg=steroid_dose_mg
    )
    history = steroid_history(episode.patient, on_or_before=on)
    return check_steroid_exposure(planned, history, ruleset())


# --- The procedure record ---------------------------------------------------------------------


def radiation_warnings(
    imaging: str,
    *,
    dose_area_product: float | None,
    screening_time_s: float | None,
    dose_length_product: float | None,
) -> list[str]:
    """Radiation figures that should be recorded for the modality but were not."""
    warnings = []
    if imaging == Imaging.FLUOROSCOPY:
        if dose_area_product is None:
            warnings.append("No dose-area product recorded for fluoroscopy.")
        if screening_time_s is None:
            warnings.append("No screening time recorded for fluoroscopy.")
    elif imaging == Imaging.CT and dose_length_product is None:
        warnings.append("No dose-length product recorded for CT.")
    return warnings


def record_warnings(record: ProcedureRecord) -> list[str]:
    return radiation_warnings(
        record.imaging,
        dose_area_product=record.dose_area_product,
        screening_time_s=record.screening_time_s,
        dose_length_product=record.dose_length_product,
    )


_SIDE_LABELS = dict(SIDE_CHOICES)


def procedure_problems(consent: Consent, record: ProcedureRecord) -> dict[str, str]:
    """Field errors the model cannot know: the procedure against the consent and the vocabulary."""
    procedure, approach, side, imaging = (
        record.procedure,
        record.approach,
        record.side,
        record.imaging,
    )
    levels = list(record.levels)
    dose_area_product, screening_time_s = record.dose_area_product, record.screening_time_s
    dose_length_product = record.dose_length_product
    steroid, steroid_dose_mg = record.steroid, record.steroid_dose_mg
    local_anaesthetic = record.local_anaesthetic
    local_anaesthetic_percent = record.local_anaesthetic_percent
    local_anaesthetic_ml = record.local_anaesthetic_ml
    contrast_agent, contrast_ml = record.contrast_agent, record.contrast_ml
    complications, complication_notes = list(record.complications), record.complication_notes
    performed_at, discharged_at = record.performed_at, record.discharged_at
    discharge_condition = record.discharge_condition
    errors: dict[str, str] = {}
    if procedure not in {p.value for p in Procedure}:
        errors["procedure"] = "Choose a procedure from the list."
    elif procedure != consent.procedure:
        errors["procedure"] = (
            f"The consent is for {consent.procedure_title.lower()}. Take consent for a "
            "different procedure first."
        )
    else:
        allowed = APPROACHES_FOR[Procedure(procedure)]
        if approach not in {a.value for a in allowed}:
            errors["approach"] = "For this procedure the approach is " + " or ".join(
                a.value.replace("_", " ") for a in allowed
            )
            errors["approach"] += "."
    try:
        levels = list(validate_levels(levels))
    except ValueError as exc:
        errors["levels"] = f"{str(exc)[0].upper()}{str(exc)[1:]}."
    else:
        outside = [level for level in levels if consent.levels and level not in consent.levels]
        if outside:
            errors["levels"] = (
                f"{', '.join(outside)} is not on the consent ({', '.join(consent.levels)})."
            )
    if side not in _SIDE_LABELS:
        errors["side"] = "Choose the side."
    elif side != consent.side and not (
        consent.side == Laterality.BILATERAL and side in (Laterality.LEFT, Laterality.RIGHT)
    ):
        errors["side"] = f"The consent is for: {_SIDE_LABELS[consent.side].lower()}."
    if imaging not in {i.value for i in Imaging}:
        errors["imaging"] = "Choose the imaging used."
    radiation = {
        "dose_area_product": (dose_area_product, Imaging.FLUOROSCOPY, "Dose-area product"),
        "screening_time_s": (screening_time_s, Imaging.FLUOROSCOPY, "Screening time"),
        "dose_length_product": (dose_length_product, Imaging.CT, "Dose-length product"),
    }
    for name, (value, modality, label) in radiation.items():
        if value is None:
            continue
        if value < 0 or not math.isfinite(value):
            errors[name] = "Cannot be negative."
        elif imaging != modality and imaging in {i.value for i in Imaging}:
            errors[name] = f"{label} is recorded for {modality.value} only: leave it empty."
    if steroid:
        if steroid not in {s.value for s in INJECTABLE_STEROIDS}:
            errors["steroid"] = "Choose an injectable steroid from the list."
        elif not consent.steroid:
            errors["steroid"] = "The patient consented to an injection without a steroid."
        if steroid_dose_mg is None:
            errors["steroid_dose_mg"] = "Give the steroid dose in mg."
        elif not (math.isfinite(steroid_dose_mg) and steroid_dose_mg > 0):
            errors["steroid_dose_mg"] = "The dose must be more than 0 mg."
    elif steroid_dose_mg is not None:
        errors["steroid_dose_mg"] = "A dose is given but no steroid is chosen."
    if local_anaesthetic and local_anaesthetic not in {la.value for la in LocalAnaesthetic}:
        errors["local_anaesthetic"] = "Choose a local anaesthetic from the list."
    for name, value, upper in (
        ("local_anaesthetic_percent", local_anaesthetic_percent, 10),
        ("local_anaesthetic_ml", local_anaesthetic_ml, 100),
    ):
        if value is None:
            continue
        if not local_anaesthetic:
            errors[name] = "Given without a local anaesthetic: choose it, or leave this empty."
        elif not (math.isfinite(value) and 0 < value <= upper):
            errors[name] = f"Give a value above 0 and at most {upper}."
    if contrast_ml is not None:
        if not contrast_agent.strip():
            errors["contrast_agent"] = "Name the contrast agent given."
        elif not (math.isfinite(contrast_ml) and contrast_ml >= 0):
            errors["contrast_ml"] = "Cannot be negative."
    known = {c.value for c in Complication}
    unknown = [c for c in complications if c not in known]
    if unknown:
        errors["complications"] = f"Unknown complication code(s): {', '.join(unknown)}."
    elif Complication.OTHER in complications and not complication_notes.strip():
        errors["complication_notes"] = "Describe the other complication."
    if discharged_at is not None and discharged_at < performed_at:
        errors["discharged_at"] = "Discharge cannot be before the procedure."
    elif discharged_at is not None and discharged_at > timezone.now():
        errors["discharged_at"] = "Discharge cannot be in the future: record it when it happens."
    if discharged_at is not None and not discharge_condition:
        errors["discharge_condition"] = "Give the condition on discharge with the discharge time."
    if discharge_condition and discharged_at is None:
        errors["discharged_at"] = "Give the discharge time with the condition on discharge."
    return errors


def procedure_record(
    request: HttpRequest | None,
    *,
    episode: Episode,
    by: User,
    procedure: str,
    levels: list[str],
    side: str,
    approach: str,
    imaging: str,
    performed_at: datetime | None = None,
    assistant: str = "",
    dose_area_product: float | None = None,
    screening_time_s: float | None = None,
    dose_length_product: float | None = None,
    steroid: str = "",
    steroid_dose_mg: float | None = None,
    local_anaesthetic: str = "",
    local_anaesthetic_percent: float | None = None,
    local_anaesthetic_ml: float | None = None,
    contrast_agent: str = "",
    contrast_ml: float | None = None,
    needle: str = "",
    complications: Iterable[str] = (),
    complication_notes: str = "",
    observations: str = "",
    discharged_at: datetime | None = None,
    discharge_condition: str = "",
    notes: str = "",
    steroid_override_reason: str = "",
) -> ProcedureRecord:
    """Record a procedure done by ``by`` (the operating clinician) on ``episode``.

    Refused (``ProcedureRefused``) unless ``by`` is a clinician and ``readiness_problem`` finds
    nothing; ``SteroidOverrideRequired`` (a ``ProcedureRefused``) when the steroid check blocks
    and no written override of at least ten characters is given. An override reason given when
    nothing blocks is not stored. On success the episode moves to treated, the procedure (and
    any override) goes on the timeline and the audit log, and the hooks in ``hooks.py`` run.
    """
    if not by.is_clinician:
        raise ProcedureRefused("Only a clinician may record a procedure.")
    performed_at = performed_at or timezone.now()
    if performed_at > timezone.now():
        raise ValidationError({"performed_at": "The procedure cannot be dated in the future."})
    day = timezone.localdate(performed_at)
    problem = readiness_problem(episode, on=day)
    consent = valid_consent(episode)
    check = todays_safety_check(consent, on=day) if consent else None
    if problem or consent is None or check is None:
        raise ProcedureRefused(problem or "Complete the safety checklist today first.")

    record = ProcedureRecord(
        episode=episode,
        consent=consent,
        safety_check=check,
        performed_at=performed_at,
        operator=by,
        assistant=assistant.strip(),
        procedure=procedure,
        levels=list(levels),
        side=side,
        approach=approach,
        imaging=imaging,
        dose_area_product=dose_area_product,
        screening_time_s=screening_time_s,
        dose_length_product=dose_length_product,
        steroid=steroid,
        steroid_dose_mg=steroid_dose_mg,
        local_anaesthetic=local_anaesthetic,
        local_anaesthetic_percent=local_anaesthetic_percent,
        local_anaesthetic_ml=local_anaesthetic_ml,
        contrast_agent=contrast_agent.strip(),
        contrast_ml=contrast_ml,
        needle=needle.strip(),
        complications=list(dict.fromkeys(complications)),
        complication_notes=complication_notes.strip(),
        observations=observations.strip(),
        discharged_at=discharged_at,
        discharge_condition=discharge_condition,
        notes=notes.strip(),
    )
    errors = procedure_problems(consent, record)
    if errors:
        raise ValidationError(errors)
    record.levels = list(validate_levels(record.levels))

    steroid_check = procedure_steroid_check(
        episode, procedure=procedure, steroid=steroid, steroid_dose_mg=steroid_dose_mg, on=day
    )
    blocked = steroid_check is not None and steroid_check.status == "block"
    override = steroid_override_reason.strip() if blocked else ""
    if steroid_check is not None and blocked and len(override) < OVERRIDE_REASON_MIN_CHARS:
        codes = ", ".join(r.code for r in steroid_check.reasons if r.status == "block")
        raise SteroidOverrideRequired(
            f"The steroid check blocks this injection ({codes}). The operating clinician must "
            f"write a reason to override it (at least {OVERRIDE_REASON_MIN_CHARS} characters).",
            steroid_check,
        )
    record.steroid_check = steroid_check.model_dump(mode="json") if steroid_check else None
    record.steroid_override_reason = override
    record.full_clean()
    with transaction.atomic():
        record.save()
        if episode.stage != Episode.Stage.TREATED:
            episode.advance_to(Episode.Stage.TREATED, by=by)
        episode.log(
            TimelineEvent.Kind.PROCEDURE,
            procedure_summary(record),
            by=by,
            detail={"procedure": record.pk},
        )
        audit.record(
            request,
            AuditEvent.Action.CREATE,
            record,
            changed_fields=["procedure", "levels", "side", "steroid", "steroid_dose_mg"],
            user=by,
        )
        if override and steroid_check is not None:
            overridden = [r.code for r in steroid_check.reasons if r.status == "block"]
            episode.log(
                TimelineEvent.Kind.OVERRIDE,
                f"Steroid check overridden ({', '.join(overridden)}): {override}",
                by=by,
                detail={"procedure": record.pk, "codes": overridden},
            )
            audit.record(
                request,
                AuditEvent.Action.OVERRIDE,
                record,
                changed_fields=["steroid_override_reason"],
                reason=override,
                detail={"codes": overridden},
                user=by,
            )
        procedure_recorded(record)
    return record


def procedure_summary(record: ProcedureRecord) -> str:
    where = f" at {', '.join(record.levels)}" if record.levels else ""
    side = (
        ""
        if record.side == Laterality.NOT_APPLICABLE
        else f" ({_SIDE_LABELS.get(record.side, record.side).lower()})"
    )
    drug = f"; {record.steroid} {record.steroid_dose_mg:g} mg" if record.steroid else "; no steroid"
    complications = (
        "; complications: " + ", ".join(complication_label(c) for c in record.complications)
        if record.complications
        else ""
    )
    return f"{record.procedure_title}{where}{side}{drug}{complications}"


def complication_label(code: str) -> str:
    concept = codebook().complications.get(code)
    return concept.display if concept else code.replace("_", " ")


def _step_back_if_untreated(record: ProcedureRecord, *, by: User) -> None:
    """A treated episode with no procedure left that counts goes back a stage."""
    episode = record.episode
    if episode.stage != Episode.Stage.TREATED:
        return
    if ProcedureRecord.objects.counted().filter(episode=episode).exists():
        return
    stage = Episode.Stage.CONSENTED if valid_consent(episode) else Episode.Stage.ASSESSED
    episode.advance_to(
        stage,
        by=by,
        summary=f"Stage changed from Treated to {Episode.Stage(stage).label}: "
        "no procedure record remains",
    )


def procedure_mark_entered_in_error(
    request: HttpRequest | None, *, record: ProcedureRecord, by: User, reason: str
) -> ProcedureRecord:
    """Mark a record made by mistake; it stays, marked, and no longer counts (ledger included)."""
    reason = reason.strip()
    if not by.is_clinician:
        raise ProcedureRefused("Only a clinician may mark a procedure as entered in error.")
    if record.entered_in_error:
        raise ProcedureRefused("This procedure is already marked as entered in error.")
    if not reason:
        raise ProcedureRefused("Say why this record was entered in error.")
    with transaction.atomic():
        record.entered_in_error = True
        record.entered_in_error_reason = reason
        record.save(update_fields=["entered_in_error", "entered_in_error_reason"])
        record.episode.log(
            TimelineEvent.Kind.PROCEDURE,
            f"Procedure record {record.pk} marked entered in error: {reason}",
            by=by,
            detail={"procedure": record.pk},
        )
        audit.record(
            request,
            AuditEvent.Action.UPDATE,
            record,
            changed_fields=["entered_in_error", "entered_in_error_reason"],
            reason=reason,
            user=by,
        )
        _step_back_if_untreated(record, by=by)
    return record
