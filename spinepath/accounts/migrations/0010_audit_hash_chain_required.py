"""The audit log's hash chain, step 3: every row has its place and write time; SQLite's triggers."""

from django.db import migrations, models

from spinepath.accounts.chain import SQLITE_DROP, SQLITE_TRIGGERS


def sqlite_triggers(apps, schema_editor):
    # SQLite rebuilds the table to alter a column, which drops its triggers: put them back after.
    if schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE_DROP + SQLITE_TRIGGERS:
            schema_editor.execute(sql)


def drop_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE_DROP:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0009_audit_hash_chain_existing_rows")]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="seq",
            field=models.BigIntegerField(editable=False, help_text="Place in the chain.", unique=True),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="written_at",
            field=models.DateTimeField(editable=False, help_text="When it was written."),
        ),
        migrations.RunPython(sqlite_triggers, drop_sqlite_triggers),
    ]
