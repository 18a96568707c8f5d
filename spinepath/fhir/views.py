"""The FHIR R4 endpoints under /fhir/ (contract: shared/clinical/api.md, "FHIR R4").

Reads are clinic-scoped through ``resources.read`` (another clinic's record is a 404, audited
as a refusal) and every read is audited; ``$everything`` is audited as an export.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.exceptions import RequestDataTooBig
from django.http import FileResponse, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone

from spinepath.accounts import access, audit
from spinepath.accounts.access import Task
from spinepath.accounts.models import AuditEvent, User
from spinepath.fhir import export, importing
from spinepath.fhir.http import Issue, Refused, fhir_response, fhir_view, outcome_response
from spinepath.fhir.models import ExportJob
from spinepath.fhir.resources import READABLE, patient_resources, read
from spinepath.patients import scope

FHIR_VERSION = "4.0.1"


def printable(value: str) -> str:
    """An id from the address, fit for the audit log (no NUL, which PostgreSQL cannot store)."""
    return value.replace("\x00", "")[:64]


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/fhir")


def capability_statement(request: HttpRequest) -> dict[str, Any]:
    resources: list[dict[str, Any]] = [
        {"type": kind, "interaction": [{"code": "read"}]} for kind in READABLE
    ]
    for resource in resources:
        if resource["type"] == "Patient":
            resource["operation"] = [
                {
                    "name": "everything",
                    "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything",
                }
            ]
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": timezone.now().date().isoformat(),
        "kind": "instance",
        "software": {"name": "spinepath"},
        "implementation": {"description": "spinepath FHIR R4 server", "url": base_url(request)},
        "fhirVersion": FHIR_VERSION,
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "description": "Staff bearer token (as /api/v1/) or a signed-in staff session; "
                    "records are limited to the user's clinic."
                },
                "resource": resources,
                "interaction": [{"code": "transaction"}],
                "operation": [
                    {
                        "name": "export",
                        "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export",
                    }
                ],
            }
        ],
    }


@fhir_view("GET")
def metadata(request: HttpRequest) -> HttpResponse:
    return fhir_response(capability_statement(request))


@fhir_view("GET")
def read_resource(request: HttpRequest, resource_type: str, resource_id: str) -> HttpResponse:
    if resource_type not in READABLE:
        return outcome_response(
            404, Issue("not-supported", f"spinepath does not serve {resource_type} resources.")
        )
    user = _user(request)
    found = read(user, resource_type, resource_id)
    if found is None:
        audit.record_denied(
            request,
            reason=f"No such {resource_type} in your clinic.",
            model=f"fhir.{resource_type}",
            object_id=printable(resource_id),
        )
        return outcome_response(
            404, Issue("not-found", f"No {resource_type} {resource_id} in your clinic.")
        )
    if found.record is not None:
        audit.record(
            request,
            AuditEvent.Action.READ,
            found.record,
            detail={"fhir": f"{resource_type}/{found.resource['id']}"},
        )
    return fhir_response(found.resource)


def everything_bundle(request: HttpRequest, resources: list[dict[str, Any]]) -> dict[str, Any]:
    base = base_url(request)
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "timestamp": timezone.now().isoformat(),
        "total": len(resources),
        "entry": [
            {
                "fullUrl": f"{base}/{r['resourceType']}/{r['id']}",
                "resource": r,
                "search": {"mode": "match"},
            }
            for r in resources
        ],
    }


@fhir_view("GET")
def patient_everything(request: HttpRequest, patient_id: str) -> HttpResponse:
    try:
        pk = UUID(patient_id)
    except ValueError:
        pk = None
    patient = (
        scope.patients_for(_user(request)).select_related("clinic").filter(pk=pk).first()
        if pk
        else None
    )
    if patient is None:
        audit.record_denied(
            request,
            reason="No such patient in your clinic.",
            model="patients.Patient",
            object_id=printable(patient_id),
        )
        raise Refused(404, [Issue("not-found", f"No Patient {patient_id} in your clinic.")])
    resources = patient_resources(patient)
    audit.record(
        request,
        AuditEvent.Action.EXPORT,
        patient,
        detail={"fhir": "Patient/$everything", "resources": len(resources)},
    )
    headers = {}
    if request.GET.get("download"):
        headers["Content-Disposition"] = f'attachment; filename="patient-{patient.pk}.fhir.json"'
    return fhir_response(everything_bundle(request, resources), headers=headers)


@fhir_view("POST")
def import_bundle(request: HttpRequest) -> HttpResponse:
    """POST /fhir: a transaction or collection Bundle of referrals, all or nothing."""
    try:
        body = request.body
    except RequestDataTooBig:
        raise Refused(413, [Issue("too-costly", "The bundle is too large.")]) from None
    parsed = importing.parse(importing.load(body))
    patients, episodes = importing.import_referrals(request, parsed, by=_user(request))
    return fhir_response(importing.response_bundle(parsed, patients, episodes))


# --- Bulk Data export -----------------------------------------------------------------------


def _export_job(request: HttpRequest, job_id: str) -> ExportJob:
    """The export, if it is this administrator's clinic's; 404 (audited) otherwise."""
    user = _user(request)
    access.ensure_may(user, Task.BULK_EXPORT)
    try:
        pk = UUID(job_id)
    except ValueError:
        pk = None
    job = ExportJob.objects.filter(pk=pk, clinic_id=user.clinic_id).first() if pk else None
    if job is None:
        audit.record_denied(
            request,
            reason="No such export in your clinic.",
            model="fhir.ExportJob",
            object_id=printable(job_id),
        )
        raise Refused(404, [Issue("not-found", f"No export {job_id} in your clinic.")])
    return job


def status_url(request: HttpRequest, job: ExportJob) -> str:
    return request.build_absolute_uri(reverse("fhir_export_status", args=[job.pk]))


def file_url(request: HttpRequest, job: ExportJob, resource_type: str) -> str:
    return request.build_absolute_uri(
        reverse("fhir_export_file", args=[job.pk, export.file_name(resource_type)])
    )


@fhir_view("GET")
def export_kickoff(request: HttpRequest) -> HttpResponse:
    """GET /fhir/$export: 202 with ``Content-Location`` (the status address)."""
    user = _user(request)
    access.ensure_may(user, Task.BULK_EXPORT)
    since = None
    if "_since" in request.GET:
        try:
            since = export.parse_since(request.GET["_since"])
        except export.ExportRefused as exc:
            raise Refused(400, [Issue("invalid", str(exc))]) from None
    output_format = request.GET.get("_outputFormat", "")
    if output_format and output_format not in ("application/fhir+ndjson", "ndjson"):
        raise Refused(
            400, [Issue("not-supported", "Only application/fhir+ndjson files are written.")]
        )
    try:
        types = export.requested_types(request.GET.get("_type", ""))
    except export.ExportRefused as exc:
        raise Refused(400, [Issue("not-supported", str(exc))]) from None
    job = export.export_start(
        request, by=user, types=types, since=since, request_url=request.build_absolute_uri()
    )
    response = outcome_response(
        202, Issue("informational", "Export started.", severity="information")
    )
    response["Content-Location"] = status_url(request, job)
    return response


def manifest(request: HttpRequest, job: ExportJob) -> dict[str, Any]:
    return {
        "transactionTime": job.requested_at.isoformat(),
        "request": job.request_url or request.build_absolute_uri("/fhir/$export"),
        "requiresAccessToken": True,
        "output": [
            {"type": f["type"], "url": file_url(request, job, f["type"]), "count": f["count"]}
            for f in job.output
        ],
        "error": [],
    }


@fhir_view("GET")
def export_status(request: HttpRequest, job_id: str) -> HttpResponse:
    """202 while the worker has it; the manifest (200) when done; an outcome if it failed."""
    job = _export_job(request, job_id)
    if job.status == ExportJob.Status.FAILED:
        raise Refused(
            422,
            [Issue("exception", "The export failed; start a new one. " + job.error[:200])],
        )
    if job.status != ExportJob.Status.COMPLETE:
        response = HttpResponse(status=202)
        response["X-Progress"] = job.get_status_display()
        response["Retry-After"] = "10"
        return response
    return fhir_response(manifest(request, job), content_type="application/json")


@fhir_view("GET")
def export_file(request: HttpRequest, job_id: str, name: str) -> HttpResponse:
    job = _export_job(request, job_id)
    kinds = {export.file_name(t): t for t in job.types}
    if job.status != ExportJob.Status.COMPLETE or name not in kinds:
        raise Refused(404, [Issue("not-found", f"No file {name} in this export.")])
    path = job.directory / name
    if not path.is_file():
        raise Refused(404, [Issue("not-found", f"The file {name} is no longer kept.")])
    audit.record(
        request, AuditEvent.Action.EXPORT, job, detail={"fhir": "$export file", "type": kinds[name]}
    )
    response = FileResponse(
        path.open("rb"), content_type="application/fhir+ndjson", as_attachment=True, filename=name
    )
    response["Cache-Control"] = "no-store"
    return response
