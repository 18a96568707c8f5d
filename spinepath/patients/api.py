"""Patients and episodes over JSON: list, create, read, update — scoped and audited like the UI."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest
from ninja import Field, ModelSchema, Query, Router, Schema, Status
from ninja.errors import HttpError, ValidationError

from spinepath import api_helpers
from spinepath.accounts import access, audit
from spinepath.accounts.models import User
from spinepath.api_helpers import NUL_MESSAGE, Input
from spinepath.clinical.vocab import Condition, Laterality
from spinepath.patients import rights, scope
from spinepath.patients.episodes import (
    EpisodeRefused,
    episode_create,
    episode_discharge,
    episode_reopen,
)
from spinepath.patients.models import Episode, Language, Patient, ReferralSource, Sex, TimelineEvent
from spinepath.patients.registration import patient_register

router = Router(tags=["patients"])


class PatientIn(Input):
    given_name: str = Field(min_length=1, max_length=100)
    family_name: str = Field(min_length=1, max_length=100)
    date_of_birth: date
    sex: Sex
    nhs_number: str = ""
    mrn: str = ""
    email: str = ""
    phone: str = ""
    preferred_language: Language = Language.ENGLISH
    interpreter_needed: bool = False
    notes: str = ""


class PatientPatch(Input):
    given_name: str | None = Field(default=None, min_length=1, max_length=100)
    family_name: str | None = Field(default=None, min_length=1, max_length=100)
    date_of_birth: date | None = None
    sex: Sex | None = None
    nhs_number: str | None = None
    mrn: str | None = None
    email: str | None = None
    phone: str | None = None
    preferred_language: Language | None = None
    interpreter_needed: bool | None = None
    notes: str | None = None


class PatientOut(ModelSchema):
    """Every field of ``Patient``; the clinic by its code."""

    clinic: str

    class Meta:
        model = Patient
        fields = "__all__"

    @staticmethod
    def resolve_clinic(obj: Patient) -> str:
        return obj.clinic.code


class EpisodeIn(Input):
    condition: Condition
    laterality: Laterality = Laterality.NOT_APPLICABLE
    referral_source: ReferralSource
    referral_date: date
    referral_reason: str = Field(min_length=1)
    referrer_name: str = ""
    conservative_care_weeks: int | None = Field(default=None, ge=0, le=520)
    conservative_care_notes: str = ""


class EpisodePatch(Input):
    condition: Condition | None = None
    laterality: Laterality | None = None
    referral_source: ReferralSource | None = None
    referral_date: date | None = None
    referral_reason: str | None = Field(default=None, min_length=1)
    referrer_name: str | None = None
    conservative_care_weeks: int | None = Field(default=None, ge=0, le=520)
    conservative_care_notes: str | None = None


class DischargeIn(Input):
    outcome: str = Field(description="One of Episode.DischargeOutcome's codes.")
    note: str = ""


class ReopenIn(Input):
    reason: str = Field(min_length=1)


class CodingOut(Schema):
    system: str
    code: str
    display: str
    verify: bool


class EpisodeOut(ModelSchema):
    """The referral as ``Episode`` stores it, with the condition's words and codes."""

    patient_id: UUID
    condition_display: str
    condition_codings: list[CodingOut]

    class Meta:
        model = Episode
        exclude = ["patient", "stage_changed_at", "responsible_clinician", "stage_before_discharge"]


class TimelineOut(Schema):
    at: datetime
    kind: str
    summary: str
    actor: str | None

    @staticmethod
    def resolve_actor(obj: TimelineEvent) -> str | None:
        return obj.actor.display_name if obj.actor else None


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


class PatientPage(Schema):
    count: int
    page: int
    pages: int
    items: list[PatientOut]


PAGE_SIZE = 25


@router.get("/patients", response=PatientPage, summary="List or search patients")
def list_patients(request: HttpRequest, q: str = "", page: int = Query(1, ge=1)) -> Any:
    """Search by name, NHS number, MRN or date of birth; 25 a page, newest names first."""
    user = _user(request)
    access.ensure_patient_role(user)
    if "\x00" in q:
        raise ValidationError([{"loc": ["query", "q"], "msg": NUL_MESSAGE, "type": "value_error"}])
    patients = scope.patients_for(user).unrestricted().select_related("clinic").search(q)
    page_obj = Paginator(patients, PAGE_SIZE).get_page(page)
    audit.record_list(request, Patient, [p.pk for p in page_obj], query=q)
    return {
        "count": page_obj.paginator.count,
        "page": page_obj.number,
        "pages": page_obj.paginator.num_pages,
        "items": list(page_obj),
    }


def _save_patient(patient: Patient) -> None:
    try:
        patient.save_or_explain()
    except DjangoValidationError as exc:
        raise api_helpers.from_model_errors(exc) from None


