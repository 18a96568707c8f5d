"""Consent workflows: build the information sheet for a plan, record, withdraw, correct.

Each workflow touches the consent, the episode (stage and timeline) and the audit log, so they
live here as keyword-only functions (HackSoft style) rather than on one model. The information
text itself comes from ``spinepath.clinical.consent_info`` and is stored as shown.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from spinepath.accounts import audit
from spinepath.accounts.models import AuditEvent, User
from spinepath.assessment.models import Assessment
from spinepath.clinical.consent_info import (
    DEFAULT_SICK_DAY_GLUCOSE_MMOL_L,
    ConsentContext,
    ConsentInformation,
    build_consent_information,
    validate_levels,
)
from spinepath.clinical.vocab import Imaging, Laterality, LocalAnaesthetic, Procedure, Steroid
from spinepath.patients.models import Episode, TimelineEvent
from spinepath.procedures.models import Consent


class ConsentRefused(Exception):
    """Consent may not be taken (or changed) now; the message says why, for the clinician."""


def default_side(assessment: Assessment) -> str:
    return assessment.episode.laterality or Laterality.NOT_APPLICABLE


def consent_information_for(
    assessment: Assessment,
    *,
    levels: tuple[str, ...] | list[str] = (),
    side: str | None = None,
) -> ConsentInformation:
    """The information sheet for ``assessment``'s plan at ``levels`` on ``side``.

    The plan's steroid dose is printed on the sheet; the diabetes advice uses the clinic's
    sick-day glucose threshold (setting ``SPINEPATH_SICK_DAY_GLUCOSE_MMOL_L``).
    ``ValueError`` for an unknown or repeated level (levels are safety facts, never guessed).
    """
    on_blood_thinner = bool(assessment.medication_recorded and assessment.antithrombotics)
    context = ConsentContext(
        procedure=Procedure(assessment.procedure),
        imaging=Imaging(assessment.imaging),
        steroid=Steroid(assessment.steroid) if assessment.steroid else None,
        local_anaesthetic=(
            LocalAnaesthetic(assessment.local_anaesthetic) if assessment.local_anaesthetic else None
        ),
        levels=validate_levels(levels),
        side=Laterality(side or default_side(assessment)),
        diabetic=assessment.diabetes is True,
        on_anticoagulant=on_blood_thinner,
        pregnant=assessment.pregnant,
        steroid_dose_mg=assessment.steroid_dose_mg if assessment.steroid else None,
        sick_day_glucose_mmol_l=sick_day_glucose_mmol_l(),
    )
    return build_consent_information(context)


def sick_day_glucose_mmol_l() -> float:
    """The clinic's sick-day blood glucose threshold, from settings (default in the core)."""
    value = getattr(settings, "SPINEPATH_SICK_DAY_GLUCOSE_MMOL_L", DEFAULT_SICK_DAY_GLUCOSE_MMOL_L)
    return float(value)


def information_snapshot(information: ConsentInformation) -> dict[str, Any]:
    """The sheet as plain JSON (enum members become their string codes)."""
    return _plain(dataclasses.asdict(information))


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


def refusal_reason(assessment: Assessment) -> str:
    """Why consent may not be taken on this assessment now, or "" if it may."""
    decision = assessment.latest_decision
    if decision is None:
        return "This plan has no suitability decision yet. Complete the assessment first."
    if decision.blocks:
        return (
            f"The suitability decision is '{decision.get_outcome_display().lower()}', which "
            "cannot be overridden. Consent cannot be taken for this plan."
        )
    if not decision.cleared_to_proceed:
        return (
            f"The suitability decision is '{decision.get_outcome_display().lower()}'. A clinician "
            "must record a reason to proceed on the decision before consent is taken."
        )
    if not assessment.episode.is_open:
        return "This episode is discharged. Re-open it before taking consent."
    return ""


def _log_and_audit(
    request: HttpRequest | None,
    consent: Consent,
    *,
    summary: str,
    action: str,
    by: User,
    changed: list[str] | None = None,
    reason: str = "",
    at: datetime,
) -> None:
    consent.episode.log(
        TimelineEvent.Kind.CONSENT, summary, by=by, detail={"consent": consent.pk}, at=at
    )
    audit.record(
        request, action, consent, changed_fields=changed or [], reason=reason, user=by, at=at
    )


