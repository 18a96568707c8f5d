"""Validate FHIR JSON with fhir.resources' R4B models (the nearest it ships to R4 4.0.1).

R4B changed none of the elements spinepath emits for these resources (R5 reworked Consent and
MedicationAdministration; R4B did not), so a resource valid here is valid R4 for what it holds.
"""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B import get_fhir_model_class


def validate(resource: dict[str, Any]) -> Any:
    """The parsed model; raises pydantic's ValidationError naming each bad element."""
    return get_fhir_model_class(resource["resourceType"]).model_validate(resource)
