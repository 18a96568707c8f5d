"""Consent, safety checks and procedures over JSON, as resources on episodes.

Scoped and audited like the pages: records are reached only through the user's clinic, a bad
field is a 422 naming it, and a workflow refusal (no valid consent, a plan not cleared to proceed,
no complete checklist today) is a 409 with the sentence the pages show. A steroid check that blocks
without a written override is a 422 naming ``steroid_override_reason``.
"""

from __future__ import annotations

import dataclasses
import math
from datetime import date, datetime
from typing import Annotated, Any, ClassVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, ModelSchema, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import WithJsonSchema, field_validator

from spinepath.accounts import audit
from spinepath.accounts.models import AuditEvent, Role, User
from spinepath.api_helpers import Input, field_error, from_model_errors
from spinepath.clinical.checklist import DayFacts, Phase
from spinepath.clinical.consent_info import validate_levels
from spinepath.clinical.vocab import Antithrombotic, Laterality, RedFlag
from spinepath.patients import scope
from spinepath.procedures.consent import (
    ConsentRefused,
    consent_record,
    consent_withdraw,
    refusal_reason,
)
from spinepath.procedures.models import (
    Consent,
    DischargeAmendment,
    ProcedureRecord,
    SafetyCheck,
    SafetyCheckItem,
)
from spinepath.procedures.procedure import (
    AlreadyRecorded,
    ConsentVarianceReasonRequired,
    procedure_amend_discharge,
    procedure_record,
    record_warnings,
)
from spinepath.procedures.recording import (
    ProcedureRefused,
    SteroidOverrideRequired,
    safety_check_confirm,
    safety_check_proceed,
    safety_check_record,
    valid_consent,
)

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
    # Inlined in the OpenAPI document: as a component it would be called "Decision" and displace
    # the decision-support answer of the same name (the document then described evaluate wrongly).
    decision: Annotated[
        Consent.Decision,
        WithJsonSchema(
            {"type": "string", "enum": list(Consent.Decision.values), "title": "Decision"}
        ),
    ]
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
    return scope.get_episode_record_for_user(
        request,
        Consent.objects.select_related("episode__patient", "clinician"),
        consent_id,
        what="consent",
        log_read=False,
    )


@router.get("/episodes/{episode_id}/consents", response=list[ConsentOut])
def list_consents(request: HttpRequest, episode_id: str) -> Any:
    episode = scope.get_episode_for_user(request, episode_id)
    return list(episode.consents.select_related("clinician"))


@router.post("/episodes/{episode_id}/consents", response={201: ConsentOut})
def create_consent(request: HttpRequest, episode_id: str, payload: ConsentIn) -> Any:
    user = _user(request)
    episode = scope.get_episode_for_user(request, episode_id, log_read=False)
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


# --- Safety checks ------------------------------------------------------------------------------


class DayFactsIn(Input):
    """What was found on the day; the decision is re-run with it at sign in."""

    last_dose_hours: dict[Antithrombotic, float | None] = Field(
        default_factory=dict,
        description="Hours since the last dose of each antithrombotic on record; null or "
        "missing: still taken (the whole hold remains).",
    )
    inr: float | None = Field(default=None, ge=0.5, le=20)
    pregnant: bool | None = None
    infection_systemic: bool | None = Field(
        default=None, description="Fever or signs of a systemic infection today."
    )
    infection_local: bool | None = Field(
        default=None, description="Signs of infection at the injection site today."
    )
    new_red_flags: list[RedFlag] = Field(default_factory=list)
    glucose_mmol_l: float | None = Field(default=None, ge=0, le=60)

    @field_validator("last_dose_hours", mode="after")
    @classmethod
    def _hours_in_range(cls, value: dict[Antithrombotic, float | None]) -> Any:
        for drug, hours in value.items():
            if hours is not None and not (math.isfinite(hours) and 0 <= hours <= 24 * 365):
                raise ValueError(f"{drug}: give the hours since the last dose, 0 to 8760")
        return value

    def to_core(self) -> DayFacts:
        return DayFacts(
            last_dose_hours=dict(self.last_dose_hours),
            inr=self.inr,
            pregnant=self.pregnant,
            infection_systemic=self.infection_systemic,
            infection_local=self.infection_local,
            new_red_flags=tuple(self.new_red_flags),
            glucose_mmol_l=self.glucose_mmol_l,
        )


