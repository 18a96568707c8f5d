"""ServiceRequest: the referral that opened an episode."""

from __future__ import annotations

from typing import Any

from spinepath.fhir.mappers.common import Json, date, fhir_id, local, ref

REFERRAL_SOURCE_SYSTEM = "referral-source"


def service_request(episode: Any) -> Json:
    source = episode.get_referral_source_display()
    requester: Json = {"display": episode.referrer_name or source}
    resource: Json = {
        "resourceType": "ServiceRequest",
        "id": fhir_id(episode.pk),
        "status": "active" if episode.is_open else "completed",
        "intent": "order",
        "category": [{"coding": [local(REFERRAL_SOURCE_SYSTEM, episode.referral_source, source)]}],
        "subject": ref("Patient", episode.patient_id),
        "authoredOn": date(episode.referral_date),
        "requester": requester,
        "performer": [ref("Organization", episode.patient.clinic_id)],
        "reasonReference": [ref("Condition", episode.pk)],
        "note": [{"text": episode.referral_reason}],
    }
    return resource
