"""The backup and restore drill, on SQLite and PostgreSQL: every table's row count and checksum
are the same after a restore as at the backup, and the audit log verifies."""

from __future__ import annotations

import sqlite3
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from spinepath.accounts import audit
from spinepath.accounts.backup import fingerprints
from spinepath.accounts.models import AuditEvent
from spinepath.lib.batched import batched_inserts
from spinepath.testing import make_patient


def _wipe() -> None:
    """A new, empty database in place of the test's (what a restore to a new server meets)."""
    if connection.vendor == "sqlite":
        empty = sqlite3.connect(":memory:")
        empty.backup(connection.connection)
        empty.close()
    else:
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_drill(tmp_path, clinician_a, patient_a, episode_a):
    audit.record(None, AuditEvent.Action.READ, patient_a, user=clinician_a)
    with batched_inserts():
        for _ in range(3):
            audit.record(None, AuditEvent.Action.UPDATE, episode_a, user=clinician_a)
    at_backup = fingerprints(connection)
    assert at_backup["accounts_auditevent"][0] == 4
    assert at_backup["patients_patient"][0] == 1
    path = tmp_path / "spinepath.backup"
    out = StringIO()
    call_command("backup", str(path), stdout=out)
    assert "Backed up to" in out.getvalue()

    # Work goes on after the backup.
    make_patient(patient_a.clinic, nhs_number="9434765870", family_name="Later")
    audit.record(None, AuditEvent.Action.CREATE, patient_a, user=clinician_a)
    later = fingerprints(connection)
    assert later != at_backup

    with pytest.raises(CommandError, match="not empty .* nothing was restored"):
        call_command("restore", str(path), stdout=StringIO())
    assert fingerprints(connection) == later  # refused: nothing changed
    with pytest.raises(CommandError, match="already exists"):
        call_command("backup", str(path), stdout=StringIO())

    out = StringIO()
    call_command("restore", str(path), "--force", stdout=out)
    assert fingerprints(connection) == at_backup
    assert "Audit log verified: 4 event(s), chain unbroken" in out.getvalue()
    call_command("verify_audit", stdout=StringIO())

    # To a new, empty database: no --force needed.
    _wipe()
    call_command("restore", str(path), stdout=StringIO())
    assert fingerprints(connection) == at_backup
    # The restored log goes on from its head.
    audit.record(None, AuditEvent.Action.READ, patient_a, user=clinician_a)
    assert "5 event(s), chain unbroken" in _verified()


def _verified() -> str:
    out = StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_file_that_is_not_a_backup_and_changes_nothing(tmp_path, patient_a):
    before = fingerprints(connection)
    bogus = tmp_path / "notes.txt"
    bogus.write_text("not a backup")
    with pytest.raises(CommandError, match="nothing was restored"):
        call_command("restore", str(bogus), "--force", stdout=StringIO())
    with pytest.raises(CommandError, match="is not a file"):
        call_command("restore", str(tmp_path / "absent"), stdout=StringIO())
    assert fingerprints(connection) == before
