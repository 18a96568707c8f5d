"""Observation: each score, the instrument as its code (baseline and follow-up)."""

from __future__ import annotations

from typing import Any

from spinepath.clinical.instruments import INSTRUMENTS
from spinepath.fhir.mappers.common import Json, concept, fhir_id, instant, local, quantity, ref
from spinepath.fhir.mappers.questionnaire_response import follow_up_response_id


def _code(instrument: str) -> Json:
    name = INSTRUMENTS[instrument].name if instrument in INSTRUMENTS else instrument
    return {"coding": [local("instrument", instrument, name)], "text": name}


def _observation(
    *, id: str, instrument: str, patient_id: Any, at: Any, value: float, derived_from: Json
) -> Json:
    return {
        "resourceType": "Observation",
        "id": fhir_id(id),
        "status": "final",
        "category": [concept("observation_survey")],
        "code": _code(instrument),
        "subject": ref("Patient", patient_id),
        "effectiveDateTime": instant(at),
        "valueQuantity": quantity(value, "unit_score"),
        "derivedFrom": [derived_from],
    }


def score_observation(response: Any) -> Json | None:
    """A baseline questionnaire's score, or ``None`` when it was not scored."""
    if response.score is None:
        return None
    resource = _observation(
        id=f"qr-{response.pk}",
        instrument=response.instrument,
        patient_id=response.patient_id,
        at=response.completed_at or response.created_at,
        value=response.score,
        derived_from=ref("QuestionnaireResponse", response.pk),
    )
    if response.status == "entered_in_error":
        resource["status"] = "entered-in-error"
    if response.band:
        resource["interpretation"] = [
            {
                "coding": [
                    local(
                        f"band/{fhir_id(response.instrument)}", response.band, response.band_label
                    )
                ],
                "text": response.band_label,
            }
        ]
    return resource


def follow_up_observations(time_point: Any) -> list[Json]:
    """One per score of a completed follow-up time point (``TimePoint.scores``)."""
    if time_point.completed_at is None:
        return []
    found = []
    scores = time_point.scores or {}
    asked = [code for code in time_point.instruments or [] if code in scores]
    for instrument in asked + sorted(code for code in scores if code not in asked):
        value = scores[instrument]
        if value is None or isinstance(value, bool) or not isinstance(value, int | float):
            continue
        resource = _observation(
            id=f"tp-{time_point.pk}-{instrument}",
            instrument=instrument,
            patient_id=time_point.patient_id,
            at=time_point.completed_at,
            value=value,
            derived_from=ref(
                "QuestionnaireResponse", follow_up_response_id(time_point, instrument)
            ),
        )
        resource["note"] = [{"text": f"Follow-up at {time_point.get_label_display()}"}]
        found.append(resource)
    return found
