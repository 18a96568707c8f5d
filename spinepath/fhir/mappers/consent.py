"""Consent: the patient's decision about the planned procedure, and the information version."""

from __future__ import annotations

from typing import Any

from spinepath.clinical.coding import codebook
from spinepath.fhir.mappers.common import Json, concept, concept_codings, fhir_id, instant, ref


def consent(record: Any) -> Json:
    procedure = codebook().procedures[record.procedure]
    episode = record.episode
    resource: Json = {
        "resourceType": "Consent",
        "id": fhir_id(record.pk),
        # spinepath stores FHIR's Consent.status codes and provision types as they are.
        "status": record.status,
        "scope": concept("consent_scope_treatment"),
        "category": [concept("consent_category_patient")],
        "patient": ref("Patient", episode.patient_id),
        "dateTime": instant(record.created_at),
        "performer": [ref("Patient", episode.patient_id)],
        "organization": [ref("Organization", episode.patient.clinic_id)],
        "policyRule": {"text": f"spinepath procedure information {record.information_version}"},
        "provision": {
            "type": record.decision,
            "actor": [
                {
                    "role": {"text": "Clinician taking consent"},
                    "reference": ref("Practitioner", record.clinician_id),
                }
            ],
            "code": [
                {
                    "coding": concept_codings("procedure", procedure),
                    "text": procedure.display,
                }
            ],
        },
    }
    return resource
