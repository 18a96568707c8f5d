"""Questionnaire: one per instrument. Licensed wording only when the clinic has loaded it."""

from __future__ import annotations

from spinepath.clinical.instruments.definitions import Instrument
from spinepath.fhir.mappers.common import Json, canonical, fhir_id, local


def questionnaire_url(instrument_code: str) -> str:
    return canonical(f"Questionnaire/{fhir_id(instrument_code)}")


def questionnaire(instrument: Instrument) -> Json:
    """``instrument`` as in force (``questionnaires.wording.current_instruments``): an item whose
    wording is a placeholder (licence not loaded) is sent with its structure and no text."""
    items: list[Json] = []
    for item in instrument.items:
        entry: Json = {
            "linkId": item.id,
            "type": "choice",
            "required": True,
            "code": [local(f"instrument-item/{fhir_id(instrument.code)}", item.id, item.name)],
        }
        if not item.placeholder:
            entry["text"] = item.text
        entry["answerOption"] = [
            {
                "valueCoding": {
                    "code": str(option.value),
                    **({} if item.placeholder else {"display": option.text}),
                }
            }
            for option in item.options
        ]
        items.append(entry)
    return {
        "resourceType": "Questionnaire",
        "id": fhir_id(instrument.code),
        "url": questionnaire_url(instrument.code),
        "version": instrument.version,
        "title": instrument.name,
        "status": "active",
        "subjectType": ["Patient"],
        "code": [local("instrument", instrument.code, instrument.name)],
        "copyright": instrument.licence_note,
        "item": items,
    }