class SafetyCheckIn(Input):
    """Sign in (and, optionally, the later phases' answers in the same call)."""

    consent_id: int | None = Field(
        default=None, description="Default: the episode's newest valid consent."
    )
    answers: dict[str, bool] = Field(
        description='Checklist item code: confirmed, e.g. {"identity_confirmed": true}'
    )
    day: DayFactsIn | None = Field(default=None, description="What was found on the day.")
    glucose_mmol_l: float | None = Field(
        default=None, ge=0, le=60, description="Shorthand for day.glucose_mmol_l."
    )


class PhaseIn(Input):
    answers: dict[str, bool] = Field(description="The items of this phase: confirmed or not.")


class ProceedIn(Input):
    reason: str = Field(min_length=10, max_length=10_000)


class SafetyCheckItemOut(Schema):
    code: str
    phase: str
    confirmed: bool
    recorded_by: str
    recorded_at: datetime

    @staticmethod
    def resolve_recorded_by(obj: SafetyCheckItem) -> str:
        return obj.recorded_by.username


class ContradictionOut(Schema):
    item: str
    message: str


class SafetyCheckOut(Schema):
    id: int
    episode_id: str
    consent_id: int
    decision_id: int
    decision_outcome: str
    decision_context: str
    decision_proceed_reason: str
    checked_on: date
    checked_at: datetime
    checked_by: str
    answers: dict[str, bool]
    items: list[SafetyCheckItemOut]
    day_facts: dict[str, Any]
    glucose_mmol_l: float | None
    ready_for_procedure: bool
    complete: bool
    missing: list[str]
    contradictions: list[ContradictionOut]
    warnings: list[str]

    @staticmethod
    def resolve_episode_id(obj: SafetyCheck) -> str:
        return str(obj.episode_id)

    @staticmethod
    def resolve_decision_outcome(obj: SafetyCheck) -> str:
        return obj.decision.outcome

    @staticmethod
    def resolve_decision_context(obj: SafetyCheck) -> str:
        return obj.decision.context

    @staticmethod
    def resolve_decision_proceed_reason(obj: SafetyCheck) -> str:
        return obj.decision.proceed_reason

    @staticmethod
    def resolve_checked_by(obj: SafetyCheck) -> str:
        return obj.checked_by.username

    @staticmethod
    def resolve_items(obj: SafetyCheck) -> list[SafetyCheckItem]:
        return list(obj.items.select_related("recorded_by"))


def _ensure_clinician(user: User, action: str) -> None:
    if user.role != Role.CLINICIAN:
        raise HttpError(403, f"Only a clinician may {action}.")


@router.get(
    "/episodes/{episode_id}/safety-checks", response=list[SafetyCheckOut], tags=["procedure"]
)
def list_safety_checks(request: HttpRequest, episode_id: str) -> Any:
    episode = scope.get_episode_for_user(request, episode_id)
    return list(episode.safety_checks.select_related("decision", "checked_by"))


@router.post(
    "/episodes/{episode_id}/safety-checks", response={201: SafetyCheckOut}, tags=["procedure"]
)
def create_safety_check(request: HttpRequest, episode_id: str, payload: SafetyCheckIn) -> Any:
    """Sign in: the day's facts and the answers; the decision is re-run with those facts."""
    user = _user(request)
    episode = scope.get_episode_for_user(request, episode_id, log_read=False)
    _ensure_clinician(user, "complete the safety checklist")
    if payload.consent_id is None:
        consent = valid_consent(episode) or episode.consents.first()
        if consent is None:
            raise HttpError(409, "No consent is recorded for this episode. Take consent first.")
    else:
        consent = episode.consents.filter(pk=payload.consent_id).first()
        if consent is None:
            raise field_error("consent_id", "no such consent on this episode")
    day = payload.day.to_core() if payload.day else DayFacts()
    if payload.glucose_mmol_l is not None and day.glucose_mmol_l is None:
        day = dataclasses.replace(day, glucose_mmol_l=payload.glucose_mmol_l)
    try:
        check = safety_check_record(
            request, episode=episode, consent=consent, by=user, answers=payload.answers, day=day
        )
    except ProcedureRefused as refused:
        raise HttpError(409, str(refused)) from None
    except DjangoValidationError as invalid:
        raise from_model_errors(invalid) from None
    return Status(201, check)


def _get_check(request: HttpRequest, episode_id: str, check_id: int) -> SafetyCheck:
    episode = scope.get_episode_for_user(request, episode_id, log_read=False)
    check = episode.safety_checks.select_related("consent", "decision").filter(pk=check_id).first()
    if check is None:
        raise HttpError(404, "No such safety check on this episode.")
    return check


