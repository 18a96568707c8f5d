"""Which resources a user may read, found by FHIR type and id, and everything about one patient.

Every lookup is scoped through ``patients/scope.py``: patients and episodes by its querysets,
records below an episode by ``_episode_record`` (their episode among ``scope.episodes_for``), so
another clinic's record is simply not found.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar
from uuid import UUID

from django.db.models import Model, QuerySet

from spinepath.accounts.models import Clinic, User
from spinepath.aftercare.models import Programme, ProgrammeItem
from spinepath.clinical.instruments import INSTRUMENTS
from spinepath.fhir.mappers.care_plan import care_plan
from spinepath.fhir.mappers.common import Json, fhir_id
from spinepath.fhir.mappers.condition import condition
from spinepath.fhir.mappers.consent import consent
from spinepath.fhir.mappers.episode_of_care import episode_of_care
from spinepath.fhir.mappers.medication_administration import medication_administrations
from spinepath.fhir.mappers.observation import follow_up_observations, score_observation
from spinepath.fhir.mappers.organization import organization
from spinepath.fhir.mappers.patient import patient as patient_resource
from spinepath.fhir.mappers.practitioner import practitioner, practitioner_role
from spinepath.fhir.mappers.procedure import procedure
from spinepath.fhir.mappers.questionnaire import questionnaire
from spinepath.fhir.mappers.questionnaire_response import follow_up_response, questionnaire_response
from spinepath.fhir.mappers.service_request import service_request
from spinepath.followup.models import FollowUpAnswer, TimePoint
from spinepath.patients import scope
from spinepath.patients.models import Episode, Patient, TimelineEvent
from spinepath.procedures.models import Consent, DischargeAmendment, ProcedureRecord
from spinepath.questionnaires.models import QuestionnaireResponse
from spinepath.questionnaires.wording import current_instruments

M = TypeVar("M", bound=Model)

READABLE = (
    "Patient",
    "Practitioner",
    "PractitionerRole",
    "Organization",
    "EpisodeOfCare",
    "Condition",
    "ServiceRequest",
    "Consent",
    "Procedure",
    "MedicationAdministration",
    "Observation",
    "QuestionnaireResponse",
    "Questionnaire",
    "CarePlan",
)


@dataclass(frozen=True)
class Found:
    resource: Json
    record: Model | None
    """What the read is audited against (``None``: no patient or staff data, a Questionnaire)."""


def _uuid(value: str) -> UUID | None:
    try:
        return UUID(value)
    except ValueError:
        return None


def _int(value: str) -> int | None:
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else None


def back_pain_in(responses: Iterable[QuestionnaireResponse]) -> bool | None:
    """Baseline back-pain NRS above 0 (picks sciatica's ICD-10 code), ``None`` if not asked."""
    asked = [
        r
        for r in responses
        if r.instrument == "nrs_back" and r.context == "baseline" and r.status == "completed"
    ]
    if not asked:
        return None
    latest = max(asked, key=lambda r: (r.completed_at or r.created_at, r.pk))
    return None if latest.score is None else latest.score > 0


def _episode(user: User, value: str) -> Episode | None:
    pk = _uuid(value)
    if pk is None:
        return None
    return (
        scope.episodes_for(user)
        .select_related("patient", "patient__clinic")
        .prefetch_related("questionnaire_responses")
        .filter(pk=pk)
        .first()
    )


def _episode_record(user: User, queryset: QuerySet[M], value: str) -> M | None:
    """The record below an episode with the integer id ``value``, if its episode is one the user
    may see (``patients/scope.episodes_for``: the clinic and role rule of every page); else
    ``None``, as for an id that is not a number. The one lookup every reader below uses."""
    pk = _int(value)
    if pk is None:
        return None
    return queryset.filter(pk=pk, episode__in=scope.episodes_for(user)).first()


def _procedure(user: User, value: str) -> ProcedureRecord | None:
    return _episode_record(
        user, ProcedureRecord.objects.select_related("episode", "episode__patient"), value
    )


def _response(user: User, value: str) -> QuestionnaireResponse | None:
    return _episode_record(user, QuestionnaireResponse.objects.all(), value)


_TIME_POINT_ID = re.compile(r"^tp-(\d{1,18})-([a-z0-9-]+)$")


def _time_point(user: User, value: str) -> tuple[TimePoint, str] | None:
    match = _TIME_POINT_ID.match(value)
    if not match:
        return None
    found = _episode_record(user, TimePoint.objects.select_related("episode"), match[1])
    if found is None:
        return None
    instrument = next(
        (code for code in found.instruments or [] if fhir_id(code) == match[2]), None
    ) or next((code for code in (found.scores or {}) if fhir_id(code) == match[2]), None)
    return None if instrument is None else (found, instrument)


def _read_patient(user: User, value: str) -> Found | None:
    pk = _uuid(value)
    found = scope.patients_for(user).select_related("clinic").filter(pk=pk).first() if pk else None
    return Found(patient_resource(found), found) if found else None


def _episode_reader(mapper: Callable[[Episode], Json]) -> Callable[[User, str], Found | None]:
    def read(user: User, value: str) -> Found | None:
        found = _episode(user, value)
        return Found(mapper(found), found) if found else None

    return read


def _read_condition(user: User, value: str) -> Found | None:
    found = _episode(user, value)
    if found is None:
        return None
    return Found(
        condition(found, back_pain=back_pain_in(found.questionnaire_responses.all())), found
    )


def _read_consent(user: User, value: str) -> Found | None:
    found = _episode_record(
        user, Consent.objects.select_related("episode", "episode__patient"), value
    )
    return Found(consent(found), found) if found else None


def _read_procedure(user: User, value: str) -> Found | None:
    found = _procedure(user, value)
    return Found(procedure(found), found) if found else None


def _read_medication(user: User, value: str) -> Found | None:
    pk, _, _kind = value.partition("-")
    found = _procedure(user, pk)
    if found is None:
        return None
    given = next((m for m in medication_administrations(found) if m["id"] == value), None)
    return Found(given, found) if given else None


def _read_observation(user: User, value: str) -> Found | None:
    if value.startswith("qr-"):
        response = _response(user, value[3:])
        resource = score_observation(response) if response else None
        return Found(resource, response) if resource and response else None
    found = _time_point(user, value)
    if found is None:
        return None
    point, _instrument = found
    resource = next((o for o in follow_up_observations(point) if o["id"] == value), None)
    return Found(resource, point) if resource else None


def _read_response(user: User, value: str) -> Found | None:
    found = _time_point(user, value)
    if found is not None:
        point, instrument = found
        answers = [a for a in point.answers.all() if a.instrument == instrument]
        if not answers:
            return None
        return Found(follow_up_response(point, instrument, answers), point)
    response = _response(user, value)
    return Found(questionnaire_response(response), response) if response else None


def _read_care_plan(user: User, value: str) -> Found | None:
    found = _episode_record(
        user, Programme.objects.select_related("episode", "episode__patient"), value
    )
    return Found(care_plan(found), found) if found else None


def _staff(user: User, value: str) -> User | None:
    pk = _int(value)
    return User.objects.filter(pk=pk, clinic_id=user.clinic_id).first() if pk else None


def _read_practitioner(user: User, value: str) -> Found | None:
    found = _staff(user, value)
    return Found(practitioner(found), found) if found else None


def _read_practitioner_role(user: User, value: str) -> Found | None:
    found = _staff(user, value)
    return Found(practitioner_role(found), found) if found else None


def _read_organization(user: User, value: str) -> Found | None:
    if value != str(user.clinic_id):
        return None
    found = Clinic.objects.filter(pk=user.clinic_id).first()
    return Found(organization(found), found) if found else None


def _read_questionnaire(user: User, value: str) -> Found | None:
    instruments = current_instruments()
    code = next((c for c in instruments if fhir_id(c) == value), None)
    return Found(questionnaire(instruments[code]), None) if code else None


READERS: dict[str, Callable[[User, str], Found | None]] = {
    "Patient": _read_patient,
    "Practitioner": _read_practitioner,
    "PractitionerRole": _read_practitioner_role,
    "Organization": _read_organization,
    "EpisodeOfCare": _episode_reader(episode_of_care),
    "Condition": _read_condition,
    "ServiceRequest": _episode_reader(service_request),
    "Consent": _read_consent,
    "Procedure": _read_procedure,
    "MedicationAdministration": _read_medication,
    "Observation": _read_observation,
    "QuestionnaireResponse": _read_response,
    "Questionnaire": _read_questionnaire,
    "CarePlan": _read_care_plan,
}


def read(user: User, resource_type: str, value: str) -> Found | None:
    """The resource ``resource_type/value`` if it is in the user's clinic, else ``None``."""
    reader = READERS.get(resource_type)
    return reader(user, value) if reader else None


# --- Everything about one patient ---------------------------------------------------------------


ANSWER_COLUMNS = ("time_point_id", "instrument", "item", "value", "entered_by_id", "answered_at")


@dataclass
class EpisodeRecords:
    """An episode's records below it, loaded for many episodes at once (``load_records``)."""

    consents: list[Consent] = field(default_factory=list)
    procedures: list[ProcedureRecord] = field(default_factory=list)
    responses: list[QuestionnaireResponse] = field(default_factory=list)
    time_points: list[TimePoint] = field(default_factory=list)
    answers: dict[int, list[Any]] = field(default_factory=dict)
    """Per time point, its answers as rows with ``FollowUpAnswer``'s attributes."""
    programmes: list[Programme] = field(default_factory=list)
    items: dict[int, list[ProgrammeItem]] = field(default_factory=dict)
    procedures_changed: set[int] = field(default_factory=set)
    """Procedures amended or marked entered in error after ``since`` (``load_records``)."""


def load_records(
    episodes: list[Episode], since: dt.datetime | None = None
) -> dict[Any, EpisodeRecords]:
    """Everything ``episode_resources`` needs for ``episodes``: one query per kind of record
    (two more with ``since``: the procedures changed after it without a column saying so).

    (Django's ``prefetch_related`` builds a related manager per row, which cost more than the
    mapping itself in the bulk export.)"""
    by_id = {e.pk: e for e in episodes}
    found = {pk: EpisodeRecords() for pk in by_id}
    ids = list(by_id)
    # The consent sheet as shown and the steroid check's snapshot are large JSON documents the
    # mappers never read: left in the database, they were most of a chunk's memory.
    consents = Consent.objects.filter(episode_id__in=ids).defer("information")
    for c in consents.order_by("-created_at", "-id"):
        c.episode = by_id[c.episode_id]
        found[c.episode_id].consents.append(c)
    procedures = ProcedureRecord.objects.filter(episode_id__in=ids).defer("steroid_check")
    for p in procedures.order_by("performed_at", "pk"):
        p.episode = by_id[p.episode_id]
        found[p.episode_id].procedures.append(p)
    responses = QuestionnaireResponse.objects.filter(episode_id__in=ids).order_by(
        "created_at", "pk"
    )
    for r in responses:
        found[r.episode_id].responses.append(r)
    points: dict[int, TimePoint] = {}
    for t in TimePoint.objects.filter(episode_id__in=ids).order_by("due_on", "pk"):
        t.episode = by_id[t.episode_id]
        points[t.pk] = t
        found[t.episode_id].time_points.append(t)
    # The most numerous rows: named tuples of the columns the mapper reads, not model instances
    # (a third of the memory and time of building a model per answer).
    answers = (
        FollowUpAnswer.objects.filter(time_point__episode_id__in=ids)
        .order_by("time_point", "instrument", "item")
        .values_list(*ANSWER_COLUMNS, named=True)
    )
    for a in answers:
        found[points[a.time_point_id].episode_id].answers.setdefault(a.time_point_id, []).append(a)
    programmes: dict[int, Programme] = {}
    for g in Programme.objects.filter(episode_id__in=ids).order_by("-created_at", "-id"):
        g.episode = by_id[g.episode_id]
        programmes[g.pk] = g
        found[g.episode_id].programmes.append(g)
    items = ProgrammeItem.objects.filter(programme__episode_id__in=ids).order_by(
        "phase", "position", "id"
    )
    for i in items:
        found[programmes[i.programme_id].episode_id].items.setdefault(i.programme_id, []).append(i)
    if since is not None:
        # A procedure record has no "updated" column: a discharge amendment (late complications,
        # discharge fields) or the timeline entry of its marking in error says when it changed.
        amended = DischargeAmendment.objects.filter(
            procedure__episode_id__in=ids, amended_at__gt=since
        ).values_list("procedure__episode_id", "procedure_id")
        marked = TimelineEvent.objects.filter(
            episode_id__in=ids, kind=TimelineEvent.Kind.PROCEDURE, at__gt=since
        ).values_list("episode_id", "detail")
        for episode_id, procedure_id in amended:
            found[episode_id].procedures_changed.add(procedure_id)
        for episode_id, detail in marked:
            if isinstance(detail, dict) and isinstance(detail.get("procedure"), int):
                found[episode_id].procedures_changed.add(detail["procedure"])
    return found


def _after(since: dt.datetime | None, *moments: dt.datetime | None) -> bool:
    """No ``since`` (everything), or one of the moments is later than it."""
    return since is None or any(m is not None and m > since for m in moments)


def episode_resources(
    episode: Episode, records: EpisodeRecords, since: dt.datetime | None = None
) -> Iterator[Json]:
    """The episode's own resources, from its ``records``; with ``since``, only those whose
    record changed after it (the columns each uses: ``docs/architecture.md``, "FHIR")."""
    if _after(since, episode.updated_at):
        yield episode_of_care(episode)
    back_pain = [r for r in records.responses if r.instrument == "nrs_back"]
    if _after(since, episode.updated_at, *(m for r in back_pain for m in _response_moments(r))):
        yield condition(episode, back_pain=back_pain_in(records.responses))
    if _after(since, episode.updated_at):
        yield service_request(episode)
    for record in records.consents:
        if _after(since, record.updated_at):
            yield consent(record)
    for done in records.procedures:
        if _after(since, done.created_at, done.discharged_at) or (
            done.pk in records.procedures_changed
        ):
            yield procedure(done)
            yield from medication_administrations(done)
    for response in records.responses:
        if _after(since, *_response_moments(response)):
            yield questionnaire_response(response)
            observation = score_observation(response)
            if observation:
                yield observation
    for point in records.time_points:
        by_instrument: dict[str, list[Any]] = {}
        for answer in records.answers.get(point.pk, []):
            by_instrument.setdefault(answer.instrument, []).append(answer)
        asked = [code for code in point.instruments or [] if code in by_instrument]
        for instrument in asked + sorted(c for c in by_instrument if c not in asked):
            answers = by_instrument[instrument]
            if _after(since, point.completed_at, *(a.answered_at for a in answers)):
                yield follow_up_response(point, instrument, answers)
        answered = [a.answered_at for a in records.answers.get(point.pk, [])]
        if _after(since, point.completed_at, *answered):
            yield from follow_up_observations(point)
    for programme in records.programmes:
        if _after(since, programme.created_at, programme.updated_at):
            yield care_plan(programme, records.items.get(programme.pk, []))


def _response_moments(response: QuestionnaireResponse) -> tuple[dt.datetime | None, ...]:
    return (response.created_at, response.completed_at)


def chunked_episodes(
    episodes: Any, size: int, since: dt.datetime | None = None
) -> Iterator[tuple[Episode, EpisodeRecords]]:
    """Each episode of the queryset with its records, ``size`` episodes in memory at a time."""
    chunk: list[Episode] = []
    for episode in episodes.iterator(size):
        chunk.append(episode)
        if len(chunk) == size:
            records = load_records(chunk, since)
            yield from ((e, records[e.pk]) for e in chunk)
            chunk = []
    if chunk:
        records = load_records(chunk, since)
        yield from ((e, records[e.pk]) for e in chunk)


def patient_resources(patient: Patient) -> list[Json]:
    """The patient, every episode's resources, and the staff and clinic they refer to."""
    found: list[Json] = [patient_resource(patient)]
    episodes = list(
        Episode.objects.filter(patient=patient).order_by("-referral_date", "-created_at")
    )
    records = load_records(episodes)
    for episode in episodes:
        episode.patient = patient
        found.extend(episode_resources(episode, records[episode.pk]))
    referenced = {
        int(reference.split("/", 1)[1])
        for reference in _references(found)
        if reference.startswith(("Practitioner/", "PractitionerRole/"))
    }
    for user in User.objects.filter(pk__in=referenced).order_by("pk"):
        found.append(practitioner(user))
        found.append(practitioner_role(user))
    found.append(organization(patient.clinic))
    return found


def _references(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "reference" and isinstance(item, str):
                yield item
            else:
                yield from _references(item)
    elif isinstance(value, list):
        for item in value:
            yield from _references(item)


def references(value: Any) -> list[str]:
    """Every ``reference`` string anywhere inside ``value``."""
    return list(_references(value))


def instruments_in_force() -> list[Json]:
    instruments = current_instruments()
    return [questionnaire(instruments[code]) for code in INSTRUMENTS if code in instruments]
