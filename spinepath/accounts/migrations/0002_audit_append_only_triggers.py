"""Make the audit log append-only in the database too, not just in the ORM.

UPDATE is refused on every backend. DELETE is refused on PostgreSQL; on SQLite a DELETE trigger
would also fire on the test runner's table flush, so there the ORM guard stands alone.
"""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER accounts_auditevent_no_update BEFORE UPDATE ON accounts_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;""",
]
SQLITE_REVERSE = ["DROP TRIGGER IF EXISTS accounts_auditevent_no_update;"]

POSTGRES = [
    """CREATE OR REPLACE FUNCTION accounts_auditevent_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit records are append-only'; END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER accounts_auditevent_append_only BEFORE UPDATE OR DELETE
       ON accounts_auditevent FOR EACH ROW EXECUTE FUNCTION accounts_auditevent_append_only();""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS accounts_auditevent_append_only ON accounts_auditevent;",
    "DROP FUNCTION IF EXISTS accounts_auditevent_append_only();",
]


def forwards(apps, schema_editor):
    statements = {"sqlite": SQLITE, "postgresql": POSTGRES}.get(schema_editor.connection.vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    statements = {"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}.get(
        schema_editor.connection.vendor, []
    )
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
