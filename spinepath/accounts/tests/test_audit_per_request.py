"""Issue 10: a request's audited looks are written in one INSERT, before its response leaves,
and never dropped: a failed write fails the request; writes stay with their own transaction."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import connection, transaction
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from spinepath.accounts import audit
from spinepath.accounts.middleware import AuditFlushMiddleware
from spinepath.accounts.models import AuditEvent
from spinepath.lib.batched import defer, deferred_inserts
from spinepath.testing import api_client_for, audit_events, make_decision, make_patient


def _audit_inserts(queries: CaptureQueriesContext) -> list[str]:
    """The statements that wrote audit events (PostgreSQL: the chain's one-call append, which
    locks, reads the head and inserts; SQLite: the INSERT after reading the head)."""
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith(
            ('INSERT INTO "accounts_', "SELECT * FROM accounts_auditevent_append(")
        )
    ]


def _chain_statements(queries: CaptureQueriesContext) -> list[str]:
    """Every statement the audit write took, the chain's lock and head included."""
    return [q["sql"] for q in queries.captured_queries if "accounts_auditevent" in q["sql"]]


def _request(user):
    request = RequestFactory().get("/patients/")
    request.user = user
    return request


def test_three_reads_in_one_request_are_one_insert_written_before_the_response(
    clinician_a, clinic_a
):
    patients = [make_patient(clinic_a, mrn=f"M{n}", nhs_number="") for n in range(3)]
    request = _request(clinician_a)
    seen_inside: list[int] = []

    def view(request):
        for patient in patients:
            audit.record(request, AuditEvent.Action.READ, patient)
        seen_inside.append(AuditEvent.objects.count())  # nothing written yet
        return HttpResponse("page")

    with CaptureQueriesContext(connection) as queries:
        response = AuditFlushMiddleware(view)(request)
    assert response.status_code == 200
    assert seen_inside == [0]
    assert len(_audit_inserts(queries)) == 1
    assert sorted(e.object_id for e in audit_events(action="read")) == sorted(
        str(p.pk) for p in patients
    )


def test_the_api_read_and_the_staff_page_write_one_audit_insert(
    client, clinician_a, patient_a, episode_a
):
    make_decision(episode_a, clinician_a)
    api = api_client_for(Client(), clinician_a)
    with CaptureQueriesContext(connection) as queries:
        assert api.get(f"/api/v1/patients/{patient_a.pk}").status_code == 200
    assert len(_audit_inserts(queries)) == 1
    # PostgreSQL: lock, head, hashes and insert are one statement; SQLite reads the head first.
    assert len(_chain_statements(queries)) == (1 if connection.vendor == "postgresql" else 2)
    client.force_login(clinician_a)
    before = AuditEvent.objects.count()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/episodes/{episode_a.pk}/").status_code == 200
    assert len(_audit_inserts(queries)) == 1
    assert AuditEvent.objects.count() > before


def test_a_refusal_answered_404_is_still_on_the_log(clinician_a, patient_b):
    api = api_client_for(Client(), clinician_a)
    assert api.get(f"/api/v1/patients/{patient_b.pk}").status_code == 404
    [denied] = audit_events(action="denied")
    assert denied.object_id == str(patient_b.pk)


def test_a_failed_audit_write_fails_the_request_and_shows_nothing(clinician_a, patient_a):
    api = api_client_for(Client(raise_request_exception=False), clinician_a)
    disk_full = RuntimeError("disk full")
    with (
        mock.patch.object(AuditEvent, "save", side_effect=disk_full),
        mock.patch.object(AuditEvent._default_manager, "bulk_create", side_effect=disk_full),
    ):
        response = api.get(f"/api/v1/patients/{patient_a.pk}")
    assert response.status_code == 500
    assert patient_a.family_name.encode() not in response.content
    assert audit_events(action="read") == []


def test_looks_are_written_even_when_the_block_ends_with_an_error(clinician_a, patient_a):
    with pytest.raises(ValueError), deferred_inserts():
        audit.record(_request(clinician_a), AuditEvent.Action.READ, patient_a)
        raise ValueError("the view broke after reading")
    assert len(audit_events(action="read")) == 1


def test_a_write_is_logged_in_its_own_transaction_not_deferred(clinician_a, patient_a):
    request = _request(clinician_a)
    with deferred_inserts():
        with transaction.atomic():
            audit.record(request, AuditEvent.Action.UPDATE, patient_a, changed_fields=["phone"])
            assert len(audit_events(action="update")) == 1  # written inside the transaction
        try:
            with transaction.atomic():
                audit.record(request, AuditEvent.Action.UPDATE, patient_a, changed_fields=["x"])
                raise RuntimeError("the write failed")
        except RuntimeError:
            pass
    # The rolled-back change left no event behind; the committed one stayed.
    assert [e.changed_fields for e in audit_events(action="update")] == [["phone"]]


def test_outside_a_request_defer_writes_at_once(clinician_a, patient_a):
    event = defer(
        AuditEvent(user=clinician_a, action=AuditEvent.Action.READ, model="patients.Patient")
    )
    assert event.pk is not None
