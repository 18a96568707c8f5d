"""Procedure: the injection given, with its CPT codes, levels, side, performer and complications."""

from __future__ import annotations

from typing import Any

from spinepath.clinical.coding import codebook, cpt_lines
from spinepath.fhir.mappers.common import (
    Json,
    codes,
    coding,
    concept_codings,
    fhir_id,
    instant,
    local,
    ref,
)


def _cpt(record: Any) -> list[Json]:
    lines = cpt_lines(
        codebook().procedures[record.procedure],
        levels=len(record.levels or []),
        imaging=record.imaging,
        side=record.side,
    )
    system = codes().systems["cpt"]
    return [
        {
            "system": system,
            "code": line.code + (f"-{line.modifier}" if line.modifier else ""),
            "display": line.display,
        }
        for line in lines
    ]


def _complication(code: str, *, late: bool) -> Json:
    item = codebook().complications[code]
    return {
        "coding": concept_codings("complication", item),
        "text": item.display + (" (after discharge)" if late else ""),
    }


def procedure(record: Any) -> Json:
    item = codebook().procedures[record.procedure]
    episode = record.episode
    side = codebook().laterality.get(record.side)
    body_sites: list[Json] = [
        {
            "coding": [local("spinal-level", level, level)],
            "text": f"{level} {side.display.lower()}" if side else level,
        }
        for level in record.levels or []
    ]
    if side is not None:
        body_sites.append({"coding": [coding(c) for c in side.codings], "text": side.display})
    resource: Json = {
        "resourceType": "Procedure",
        "id": fhir_id(record.pk),
        "status": "entered-in-error" if record.entered_in_error else "completed",
        "code": {
            "coding": [*concept_codings("procedure", item), *_cpt(record)],
            "text": item.display,
        },
        "subject": ref("Patient", episode.patient_id),
        "performedDateTime": instant(record.performed_at),
        "performer": [
            {
                "actor": ref("Practitioner", record.operator_id),
                "onBehalfOf": ref("Organization", episode.patient.clinic_id),
            }
        ],
        "reasonReference": [ref("Condition", episode.pk)],
    }
    if body_sites:
        resource["bodySite"] = body_sites
    complications = [_complication(c, late=False) for c in record.complications or []]
    complications += [_complication(c, late=True) for c in record.late_complications or []]
    if complications:
        resource["complication"] = complications
    notes = [
        text
        for text in (record.complication_notes, record.late_complication_notes, record.notes)
        if text
    ]
    if notes:
        resource["note"] = [{"text": text} for text in notes]
    return resource
