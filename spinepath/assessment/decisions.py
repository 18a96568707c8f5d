"""From an assessment in the database to a stored, explainable decision.

The only place that turns database rows into the clinical core's ``Facts`` and stores what the
core returns; the rules themselves live in ``spinepath.clinical``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from spinepath.accounts import audit
from spinepath.accounts.models import AuditEvent, User
from spinepath.assessment.models import Assessment, Decision
from spinepath.clinical.decision import evaluate
from spinepath.clinical.facts import (
    AntithromboticUse,
    Diabetes,
    Facts,
    Infection,
    Injectate,
    MedialBranchBlock,
    Symptoms,
)
from spinepath.clinical.instruments import Score
from spinepath.clinical.pregnancy import sex_for_rules
from spinepath.lib.plausible import date_problem
from spinepath.lib.prepared import Prepared
from spinepath.patients.history import previous_injections
from spinepath.patients.locks import hold_patient
from spinepath.patients.models import Episode, PriorInjection, TimelineEvent
from spinepath.questionnaires.baseline import save_baseline_responses
from spinepath.questionnaires.models import QuestionnaireResponse

# Every decision reads these: compiled once (lib/prepared.py).
_PAIN_ANSWERS = Prepared(
    lambda assessment: QuestionnaireResponse.objects.filter(
        assessment=assessment, instrument__in=("nrs_leg", "nrs_back"), status="completed"
    ),
    assessment=(Assessment._meta.pk, 1, 2),  # type: ignore[arg-type]
)


def _pain_scores(assessment: Assessment) -> dict[str, int | None]:
    """``{"nrs_leg": …, "nrs_back": …}``: each from its latest completed answer (one query)."""
    scores: dict[str, int | None] = {"nrs_leg": None, "nrs_back": None}
    seen: set[str] = set()
    for response in _PAIN_ANSWERS(assessment=assessment.pk):
        if response.instrument not in seen:
            seen.add(response.instrument)
            scores[response.instrument] = None if response.score is None else int(response.score)
    return scores


def facts_for(assessment: Assessment, *, on: date | None = None) -> Facts:
    """The facts object for ``assessment``, evaluated as of ``on`` (default: its own date)."""
    episode = assessment.episode
    patient = episode.patient
    day = on or assessment.assessed_on
    pain = _pain_scores(assessment)
    diabetes = (
        None
        if assessment.diabetes is None
        else Diabetes(present=assessment.diabetes, hba1c_mmol_mol=assessment.hba1c_mmol_mol)
    )
    infection = (
        None
        if assessment.infection_systemic is None and assessment.infection_local is None
        else Infection(
            systemic=assessment.infection_systemic, local_at_site=assessment.infection_local
        )
    )
    mbb = (
        MedialBranchBlock(date=assessment.mbb_date, relief_percent=assessment.mbb_relief_percent)
        if assessment.mbb_date and assessment.mbb_relief_percent is not None
        else None
    )
    return Facts(
        assessment_date=day,
        age=patient.age_on(day),
        sex=sex_for_rules(patient.sex),
        pregnant=assessment.pregnant,
        weight_kg=assessment.weight_kg,
        condition=episode.condition,
        procedure=assessment.procedure,
        imaging=assessment.imaging,
        injectate=Injectate(
            steroid=assessment.steroid or None,
            steroid_dose_mg=assessment.steroid_dose_mg if assessment.steroid else None,
            local_anaesthetic=assessment.local_anaesthetic or None,
        ),
        symptoms=Symptoms(
            duration_weeks=assessment.symptom_duration_weeks,
            leg_pain_nrs=pain["nrs_leg"],
            back_pain_nrs=pain["nrs_back"],
            leg_pain_dominant=assessment.leg_pain_dominant,
            neurogenic_claudication=assessment.neurogenic_claudication,
        ),
        conservative_care_weeks=assessment.conservative_care_weeks,
        red_flags=list(assessment.red_flags) if assessment.red_flags_screened else None,
        infection=infection,
        allergies=list(assessment.allergies) if assessment.allergies_recorded else None,
        antithrombotics=[AntithromboticUse(**row) for row in assessment.antithrombotics]
        if assessment.medication_recorded
        else None,
        inr=assessment.inr,
        platelets=assessment.platelets,
        bleeding_disorder=assessment.bleeding_disorder,
        thrombotic_risk_high=assessment.thrombotic_risk_high,
        crcl_ml_min=assessment.crcl_ml_min,
        diabetes=diabetes,
        immunosuppressed=assessment.immunosuppressed,
        mbb=mbb,
        previous_injections=previous_injections(patient, before=day),
    )


@transaction.atomic
def store_decision(
    assessment: Assessment,
    facts: Facts,
    *,
    by: User | None,
    context: str = Decision.Context.ASSESSMENT,
    at: datetime | None = None,
) -> Decision:
    """Evaluate ``facts`` under the rule set in force in the patient's clinic at ``at``
    (default: now, read once) and store the decision with that rule set's name and version."""
    at = at or timezone.now()
    config = assessment.episode.patient.clinic.ruleset(at=at)
    result = evaluate(facts, config)
    as_dict = result.to_dict()
    decision = Decision.objects.create(
        assessment=assessment,
        context=context,
        evaluated_at=at,
        evaluated_by=by,
        facts=facts.model_dump(mode="json"),
        ruleset_name=result.ruleset.name,
        ruleset_version=result.ruleset.version,
        ruleset_config=config.model_dump(mode="json"),
        outcome=result.outcome.value,
        reasons=as_dict["reasons"],
        steroid=as_dict["steroid"],
    )
    decision.write_reason_rows()  # the reasons as rows, in this transaction
    return decision


