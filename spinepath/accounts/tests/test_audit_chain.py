"""The audit log's hash chain in the database: every way of writing an event chains it, and
``verify_audit`` names the row that was changed, deleted or back-dated (exit status 1)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction

from spinepath.accounts import audit
from spinepath.accounts.chain import SQLITE_DROP, SQLITE_TRIGGERS, chain_fields
from spinepath.accounts.models import AuditEvent
from spinepath.lib.batched import batched_inserts, deferred_inserts
from spinepath.lib.hashchain import GENESIS, row_hash

UPDATE = AuditEvent.Action.UPDATE


@contextmanager
def triggers_off() -> Iterator[None]:
    """What someone tampering must do first: deliberately disable the append-only triggers."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for sql in SQLITE_DROP:
                cursor.execute(sql)
        else:  # (the test's transaction has deferred foreign-key checks pending: run them now)
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE accounts_auditevent DISABLE TRIGGER USER")
        yield
        if connection.vendor == "sqlite":
            for sql in SQLITE_TRIGGERS:
                cursor.execute(sql)
        else:
            cursor.execute("ALTER TABLE accounts_auditevent ENABLE TRIGGER USER")


def verify(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("verify_audit", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def failing(*args: str) -> str:
    err = StringIO()
    with pytest.raises(CommandError, match="fails verification"):
        call_command("verify_audit", *args, stdout=StringIO(), stderr=err)
    return err.getvalue()


@pytest.fixture
def events(clinician_a, patient_a) -> list[AuditEvent]:
    """Five events written each way an event is written."""
    audit.record(None, UPDATE, patient_a, user=clinician_a, changed_fields=["x"])  # at once
    with deferred_inserts():  # a request's reads, one INSERT at its end
        audit.record(None, AuditEvent.Action.READ, patient_a, user=clinician_a)
        audit.record(None, AuditEvent.Action.EXPORT, patient_a, user=clinician_a)
    with batched_inserts():  # the demo's batches
        audit.record(None, AuditEvent.Action.CREATE, patient_a, user=clinician_a)
    AuditEvent.objects.create(action="create", model="registry.Registry")  # generate_registry
    return list(AuditEvent.objects.order_by("seq"))


@pytest.mark.django_db
def test_every_way_of_writing_an_event_chains_it(events):
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    previous = GENESIS
    for event in events:
        assert event.prev_hash == previous
        assert event.hash == row_hash(chain_fields(event), previous)
        previous = event.hash
    out, err = verify()
    assert err == ""
    assert f"5 event(s), chain unbroken. Head 5:{events[-1].hash}" in out


@pytest.mark.django_db
def test_awkward_contents_hash_the_same_in_the_database_as_in_python(clinician_a, patient_a):
    """On PostgreSQL the chain's hashes are made by the database from the canonical text the
    application cut in pieces (migration 0012): quotes, backslashes, non-ASCII text, a value
    that looks like a cut mark, floats, nesting and an IPv6 address must come out the same."""
    detail = {
        "note": 'Ölçü "quoted" \\ back\\slash \u2014 ✓ \n new line',
        "seq": "1",
        "written_at": "2026-01-01",
        "previous": "0" * 64,
        "numbers": [1, 2.5, 3.0, -0.25, 10**15],
        "nested": {"z": None, "a": [True, False, {"b": "c"}]},
    }
    written = [
        audit.record(
            None, UPDATE, patient_a, user=clinician_a, changed_fields=["b", "a"], detail=detail
        )
    ]
    written += AuditEvent.objects.bulk_create(  # several rows in one call
        AuditEvent(
            action="read",
            model="patients.Patient",
            object_id=f"x{n}",
            reason=f"reason {n} \N{EM DASH} “quoted”",
            ip_address="2001:0db8:0000:0000:0000:ff00:0042:8329",
            detail={"n": n},
        )
        for n in range(3)
    )
    stored = {e.pk: e for e in AuditEvent.objects.all()}
    for event in written:  # the writer gives each event what the database stored
        row = stored[event.pk]
        assert (event.seq, event.prev_hash, event.hash, event.written_at) == (
            row.seq,
            row.prev_hash,
            row.hash,
            row.written_at,
        )
        assert row.hash == row_hash(chain_fields(row), row.prev_hash)
    out, err = verify()
    assert err == ""
    assert "4 event(s), chain unbroken" in out


@pytest.mark.django_db
def test_a_changed_row_is_named(events):
    with triggers_off(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_auditevent SET reason = 'nothing to see' WHERE id = %s", [events[2].pk]
        )
    err = failing()
    assert err.splitlines() == [
        f"position 3 (id {events[2].pk}): changed: its contents no longer match its hash"
    ]


@pytest.mark.django_db
def test_a_row_changed_and_rehashed_breaks_the_next_rows_link(events):
    forged = AuditEvent.objects.get(pk=events[1].pk)
    forged.reason = "rewritten"
    forged.hash = row_hash(chain_fields(forged), forged.prev_hash)
    with triggers_off(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_auditevent SET reason = %s, hash = %s WHERE id = %s",
            [forged.reason, forged.hash, forged.pk],
        )
    assert failing().splitlines() == [
        f"position 3 (id {events[2].pk}): relinked: it does not follow the row before it"
        " (a row was removed, added or changed)"
    ]


@pytest.mark.django_db
def test_a_deleted_row_is_named(events):
    with triggers_off(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM accounts_auditevent WHERE id = %s", [events[1].pk])
    err = failing()
    assert f"position 3 (id {events[2].pk}): missing: rows at position 2 are missing" in err
    assert f"position 3 (id {events[2].pk}): relinked" in err


@pytest.mark.django_db
def test_a_back_dated_row_is_named(events, clinician_a):
    # A forger appends a row, hashed and linked correctly, claiming it was written earlier.
    last = events[-1]
    forged = AuditEvent(
        seq=last.seq + 1,
        prev_hash=last.hash,
        written_at=last.written_at - timedelta(days=30),
        at=last.written_at - timedelta(days=30),
        user=clinician_a,
        username=clinician_a.username,
        action=AuditEvent.Action.READ,
        model="patients.Patient",
        object_id="1",
    )
    forged.hash = row_hash(chain_fields(forged), last.hash)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO accounts_auditevent (seq, prev_hash, hash, written_at, at, user_id,"
            " username, action, channel, model, object_id, patient_id, changed_fields, reason,"
            " detail) VALUES (%s, %s, %s, %s, %s, %s, %s, 'read', 'ui', %s, '1', '', '[]', '',"
            " '{}')",
            [
                forged.seq,
                forged.prev_hash,
                forged.hash,
                forged.written_at,
                forged.at,
                clinician_a.pk,
                clinician_a.username,
                forged.model,
            ],
        )
    err = failing()
    assert err.splitlines() == [
        f"position 6 (id {AuditEvent.objects.get(seq=6).pk}): back-dated: "
        "written earlier than the row before it"
    ]


@pytest.mark.django_db
def test_rows_removed_from_the_end_are_found_against_a_noted_anchor(events):
    out, _ = verify()
    head = out.rsplit("Head ", 1)[1].strip()
    assert verify("--anchor", head)[1] == ""
    with triggers_off(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM accounts_auditevent WHERE seq >= 4")
    assert verify()[1] == ""  # a shorter chain is still a chain: the anchor is what finds it
    assert "position 5: anchor: the noted head is not in the chain" in failing("--anchor", head)
    with pytest.raises(CommandError, match="SEQ:HASH"):
        call_command("verify_audit", "--anchor", "five", stdout=StringIO())


@pytest.mark.django_db
def test_an_edit_records_each_field_before_and_after(api_a, patient_a):
    r = api_a.patch(
        f"/api/v1/patients/{patient_a.pk}", {"family_name": "Smith", "date_of_birth": "1971-05-17"}
    )
    assert r.status_code == 200, r.content
    event = AuditEvent.objects.get(action=UPDATE, object_id=str(patient_a.pk))
    assert event.detail["changes"]["family_name"] == {"before": "Jones", "after": "Smith"}
    assert event.detail["changes"]["date_of_birth"] == {
        "before": "1970-05-17",
        "after": "1971-05-17",
    }
    assert set(event.detail["changes"]) == set(event.changed_fields)
    assert "updated_at" not in event.detail["changes"]
    verify()


@pytest.mark.django_db
def test_an_edit_changing_nothing_records_no_changes(api_a, patient_a):
    r = api_a.patch(f"/api/v1/patients/{patient_a.pk}", {"family_name": "Jones"})
    assert r.status_code == 200
    event = AuditEvent.objects.get(action=UPDATE, object_id=str(patient_a.pk))
    assert event.detail["changes"] == {}


@pytest.mark.django_db
def test_a_discharge_and_its_reopening_record_each_field_before_and_after(clinician_a, patient_a):
    from spinepath.patients.episodes import episode_discharge, episode_reopen
    from spinepath.testing import make_episode

    episode = make_episode(patient_a)
    stage = episode.stage
    episode_discharge(None, episode=episode, outcome="other", note="Moved away", by=clinician_a)
    episode_reopen(None, episode=episode, reason="Came back", by=clinician_a)
    discharged, reopened = AuditEvent.objects.filter(
        action=UPDATE, object_id=str(episode.pk)
    ).order_by("seq")
    assert discharged.detail["changes"]["stage"] == {"before": stage, "after": "discharged"}
    assert discharged.detail["changes"]["discharge_note"] == {"before": "", "after": "Moved away"}
    assert reopened.detail["changes"]["stage"] == {"before": "discharged", "after": stage}
    assert reopened.reason == "Came back"
    for event in (discharged, reopened):
        assert set(event.detail["changes"]) == set(event.changed_fields)
        assert "updated_at" not in event.changed_fields
    verify()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="writers in parallel: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_writers_in_parallel_still_make_one_chain(clinician_a, patient_a):
    errors: list[BaseException] = []

    def write() -> None:
        try:
            for _ in range(15):
                with transaction.atomic():
                    audit.record(None, UPDATE, patient_a, user=clinician_a)
                    with batched_inserts():
                        for _ in range(3):
                            audit.record(
                                None, AuditEvent.Action.CREATE, patient_a, user=clinician_a
                            )
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert AuditEvent.objects.count() == 4 * 15 * 4
    assert "240 event(s), chain unbroken" in verify()[0]


@pytest.mark.django_db(transaction=True)
def test_the_migration_chains_rows_written_before_the_chain_in_id_order(clinician_a):
    from django.db.migrations.executor import MigrationExecutor

    before_chain = [("accounts", "0008_audit_hash_chain_fields")]
    executor = MigrationExecutor(connection)
    executor.migrate(before_chain)
    old = executor.loader.project_state(before_chain).apps.get_model("accounts", "AuditEvent")
    for n in range(3):
        old.objects.create(
            action="read", model="patients.Patient", object_id=str(n), user_id=clinician_a.pk
        )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    events = list(AuditEvent.objects.order_by("seq"))
    assert [(e.seq, e.object_id) for e in events] == [(1, "0"), (2, "1"), (3, "2")]
    assert [e.pk for e in events] == sorted(e.pk for e in events)
    assert "3 event(s), chain unbroken" in verify()[0]
    audit.record(None, UPDATE, clinician_a.clinic, user=clinician_a)  # the chain goes on
    assert AuditEvent.objects.order_by("seq").last().seq == 4
    assert "4 event(s), chain unbroken" in verify()[0]
    with pytest.raises(Exception, match="append-only"), connection.cursor() as cursor:
        cursor.execute("DELETE FROM accounts_auditevent")  # the triggers are back
