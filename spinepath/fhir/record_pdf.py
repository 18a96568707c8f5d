"""Everything spinepath holds about one patient, as a PDF a person can read: the answer to a
subject access request, beside the machine-readable FHIR Bundle ($everything).

The PDF is drawn from the same resources as the Bundle, so the two cannot disagree and nothing
held is left out of one but not the other: each resource becomes a titled section of its fields
in words (codes shown by their display text, dates written out, references by what they name).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML

from spinepath.accounts import audit
from spinepath.accounts.access import patient_staff_required
from spinepath.accounts.models import AuditEvent
from spinepath.clinical.instruments.definitions import Instrument
from spinepath.fhir.mappers.common import fhir_id
from spinepath.fhir.resources import patient_resources
from spinepath.patients.scope import get_patient_for_user
from spinepath.procedures.pdf import OfflineFetcher, _static_dir
from spinepath.questionnaires.wording import current_instruments

# Section order: the person, then their pathway in the order it happens.
ORDER = [
    "Patient",
    "EpisodeOfCare",
    "ServiceRequest",
    "Condition",
    "Observation",
    "QuestionnaireResponse",
    "RiskAssessment",
    "Consent",
    "Procedure",
    "MedicationAdministration",
    "MedicationStatement",
    "AdverseEvent",
    "CarePlan",
    "Appointment",
    "Communication",
    "DocumentReference",
    "Practitioner",
    "PractitionerRole",
    "Organization",
]
# A resource's own bookkeeping (its narrative "text" repeats the fields in HTML).
SKIP = {"id", "meta", "resourceType", "text", "contained"}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


@dataclass(frozen=True)
class Section:
    kind: str
    title: str
    rows: list[tuple[str, str]]


def words(name: str) -> str:
    """``valueQuantity`` → "Value quantity"."""
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).replace("_", " ").lower()
    return spaced[:1].upper() + spaced[1:]


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        if ISO_DATE.match(value):
            return f"{date.fromisoformat(value):%-d %B %Y}"
        if ISO_INSTANT.match(value):
            try:
                moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                return value
            return f"{timezone.localtime(moment):%-d %B %Y, %H:%M}"
        return value
    return str(value)


def _flatten(value: Any, path: str, rows: list[tuple[str, str]]) -> None:
    """Rows of (label, words) for one field; a coding reads as its display text."""
    if isinstance(value, dict):
        if "display" in value and ("code" in value or "reference" in value):
            rows.append((path, str(value["display"])))
            return
        if set(value) <= {"reference"}:
            rows.append((path, str(value["reference"]).split("/")[0]))
            return
        if "value" in value and "unit" in value:
            rows.append((path, f"{_value(value['value'])} {value['unit']}"))
            return
        for key, inner in value.items():
            if key in ("system", "url") and isinstance(inner, str):
                continue
            _flatten(inner, f"{path} · {words(key)}" if path else words(key), rows)
    elif isinstance(value, list):
        for inner in value:
            _flatten(inner, path, rows)
    elif value not in (None, ""):
        rows.append((path, _value(value)))


def _answers_in_words(
    resource: dict[str, Any], instruments: dict[str, Instrument]
) -> dict[str, Any]:
    """A questionnaire response as a person reads it: the questionnaire by its name and each
    answer under its question, with the chosen option's words beside the number (the Bundle
    carries only the canonical address, item ids such as "s3" and integers)."""
    url = str(resource.get("questionnaire", "")).split("|")[0]
    instrument = instruments.get(url.rsplit("/", 1)[-1])
    if instrument is None:
        return resource
    items = {item.id: item for item in instrument.items}
    readable = {k: v for k, v in resource.items() if k not in ("questionnaire", "item")}
    readable["questionnaire"] = instrument.name
    for entry in resource.get("item", []):
        item = items.get(entry.get("linkId", ""))
        question = item.name if item is not None else words(str(entry.get("linkId", "")))
        for answer in entry.get("answer", []):
            value = next(iter(answer.values()), None)
            option = next(
                (
                    o.text
                    for o in (item.options if item and not item.placeholder else ())
                    if o.value == value
                ),
                "",
            )
            shown = option and option != str(value)
            readable[question] = f"{value} ({option})" if shown else value
    return readable


def sections(resources: list[dict[str, Any]]) -> list[Section]:
    rank = {kind: n for n, kind in enumerate(ORDER)}
    ordered = sorted(
        resources, key=lambda r: (rank.get(r["resourceType"], len(ORDER)), r["resourceType"])
    )
    instruments = {fhir_id(code): inst for code, inst in current_instruments().items()}
    found = []
    for resource in ordered:
        if resource["resourceType"] == "QuestionnaireResponse":
            resource = _answers_in_words(resource, instruments)
        rows: list[tuple[str, str]] = []
        _flatten({k: v for k, v in resource.items() if k not in SKIP}, "", rows)
        kind = resource["resourceType"]
        found.append(Section(kind=kind, title=words(kind), rows=rows))
    return found


def record_pdf_bytes(patient: Any, resources: list[dict[str, Any]], *, at: datetime) -> bytes:
    html = render_to_string(
        "fhir/record_pdf.html",
        {"patient": patient, "sections": sections(resources), "at": at, "count": len(resources)},
    )
    return HTML(  # type: ignore[no-any-return]
        string=html, base_url=_static_dir(), url_fetcher=OfflineFetcher()
    ).write_pdf()


@patient_staff_required
def patient_record_pdf(request: HttpRequest, patient_id: Any) -> HttpResponse:
    patient = get_patient_for_user(request, patient_id, log_read=False)
    resources = patient_resources(patient)
    at = timezone.now()
    body = record_pdf_bytes(patient, resources, at=at)
    audit.record(
        request,
        AuditEvent.Action.EXPORT,
        patient,
        detail={"export": "record PDF", "resources": len(resources)},
    )
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="record-{at:%Y%m%d}.pdf"'
    return response
