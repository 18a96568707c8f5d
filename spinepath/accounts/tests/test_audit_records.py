"""Every read and write of a patient record leaves exactly one audit row saying who, what, how."""

import pytest

from spinepath.accounts.models import AuditEvent
from spinepath.testing import audit_events, make_patient

IP = "203.0.113.7"


@pytest.fixture
def alice(client, clinician_a):
    client.force_login(clinician_a)
    return client


def test_reading_a_patient_page_writes_one_record(alice, clinician_a, patient_a):
    r = alice.get(f"/patients/{patient_a.pk}/", REMOTE_ADDR=IP)
    assert r.status_code == 200

    [event] = audit_events()
    assert event.user == clinician_a
    assert event.username == "alice"
    assert event.clinic == patient_a.clinic
    assert event.action == AuditEvent.Action.READ
    assert event.model == "patients.Patient"
    assert event.object_id == str(patient_a.pk)
    assert event.patient_id == str(patient_a.pk)
    assert event.ip_address == IP
    assert event.channel == AuditEvent.Channel.UI


def test_reading_an_episode_page_writes_one_record_naming_the_patient(alice, episode_a):
    alice.get(f"/episodes/{episode_a.pk}/", REMOTE_ADDR=IP)
    [event] = audit_events()
    assert event.action == AuditEvent.Action.READ
    assert event.model == "patients.Episode"
    assert event.object_id == str(episode_a.pk)
    assert event.patient_id == str(episode_a.patient_id)
    assert event.clinic == episode_a.patient.clinic


def test_an_api_read_writes_one_record(api_a, clinician_a, patient_a):
    r = api_a.get(f"/api/v1/patients/{patient_a.pk}", REMOTE_ADDR=IP)
    assert r.status_code == 200

    [event] = audit_events()
    assert event.user == clinician_a
    assert event.action == AuditEvent.Action.READ
    assert event.model == "patients.Patient"
    assert event.object_id == str(patient_a.pk)
    assert event.patient_id == str(patient_a.pk)
    assert event.ip_address == IP
    assert event.channel == AuditEvent.Channel.API


@pytest.mark.parametrize("suffix", ["", "/timeline"])
def test_an_api_episode_read_writes_one_record(api_a, episode_a, suffix):
    assert api_a.get(f"/api/v1/episodes/{episode_a.pk}{suffix}").status_code == 200
    [event] = audit_events()
    assert (event.action, event.model, event.object_id) == (
        "read",
        "patients.Episode",
        str(episode_a.pk),
    )
    assert event.channel == "api"


def test_opening_the_edit_form_is_a_read(alice, patient_a):
    alice.get(f"/patients/{patient_a.pk}/edit/")
    assert [e.action for e in audit_events()] == ["read"]


def test_registering_a_patient_records_the_fields_given(alice, clinician_a, clinic_a):
    r = alice.post(
        "/patients/new/",
        {
            "given_name": "Olwen",
            "family_name": "Pritchard",
            "date_of_birth": "1961-03-09",
            "sex": "female",
            "nhs_number": "943 476 5919",
            "preferred_language": "en",
        },
        REMOTE_ADDR=IP,
    )
    patient = clinic_a.patients.get()
    assert r.status_code == 302
    [event] = audit_events()
    assert event.action == AuditEvent.Action.CREATE
    assert event.object_id == event.patient_id == str(patient.pk)
    assert event.user == clinician_a
    assert event.ip_address == IP
    expected = {"given_name", "family_name", "date_of_birth", "sex", "nhs_number"}
    assert expected <= set(event.changed_fields)


def test_editing_a_patient_records_only_the_fields_that_changed(alice, patient_a):
    form = {
        "given_name": "Mary",
        "family_name": "Jones",
        "date_of_birth": "1970-05-17",
        "sex": "female",
        "nhs_number": "943 476 5919",  # the same number, typed with spaces
        "email": "mary.jones@example.com",
        "phone": "07700 900123",
        "preferred_language": "en",
    }
    r = alice.post(f"/patients/{patient_a.pk}/edit/", form)
    assert r.status_code == 302

    [event] = audit_events()
    assert event.action == AuditEvent.Action.UPDATE
    assert event.changed_fields == ["phone"]
    patient_a.refresh_from_db()
    assert patient_a.nhs_number == "9434765919"


