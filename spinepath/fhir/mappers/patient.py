"""Patient: NHS number (the NHS identifier system), local MRN, name, sex, birth date, contact."""

from __future__ import annotations

from typing import Any

from spinepath.fhir.mappers.common import Json, codes, date, fhir_id, ref

# spinepath's Sex values are FHIR administrative-gender codes already.
_GENDERS = frozenset({"female", "male", "other", "unknown"})


def patient(p: Any) -> Json:
    identifiers: list[Json] = []
    if p.nhs_number:
        identifiers.append({"system": codes().systems["nhs_number"], "value": p.nhs_number})
    if p.mrn:
        identifiers.append(
            {
                "system": codes().identifier(f"mrn/{p.clinic.code}"),
                "value": p.mrn,
                "assigner": ref("Organization", p.clinic_id, p.clinic.name),
            }
        )
    telecom = [
        {"system": kind, "value": value, **({"use": "mobile"} if kind == "phone" else {})}
        for kind, value in (("email", p.email), ("phone", p.phone))
        if value
    ]
    resource: Json = {
        "resourceType": "Patient",
        "id": fhir_id(p.pk),
        "identifier": identifiers,
        "active": True,
        "name": [{"use": "official", "family": p.family_name, "given": [p.given_name]}],
        "gender": p.sex if p.sex in _GENDERS else "unknown",
        # A pseudonymised record keeps the year only (patients/rights.py): a partial FHIR date.
        "birthDate": str(p.date_of_birth.year) if p.erased_at else date(p.date_of_birth),
        "managingOrganization": ref("Organization", p.clinic_id, p.clinic.name),
    }
    if telecom:
        resource["telecom"] = telecom
    language = p.preferred_language
    if language and language != "other":
        resource["communication"] = [
            {
                "language": {
                    "coding": [{"system": codes().systems["language"], "code": language}],
                    "text": p.get_preferred_language_display(),
                },
                "preferred": True,
            }
        ]
    return resource
