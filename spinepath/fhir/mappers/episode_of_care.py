"""EpisodeOfCare: one pathway for one condition, referral to discharge."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from spinepath.fhir.mappers.common import Json, date, fhir_id, ref

# Episode.Stage -> EpisodeOfCare.status: a referral waits; discharged is finished.
_STATUS = {"referred": "waitlist", "discharged": "finished"}


def episode_of_care(episode: Any) -> Json:
    period: Json = {"start": date(episode.referral_date)}
    if episode.discharged_at:
        period["end"] = date(timezone.localdate(episode.discharged_at))
    resource: Json = {
        "resourceType": "EpisodeOfCare",
        "id": fhir_id(episode.pk),
        "status": _STATUS.get(episode.stage, "active"),
        "diagnosis": [{"condition": ref("Condition", episode.pk), "rank": 1}],
        "patient": ref("Patient", episode.patient_id),
        "managingOrganization": ref("Organization", episode.patient.clinic_id),
        "period": period,
        "referralRequest": [ref("ServiceRequest", episode.pk)],
    }
    if episode.responsible_clinician_id:
        resource["careManager"] = ref("Practitioner", episode.responsible_clinician_id)
    return resource
