"""Staff pages that print the patient's leaflets: the personalised information for a planned
procedure (from its consent) and the aftercare leaflet (from the procedure record), each as a
page and as a PDF. Records are reached through ``access`` (clinic scope, audited read); a PDF is
audited as an export."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from spinepath.accounts import access, audit
from spinepath.accounts.models import AuditEvent
from spinepath.aftercare.leaflets import aftercare_for, plan_information_for
from spinepath.aftercare.pdf import leaflet_pdf_bytes
from spinepath.procedures.models import Consent, ProcedureRecord

PLAN_BODY = "aftercare/_plan_body.html"
AFTERCARE_BODY = "aftercare/_aftercare_body.html"


def _consent(request: HttpRequest, consent_id: int, *, log_read: bool) -> Consent:
    return access.get_for_user(
        request,
        Consent.objects.select_related("episode__patient__clinic", "assessment"),
        consent_id,
        patient_path="episode__patient",
        what="consent",
        log_read=log_read,
    )


def _procedure(request: HttpRequest, pk: int, *, log_read: bool) -> ProcedureRecord:
    return access.get_for_user(
        request,
        ProcedureRecord.objects.select_related("episode__patient__clinic", "consent__assessment"),
        pk,
        patient_path="episode__patient",
        what="procedure",
        log_read=log_read,
    )


def _plan_context(consent: Consent) -> dict[str, Any]:
    episode = consent.episode
    return {
        "consent": consent,
        "episode": episode,
        "patient": episode.patient,
        "information": plan_information_for(consent),
        "printed_at": timezone.localtime(),
    }


def _aftercare_context(record: ProcedureRecord) -> dict[str, Any]:
    episode = record.episode
    return {
        "record": record,
        "episode": episode,
        "patient": episode.patient,
        "leaflet": aftercare_for(record),
        "printed_at": timezone.localtime(),
    }


def _pdf(
    request: HttpRequest,
    record: Consent | ProcedureRecord,
    *,
    body: str,
    context: dict[str, Any],
    filename: str,
    document: str,
) -> HttpResponse:
    """The leaflet as a PDF, never cached, and its export in the audit log."""
    response = HttpResponse(leaflet_pdf_bytes(body, context), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    audit.record(
        request, AuditEvent.Action.EXPORT, record, detail={"format": "pdf", "document": document}
    )
    return response


@require_safe
@access.patient_staff_required
def plan_information(request: HttpRequest, consent_id: int) -> HttpResponse:
    consent = _consent(request, consent_id, log_read=True)
    return render(request, "aftercare/plan_information.html", _plan_context(consent))


@require_safe
@access.patient_staff_required
def plan_information_pdf(request: HttpRequest, consent_id: int) -> HttpResponse:
    consent = _consent(request, consent_id, log_read=False)
    return _pdf(
        request,
        consent,
        body=PLAN_BODY,
        context=_plan_context(consent),
        filename=f"information-{consent.pk}.pdf",
        document="patient information",
    )


@require_safe
@access.patient_staff_required
def aftercare_leaflet(request: HttpRequest, pk: int) -> HttpResponse:
    record = _procedure(request, pk, log_read=True)
    return render(request, "aftercare/aftercare_leaflet.html", _aftercare_context(record))


@require_safe
@access.patient_staff_required
def aftercare_leaflet_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    record = _procedure(request, pk, log_read=False)
    return _pdf(
        request,
        record,
        body=AFTERCARE_BODY,
        context=_aftercare_context(record),
        filename=f"aftercare-{record.pk}.pdf",
        document="aftercare leaflet",
    )