def test_editing_a_referral_records_the_changes_and_says_so_on_the_timeline(alice, episode_a):
    form = {
        "condition": "sciatica",
        "laterality": "left",
        "referral_source": "gp",
        "referral_date": "2026-10-01",
        "referral_reason": "Left leg pain for eight weeks despite physiotherapy.",
        "conservative_care_weeks": "12",
    }
    assert alice.post(f"/episodes/{episode_a.pk}/edit/", form).status_code == 302

    [event] = audit_events()
    assert (event.action, event.model) == ("update", "patients.Episode")
    assert event.changed_fields == ["conservative_care_weeks"]
    assert episode_a.timeline.filter(kind="update").get().summary == (
        "Referral details updated: conservative care weeks"
    )


def test_an_api_create_records_the_fields(api_a, clinic_a):
    body = {"given_name": "A", "family_name": "B", "date_of_birth": "1980-01-01", "sex": "male"}
    r = api_a.post("/api/v1/patients", {**body, "mrn": "M1"})
    assert r.status_code == 201
    [event] = audit_events()
    assert (event.action, event.channel, event.object_id) == ("create", "api", r.json()["id"])
    assert {"given_name", "family_name", "date_of_birth", "sex", "mrn"} <= set(event.changed_fields)


def test_an_api_update_records_only_the_fields_that_changed(api_a, patient_a):
    r = api_a.patch(
        f"/api/v1/patients/{patient_a.pk}", {"phone": "07700 900123", "given_name": "Mary"}
    )
    assert r.status_code == 200
    [event] = audit_events()
    assert (event.action, event.channel) == ("update", "api")
    assert event.changed_fields == ["phone"]


def test_an_api_episode_update_that_changes_nothing_leaves_the_timeline_alone(api_a, episode_a):
    r = api_a.patch(f"/api/v1/episodes/{episode_a.pk}", {"laterality": "left"})
    assert r.status_code == 200
    [event] = audit_events()
    assert event.changed_fields == []
    assert not episode_a.timeline.filter(kind="update").exists()


def test_an_api_referral_records_a_create_event(api_a, patient_a):
    body = {
        "condition": "facet_joint_arthritis",
        "referral_source": "physiotherapy",
        "referral_date": "2026-10-02",
        "referral_reason": "Extension-provoked back pain.",
    }
    r = api_a.post(f"/api/v1/patients/{patient_a.pk}/episodes", body)
    assert r.status_code == 201
    [event] = audit_events()
    assert (event.action, event.model, event.object_id) == (
        "create",
        "patients.Episode",
        r.json()["id"],
    )
    assert event.patient_id == str(patient_a.pk)


def test_a_search_writes_one_list_event_with_the_ids_shown(alice, clinic_a, clinic_b):
    jones = make_patient(clinic_a)
    make_patient(clinic_a, given_name="Olwen", family_name="Pritchard", nhs_number="4010232137")
    make_patient(clinic_b, given_name="Mary", family_name="Jones")

    r = alice.post("/patients/search/", {"q": "jones"}, REMOTE_ADDR=IP)
    assert r.status_code == 200
    [event] = audit_events()
    assert event.action == AuditEvent.Action.LIST
    assert event.model == "patients.Patient"
    assert event.detail == {"shown": [str(jones.pk)], "searched": True}
    assert event.ip_address == IP
    assert event.channel == "ui"
    assert "jones" not in str(event.detail).lower()  # the search term itself is not kept


def test_an_api_list_writes_one_list_event_with_the_ids_shown(api_a, clinic_a):
    first = make_patient(clinic_a, family_name="Adams", nhs_number="4010232137")
    second = make_patient(clinic_a, family_name="Brown")
    assert api_a.get("/api/v1/patients").status_code == 200
    [event] = audit_events()
    assert (event.action, event.channel) == ("list", "api")
    assert event.detail == {"shown": [str(first.pk), str(second.pk)], "searched": False}


def test_the_worklists_write_one_list_event(alice, episode_a):
    alice.get("/")
    [event] = audit_events()
    assert event.action == "list"
    assert event.detail["shown"] == [str(episode_a.patient_id)]


def test_a_refused_read_is_recorded_as_denied_not_as_a_read(alice, clinician_a, patient_b):
    assert alice.get(f"/patients/{patient_b.pk}/").status_code == 404
    [event] = audit_events()
    assert event.action == AuditEvent.Action.DENIED
    assert (event.user, event.clinic) == (clinician_a, clinician_a.clinic)
    assert (event.model, event.object_id) == ("patients.Patient", str(patient_b.pk))
    assert event.patient_id == ""  # not a patient of this clinic
