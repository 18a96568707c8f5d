"""Practitioner and PractitionerRole: a member of staff and their role in their clinic."""

from __future__ import annotations

from typing import Any

from spinepath.fhir.mappers.common import Json, codes, fhir_id, local, ref


def practitioner(user: Any) -> Json:
    name: Json = {"text": user.display_name}
    if user.last_name:
        name["family"] = user.last_name
    if user.first_name:
        name["given"] = [user.first_name]
    resource: Json = {
        "resourceType": "Practitioner",
        "id": fhir_id(user.pk),
        "active": bool(user.is_active),
        "name": [name],
    }
    if user.professional_registration:
        resource["identifier"] = [
            {
                "system": codes().identifier("professional-registration"),
                "value": user.professional_registration,
            }
        ]
    return resource


def practitioner_role(user: Any) -> Json:
    resource: Json = {
        "resourceType": "PractitionerRole",
        "id": fhir_id(user.pk),
        "active": bool(user.is_active),
        "practitioner": ref("Practitioner", user.pk, user.display_name),
        "code": [{"coding": [local("role", user.role, user.get_role_display())]}],
    }
    if user.clinic_id is not None:
        resource["organization"] = ref("Organization", user.clinic_id)
    return resource