def decide(
    request: HttpRequest | None,
    assessment: Assessment,
    *,
    by: User,
    context: str = Decision.Context.ASSESSMENT,
    on: date | None = None,
    at: datetime | None = None,
) -> Decision:
    """Evaluate, store, put it on the timeline and the audit log, and mark the episode assessed.

    Everything written is dated ``at`` (default: now, read once).
    """
    at = at or timezone.now()
    with transaction.atomic():
        decision = store_decision(
            assessment, facts_for(assessment, on=on), by=by, context=context, at=at
        )
        episode = assessment.episode
        summary = (
            f"Suitability: {decision.get_outcome_display().lower()} for "
            f"{assessment.get_procedure_display().lower()} ({decision.ruleset_name} "
            f"{decision.ruleset_version})"
        )
        episode.log(
            TimelineEvent.Kind.DECISION, summary, by=by, detail={"decision": decision.pk}, at=at
        )
        if context == Decision.Context.ASSESSMENT and episode.stage == Episode.Stage.REFERRED:
            episode.advance_to(Episode.Stage.ASSESSED, by=by, at=at)
        audit.record(request, AuditEvent.Action.CREATE, decision, user=by, at=at)
    return decision


def assessment_record(
    request: HttpRequest | None,
    *,
    assessment: Assessment,
    by: User,
    baseline: Mapping[str, tuple[dict[str, Any], Score]] | None = None,
    injections_elsewhere: Sequence[PriorInjection] = (),
    changed_fields: Iterable[str] = (),
    at: datetime | None = None,
) -> Decision:
    """Record an assessment and its decision: the one path for the page, the API and the tests.

    ``assessment`` is unsaved, with its episode and facts set; ``baseline`` holds the answers
    scored by the core; ``injections_elsewhere`` are unsaved injections given elsewhere. All are
    validated (``full_clean``; Django's ``ValidationError`` names the field, injections elsewhere
    as ``injections_elsewhere.<n>.<field>``) and saved under the patient's lock with the decision,
    the timeline, the audit log and the stage move, all dated ``at`` (default: now): all or none.
    The core's refusal of the facts (pydantic ``ValidationError``) rolls everything back.
    """
    at = at or timezone.now()
    episode: Episode = assessment.episode
    patient = episode.patient
    assessment.clinician = by
    assessment.created_at = at
    assessment.full_clean()
    errors: dict[str, list[str]] = {}
    for index, prior in enumerate(injections_elsewhere):
        prior.patient = patient
        prior.recorded_by = by
        prior.recorded_at = at
        prior.steroid_dose_mg = prior.steroid_dose_mg if prior.steroid else None
        try:
            prior.full_clean()
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                errors[f"injections_elsewhere.{index}.{name}"] = messages
            continue
        # The rules count injections up to the assessment date: a later one would be saved
        # but silently left out of the steroid checks.
        if problem := date_problem(
            prior.given_on, not_after=assessment.assessed_on, after_words="the assessment date"
        ):
            errors[f"injections_elsewhere.{index}.given_on"] = [problem]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        hold_patient(patient)
        assessment.save()
        audit.record(
            request,
            AuditEvent.Action.CREATE,
            assessment,
            changed_fields=changed_fields,
            user=by,
            at=at,
        )
        for prior in injections_elsewhere:
            prior.save()
            audit.record(request, AuditEvent.Action.CREATE, prior, user=by, at=at)
        save_baseline_responses(request, assessment, baseline or {}, by=by, at=at)
        return decide(request, assessment, by=by, at=at)


class ProceedRefused(Exception):
    """A clinician tried to proceed where the rules say they may not, or without a reason."""


def record_proceed(
    request: HttpRequest | None,
    decision: Decision,
    *,
    by: User,
    reason: str,
    at: datetime | None = None,
) -> Decision:
    """Record a clinician's documented decision to proceed against a restrictive outcome.

    The first reason is the record: whether one is already there is read under the patient's
    lock, in the transaction that writes, so ten copies of one request sent at once (a double
    click, a client's retry without an ``Idempotency-Key``) write one reason, one timeline entry
    and one audit event, and the other nine are refused as already recorded."""
    at = at or timezone.now()
    reason = reason.strip()
    if "\x00" in reason:
        raise ProceedRefused("The reason contains a character that cannot be stored (NUL).")
    if decision.blocks:
        raise ProceedRefused(
            f"A decision of '{decision.get_outcome_display().lower()}' cannot be overridden."
        )
    if not decision.needs_reason_to_proceed:
        raise ProceedRefused("This decision is suitable: there is nothing to override.")
    if not by.is_clinician:
        raise ProceedRefused("Only a clinician may decide to proceed against the advice.")
    if len(reason) < 10:
        raise ProceedRefused("Write the reason for proceeding (at least a short sentence).")
    with transaction.atomic():
        hold_patient(decision.assessment.episode.patient_id)
        decision.refresh_from_db(fields=["proceed_reason", "proceed_by", "proceed_at"])
        if decision.proceed_reason:
            # The recorded reason is the clinical record of why; a later one must not replace it.
            raise ProceedRefused("A reason for proceeding is already recorded for this decision.")
        decision.proceed_reason = reason
        decision.proceed_by = by
        decision.proceed_at = at
        decision.save(update_fields=["proceed_reason", "proceed_by", "proceed_at"])
        decision.assessment.episode.log(
            TimelineEvent.Kind.OVERRIDE,
            f"Proceeding against '{decision.get_outcome_display().lower()}': {reason}",
            by=by,
            detail={"decision": decision.pk},
            at=at,
        )
        audit.record(
            request,
            AuditEvent.Action.OVERRIDE,
            decision,
            changed_fields=["proceed_reason", "proceed_by", "proceed_at"],
            reason=reason,
            user=by,
            at=at,
        )
    return decision
