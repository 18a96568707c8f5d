"""Condition: the episode's condition, with its ICD-10 and SNOMED CT codes and the side."""

from __future__ import annotations

from typing import Any

from spinepath.clinical.coding import codebook
from spinepath.fhir.mappers.common import Json, coding, concept, concept_codings, date, fhir_id, ref


def condition(episode: Any, *, back_pain: bool | None = None) -> Json:
    """``back_pain`` (baseline back-pain NRS above 0) picks between alternative codes (sciatica:
    M54.3 or M54.4); ``None`` takes the codes file's default."""
    item = codebook().conditions[episode.condition]
    resource: Json = {
        "resourceType": "Condition",
        "id": fhir_id(episode.pk),
        "clinicalStatus": concept("condition_active"),
        "verificationStatus": concept("condition_confirmed"),
        "category": [concept("condition_encounter_diagnosis")],
        "code": {
            "coding": concept_codings("condition", item, back_pain=back_pain),
            "text": item.display,
        },
        "subject": ref("Patient", episode.patient_id),
        "recordedDate": date(episode.referral_date),
    }
    side = codebook().laterality.get(episode.laterality)
    if side is not None:
        resource["bodySite"] = [{"coding": [coding(c) for c in side.codings], "text": side.display}]
    return resource
