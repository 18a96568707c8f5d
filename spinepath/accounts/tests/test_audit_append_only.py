"""The audit log is append-only in the ORM, in the admin and in the database itself."""

import pytest
from django.contrib.admin.sites import site
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from spinepath.accounts.models import AppendOnlyError, AuditEvent


@pytest.fixture
def event(clinician_a, clinic_a):
    return AuditEvent.objects.create(
        user=clinician_a,
        username="alice",
        clinic=clinic_a,
        action=AuditEvent.Action.READ,
        model="patients.Patient",
        object_id="42",
        patient_id="42",
        ip_address="192.0.2.1",
    )


def _unchanged(event):
    stored = AuditEvent.objects.get(pk=event.pk)
    return (stored.username, stored.action, stored.object_id) == ("alice", "read", "42")


def test_saving_an_existing_record_is_refused(event):
    event.username = "mallory"
    with pytest.raises(AppendOnlyError):
        event.save()
    assert _unchanged(event)


def test_saving_a_fresh_copy_of_an_existing_record_is_refused(event):
    copy = AuditEvent.objects.get(pk=event.pk)
    copy.action = AuditEvent.Action.DELETE
    with pytest.raises(AppendOnlyError):
        copy.save(update_fields=["action"])
    assert _unchanged(event)


def test_deleting_a_record_is_refused(event):
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_a_queryset_update_is_refused(event):
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(username="mallory")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().update(username="mallory")
    assert _unchanged(event)


def test_a_queryset_delete_is_refused(event):
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.count() == 1


def test_a_bulk_update_is_refused(event):
    event.username = "mallory"
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.bulk_update([event], ["username"])
    assert _unchanged(event)


def test_the_database_refuses_a_raw_update(event):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE accounts_auditevent SET username = %s WHERE id = %s", ["mallory", event.pk]
        )
    assert _unchanged(event)


def test_the_database_refuses_a_raw_delete(event):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM accounts_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_the_admin_grants_no_add_change_or_delete_permission(superuser, event):
    request = RequestFactory().get("/admin/")
    request.user = superuser
    model_admin = site._registry[AuditEvent]
    assert model_admin.has_add_permission(request) is False
    assert model_admin.has_change_permission(request, event) is False
    assert model_admin.has_delete_permission(request, event) is False
    assert "delete_selected" not in model_admin.get_actions(request)


def test_a_superuser_sees_the_record_read_only(client, superuser, event):
    client.force_login(superuser)
    r = client.get(f"/admin/accounts/auditevent/{event.pk}/change/")
    assert r.status_code == 200
    assert b"alice" in r.content
    assert b'name="_save"' not in r.content
    assert b'name="username"' not in r.content  # shown as text, not as an input


def test_a_superuser_cannot_change_a_record_by_posting(client, superuser, event):
    client.force_login(superuser)
    r = client.post(
        f"/admin/accounts/auditevent/{event.pk}/change/",
        {"username": "mallory", "action": "delete", "model": "x", "channel": "ui"},
    )
    assert r.status_code == 403
    assert _unchanged(event)


def test_a_superuser_cannot_delete_or_add_records_in_the_admin(client, superuser, event):
    client.force_login(superuser)
    assert client.get(f"/admin/accounts/auditevent/{event.pk}/delete/").status_code == 403
    assert (
        client.post(f"/admin/accounts/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    r = client.post(
        "/admin/accounts/auditevent/",
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )
    assert r.status_code in (200, 302)
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    assert client.get("/admin/accounts/auditevent/add/").status_code == 403
    assert client.post("/admin/accounts/auditevent/add/", {"username": "x"}).status_code == 403
    # Nothing added but the four refusals themselves, each recorded as denied.
    assert AuditEvent.objects.exclude(action="denied").count() == 1
    assert AuditEvent.objects.filter(action="denied").count() == 4
