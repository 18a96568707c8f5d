"""QuestionnaireResponse: the raw answers of a baseline questionnaire or a follow-up time point."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from spinepath.clinical.instruments import INSTRUMENTS
from spinepath.fhir.mappers.common import Json, fhir_id, instant, ref
from spinepath.fhir.mappers.questionnaire import questionnaire_url


def _answer(value: Any) -> Json | None:
    if isinstance(value, bool):
        return {"valueBoolean": value}
    if isinstance(value, int):
        return {"valueInteger": value}
    if isinstance(value, float):
        return {"valueDecimal": value}
    if isinstance(value, str) and value:
        return {"valueString": value}
    return None


def _items(answers: Mapping[str, Any], instrument: str) -> list[Json]:
    """In the instrument's item order (a JSON column need not keep the keys' order)."""
    known = INSTRUMENTS[instrument].item_ids if instrument in INSTRUMENTS else ()
    order = [i for i in known if i in answers] + sorted(k for k in answers if k not in known)
    items = []
    for link_id in order:
        value = answers[link_id]
        answer = _answer(value)
        items.append({"linkId": str(link_id), **({"answer": [answer]} if answer else {})})
    return items


_STATUS = {"in_progress": "in-progress", "entered_in_error": "entered-in-error"}


def questionnaire_response(response: Any) -> Json:
    """A stored ``questionnaires.QuestionnaireResponse`` (baseline, entered or answered)."""
    author = (
        ref("Practitioner", response.entered_by_id)
        if response.entered_by_id
        else ref("Patient", response.patient_id)
    )
    resource: Json = {
        "resourceType": "QuestionnaireResponse",
        "id": fhir_id(response.pk),
        "questionnaire": f"{questionnaire_url(response.instrument)}|{response.instrument_version}",
        "status": _STATUS.get(response.status, response.status),
        "subject": ref("Patient", response.patient_id),
        "authored": instant(response.completed_at or response.created_at),
        "author": author,
        "source": ref("Patient", response.patient_id) if response.source == "patient" else author,
        "item": _items(response.answers or {}, response.instrument),
    }
    return resource


def follow_up_response_id(time_point: Any, instrument: str) -> str:
    return fhir_id(f"tp-{time_point.pk}-{instrument}")


def follow_up_response(time_point: Any, instrument: str, answers: Iterable[Any]) -> Json:
    """One instrument's answers at a follow-up time point (``followup.FollowUpAnswer`` rows)."""
    answers = list(answers)
    entered = next((a.entered_by_id for a in answers if a.entered_by_id), None)
    author = ref("Practitioner", entered) if entered else ref("Patient", time_point.patient_id)
    answered = max((a.answered_at for a in answers), default=time_point.completed_at)
    resource: Json = {
        "resourceType": "QuestionnaireResponse",
        "id": follow_up_response_id(time_point, instrument),
        "questionnaire": questionnaire_url(instrument),
        "status": "completed",
        "subject": ref("Patient", time_point.patient_id),
        "author": author,
        "item": _items({a.item: a.value for a in answers}, instrument),
    }
    if answered is not None:
        resource["authored"] = instant(answered)
    return resource
