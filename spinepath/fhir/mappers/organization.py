"""Organization: a clinic."""

from __future__ import annotations

from typing import Any

from spinepath.fhir.mappers.common import Json, codes, fhir_id


def organization(clinic: Any) -> Json:
    telecom = [
        {"system": kind, "value": value}
        for kind, value in (("phone", clinic.phone), ("email", clinic.email))
        if value
    ]
    resource: Json = {
        "resourceType": "Organization",
        "id": fhir_id(clinic.pk),
        "identifier": [{"system": codes().identifier("clinic"), "value": clinic.code}],
        "active": True,
        "name": clinic.name,
    }
    if telecom:
        resource["telecom"] = telecom
    if clinic.address:
        resource["address"] = [{"text": clinic.address}]
    return resource