@router.post(
    "/episodes/{episode_id}/safety-checks/{check_id}/phases/{phase}",
    response={200: SafetyCheckOut},
    tags=["procedure"],
)
def confirm_safety_check_phase(
    request: HttpRequest, episode_id: str, check_id: int, phase: Phase, payload: PhaseIn
) -> Any:
    """Time out (before the procedure) or sign out (after it) on a signed-in checklist."""
    user = _user(request)
    check = _get_check(request, episode_id, check_id)
    _ensure_clinician(user, "complete the safety checklist")
    try:
        return safety_check_confirm(
            request, check=check, phase=phase, by=user, answers=payload.answers
        )
    except ProcedureRefused as refused:
        raise HttpError(409, str(refused)) from None
    except DjangoValidationError as invalid:
        raise from_model_errors(invalid) from None


@router.post(
    "/episodes/{episode_id}/safety-checks/{check_id}/proceed",
    response={200: SafetyCheckOut},
    tags=["procedure"],
)
def proceed_on_the_day(
    request: HttpRequest, episode_id: str, check_id: int, payload: ProceedIn
) -> Any:
    """The operator's written reason to proceed against the decision re-run on the day."""
    user = _user(request)
    check = _get_check(request, episode_id, check_id)
    _ensure_clinician(user, "record a reason to proceed")
    try:
        safety_check_proceed(request, check=check, by=user, reason=payload.reason)
    except ProcedureRefused as refused:
        raise HttpError(409, str(refused)) from None
    check.decision.refresh_from_db()
    return check


# --- Procedures ---------------------------------------------------------------------------------


class ProcedureIn(Input):
    """What was done. The procedure must match the valid consent; levels and side must be on it."""

    performed_at: datetime | None = Field(default=None, description="Default: now.")
    assistant: str = Field(default="", max_length=200)
    procedure: str
    levels: list[str] = Field(default_factory=list, description='e.g. ["L4/L5"]')
    side: str
    approach: str = Field(description="One of the approaches for the procedure (vocab.py).")
    imaging: str
    dose_area_product: float | None = Field(default=None, description="Fluoroscopy, mGy·cm².")
    screening_time_s: float | None = Field(default=None, description="Fluoroscopy, seconds.")
    dose_length_product: float | None = Field(default=None, description="CT, mGy·cm.")
    steroid: str = ""
    steroid_dose_mg: float | None = None
    local_anaesthetic: str = ""
    local_anaesthetic_percent: float | None = None
    local_anaesthetic_ml: float | None = None
    contrast_agent: str = Field(default="", max_length=100)
    contrast_ml: float | None = None
    needle: str = Field(default="", max_length=100)
    complications: list[str] = Field(default_factory=list)
    complication_notes: str = Field(default="", max_length=10_000)
    observations: str = Field(default="", max_length=10_000)
    discharged_at: datetime | None = None
    discharge_condition: str = ""
    notes: str = Field(default="", max_length=10_000)
    steroid_override_reason: str = Field(
        default="",
        max_length=5_000,
        description="Needed (at least 10 characters) only when the steroid check blocks.",
    )
    consent_variance_reason: str = Field(
        default="",
        max_length=5_000,
        description=(
            "Needed (at least 10 characters) only when another drug, or a higher steroid dose, "
            "than consented was given."
        ),
    )

    REASONS: ClassVar[set[str]] = {"steroid_override_reason", "consent_variance_reason"}

    def what_was_done(self) -> dict[str, Any]:
        """The ``ProcedureRecord`` fields, as the model takes them."""
        return self.model_dump(exclude=self.REASONS)

    def reasons(self) -> dict[str, str]:
        """The written reasons, as ``procedure_record`` takes them."""
        return self.model_dump(include=self.REASONS)


class DischargeAmendmentOut(Schema):
    id: int
    amended_at: datetime
    amended_by: str
    reason: str
    before: dict[str, Any]
    after: dict[str, Any]

    @staticmethod
    def resolve_amended_by(obj: DischargeAmendment) -> str:
        return obj.amended_by.username


class DischargeIn(Input):
    """The discharge (and complications noticed later) as it should now read."""

    discharged_at: datetime | None = None
    discharge_condition: str = ""
    late_complications: list[str] = Field(default_factory=list)
    late_complication_notes: str = Field(default="", max_length=10_000)
    reason: str = Field(
        default="",
        max_length=5_000,
        description="Needed (at least 10 characters) when it changes what the record said.",
    )