def consent_record(
    request: HttpRequest | None,
    *,
    assessment: Assessment,
    clinician: User,
    decision: str,
    capacity_confirmed: bool,
    signed_on: date | None,
    levels: tuple[str, ...] | list[str] = (),
    side: str | None = None,
    interpreter_used: bool = False,
    patient_questions: str = "",
    signature_method: str = Consent.SignatureMethod.TYPED,
    signed_name: str = "",
    signature_image: str = "",
    at: datetime | None = None,
) -> Consent:
    """Record the patient's decision on ``assessment``'s plan, with the sheet they were shown.

    Refused (``ConsentRefused``) unless the latest decision is cleared to proceed and the clinician
    is a clinician; bad input raises Django's ``ValidationError`` naming the fields. A permit is
    active and moves an assessed episode to consented; a deny is inactive. Dated ``at``
    (default: now).
    """
    at = at or timezone.now()
    if not clinician.is_clinician:
        raise ConsentRefused("Only a clinician may take consent.")
    problem = refusal_reason(assessment)
    if problem:
        raise ConsentRefused(problem)
    chosen_side = side or default_side(assessment)
    information = consent_information_for(assessment, levels=levels, side=chosen_side)
    episode: Episode = assessment.episode
    consent = Consent(
        episode=episode,
        assessment=assessment,
        status=(
            Consent.Status.ACTIVE
            if decision == Consent.Decision.PERMIT
            else Consent.Status.INACTIVE
        ),
        decision=decision,
        information_version=information.version,
        information=information_snapshot(information),
        procedure=assessment.procedure,
        imaging=assessment.imaging,
        steroid=assessment.steroid,
        steroid_dose_mg=assessment.steroid_dose_mg if assessment.steroid else None,
        local_anaesthetic=assessment.local_anaesthetic,
        levels=list(validate_levels(levels)),
        side=chosen_side,
        clinician=clinician,
        patient_questions=patient_questions.strip(),
        capacity_confirmed=capacity_confirmed,
        interpreter_used=interpreter_used,
        signature_method=signature_method,
        signed_name=signed_name.strip(),
        signed_on=signed_on,
        signature_image=signature_image,
        created_at=at,
    )
    consent.full_clean()
    with transaction.atomic():
        consent.save()
        agreed = consent.decision == Consent.Decision.PERMIT
        _log_and_audit(
            request,
            consent,
            summary=(
                f"Consent {'given' if agreed else 'declined'} for {consent.procedure_title.lower()}"
                f" (information {consent.information_version})"
            ),
            action=AuditEvent.Action.CREATE,
            by=clinician,
            changed=["status", "decision", "information_version"],
            at=at,
        )
        if agreed and episode.stage == Episode.Stage.ASSESSED:
            episode.advance_to(Episode.Stage.CONSENTED, by=clinician, at=at)
    return consent


def _step_back_if_unconsented(consent: Consent, *, by: User, at: datetime) -> None:
    """A consented episode with no valid consent left goes back to assessed."""
    episode = consent.episode
    if episode.stage != Episode.Stage.CONSENTED:
        return
    if not Consent.objects.filter(episode=episode).valid_for_procedure().exists():
        episode.advance_to(
            Episode.Stage.ASSESSED,
            by=by,
            summary="Stage changed from Consented to Assessed: no valid consent remains",
            at=at,
        )


def consent_withdraw(
    request: HttpRequest | None,
    *,
    consent: Consent,
    by: User,
    reason: str,
    at: datetime | None = None,
) -> Consent:
    """The patient withdraws an agreement: active becomes inactive, with who, when and why."""
    at = at or timezone.now()
    reason = reason.strip()
    if not by.is_clinician:
        raise ConsentRefused("Only a clinician may record a withdrawal of consent.")
    if consent.status != Consent.Status.ACTIVE:
        raise ConsentRefused("Only active consent can be withdrawn.")
    if not reason:
        raise ConsentRefused("Say why consent was withdrawn.")
    with transaction.atomic():
        consent.status = Consent.Status.INACTIVE
        consent.withdrawn_at = at
        consent.withdrawn_by = by
        consent.withdrawn_reason = reason
        _save_status_change(
            request,
            consent,
            changed=["status", "withdrawn_at", "withdrawn_by", "withdrawn_reason"],
            summary=f"Consent withdrawn: {reason}",
            by=by,
            reason=reason,
            at=at,
        )
    return consent


def consent_mark_entered_in_error(
    request: HttpRequest | None,
    *,
    consent: Consent,
    by: User,
    reason: str,
    at: datetime | None = None,
) -> Consent:
    """Mark a record made by mistake; it stays, struck through, and no longer counts."""
    at = at or timezone.now()
    reason = reason.strip()
    if not by.is_clinician:
        raise ConsentRefused("Only a clinician may mark consent as entered in error.")
    if consent.status == Consent.Status.ENTERED_IN_ERROR:
        raise ConsentRefused("This consent is already marked as entered in error.")
    if not reason:
        raise ConsentRefused("Say why this record was entered in error.")
    with transaction.atomic():
        consent.status = Consent.Status.ENTERED_IN_ERROR
        consent.entered_in_error_reason = reason
        _save_status_change(
            request,
            consent,
            changed=["status", "entered_in_error_reason"],
            summary=f"Consent record {consent.pk} marked entered in error: {reason}",
            by=by,
            reason=reason,
            at=at,
        )
    return consent


def _save_status_change(
    request: HttpRequest | None,
    consent: Consent,
    *,
    changed: list[str],
    summary: str,
    by: User,
    reason: str,
    at: datetime,
) -> None:
    """Validate and save a consent that stopped counting; record it; step the episode back."""
    consent.full_clean()
    consent.save(update_fields=[*changed, "updated_at"])
    _log_and_audit(
        request,
        consent,
        summary=summary,
        action=AuditEvent.Action.UPDATE,
        by=by,
        changed=changed,
        reason=reason,
        at=at,
    )
    _step_back_if_unconsented(consent, by=by, at=at)
