"""Referral import: a FHIR Bundle (transaction or collection) of Patient + ServiceRequest
(+ Condition) becomes a patient (matched or registered) and an episode at the referral stage.

The whole bundle is checked first and every problem named (``Refused`` with one issue each);
then everything is written in one transaction through the registration and referral workflows
(``patient_register``, ``episode_create``), so a problem found while writing leaves nothing.
Re-importing the same bundle matches the patient (NHS number first, then family name and birth
date) and the episode (same condition, date, source and reason) rather than duplicating them.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError as PydanticError

from spinepath.accounts import audit
from spinepath.accounts.models import AuditEvent, User
from spinepath.api_helpers import unstorable
from spinepath.clinical.coding import codebook
from spinepath.fhir.http import Issue, Refused
from spinepath.fhir.mappers.common import codes, fhir_id
from spinepath.fhir.mappers.service_request import REFERRAL_SOURCE_SYSTEM
from spinepath.lib import nhs_number
from spinepath.patients.episodes import episode_create
from spinepath.patients.locks import hold_patient
from spinepath.patients.models import Episode, Patient, ReferralSource, Sex
from spinepath.patients.registration import patient_register

BUNDLE_TYPES = ("transaction", "collection")
IMPORTED = ("Patient", "ServiceRequest", "Condition")
DEFAULT_REASON = "Referral received through FHIR."

# Where a model field's problem lives in the FHIR resource it came from.
_FIELD_PATHS = {
    "given_name": "Patient.name.given",
    "family_name": "Patient.name.family",
    "date_of_birth": "Patient.birthDate",
    "sex": "Patient.gender",
    "nhs_number": "Patient.identifier",
    "mrn": "Patient.identifier",
    "email": "Patient.telecom",
    "phone": "Patient.telecom",
    "referral_date": "ServiceRequest.authoredOn",
    "referral_reason": "ServiceRequest.note",
    "referrer_name": "ServiceRequest.requester.display",
    "condition": "Condition.code",
    "laterality": "Condition.bodySite",
}


@dataclass
class PatientIn:
    entry: int
    given_name: str = ""
    family_name: str = ""
    birth_date: dt.date | None = None
    sex: str = Sex.UNKNOWN
    nhs_number: str = ""
    mrn: str = ""
    email: str = ""
    phone: str = ""


@dataclass
class ReferralIn:
    entry: int
    patient: PatientIn
    condition: str
    laterality: str
    referral_source: str
    referral_date: dt.date | None
    referral_reason: str
    referrer_name: str
    condition_entry: int | None = None


@dataclass
class Parsed:
    bundle_type: str
    entries: list[dict[str, Any]]
    patients: list[PatientIn] = field(default_factory=list)
    referrals: list[ReferralIn] = field(default_factory=list)


def _where(index: int, path: str = "") -> str:
    return f"Bundle.entry[{index}].resource" + (f".{path}" if path else "")


def load(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Refused(400, [Issue("structure", f"The body is not valid JSON: {exc}")]) from None
    if not isinstance(data, dict):
        raise Refused(400, [Issue("structure", "The body must be a JSON object (a Bundle).")])
    problem = unstorable(data)
    if problem:
        raise Refused(400, [Issue("structure", f"The body {problem}.")])
    return data


def _condition_index() -> dict[tuple[str, str], str]:
    index: dict[tuple[str, str], str] = {}
    local = codes().local("condition")
    for key, concept in codebook().conditions.items():
        index[(local, key)] = key
        for coding in concept.all_codings:
            index.setdefault((coding.system, coding.code), key)
    return index


def _laterality_index() -> dict[tuple[str, str], str]:
    return {
        (coding.system, coding.code): key
        for key, concept in codebook().laterality.items()
        for coding in concept.all_codings
    }


def _codings(concept: Any) -> list[tuple[str, str]]:
    if not isinstance(concept, dict):
        return []
    return [
        (str(c.get("system", "")), str(c.get("code", "")))
        for c in concept.get("coding") or []
        if isinstance(c, dict)
    ]


class _References:
    """Finds the entry a reference points at: by ``fullUrl`` or ``Type/id``."""

    def __init__(self, entries: list[dict[str, Any]]) -> None:
        self.by_key: dict[str, int] = {}
        for i, entry in enumerate(entries):
            resource = entry.get("resource") or {}
            full_url = entry.get("fullUrl")
            if isinstance(full_url, str) and full_url:
                self.by_key[full_url] = i
            if resource.get("id"):
                self.by_key[f"{resource.get('resourceType')}/{resource['id']}"] = i

    def find(self, reference: Any) -> int | None:
        if not isinstance(reference, dict) or not isinstance(reference.get("reference"), str):
            return None
        target = reference["reference"]
        if target in self.by_key:
            return self.by_key[target]
        tail = "/".join(target.rstrip("/").split("/")[-2:])
        return self.by_key.get(tail)


def _patient(index: int, resource: dict[str, Any], issues: list[Issue]) -> PatientIn:
    found = PatientIn(entry=index)
    nhs_system = codes().systems["nhs_number"]
    for i, identifier in enumerate(resource.get("identifier") or []):
        value = str(identifier.get("value") or "").strip()
        if not value:
            continue
        if identifier.get("system") == nhs_system:
            digits = nhs_number.normalise(value)
            problem = nhs_number.problem(digits)
            if problem:
                issues.append(Issue("value", problem, _where(index, f"identifier[{i}].value")))
            found.nhs_number = digits
        elif not found.mrn:
            found.mrn = value
    names = [n for n in resource.get("name") or [] if isinstance(n, dict)]
    official = next((n for n in names if n.get("use") == "official"), names[0] if names else None)
    if official:
        found.family_name = str(official.get("family") or "").strip()
        found.given_name = " ".join(str(g) for g in official.get("given") or []).strip()
    if not (found.nhs_number or found.mrn) and not (found.family_name or found.given_name):
        issues.append(
            Issue(
                "required",
                "The Patient has neither an identifier nor a name: it cannot be matched or "
                "registered.",
                _where(index),
            )
        )
    if resource.get("birthDate"):
        try:
            found.birth_date = dt.date.fromisoformat(str(resource["birthDate"]))
        except ValueError:
            issues.append(
                Issue("value", "Give the full birth date (YYYY-MM-DD).", _where(index, "birthDate"))
            )
    gender = resource.get("gender")
    found.sex = gender if gender in Sex.values else Sex.UNKNOWN
    for contact in resource.get("telecom") or []:
        if contact.get("system") == "email" and not found.email:
            found.email = str(contact.get("value") or "")
        elif contact.get("system") in ("phone", "sms") and not found.phone:
            found.phone = str(contact.get("value") or "")
    return found


def _referral(
    index: int,
    resource: dict[str, Any],
    parsed: Parsed,
    refs: _References,
    patients: dict[int, PatientIn],
    issues: list[Issue],
) -> ReferralIn | None:
    subject = refs.find(resource.get("subject"))
    if subject is None or subject not in patients:
        issues.append(
            Issue(
                "not-found",
                "The ServiceRequest's subject is not a Patient in this bundle.",
                _where(index, "subject"),
            )
        )
    condition_key = ""
    laterality = "not_applicable"
    condition_entry = None
    conditions = _condition_index()
    for i, reason in enumerate(resource.get("reasonReference") or []):
        target = refs.find(reason)
        if target is None:
            issues.append(
                Issue(
                    "not-found",
                    f"The reason {reason.get('reference')!r} is not an entry in this bundle.",
                    _where(index, f"reasonReference[{i}]"),
                )
            )
            continue
        condition = parsed.entries[target].get("resource") or {}
        if condition.get("resourceType") != "Condition":
            issues.append(
                Issue(
                    "invalid",
                    "A reason must be a Condition.",
                    _where(index, f"reasonReference[{i}]"),
                )
            )
            continue
        condition_entry = target
        condition_subject = refs.find(condition.get("subject"))
        if condition_subject != subject:
            issues.append(
                Issue(
                    "not-found",
                    "The Condition's subject is not the referral's Patient in this bundle.",
                    _where(target, "subject"),
                )
            )
        key = next((conditions[c] for c in _codings(condition.get("code")) if c in conditions), "")
        if not key:
            issues.append(
                Issue(
                    "code-invalid",
                    "The Condition's code is none of spinepath's conditions (ICD-10, SNOMED CT "
                    "or spinepath codes, as in the codes file).",
                    _where(target, "code"),
                )
            )
        condition_key = condition_key or key
        sides = _laterality_index()
        for site in condition.get("bodySite") or []:
            laterality = next((sides[c] for c in _codings(site) if c in sides), laterality)
    if not condition_key:
        codes_given = [c for reason in resource.get("reasonCode") or [] for c in _codings(reason)]
        condition_key = next((conditions[c] for c in codes_given if c in conditions), "")
    if not condition_key and not resource.get("reasonReference"):
        issues.append(
            Issue(
                "required",
                "Say what the referral is for: a reasonReference to a Condition in the bundle, "
                "or a reasonCode spinepath knows.",
                _where(index, "reasonReference"),
            )
        )
    source_system = codes().local(REFERRAL_SOURCE_SYSTEM)
    source = next(
        (
            code
            for system, code in (c for cat in resource.get("category") or [] for c in _codings(cat))
            if system == source_system and code in ReferralSource.values
        ),
        ReferralSource.OTHER,
    )
    authored: dt.date | None = None
    if resource.get("authoredOn"):
        try:
            authored = dt.date.fromisoformat(str(resource["authoredOn"])[:10])
        except ValueError:
            issues.append(Issue("value", "authoredOn is not a date.", _where(index, "authoredOn")))
    notes = [str(n.get("text")) for n in resource.get("note") or [] if n.get("text")]
    requester = resource.get("requester") or {}
    if subject is None or subject not in patients or not condition_key:
        return None
    return ReferralIn(
        entry=index,
        patient=patients[subject],
        condition=condition_key,
        laterality=laterality,
        referral_source=source,
        referral_date=authored,
        referral_reason="\n".join(notes) or DEFAULT_REASON,
        referrer_name=str(requester.get("display") or "")[:200],
        condition_entry=condition_entry,
    )


def parse(data: dict[str, Any]) -> Parsed:
    """Every problem with the bundle at once (``Refused``), or what it asks to import."""
    issues: list[Issue] = []
    if data.get("resourceType") != "Bundle":
        raise Refused(
            400,
            [Issue("invalid", "Send a Bundle.", "Bundle.resourceType")],
        )
    if data.get("type") not in BUNDLE_TYPES:
        issues.append(
            Issue("invalid", "The Bundle must be a transaction or a collection.", "Bundle.type")
        )
    raw_entries = data.get("entry")
    if not isinstance(raw_entries, list) or not raw_entries:
        raise Refused(
            422, [*issues, Issue("required", "The Bundle has no entries.", "Bundle.entry")]
        )
    entries: list[dict[str, Any]] = []
    for i, entry in enumerate(raw_entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            issues.append(Issue("required", "The entry has no resource.", f"Bundle.entry[{i}]"))
            entries.append({})
            continue
        entries.append(entry)
        kind = resource.get("resourceType")
        if kind not in IMPORTED:
            issues.append(
                Issue(
                    "not-supported",
                    f"{kind!r} cannot be imported: send Patient, ServiceRequest and Condition.",
                    _where(i, "resourceType"),
                )
            )
            continue
        try:
            get_fhir_model_class(kind).model_validate(resource)
        except PydanticError as exc:
            for error in exc.errors():
                path = ".".join(str(part) for part in error.get("loc", ()) if part != "__root__")
                issues.append(Issue("structure", str(error.get("msg")), _where(i, path)))
    if any(issue.code == "structure" for issue in issues):
        # Shapes FHIR does not allow: say so before reading any further into them.
        raise Refused(422, issues)
    parsed = Parsed(bundle_type=str(data.get("type")), entries=entries)
    refs = _References(entries)
    patients: dict[int, PatientIn] = {}
    for i, entry in enumerate(entries):
        resource = entry.get("resource") or {}
        if resource.get("resourceType") == "Patient":
            patients[i] = _patient(i, resource, issues)
    if not patients:
        issues.append(Issue("required", "The Bundle has no Patient.", "Bundle.entry"))
    for i, entry in enumerate(entries):
        resource = entry.get("resource") or {}
        if resource.get("resourceType") == "ServiceRequest":
            referral = _referral(i, resource, parsed, refs, patients, issues)
            if referral:
                parsed.referrals.append(referral)
    if not any((e.get("resource") or {}).get("resourceType") == "ServiceRequest" for e in entries):
        issues.append(Issue("required", "The Bundle has no ServiceRequest.", "Bundle.entry"))
    if issues:
        raise Refused(422, issues)
    parsed.patients = list(patients.values())
    return parsed


# --- Writing ---------------------------------------------------------------------------------


def _problems(exc: ValidationError, index: int) -> list[Issue]:
    issues = []
    for name, messages in exc.message_dict.items():
        path = _FIELD_PATHS.get(name, "")
        where = _where(index, path.split(".", 1)[1]) if path else _where(index)
        issues += [Issue("invariant", str(m), where) for m in messages]
    return issues


def _match(clinic_id: int, wanted: PatientIn) -> Patient | None:
    patients = Patient.objects.filter(clinic_id=clinic_id)
    if wanted.nhs_number:
        found = patients.filter(nhs_number=wanted.nhs_number).first()
        if found:
            return found
    if wanted.mrn:
        found = patients.filter(mrn=wanted.mrn).first()
        if found:
            return found
    if wanted.family_name and wanted.birth_date:
        return (
            patients.filter(family_name__iexact=wanted.family_name, date_of_birth=wanted.birth_date)
            .order_by("created_at", "pk")
            .first()
        )
    return None


def _register(
    request: HttpRequest | None, wanted: PatientIn, user: User, at: dt.datetime
) -> Patient:
    missing = [
        Issue("required", words, _where(wanted.entry, path))
        for value, words, path in (
            (wanted.family_name, "A new patient needs a family name.", "name.family"),
            (wanted.given_name, "A new patient needs a given name.", "name.given"),
            (wanted.birth_date, "A new patient needs a birth date.", "birthDate"),
        )
        if not value
    ]
    if missing:
        raise Refused(422, missing)
    patient = Patient(
        clinic_id=user.clinic_id,
        given_name=wanted.given_name,
        family_name=wanted.family_name,
        date_of_birth=wanted.birth_date,
        sex=wanted.sex,
        nhs_number=wanted.nhs_number,
        mrn=wanted.mrn,
        email=wanted.email,
        phone=wanted.phone,
    )
    try:
        return patient_register(
            request,
            patient=patient,
            by=user,
            changed_fields=["imported"],
            at=at,
        )
    except ValidationError as exc:
        raise Refused(422, _problems(exc, wanted.entry)) from None


def import_referrals(
    request: HttpRequest | None, parsed: Parsed, *, by: User, at: dt.datetime | None = None
) -> tuple[dict[int, tuple[Patient, bool]], dict[int, tuple[Episode, bool]]]:
    """Match or register each Patient, then match or open each referral: all or nothing."""
    at = at or timezone.now()
    patients: dict[int, tuple[Patient, bool]] = {}
    episodes: dict[int, tuple[Episode, bool]] = {}
    with transaction.atomic():
        for wanted in parsed.patients:
            found = _match(by.clinic_id, wanted)  # type: ignore[arg-type]
            if found is not None:
                audit.record(
                    request,
                    AuditEvent.Action.READ,
                    found,
                    reason="Matched by a FHIR referral import.",
                )
                patients[wanted.entry] = (found, False)
            else:
                patients[wanted.entry] = (_register(request, wanted, by, at), True)
        for referral in parsed.referrals:
            patient, _ = patients[referral.patient.entry]
            hold_patient(patient.pk)
            referral_date = referral.referral_date or timezone.localdate(at)
            existing = (
                Episode.objects.filter(
                    patient=patient,
                    condition=referral.condition,
                    referral_date=referral_date,
                    referral_source=referral.referral_source,
                    referral_reason=referral.referral_reason,
                )
                .order_by("created_at", "pk")
                .first()
            )
            if existing is not None:
                episodes[referral.entry] = (existing, False)
                continue
            episode = Episode(
                patient=patient,
                condition=referral.condition,
                laterality=referral.laterality,
                referral_source=referral.referral_source,
                referral_date=referral_date,
                referral_reason=referral.referral_reason,
                referrer_name=referral.referrer_name,
            )
            try:
                episode_create(request, episode=episode, by=by, changed_fields=["imported"], at=at)
            except ValidationError as exc:
                raise Refused(422, _problems(exc, referral.entry)) from None
            episodes[referral.entry] = (episode, True)
    return patients, episodes


def response_bundle(
    parsed: Parsed,
    patients: dict[int, tuple[Patient, bool]],
    episodes: dict[int, tuple[Episode, bool]],
) -> dict[str, Any]:
    """A ``transaction-response``: one entry per entry sent, in order, saying what it became."""
    conditions = {
        r.condition_entry: r.entry for r in parsed.referrals if r.condition_entry is not None
    }
    entries = []
    for i, entry in enumerate(parsed.entries):
        kind = (entry.get("resource") or {}).get("resourceType")
        location, created = "", False
        if i in patients:
            patient, created = patients[i]
            location = f"Patient/{fhir_id(patient.pk)}"
        elif i in episodes:
            episode, created = episodes[i]
            location = f"ServiceRequest/{fhir_id(episode.pk)}"
        elif i in conditions and conditions[i] in episodes:
            episode, created = episodes[conditions[i]]
            location = f"Condition/{fhir_id(episode.pk)}"
        response: dict[str, Any] = {"status": "201 Created" if created else "200 OK"}
        if location:
            response["location"] = location
        elif kind:
            response["status"] = "200 OK"
        entries.append({"response": response})
    return {"resourceType": "Bundle", "type": "transaction-response", "entry": entries}
