"""Only a clinic's administrators read its audit log, and only their own clinic's events."""

from datetime import datetime
from uuid import uuid4

import pytest
from django.utils import timezone

from spinepath.accounts.models import AuditEvent


def _event(user, clinic, action="read", *, at=None, patient_id="", object_id="1"):
    return AuditEvent.objects.create(
        user=user,
        username=user.username,
        clinic=clinic,
        action=action,
        model="patients.Patient",
        object_id=object_id,
        patient_id=patient_id,
        at=at or timezone.now(),
    )


def _day(year, month, day, hour=12):
    return datetime(year, month, day, hour, tzinfo=timezone.get_current_timezone())


@pytest.fixture
def ada(client, admin_a):
    client.force_login(admin_a)
    return client


def _shown(response):
    return [event.pk for event in response.context["page"]]


def test_an_admin_sees_their_clinics_events(ada, clinician_a, clinic_a):
    event = _event(clinician_a, clinic_a, object_id="visible-object")
    r = ada.get("/audit/")
    assert r.status_code == 200
    assert _shown(r) == [event.pk]
    assert b"alice" in r.content


def test_an_admin_does_not_see_another_clinics_events(ada, clinician_b, clinic_b):
    _event(clinician_b, clinic_b)
    r = ada.get("/audit/")
    assert _shown(r) == []
    assert b"bob" not in r.content


def test_clinic_b_admin_sees_only_clinic_b(client, admin_b, clinician_a, clinic_a, clinic_b):
    _event(clinician_a, clinic_a)
    theirs = _event(admin_b, clinic_b)
    client.force_login(admin_b)
    assert _shown(client.get("/audit/")) == [theirs.pk]


@pytest.mark.parametrize("persona", ["clinician_a", "physio_a", "analyst_a"])
def test_other_roles_cannot_open_the_audit_log(db, client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get("/audit/").status_code == 403


def test_only_admins_get_the_audit_log_link(client, admin_a, clinician_a):
    client.force_login(clinician_a)
    assert b'href="/audit/"' not in client.get("/").content
    client.force_login(admin_a)
    assert b'href="/audit/"' in client.get("/").content


def test_an_admin_without_a_clinic_cannot_open_the_log(client, admin_a, clinician_a):
    # An unattached admin would otherwise see every event that has no clinic.
    AuditEvent.objects.create(username="system", action="read", model="patients.Patient")
    admin_a.clinic = None
    admin_a.save()
    client.force_login(admin_a)
    assert client.get("/audit/").status_code == 403


def test_it_filters_by_action(ada, clinician_a, clinic_a):
    _event(clinician_a, clinic_a, "read")
    update = _event(clinician_a, clinic_a, "update")
    assert _shown(ada.get("/audit/", {"action": "update"})) == [update.pk]


def test_it_filters_by_username_ignoring_case(ada, clinician_a, physio_a, clinic_a):
    _event(clinician_a, clinic_a)
    phil = _event(physio_a, clinic_a)
    assert _shown(ada.get("/audit/", {"username": "PHIL"})) == [phil.pk]


def test_it_filters_by_patient_id(ada, clinician_a, clinic_a):
    wanted = uuid4()
    _event(clinician_a, clinic_a, patient_id=str(uuid4()))
    match = _event(clinician_a, clinic_a, patient_id=str(wanted))
    assert _shown(ada.get("/audit/", {"patient_id": str(wanted)})) == [match.pk]


def test_it_filters_by_dates_inclusively(ada, clinician_a, clinic_a):
    before = _event(clinician_a, clinic_a, at=_day(2026, 10, 1))
    first = _event(clinician_a, clinic_a, at=_day(2026, 10, 2, hour=0))
    last = _event(clinician_a, clinic_a, at=_day(2026, 10, 3, hour=23))
    after = _event(clinician_a, clinic_a, at=_day(2026, 10, 4))

    r = ada.get("/audit/", {"since": "2026-10-02", "until": "2026-10-03"})
    assert _shown(r) == [last.pk, first.pk]
    assert _shown(ada.get("/audit/", {"since": "2026-10-04"})) == [after.pk]
    assert _shown(ada.get("/audit/", {"until": "2026-10-01"})) == [before.pk]


def test_it_combines_filters(ada, clinician_a, physio_a, clinic_a):
    _event(clinician_a, clinic_a, "update")
    _event(physio_a, clinic_a, "read")
    wanted = _event(physio_a, clinic_a, "update")
    assert _shown(ada.get("/audit/", {"action": "update", "username": "phil"})) == [wanted.pk]


def test_an_unusable_filter_shows_nothing_rather_than_everything(ada, clinician_a, clinic_a):
    _event(clinician_a, clinic_a)
    r = ada.get("/audit/", {"username": "alice", "patient_id": "not-a-uuid"})
    assert r.status_code == 200
    assert _shown(r) == []
    assert b"Enter a valid UUID" in r.content


def test_it_pages_fifty_events_at_a_time(ada, clinician_a, clinic_a):
    AuditEvent.objects.bulk_create(
        AuditEvent(username="alice", clinic=clinic_a, action="read", model="patients.Patient")
        for _ in range(51)
    )
    assert len(_shown(ada.get("/audit/"))) == 50
    r = ada.get("/audit/", {"action": "read", "page": "2"})
    assert len(_shown(r)) == 1
    assert b"?action=read&page=1" in r.content  # "Newer" keeps the filter
