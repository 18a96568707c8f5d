"""Break-glass: a clinician of clinic A sees a patient of clinic B in an emergency, with a reason,
for a few hours, read-only; every look is audited against clinic B and flagged, and clinic B's
administrators are emailed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from spinepath.patients.break_glass import break_glass_grant, open_grant
from spinepath.patients.models import BreakGlassGrant
from spinepath.patients.tasks import notify_break_glass
from spinepath.testing import audit_events

pytestmark = pytest.mark.django_db

REASON = "Attended our clinic with leg weakness after an injection given at clinic B."


def _ask(client, patient, **overrides):
    form = {
        "nhs_number": patient.nhs_number,
        "date_of_birth": patient.date_of_birth.isoformat(),
        "reason": REASON,
        "hours": "4",
    } | overrides
    return client.post("/emergency-access/", form)


def test_a_clinician_opens_another_clinics_record_with_a_reason(
    client, clinician_a, patient_b, admin_b, django_capture_on_commit_callbacks
):
    admin_b.email = "bea@clinic-b.example"
    admin_b.save()
    client.force_login(clinician_a)
    assert client.get(f"/patients/{patient_b.pk}/").status_code == 404  # not by the usual way
    with django_capture_on_commit_callbacks(execute=True):
        response = _ask(client, patient_b)
    grant = BreakGlassGrant.objects.get()
    assert response.status_code == 302 and response.url == f"/emergency-access/{grant.pk}/"
    assert grant.expires_at - grant.granted_at == timedelta(hours=4)

    page = client.get(response.url).content.decode()
    assert "Emergency access: Brian Baker" in page and "A patient of Clinic B" in page
    assert REASON in page

    # Granting and reading are in clinic B's audit log, flagged, with the reason.
    events = audit_events(clinic=patient_b.clinic)
    assert [e.action for e in events] == ["create", "read"]
    assert all(e.detail["break_glass"] and e.reason == REASON for e in events)
    assert events[1].object_id == str(patient_b.pk)

    # Clinic B's administrators are told, without an identifier of the patient.
    (queued,) = DBTaskResult.objects.filter(task_path=notify_break_glass.module_path)
    assert notify_break_glass.call(*queued.args_kwargs["args"]) == 1
    (email,) = mail.outbox
    assert email.to == ["bea@clinic-b.example"]
    assert "Alice" in email.body and REASON in email.body
    for identifier in (patient_b.nhs_number, patient_b.family_name, str(patient_b.pk)):
        assert identifier not in email.body + email.subject


def test_both_nhs_number_and_date_of_birth_must_match_and_a_reason_is_needed(
    client, clinician_a, patient_b
):
    client.force_login(clinician_a)
    wrong_birth = _ask(client, patient_b, date_of_birth="1971-01-01")
    assert "No patient of another clinic has that NHS number" in wrong_birth.content.decode()
    short = _ask(client, patient_b, reason="Needed.")
    assert "at least 20 characters" in short.content.decode()
    assert not BreakGlassGrant.objects.exists()
    assert [e.action for e in audit_events(user=clinician_a)] == ["denied"]


def test_own_clinic_patients_and_other_roles_are_not_for_break_glass(
    client, clinician_a, patient_a, analyst_a, admin_a
):
    with pytest.raises(ValidationError):
        break_glass_grant(
            None,
            user=clinician_a,
            nhs=patient_a.nhs_number,
            born=patient_a.date_of_birth,
            reason=REASON,
            hours=1,
        )
    for user in (analyst_a, admin_a):
        client.force_login(user)
        assert client.get("/emergency-access/").status_code == 403


def test_access_ends_at_its_time_and_belongs_to_one_person(
    client, clinician_a, physio_a, patient_b
):
    at = timezone.now() - timedelta(hours=2)
    grant = break_glass_grant(
        None,
        user=clinician_a,
        nhs=patient_b.nhs_number,
        born=patient_b.date_of_birth,
        reason=REASON,
        hours=1,
        at=at,
    )
    with pytest.raises(ValidationError, match="has ended"):
        open_grant(clinician_a, grant.pk)
    assert open_grant(clinician_a, grant.pk, at=at + timedelta(minutes=59)) == grant
    client.force_login(clinician_a)
    ended = client.get(f"/emergency-access/{grant.pk}/")
    assert ended.status_code == 403 and "has ended" in ended.content.decode()
    client.force_login(physio_a)
    assert client.get(f"/emergency-access/{grant.pk}/").status_code == 404


@pytest.mark.parametrize(("hours", "allowed"), [(1, True), (12, True), (13, False), (0, False)])
def test_it_lasts_1_to_12_hours(clinician_a, patient_b, hours, allowed):
    def grant():
        return break_glass_grant(
            None,
            user=clinician_a,
            nhs=patient_b.nhs_number,
            born=date(1970, 5, 17),
            reason=REASON,
            hours=hours,
        )

    if allowed:
        assert grant().patient == patient_b
    else:
        with pytest.raises(ValidationError):
            grant()


def test_clinic_bs_audit_log_flags_the_emergency_access(client, clinician_a, patient_b, admin_b):
    break_glass_grant(
        None,
        user=clinician_a,
        nhs=patient_b.nhs_number,
        born=patient_b.date_of_birth,
        reason=REASON,
        hours=2,
    )
    client.force_login(admin_b)
    page = client.get("/audit/").content.decode()
    assert "emergency access" in page and REASON in page