class ProcedureOut(ModelSchema):
    """A procedure record: every field of ``ProcedureRecord`` (but the submission key), with the
    links as ids, the operator's username, and what is derived from the record."""

    episode_id: str
    consent_id: int
    safety_check_id: int
    operator: str
    levels: list[str]
    complications: list[str]
    late_complications: list[str]
    steroid_check: dict[str, Any] | None
    consent_variances: list[dict[str, str]]
    steroid_mpe_mg: float | None
    discharge_amendments: list[DischargeAmendmentOut]
    warnings: list[str]

    class Meta:
        model = ProcedureRecord
        exclude = ["episode", "consent", "safety_check", "submission_id"]

    @staticmethod
    def resolve_episode_id(obj: ProcedureRecord) -> str:
        return str(obj.episode_id)

    @staticmethod
    def resolve_operator(obj: ProcedureRecord) -> str:
        return obj.operator.username

    @staticmethod
    def resolve_steroid_mpe_mg(obj: ProcedureRecord) -> float | None:
        return obj.mpe_mg

    @staticmethod
    def resolve_warnings(obj: ProcedureRecord) -> list[str]:
        return record_warnings(obj)

    @staticmethod
    def resolve_discharge_amendments(obj: ProcedureRecord) -> list[DischargeAmendment]:
        return list(obj.discharge_amendments.select_related("amended_by"))


@router.get("/episodes/{episode_id}/procedures", response=list[ProcedureOut], tags=["procedure"])
def list_procedures(request: HttpRequest, episode_id: str) -> Any:
    episode = scope.get_episode_for_user(request, episode_id)
    return list(episode.procedures.select_related("operator"))


@router.post(
    "/episodes/{episode_id}/procedures",
    response={200: ProcedureOut, 201: ProcedureOut},
    tags=["procedure"],
)
def create_procedure(request: HttpRequest, episode_id: str, payload: ProcedureIn) -> Any:
    """Record a procedure. Send an ``Idempotency-Key`` header (any unique string up to 64
    characters, e.g. a UUID) so that a retried request gets the first answer again (201 and the
    stored record, marked ``Idempotent-Replayed: true``) instead of storing a second one; after
    the key's keeping time the record's own copy of the key still answers 200 with it. Without a
    key, an identical injection for the episode within ten minutes of another is a 409."""
    user = _user(request)
    episode = scope.get_episode_for_user(request, episode_id, log_read=False)
    _ensure_clinician(user, "record a procedure")
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > 64:
        raise field_error("Idempotency-Key", "at most 64 characters")
    try:
        record = procedure_record(
            request,
            record=ProcedureRecord(episode=episode, submission_id=key, **payload.what_was_done()),
            by=user,
            **payload.reasons(),
        )
    except AlreadyRecorded as repeated:
        if repeated.same_submission:
            return Status(200, repeated.record)
        raise HttpError(409, str(repeated)) from None
    except (SteroidOverrideRequired, ConsentVarianceReasonRequired) as required:
        raise field_error(required.field, str(required)) from None
    except ProcedureRefused as refused:
        raise HttpError(409, str(refused)) from None
    except DjangoValidationError as invalid:
        raise from_model_errors(invalid) from None
    return Status(201, record)


@router.get("/procedures/{procedure_id}", response=ProcedureOut, tags=["procedure"])
def read_procedure(request: HttpRequest, procedure_id: int) -> Any:
    return scope.get_episode_record_for_user(
        request,
        ProcedureRecord.objects.select_related("episode__patient", "operator"),
        procedure_id,
        what="procedure",
    )


@router.post("/procedures/{procedure_id}/discharge", response=ProcedureOut, tags=["procedure"])
def amend_discharge(request: HttpRequest, procedure_id: int, payload: DischargeIn) -> Any:
    """Record or correct the discharge and late complications after the procedure. The record
    shows the new values; ``discharge_amendments`` keeps every earlier version and the reason."""
    user = _user(request)
    record = scope.get_episode_record_for_user(
        request,
        ProcedureRecord.objects.select_related("episode__patient", "operator"),
        procedure_id,
        what="procedure",
        log_read=False,
    )
    _ensure_clinician(user, "amend the discharge")
    try:
        procedure_amend_discharge(request, record=record, by=user, **payload.model_dump())
    except ProcedureRefused as refused:
        raise HttpError(409, str(refused)) from None
    except DjangoValidationError as invalid:
        raise from_model_errors(invalid) from None
    return record
