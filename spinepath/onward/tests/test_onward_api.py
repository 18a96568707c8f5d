"""The onward actions over the API: same workflow, 201 / 409 / 422 / 404 / 403."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from spinepath.onward.models import OnwardAction
from spinepath.testing import api_client_for, audit_events, make_decision


@pytest.fixture
def cauda_equina(episode_a, clinician_a):
    return make_decision(episode_a, clinician_a, red_flags=["bowel_dysfunction"])


def _referral(**more):
    made = timezone.now() - timedelta(minutes=30)
    return {"to_whom": "On-call spinal surgeon", "method": "phone", "made_at": made, **more}


def test_the_alert_names_the_urgency_until_the_referral_is_recorded(api_a, cauda_equina):
    episode = cauda_equina.assessment.episode
    r = api_a.get(f"/api/v1/episodes/{episode.pk}/urgent-action")
    assert r.status_code == 200
    body = r.json()
    assert (body["outcome"], body["urgency"], body["action"]) == (
        "urgent_referral",
        "emergency",
        None,
    )
    r = api_a.post(f"/api/v1/decisions/{cauda_equina.pk}/urgent-referral", _referral())
    assert r.status_code == 201
    assert r.json()["to_whom"] == "On-call spinal surgeon"
    assert r.json()["result"] == "pending"
    body = api_a.get(f"/api/v1/episodes/{episode.pk}/urgent-action").json()
    assert body["action"]["method"] == "phone"
    assert OnwardAction.objects.get().recorded_by.username == "alice"
    assert [e.channel for e in audit_events(action="create", model="onward.OnwardAction")] == [
        "api"
    ]


def test_an_episode_without_a_stopping_decision_has_no_alert(api_a, episode_a, clinician_a):
    make_decision(episode_a, clinician_a)
    assert api_a.get(f"/api/v1/episodes/{episode_a.pk}/urgent-action").status_code == 204


def test_bad_fields_are_a_422_naming_them(api_a, cauda_equina):
    future = timezone.now() + timedelta(hours=2)
    r = api_a.post(
        f"/api/v1/decisions/{cauda_equina.pk}/urgent-referral",
        _referral(made_at=future, method="carrier pigeon"),
    )
    assert r.status_code == 422
    r = api_a.post(
        f"/api/v1/decisions/{cauda_equina.pk}/urgent-referral", _referral(made_at=future)
    )
    assert r.status_code == 422
    assert [d["field"] for d in r.json()["detail"]] == ["made_at"]
    assert not OnwardAction.objects.exists()


def test_twice_or_on_the_wrong_decision_is_a_409(api_a, cauda_equina):
    url = f"/api/v1/decisions/{cauda_equina.pk}/urgent-referral"
    assert api_a.post(url, _referral()).status_code == 201
    assert api_a.post(url, _referral()).status_code == 409
    plan = f"/api/v1/decisions/{cauda_equina.pk}/not-suitable-plan"
    assert api_a.post(plan, {"plan": "Refer to the paediatric team"}).status_code == 409


def test_the_result_is_recorded_over_the_api(api_a, cauda_equina):
    action = api_a.post(f"/api/v1/decisions/{cauda_equina.pk}/urgent-referral", _referral()).json()
    r = api_a.post(
        f"/api/v1/onward-actions/{action['id']}/result",
        {"result": "excluded", "result_on": timezone.localdate().isoformat()},
    )
    assert r.status_code == 200
    assert r.json()["result"] == "excluded"


def test_another_clinic_gets_a_404_and_a_physiotherapist_a_403(
    client, clinician_b, physio_a, cauda_equina
):
    url = f"/api/v1/decisions/{cauda_equina.pk}/urgent-referral"
    assert api_client_for(client, clinician_b).post(url, _referral()).status_code == 404
    assert api_client_for(client, physio_a).post(url, _referral()).status_code == 403
    assert not OnwardAction.objects.exists()
    assert {e.username for e in audit_events(action="denied")} == {"bob", "phil"}


def test_a_time_without_a_zone_is_the_clinics_and_extreme_times_are_a_422(api_a, cauda_equina):
    url = f"/api/v1/decisions/{cauda_equina.pk}/urgent-referral"
    for made_at in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"):
        assert api_a.post(url, _referral(made_at=made_at)).status_code == 422
    naive = timezone.localtime().replace(tzinfo=None, microsecond=0) - timedelta(minutes=5)
    r = api_a.post(url, _referral(made_at=naive.isoformat()))
    assert r.status_code == 201
    assert OnwardAction.objects.get().made_at == timezone.make_aware(naive)
