"""FHIR Bulk Data export: a clinic's records as one NDJSON file per resource type.

``export_start`` (the kick-off, from the API or the admin page) records the job and enqueues
``tasks.run_export`` once the transaction commits; the worker (``manage.py run_worker``) runs
``export_run``, which streams the clinic's records in chunks (``iterator(chunk_size=…)`` with
prefetches) and writes each resource as one line as it goes, so memory stays flat however many
patients the clinic has.

With ``_since``, each type is filtered by its own change columns: Patient by ``updated_at``;
EpisodeOfCare and ServiceRequest by the episode's ``updated_at``; Condition by the episode's, or a
back-pain NRS answered later (it picks the ICD-10 code); Consent by ``updated_at``; Procedure and
its MedicationAdministrations by ``created_at``, ``discharged_at``, a discharge amendment or the
timeline entry of their marking in error; baseline QuestionnaireResponses and score Observations by
``created_at``/``completed_at``; follow-up ones by the time point's ``completed_at`` and the
answers' ``answered_at``; CarePlan by the programme's ``created_at``/``updated_at``.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from typing import IO, Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from spinepath.accounts import audit
from spinepath.accounts.models import AuditEvent, User
from spinepath.fhir.mappers.common import Json
from spinepath.fhir.mappers.organization import organization
from spinepath.fhir.mappers.patient import patient as patient_resource
from spinepath.fhir.mappers.practitioner import practitioner, practitioner_role
from spinepath.fhir.models import ExportJob
from spinepath.fhir.resources import chunked_episodes, episode_resources, instruments_in_force
from spinepath.patients.models import Episode, Patient

# Resource types in the order their files are listed; ``_type`` may ask for fewer.
EXPORTED = (
    "Patient",
    "EpisodeOfCare",
    "Condition",
    "ServiceRequest",
    "Consent",
    "Procedure",
    "MedicationAdministration",
    "QuestionnaireResponse",
    "Observation",
    "CarePlan",
    "Practitioner",
    "PractitionerRole",
    "Organization",
    "Questionnaire",
)
ALWAYS_WHOLE = ("Practitioner", "PractitionerRole", "Organization", "Questionnaire")
"""Types with no change time in spinepath (the clinic, its staff, the instruments: a few rows),
exported in full even with ``_since``, so every reference of a partial export still resolves."""
CHUNK = 500
"""Rows fetched (with their prefetches) at a time: the most the worker holds in memory."""


class ExportRefused(ValueError):
    """The kick-off asked for something the export cannot do; the message says what."""


def requested_types(value: str) -> list[str]:
    """``_type=Patient,Observation`` → those types (all when empty); unknown types refused."""
    if not value.strip():
        return list(EXPORTED)
    asked = [t.strip() for t in value.split(",") if t.strip()]
    unknown = [t for t in asked if t not in EXPORTED]
    if unknown:
        raise ExportRefused(f"spinepath cannot export {', '.join(unknown)}.")
    return [t for t in EXPORTED if t in asked]


def export_start(
    request: HttpRequest | None,
    *,
    by: User,
    types: list[str],
    since: dt.datetime | None = None,
    request_url: str = "",
    at: dt.datetime | None = None,
) -> ExportJob:
    """Record a new export of ``by``'s clinic and enqueue it for the worker (on commit).

    A kick-off identical to one of ``by``'s exports still waiting or running (the same types and
    ``_since``) is answered with that export: the kick-off is a GET (Bulk Data), so it carries no
    submission key, and a client's retry after a timeout, or ten copies at once, must not queue
    the clinic's whole record ten times. Whether one is waiting is read with ``by``'s row locked
    (PostgreSQL; SQLite's transactions are already one at a time), so copies arriving together
    find the first one's job. The repeat writes nothing: no job, no audit event, no task."""
    from spinepath.fhir.tasks import run_export

    at = at or timezone.now()
    with transaction.atomic():
        list(User.objects.select_for_update().filter(pk=by.pk).values_list("pk", flat=True))
        waiting = (
            ExportJob.objects.filter(
                clinic_id=by.clinic_id,
                requested_by=by,
                types=types,
                since=since,
                status__in=[ExportJob.Status.QUEUED, ExportJob.Status.RUNNING],
            )
            .order_by("-requested_at")
            .first()
        )
        if waiting is not None:
            return waiting
        job = ExportJob.objects.create(
            clinic_id=by.clinic_id,
            requested_by=by,
            requested_at=at,
            request_url=request_url[:500],
            types=types,
            since=since,
        )
        audit.record(
            request,
            AuditEvent.Action.EXPORT,
            job,
            detail={
                "fhir": "$export",
                "types": types,
                **({"since": since.isoformat()} if since else {}),
            },
            user=by,
            at=at,
        )
        transaction.on_commit(lambda: run_export.enqueue(str(job.pk)))
    return job


SINCE_HONOURED = tuple(t for t in EXPORTED if t not in ALWAYS_WHOLE)


def parse_since(value: str) -> dt.datetime:
    """``_since`` as the Bulk Data spec has it: a FHIR instant, with its time zone.

    (A ``+hh:mm`` offset left unescaped in a query string arrives as a space: read it as ``+``.)"""
    text = value.strip().replace(" ", "+")
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ExportRefused(
            f"_since must be a FHIR instant such as 2026-01-31T09:00:00Z, not {value[:40]!r}."
        ) from None
    if "T" not in text or moment.tzinfo is None:
        raise ExportRefused(
            "_since must be an instant with a time and a time zone, such as 2026-01-31T09:00:00Z."
        )
    return moment


def clinic_resources(
    clinic_id: int, types: Iterable[str], since: dt.datetime | None = None
) -> Iterator[Json]:
    """Every resource of the clinic of the asked ``types``, streamed in chunks; with ``since``,
    only those changed after it (``SINCE_HONOURED``; the ``ALWAYS_WHOLE`` types in full)."""
    wanted = set(types)
    # Restricted records leave in no bulk export while restricted (patients/rights.py).
    patients = Patient.objects.filter(clinic_id=clinic_id, restricted_at__isnull=True)
    if since is not None:
        patients = patients.filter(updated_at__gt=since)
    if "Patient" in wanted:
        for patient in patients.select_related("clinic").order_by("pk").iterator(CHUNK):
            yield patient_resource(patient)
    episode_types = wanted - {
        "Patient",
        "Practitioner",
        "PractitionerRole",
        "Organization",
        "Questionnaire",
    }
    if episode_types:
        episodes = (
            Episode.objects.filter(
                patient__clinic_id=clinic_id, patient__restricted_at__isnull=True
            )
            .select_related("patient", "patient__clinic")
            .order_by("pk")
        )
        for episode, records in chunked_episodes(episodes, CHUNK, since):
            for resource in episode_resources(episode, records, since):
                if resource["resourceType"] in episode_types:
                    yield resource
    if wanted & {"Practitioner", "PractitionerRole"}:
        for user in User.objects.filter(clinic_id=clinic_id).order_by("pk").iterator(CHUNK):
            if "Practitioner" in wanted:
                yield practitioner(user)
            if "PractitionerRole" in wanted:
                yield practitioner_role(user)
    if "Organization" in wanted:
        from spinepath.accounts.models import Clinic

        yield organization(Clinic.objects.get(pk=clinic_id))
    if "Questionnaire" in wanted:
        yield from instruments_in_force()


def file_name(resource_type: str) -> str:
    return f"{resource_type}.ndjson"


def export_run(job_id: str, *, at: dt.datetime | None = None) -> dict[str, Any]:
    """Write the job's files (the worker's task); a second run of a started job does nothing."""
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.QUEUED).update(
        status=ExportJob.Status.RUNNING, started_at=at or timezone.now()
    )
    if not claimed:
        return {"skipped": True}
    job = ExportJob.objects.get(pk=job_id)
    directory = job.directory
    counts = dict.fromkeys(job.types, 0)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with ExitStack() as stack:
            files: dict[str, IO[str]] = {
                t: stack.enter_context(
                    open(directory / (file_name(t) + ".part"), "w", encoding="utf-8")
                )
                for t in job.types
            }
            for resource in clinic_resources(job.clinic_id, job.types, job.since):
                kind = resource["resourceType"]
                files[kind].write(json.dumps(resource, ensure_ascii=False, separators=(",", ":")))
                files[kind].write("\n")
                counts[kind] += 1
        for t in job.types:
            (directory / (file_name(t) + ".part")).replace(directory / file_name(t))
    except Exception as exc:
        shutil.rmtree(directory, ignore_errors=True)
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.FAILED,
            finished_at=timezone.now(),
            error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        raise
    output = [{"type": t, "count": counts[t]} for t in job.types]
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.COMPLETE, finished_at=timezone.now(), output=output
    )
    return {"files": len(output), "resources": sum(counts.values())}
