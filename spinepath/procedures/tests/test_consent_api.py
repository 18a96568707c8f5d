from __future__ import annotations

from typing import Any

import pytest

from spinepath.procedures.models import Consent
from spinepath.testing import api_client_for, assess, audit_events, take_consent

pytestmark = pytest.mark.django_db

BODY = {
    "levels": ["L4/L5"],
    "side": "left",
    "decision": "permit",
    "capacity_confirmed": True,
    "patient_questions": "Can I drive home?",
    "signed_name": "Mary Jones",
}


def _fields(response: Any) -> set[str]:
    return {error["field"] for error in response.json()["detail"]}


def test_it_creates_reads_and_withdraws_consent(
    client: Any, episode_a: Any, clinician_a: Any
) -> None:
    assess(episode_a, clinician_a)
    api = api_client_for(client, clinician_a)

    created = api.post(f"/api/v1/episodes/{episode_a.pk}/consents", BODY)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "active" and body["decision"] == "permit"
    assert body["valid_for_procedure"] is True
    assert body["signature_method"] == "typed" and body["signed_on"]
    assert body["levels"] == ["L4/L5"]
    assert body["information"]["version"] == body["information_version"]
    episode_a.refresh_from_db()
    assert episode_a.stage == "consented"
    [event] = audit_events(model="procedures.Consent", action="create")
    assert event.channel == "api"

    listed = api.get(f"/api/v1/episodes/{episode_a.pk}/consents")
    assert [c["id"] for c in listed.json()] == [body["id"]]

    read = api.get(f"/api/v1/consents/{body['id']}")
    assert read.status_code == 200 and read.json()["signed_name"] == "Mary Jones"

    withdrawn = api.post(f"/api/v1/consents/{body['id']}/withdraw", {"reason": "Wants to wait."})
    assert withdrawn.status_code == 200
    assert withdrawn.json()["status"] == "inactive"
    assert withdrawn.json()["valid_for_procedure"] is False
    assert withdrawn.json()["withdrawn_reason"] == "Wants to wait."
    again = api.post(f"/api/v1/consents/{body['id']}/withdraw", {"reason": "Again."})
    assert again.status_code == 409


def test_a_deny_is_inactive(client: Any, episode_a: Any, clinician_a: Any) -> None:
    assess(episode_a, clinician_a)
    api = api_client_for(client, clinician_a)
    body = {**BODY, "decision": "deny", "capacity_confirmed": False, "signed_name": ""}
    response = api.post(f"/api/v1/episodes/{episode_a.pk}/consents", body)
    assert response.status_code == 201
    assert response.json()["status"] == "inactive"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"capacity_confirmed": False}, "capacity_confirmed"),
        ({"signed_name": ""}, "signed_name"),
        ({"levels": ["L4-5"]}, "levels"),
        ({"side": "upwards"}, "side"),
        ({"decision": "maybe"}, "decision"),
        ({"signed_on": "not a date"}, "signed_on"),
        ({"patient_questions": "nul\x00here"}, "patient_questions"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(
    client: Any, episode_a: Any, clinician_a: Any, changes: dict[str, Any], field: str
) -> None:
    assess(episode_a, clinician_a)
    api = api_client_for(client, clinician_a)
    response = api.post(f"/api/v1/episodes/{episode_a.pk}/consents", {**BODY, **changes})
    assert response.status_code == 422, response.content
    assert field in _fields(response)
    assert not Consent.objects.exists()


def test_a_decision_that_is_not_cleared_is_a_409(
    client: Any, episode_a: Any, clinician_a: Any
) -> None:
    assess(episode_a, clinician_a, red_flags=["saddle_anaesthesia"])
    api = api_client_for(client, clinician_a)
    response = api.post(f"/api/v1/episodes/{episode_a.pk}/consents", BODY)
    assert response.status_code == 409
    assert "cannot be overridden" in response.json()["detail"]
    assert not Consent.objects.exists()


def test_a_physiotherapist_gets_403_and_another_clinic_404(
    client: Any, episode_a: Any, clinician_a: Any, physio_a: Any, clinician_b: Any
) -> None:
    consent = take_consent(assess(episode_a, clinician_a), clinician_a)
    physio = api_client_for(client, physio_a)
    assert physio.post(f"/api/v1/episodes/{episode_a.pk}/consents", BODY).status_code == 403
    assert (
        physio.post(f"/api/v1/consents/{consent.pk}/withdraw", {"reason": "x"}).status_code == 403
    )
    other = api_client_for(client, clinician_b)
    assert other.get(f"/api/v1/consents/{consent.pk}").status_code == 404
    assert other.get(f"/api/v1/episodes/{episode_a.pk}/consents").status_code == 404
    assert other.post(f"/api/v1/consents/{consent.pk}/withdraw", {"reason": "x"}).status_code == 404
    consent.refresh_from_db()
    assert consent.status == "active"
