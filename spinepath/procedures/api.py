"""Consent over JSON: list, record (typed signature only), read and withdraw.

Scoped and audited like the pages: episodes and consents are reached only through the user's
clinic, a bad field is a 422 naming it, and a plan that is not cleared to proceed is a 409.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from spinepath.accounts import access, audit
from spinepath.accounts.models import AuditEvent, Role, User
from spinepath.api_helpers import Input, field_error, from_model_errors
from spinepath.clinical.consent_info import validate_levels
from spinepath.clinical.vocab import Laterality
from spinepath.procedures.consent import (
    ConsentRefused,
    consent_record,
    consent_withdraw,
    refusal_reason,
)
from spinepath.procedures.models import Consent

router = Router(tags=["consent"])


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


class ConsentIn(Input):
    """A consent taken in person and entered by the clinician; a typed signature only."""

    assessment_id: int | None = Field(
        default=None, description="The assessed plan; default: the episode's latest assessment."
    )
    levels: list[str] = Field(default_factory=list, description='e.g. ["L4/L5", "L5/S1"]')
    side: Laterality | None = Field(default=None, description="Default: the episode's side.")
    decision: Consent.Decision
    capacity_confirmed: bool = False
    interpreter_used: bool = False
    patient_questions: str = Field(default="", max_length=10_000)
    signed_name: str = Field(default="", max_length=200)
    signed_on: date | None = None


class WithdrawIn(Input):
    reason: str = Field(min_length=1, max_length=5_000)


class ConsentOut(Schema):
    id: int
    episode_id: str
    assessment_id: int
    status: str
    decision: str
    valid_for_procedure: bool
    information_version: str
    information: dict[str, Any]
    procedure: str
    imaging: str
    steroid: str
    steroid_dose_mg: float | None
    local_anaesthetic: str
    levels: list[str]
    side: str
    clinician: str
    patient_questions: str
    capacity_confirmed: bool
    interpreter_used: bool
    signature_method: str
    signed_name: str
    signed_on: date | None
    has_drawn_signature: bool
    withdrawn_at: datetime | None
    withdrawn_reason: str
    entered_in_error_reason: str
    created_at: datetime

    @staticmethod
    def resolve_episode_id(obj: Consent) -> str:
        return str(obj.episode_id)

    @staticmethod
    def resolve_valid_for_procedure(obj: Consent) -> bool:
        return obj.is_valid_for_procedure()

    @staticmethod
    def resolve_clinician(obj: Consent) -> str:
        return obj.clinician.username

    @staticmethod
    def resolve_has_drawn_signature(obj: Consent) -> bool:
        return bool(obj.signature_image)


def _consent_for(request: HttpRequest, consent_id: int) -> Consent:
    return access.get_for_user(
        request,
        Consent.objects.select_related("episode__patient", "clinician"),
        consent_id,
        patient_path="episode__patient",
        what="consent",
        log_read=False,
    )


@router.get("/episodes/{episode_id}/consents", response=list[ConsentOut])
def list_consents(request: HttpRequest, episode_id: str) -> Any:
    episode = access.get_episode_for_user(request, episode_id)
    return list(episode.consents.select_related("clinician"))


@router.post("/episodes/{episode_id}/consents", response={201: ConsentOut})
def create_consent(request: HttpRequest, episode_id: str, payload: ConsentIn) -> Any:
    user = _user(request)
    episode = access.get_episode_for_user(request, episode_id, log_read=False)
    if user.role != Role.CLINICIAN:
        raise HttpError(403, "Only a clinician may take consent.")
    assessments = episode.assessments.all()
    if payload.assessment_id is not None:
        assessments = assessments.filter(pk=payload.assessment_id)
    assessment = assessments.first()
    if assessment is None:
        if payload.assessment_id is not None:
            raise field_error("assessment_id", "no such assessment on this episode")
        raise HttpError(409, "This episode has not been assessed. Assess before taking consent.")
    try:
        levels = validate_levels(payload.levels)
    except ValueError as exc:
        raise field_error("levels", str(exc)) from None
    problem = refusal_reason(assessment)
    if problem:
        raise HttpError(409, problem)
    signed_on = payload.signed_on
    if signed_on is None and payload.signed_name.strip():
        signed_on = timezone.localdate()
    try:
        consent = consent_record(
            request,
            assessment=assessment,
            clinician=user,
            levels=levels,
            side=payload.side.value if payload.side else None,
            decision=payload.decision.value,
            capacity_confirmed=payload.capacity_confirmed,
            interpreter_used=payload.interpreter_used,
            patient_questions=payload.patient_questions,
            signature_method=Consent.SignatureMethod.TYPED,
            signed_name=payload.signed_name,
            signed_on=signed_on,
        )
    except ConsentRefused as refused:
        raise HttpError(409, str(refused)) from None
    except DjangoValidationError as invalid:
        # The model's clean() holds the consent rules (capacity and signature for a permit).
        raise from_model_errors(invalid) from None
    return Status(201, consent)


@router.get("/consents/{consent_id}", response=ConsentOut)
def read_consent(request: HttpRequest, consent_id: int) -> Any:
    consent = _consent_for(request, consent_id)
    audit.record(request, AuditEvent.Action.READ, consent)
    return consent


@router.post("/consents/{consent_id}/withdraw", response=ConsentOut)
def withdraw_consent(request: HttpRequest, consent_id: int, payload: WithdrawIn) -> Any:
    user = _user(request)
    consent = _consent_for(request, consent_id)
    if user.role != Role.CLINICIAN:
        raise HttpError(403, "Only a clinician may record a withdrawal of consent.")
    if not payload.reason.strip():
        raise field_error("reason", "say why consent was withdrawn")
    try:
        return consent_withdraw(request, consent=consent, by=user, reason=payload.reason)
    except ConsentRefused as refused:
        raise HttpError(409, str(refused)) from None
