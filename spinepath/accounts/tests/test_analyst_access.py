"""Analysts see the service's shape in counts, never an identifiable patient."""

import pytest
from django.test import override_settings

from spinepath.testing import api_client_for, make_episode, make_patient


@pytest.fixture
def ann(client, analyst_a):
    client.force_login(analyst_a)
    return client


@pytest.fixture
def ann_api(client, analyst_a):
    return api_client_for(client, analyst_a)


def test_an_analyst_cannot_open_a_patient_page(ann, episode_a):
    r = ann.get(f"/patients/{episode_a.patient_id}/")
    assert r.status_code == 403
    assert b"Mary" not in r.content


def test_an_analyst_cannot_open_an_episode_page(ann, episode_a):
    assert ann.get(f"/episodes/{episode_a.pk}/").status_code == 403


def test_an_analyst_cannot_search_for_or_register_patients(ann, patient_a):
    assert ann.get("/patients/search/").status_code == 403
    assert ann.post("/patients/search/", {"q": "Jones"}).status_code == 403
    assert ann.get("/patients/new/").status_code == 403


def test_an_analyst_cannot_read_the_audit_log(ann):
    assert ann.get("/audit/").status_code == 403


def test_the_analyst_dashboard_shows_counts_but_no_patient(ann, clinic_a, clinic_b):
    make_episode(make_patient(clinic_a), condition="sciatica")
    make_episode(
        make_patient(
            clinic_a, given_name="Olwen", family_name="Pritchard", nhs_number="4010232137"
        ),
        condition="spinal_stenosis",
    )
    make_episode(make_patient(clinic_b, given_name="Brian", family_name="Baker"))

    r = ann.get("/")
    assert r.status_code == 200
    assert r.templates[0].name == "patients/analyst_dashboard.html"
    body = r.content.decode()
    assert "2 episodes in this clinic" in body  # clinic B's episode is not counted
    assert dict(r.context["stages"])["Referred"] == 2
    assert dict(r.context["conditions"])["Lumbar spinal stenosis"] == 1
    for identifier in ("Mary", "Jones", "Olwen", "Pritchard", "Brian", "943 476 5919", "1970"):
        assert identifier not in body
    assert "Find a patient" not in body


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/api/v1/patients"),
        ("post", "/api/v1/patients"),
        ("get", "/api/v1/patients/{patient}"),
        ("patch", "/api/v1/patients/{patient}"),
        ("get", "/api/v1/patients/{patient}/episodes"),
        ("post", "/api/v1/patients/{patient}/episodes"),
        ("get", "/api/v1/episodes/{episode}"),
        ("patch", "/api/v1/episodes/{episode}"),
        ("get", "/api/v1/episodes/{episode}/timeline"),
    ],
)
def test_an_analyst_cannot_use_the_patient_api(ann_api, episode_a, method, path):
    url = path.format(patient=episode_a.patient_id, episode=episode_a.pk)
    if method == "get":
        r = ann_api.get(url)
    else:
        body = {
            "given_name": "Changed",
            "family_name": "X",
            "date_of_birth": "1980-01-01",
            "sex": "male",
            "mrn": "M1",
            "condition": "sciatica",
            "referral_source": "gp",
            "referral_date": "2026-10-01",
            "referral_reason": "x",
        }
        r = getattr(ann_api, method)(url, body)
    assert r.status_code == 403
    assert r.json() == {"detail": "Your role does not give access to identifiable patient records."}
    episode_a.patient.refresh_from_db()
    assert episode_a.patient.given_name == "Mary"
    assert episode_a.patient.episodes.count() == 1


def test_an_analyst_gets_a_json_403_even_with_debug_on(ann_api, patient_a):
    # With DEBUG on, django-ninja turns an unhandled PermissionDenied into a 500 traceback.
    with override_settings(DEBUG=True):
        r = ann_api.get(f"/api/v1/patients/{patient_a.pk}")
    assert r.status_code == 403
    assert r["Content-Type"].startswith("application/json")
