"""PostgreSQL: connected as the application's role, audit rows cannot be changed, removed or
truncated, nor their triggers disabled, while the application still writes (and chains) them;
even the owner meets the trigger unless it deliberately disables it."""

from __future__ import annotations

import os
from io import StringIO

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from spinepath.accounts import audit
from spinepath.accounts.management.commands.db_roles import role_sql
from spinepath.accounts.models import AuditEvent

REFUSED_TO_THE_APP = [
    "UPDATE accounts_auditevent SET reason = 'x'",
    "DELETE FROM accounts_auditevent",
    "TRUNCATE accounts_auditevent",
    "ALTER TABLE accounts_auditevent DISABLE TRIGGER USER",
    "ALTER TABLE accounts_auditevent DISABLE TRIGGER accounts_auditevent_append_only",
    "SET session_replication_role = replica",
    "DROP TABLE accounts_auditevent",
]


def _connect(user: str) -> psycopg.Connection:
    s = connection.settings_dict
    return psycopg.connect(
        host=s["HOST"], port=s["PORT"] or 5432, dbname=s["NAME"], user=user, autocommit=True
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL roles")
@pytest.mark.django_db(transaction=True)
def test_the_application_role_cannot_change_remove_or_truncate_audit_rows(clinician_a, patient_a):
    audit.record(None, AuditEvent.Action.READ, patient_a, user=clinician_a)
    owner, app = f"sp_test_owner_{os.getpid()}", f"sp_test_app_{os.getpid()}"
    settings = connection.settings_dict
    superuser = settings["USER"]
    try:
        call_command("db_roles", owner=owner, app=app, apply=True, stdout=StringIO())
        call_command("db_roles", owner=owner, app=app, apply=True, stdout=StringIO())  # again

        with _connect(app) as conn:
            for sql in REFUSED_TO_THE_APP:
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute(sql)
            assert conn.execute("SELECT count(*) FROM accounts_auditevent").fetchone() == (1,)
            conn.execute("UPDATE patients_patient SET notes = 'ordinary tables are writable'")

        # The application itself, connected as its role, writes and chains events.
        settings["USER"] = app
        connection.close()
        audit.record(None, AuditEvent.Action.UPDATE, patient_a, user=clinician_a)
        assert AuditEvent.objects.order_by("seq").last().seq == 2
        call_command("verify_audit", stdout=StringIO())

        with _connect(owner) as conn:  # the owner meets the trigger
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                conn.execute("UPDATE accounts_auditevent SET reason = 'x'")
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                conn.execute("DELETE FROM accounts_auditevent")
    finally:
        settings["USER"] = superuser
        connection.close()
        with connection.cursor() as cursor:
            for role in (owner, app):
                cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
                if cursor.fetchone():
                    cursor.execute(f'REASSIGN OWNED BY "{role}" TO "{superuser}"')
                    cursor.execute(f'DROP OWNED BY "{role}"')
                    cursor.execute(f'DROP ROLE "{role}"')


def test_role_names_are_checked_before_they_reach_sql():
    with pytest.raises(CommandError, match="plain role name"):
        role_sql("db", "owner; DROP TABLE x", "app")
    with pytest.raises(CommandError, match="different roles"):
        role_sql("db", "same", "same")
    assert any("REVOKE UPDATE, DELETE, TRUNCATE" in s for s in role_sql("db", "o", "a"))
