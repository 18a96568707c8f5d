"""Issue 7 item 13: one page load writes each read once; refusals are on the log; admins see
whose record it was and can follow one patient's trail."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from spinepath.accounts import audit
from spinepath.accounts.models import AuditEvent
from spinepath.testing import (
    api_client_for,
    audit_events,
    make_decision,
    make_episode,
    make_patient,
)


@pytest.fixture
def alice(client, clinician_a):
    client.force_login(clinician_a)
    return client


def _request(user):
    request = RequestFactory().get("/somewhere/")
    request.user = user
    return request


def test_the_same_read_twice_in_one_request_is_written_once(clinician_a, patient_a):
    request = _request(clinician_a)
    first = audit.record(request, AuditEvent.Action.READ, patient_a)
    again = audit.record(request, AuditEvent.Action.READ, patient_a)
    assert first.pk == again.pk
    assert len(audit_events(action="read")) == 1


def test_a_new_request_reads_again_and_writes_are_always_written(clinician_a, patient_a):
    audit.record(_request(clinician_a), AuditEvent.Action.READ, patient_a)
    audit.record(_request(clinician_a), AuditEvent.Action.READ, patient_a)
    request = _request(clinician_a)
    audit.record(request, AuditEvent.Action.UPDATE, patient_a, changed_fields=["phone"])
    audit.record(request, AuditEvent.Action.UPDATE, patient_a, changed_fields=["email"])
    assert [e.action for e in audit_events()] == ["read", "read", "update", "update"]


def test_the_same_list_twice_in_one_request_is_written_once(clinician_a, patient_a):
    from spinepath.patients.models import Patient

    request = _request(clinician_a)
    audit.record_list(request, Patient, [patient_a.pk])
    audit.record_list(request, Patient, [patient_a.pk])
    assert len(audit_events(action="list")) == 1


def test_the_dashboard_writes_exactly_one_list_event(alice, clinic_a, clinician_a, episode_a):
    # The same patient appears twice: under "Needs urgent action" and in the Assessed list.
    make_decision(episode_a, clinician_a, red_flags=["saddle_anaesthesia"])
    other = make_episode(make_patient(clinic_a, given_name="Ivy", nhs_number="", mrn="M-9"))
    before = len(audit_events())
    html = alice.get("/").content.decode()
    assert html.count("Mary Jones") >= 2
    new = audit_events()[before:]
    assert [e.action for e in new] == ["list"]
    assert sorted(new[0].detail["shown"]) == sorted(
        [str(episode_a.patient_id), str(other.patient_id)]
    )


def test_the_episode_page_writes_one_read(alice, clinician_a, episode_a):
    make_decision(episode_a, clinician_a, red_flags=["saddle_anaesthesia"])
    before = len(audit_events())
    assert alice.get(f"/episodes/{episode_a.pk}/").status_code == 200
    new = audit_events()[before:]
    assert [(e.action, e.model) for e in new] == [("read", "patients.Episode")]


def test_another_clinics_patient_is_a_404_and_a_denied_row(alice, clinician_a, patient_b):
    assert alice.get(f"/patients/{patient_b.pk}/").status_code == 404
    [event] = audit_events()
    assert event.action == "denied"
    assert (event.username, event.clinic_id) == ("alice", clinician_a.clinic_id)
    assert event.object_id == str(patient_b.pk)
    assert "No such patient" in event.reason


def test_another_clinics_episode_over_the_api_is_denied_too(client, clinician_a, episode_b):
    api = api_client_for(client, clinician_a)
    assert api.get(f"/api/v1/episodes/{episode_b.pk}").status_code == 404
    [event] = audit_events()
    assert (event.action, event.channel, event.model) == ("denied", "api", "patients.Episode")


def test_an_analyst_refused_a_patient_page_is_recorded(client, analyst_a, patient_a):
    client.force_login(analyst_a)
    assert client.get(f"/patients/{patient_a.pk}/").status_code == 403
    [event] = audit_events()
    assert event.action == "denied"
    assert event.username == "ann" and event.clinic_id == analyst_a.clinic_id
    assert (event.model, event.patient_id) == ("patients.Patient", str(patient_a.pk))
    assert "identifiable" in event.reason


def test_an_analyst_refused_by_the_api_is_recorded(client, analyst_a, patient_a):
    api = api_client_for(client, analyst_a)
    assert api.get("/api/v1/patients").status_code == 403
    [event] = audit_events()
    assert (event.action, event.channel) == ("denied", "api")


def test_a_physiotherapist_refused_the_assessment_page_is_recorded(client, physio_a, episode_a):
    client.force_login(physio_a)
    assert client.get(f"/episodes/{episode_a.pk}/assess/").status_code == 403
    [event] = audit_events(action="denied")
    assert event.model == "patients.Episode"
    assert event.patient_id == str(episode_a.patient_id)


def test_a_role_refused_in_the_api_with_an_http_error_is_recorded(client, physio_a, episode_a):
    api = api_client_for(client, physio_a)
    r = api.post(f"/api/v1/episodes/{episode_a.pk}/consents", {"decision": "permit"})
    assert r.status_code == 403
    [event] = audit_events(action="denied")
    assert (event.channel, event.model) == ("api", "patients.Episode")
    assert event.patient_id == str(episode_a.patient_id)


def test_the_admin_sees_the_patients_name_and_follows_one_trail(
    client, admin_a, clinician_a, clinic_a, patient_a
):
    other = make_patient(
        clinic_a, given_name="Olwen", family_name="Pritchard", nhs_number="", mrn="P-1"
    )
    AuditEvent.objects.create(
        user=clinician_a,
        username="alice",
        clinic=clinic_a,
        action="read",
        model="patients.Patient",
        object_id=str(patient_a.pk),
        patient_id=str(patient_a.pk),
    )
    AuditEvent.objects.create(
        user=clinician_a,
        username="alice",
        clinic=clinic_a,
        action="read",
        model="patients.Patient",
        object_id=str(other.pk),
        patient_id=str(other.pk),
    )
    client.force_login(admin_a)
    html = client.get("/audit/").content.decode()
    assert "JONES, Mary" in html and "PRITCHARD, Olwen" in html

    # Finding the patient is a POST: the name never sits in the address.
    found = client.post("/audit/", {"q": "Pritchard"}).content.decode()
    link = f"/audit/?patient_id={other.pk}"
    assert link in found
    r = client.get(link)
    shown = [e.patient_id for e in r.context["rows"]]
    assert shown == [str(other.pk)]
    assert "Showing the trail of <strong>PRITCHARD, Olwen</strong>" in r.content.decode()


def test_the_admin_filters_refusals(client, admin_a, clinician_a, patient_b):
    client.force_login(clinician_a)
    client.get(f"/patients/{patient_b.pk}/")
    client.force_login(admin_a)
    r = client.get("/audit/", {"action": "denied"})
    rows = list(r.context["rows"])
    assert [(e.action, e.username) for e in rows] == [("denied", "alice")]
    assert "Access denied" in r.content.decode()


def test_another_clinics_patient_never_gets_a_name_on_the_log(client, admin_a, clinic_a, patient_b):
    AuditEvent.objects.create(
        username="x",
        clinic=clinic_a,
        action="read",
        model="patients.Patient",
        patient_id=str(patient_b.pk),
    )
    client.force_login(admin_a)
    assert "Baker" not in client.get("/audit/").content.decode().replace("BAKER", "Baker")