@router.post("/patients", response={201: PatientOut}, summary="Register a patient")
def create_patient(request: HttpRequest, payload: PatientIn) -> Any:
    user = _user(request)
    access.ensure_patient_role(user)
    patient = Patient(clinic=user.clinic, **payload.dict())
    try:
        patient_register(request, patient=patient, by=user, changed_fields=payload.dict())
    except DjangoValidationError as exc:
        raise api_helpers.from_model_errors(exc) from None
    return Status(201, patient)


@router.get("/patients/{patient_id}", response=PatientOut)
def read_patient(request: HttpRequest, patient_id: UUID) -> Any:
    return scope.get_patient_for_user(request, patient_id)


@router.patch("/patients/{patient_id}", response=PatientOut)
def update_patient(request: HttpRequest, patient_id: UUID, payload: PatientPatch) -> Any:
    patient = scope.get_patient_for_user(request, patient_id, log_read=False)
    if patient.erased_at is not None and rights.identity_fields() & set(
        payload.dict(exclude_unset=True)
    ):
        raise HttpError(409, rights.ERASED_REFUSAL)
    before = audit.snapshot(patient)
    for field, value in payload.dict(exclude_unset=True).items():
        if value is None:
            raise ValidationError(
                [{"loc": ["body", "payload", field], "msg": "may not be null", "type": "null"}]
            )
        setattr(patient, field, value)
    api_helpers.full_clean(patient)
    edit = audit.edit_of(patient, before)  # before saving bumps updated_at
    with transaction.atomic():
        _save_patient(patient)
        edit.record(request)
    return patient


@router.get("/patients/{patient_id}/episodes", response=list[EpisodeOut])
def list_episodes(request: HttpRequest, patient_id: UUID) -> Any:
    patient = scope.get_patient_for_user(request, patient_id)
    return list(patient.episodes.all())


@router.post("/patients/{patient_id}/episodes", response={201: EpisodeOut})
def create_episode(request: HttpRequest, patient_id: UUID, payload: EpisodeIn) -> Any:
    patient = scope.get_patient_for_user(request, patient_id, log_read=False)
    episode = Episode(patient=patient, responsible_clinician=None, **payload.dict())
    try:
        episode_create(request, episode=episode, by=_user(request), changed_fields=payload.dict())
    except DjangoValidationError as exc:
        raise api_helpers.from_model_errors(exc) from None
    return Status(201, episode)


@router.get("/episodes/{episode_id}", response=EpisodeOut)
def read_episode(request: HttpRequest, episode_id: UUID) -> Any:
    return scope.get_episode_for_user(request, episode_id)


@router.patch("/episodes/{episode_id}", response=EpisodeOut)
def update_episode(request: HttpRequest, episode_id: UUID, payload: EpisodePatch) -> Any:
    episode = scope.get_episode_for_user(request, episode_id, log_read=False)
    before = audit.snapshot(episode)
    for field, value in payload.dict(exclude_unset=True).items():
        if value is None and field != "conservative_care_weeks":
            raise ValidationError(
                [{"loc": ["body", "payload", field], "msg": "may not be null", "type": "null"}]
            )
        setattr(episode, field, value)
    api_helpers.full_clean(episode)
    edit = audit.edit_of(episode, before)  # before saving bumps updated_at
    with transaction.atomic():
        episode.save()
        edit.record(request)
        if edit.changed:
            episode.log(
                TimelineEvent.Kind.UPDATE,
                "Referral details updated: " + ", ".join(f.replace("_", " ") for f in edit.changed),
                by=_user(request),
            )
    return episode


@router.post("/episodes/{episode_id}/discharge", response=EpisodeOut)
def discharge_episode(request: HttpRequest, episode_id: UUID, payload: DischargeIn) -> Any:
    """End the pathway with an outcome (the same workflow as the page)."""
    episode = scope.get_episode_for_user(request, episode_id, log_read=False)
    user = _user(request)
    access.ensure_may(user, access.Task.DISCHARGE)
    try:
        return episode_discharge(
            request, episode=episode, outcome=payload.outcome, note=payload.note, by=user
        )
    except DjangoValidationError as exc:
        raise api_helpers.from_model_errors(exc) from None
    except EpisodeRefused as exc:
        raise HttpError(409, str(exc)) from None


@router.post("/episodes/{episode_id}/reopen", response=EpisodeOut)
def reopen_episode(request: HttpRequest, episode_id: UUID, payload: ReopenIn) -> Any:
    episode = scope.get_episode_for_user(request, episode_id, log_read=False)
    user = _user(request)
    access.ensure_may(user, access.Task.DISCHARGE)
    try:
        return episode_reopen(request, episode=episode, reason=payload.reason, by=user)
    except DjangoValidationError as exc:
        raise api_helpers.from_model_errors(exc) from None
    except EpisodeRefused as exc:
        raise HttpError(409, str(exc)) from None


@router.get("/episodes/{episode_id}/timeline", response=list[TimelineOut])
def episode_timeline(request: HttpRequest, episode_id: UUID) -> Any:
    episode = scope.get_episode_for_user(request, episode_id)
    return list(episode.timeline.select_related("actor"))
