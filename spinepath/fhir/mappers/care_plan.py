"""CarePlan: a rehabilitation programme and its exercises."""

from __future__ import annotations

from typing import Any

from spinepath.fhir.mappers.common import Json, date, fhir_id, instant, local, ref


def care_plan(programme: Any, items: list[Any] | None = None) -> Json:
    episode = programme.episode
    items = list(programme.items.all()) if items is None else items
    resource: Json = {
        "resourceType": "CarePlan",
        "id": fhir_id(programme.pk),
        "status": "active" if episode.is_open else "completed",
        "intent": "plan",
        "title": "Rehabilitation programme",
        "subject": ref("Patient", episode.patient_id),
        "period": {"start": date(programme.injection_date)},
        "created": instant(programme.created_at),
        "addresses": [ref("Condition", episode.pk)],
        "activity": [
            {
                "detail": {
                    "code": {
                        "coding": [local("exercise", item.exercise_code, item.exercise.name)],
                        "text": item.exercise.name,
                    },
                    "status": "in-progress" if episode.is_open else "completed",
                    "description": f"Phase {item.phase}: {item.dosage_shown}",
                }
            }
            for item in items
        ],
    }
    if programme.created_by_id:
        resource["author"] = ref("Practitioner", programme.created_by_id)
    if programme.notes:
        resource["description"] = programme.notes
    return resource
