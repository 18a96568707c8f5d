"""A clinician of clinic A cannot reach clinic B's records through any door: every one is a 404."""

import pytest

from spinepath.accounts.models import AuditEvent
from spinepath.patients.models import Episode, TimelineEvent
from spinepath.testing import audit_events, make_episode

EPISODE_FORM = {
    "condition": "sciatica",
    "laterality": "left",
    "referral_source": "gp",
    "referral_date": "2026-10-01",
    "referral_reason": "Changed by the wrong clinic",
}
PATIENT_FORM = {
    "given_name": "Changed",
    "family_name": "Bywrongclinic",
    "date_of_birth": "1970-01-01",
    "sex": "male",
    "nhs_number": "4010232137",
    "preferred_language": "en",
}


@pytest.fixture
def alice(client, clinician_a):
    client.force_login(clinician_a)
    return client


def test_it_hides_another_clinics_patient_page(alice, patient_b):
    r = alice.get(f"/patients/{patient_b.pk}/")
    assert r.status_code == 404
    assert b"Brian" not in r.content
    assert audit_events(patient_id=str(patient_b.pk)) == []
    [denied] = audit_events(action="denied")
    assert denied.object_id == str(patient_b.pk)
    assert denied.clinic == denied.user.clinic != patient_b.clinic


def test_it_hides_another_clinics_patient_edit_page(alice, patient_b):
    assert alice.get(f"/patients/{patient_b.pk}/edit/").status_code == 404


def test_it_refuses_to_save_another_clinics_patient(alice, patient_b):
    r = alice.post(f"/patients/{patient_b.pk}/edit/", PATIENT_FORM)
    assert r.status_code == 404
    patient_b.refresh_from_db()
    assert patient_b.given_name == "Brian"


def test_it_refuses_a_referral_for_another_clinics_patient(alice, patient_b):
    assert alice.get(f"/patients/{patient_b.pk}/episodes/new/").status_code == 404
    assert alice.post(f"/patients/{patient_b.pk}/episodes/new/", EPISODE_FORM).status_code == 404
    assert not Episode.objects.filter(patient=patient_b).exists()


def test_it_hides_another_clinics_episode_page(alice, episode_b):
    r = alice.get(f"/episodes/{episode_b.pk}/")
    assert r.status_code == 404
    assert b"Brian" not in r.content


def test_it_refuses_to_edit_another_clinics_episode(alice, episode_b):
    assert alice.get(f"/episodes/{episode_b.pk}/edit/").status_code == 404
    assert alice.post(f"/episodes/{episode_b.pk}/edit/", EPISODE_FORM).status_code == 404
    episode_b.refresh_from_db()
    assert episode_b.condition == "spinal_stenosis"


def test_it_treats_a_malformed_id_as_not_found(alice):
    assert alice.get("/patients/not-a-uuid/").status_code == 404


def test_it_leaves_another_clinics_patients_out_of_the_worklists(alice, episode_a, episode_b):
    r = alice.get("/")
    assert r.status_code == 200
    assert b"Mary Jones" in r.content
    assert b"Brian" not in r.content


def test_the_api_hides_another_clinics_patient(api_a, patient_b):
    r = api_a.get(f"/api/v1/patients/{patient_b.pk}")
    assert r.status_code == 404
    assert "Brian" not in r.content.decode()
    assert audit_events(action=AuditEvent.Action.READ) == []


def test_the_api_refuses_to_update_another_clinics_patient(api_a, patient_b):
    r = api_a.patch(f"/api/v1/patients/{patient_b.pk}", {"given_name": "Changed"})
    assert r.status_code == 404
    patient_b.refresh_from_db()
    assert patient_b.given_name == "Brian"


def test_the_api_hides_another_clinics_episode_list(api_a, episode_b):
    assert api_a.get(f"/api/v1/patients/{episode_b.patient_id}/episodes").status_code == 404


def test_the_api_refuses_a_referral_for_another_clinics_patient(api_a, patient_b):
    body = {**EPISODE_FORM, "referral_reason": "Wrong clinic"}
    r = api_a.post(f"/api/v1/patients/{patient_b.pk}/episodes", body)
    assert r.status_code == 404
    assert not Episode.objects.filter(patient=patient_b).exists()


def test_the_api_hides_another_clinics_episode(api_a, episode_b):
    assert api_a.get(f"/api/v1/episodes/{episode_b.pk}").status_code == 404


def test_the_api_refuses_to_update_another_clinics_episode(api_a, episode_b):
    r = api_a.patch(f"/api/v1/episodes/{episode_b.pk}", {"referral_reason": "Changed"})
    assert r.status_code == 404
    episode_b.refresh_from_db()
    assert episode_b.referral_reason != "Changed"
    assert not TimelineEvent.objects.filter(episode=episode_b, kind="update").exists()


def test_the_api_hides_another_clinics_episode_timeline(api_a, episode_b):
    assert api_a.get(f"/api/v1/episodes/{episode_b.pk}/timeline").status_code == 404


def test_the_api_list_leaves_out_another_clinics_patients(api_a, patient_a, patient_b):
    r = api_a.get("/api/v1/patients")
    assert r.status_code == 200
    assert [p["id"] for p in r.json()["items"]] == [str(patient_a.pk)]


@pytest.mark.parametrize("persona", ["physio_a", "admin_a"])
def test_physiotherapists_and_admins_see_their_clinics_patients(
    client, request, persona, episode_a
):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(f"/patients/{episode_a.patient_id}/").status_code == 200
    assert client.get(f"/episodes/{episode_a.pk}/").status_code == 200


@pytest.mark.parametrize("persona", ["physio_a", "admin_a"])
def test_physiotherapists_and_admins_do_not_see_another_clinics_patients(
    client, request, persona, patient_b
):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(f"/patients/{patient_b.pk}/").status_code == 404


def test_a_clinician_of_clinic_b_sees_their_own_patient(client, clinician_b, patient_b):
    make_episode(patient_b)
    client.force_login(clinician_b)
    r = client.get(f"/patients/{patient_b.pk}/")
    assert r.status_code == 200
    assert b"BAKER, Brian" in r.content
