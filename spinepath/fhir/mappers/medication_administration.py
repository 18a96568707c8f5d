"""MedicationAdministration: the steroid and the local anaesthetic given in a procedure."""

from __future__ import annotations

from typing import Any

from spinepath.fhir.mappers.common import Json, codes, fhir_id, instant, label, local, quantity, ref


def _administration(record: Any, suffix: str, medication: Json, dosage: Json) -> Json:
    episode = record.episode
    route = codes().routes.get(record.procedure)
    if route is not None:
        dosage["route"] = {
            "coding": [{"system": route.system, "code": route.code, "display": route.display}],
            "text": route.display,
        }
    return {
        "resourceType": "MedicationAdministration",
        "id": fhir_id(f"{record.pk}-{suffix}"),
        "status": "entered-in-error" if record.entered_in_error else "completed",
        "medicationCodeableConcept": medication,
        "subject": ref("Patient", episode.patient_id),
        "context": ref("EpisodeOfCare", episode.pk),
        "effectiveDateTime": instant(record.performed_at),
        "performer": [{"actor": ref("Practitioner", record.operator_id)}],
        "partOf": [ref("Procedure", record.pk)],
        "dosage": dosage,
    }


def medication_administrations(record: Any) -> list[Json]:
    """One for the steroid (dose in mg), one for the local anaesthetic (volume, strength)."""
    given: list[Json] = []
    if record.steroid and record.steroid_dose_mg is not None:
        name = label(record.steroid)
        given.append(
            _administration(
                record,
                "steroid",
                {"coding": [local("steroid", record.steroid, name)], "text": name},
                {
                    "text": f"{name} {record.steroid_dose_mg:g} mg",
                    "dose": quantity(record.steroid_dose_mg, "unit_mg"),
                },
            )
        )
    if record.local_anaesthetic:
        name = label(record.local_anaesthetic)
        strength = record.local_anaesthetic_percent
        volume = record.local_anaesthetic_ml
        text = " ".join(
            part
            for part in (
                name,
                f"{strength:g}%" if strength is not None else "",
                f"{volume:g} mL" if volume is not None else "",
            )
            if part
        )
        dosage: Json = {"text": text}
        if volume is not None:
            dosage["dose"] = quantity(volume, "unit_ml")
        given.append(
            _administration(
                record,
                "anaesthetic",
                {
                    "coding": [local("local-anaesthetic", record.local_anaesthetic, name)],
                    "text": text,
                },
                dosage,
            )
        )
    return given
