"""The audit log's hash chain, step 2: chain the rows already written, in id order.

The append-only triggers are dropped for the fill (the one deliberate UPDATE the log ever
takes, by the owner running migrations) and put back (SQLite's by 0008, now refusing DELETE too).
Rows written before the chain existed are stamped as written now: when they were chained.
"""

from django.db import migrations
from django.utils import timezone

from spinepath.accounts.chain import (
    POSTGRES_DROP,
    POSTGRES_TRIGGERS,
    SQLITE_DROP,
    chain_fields,
)
from spinepath.lib.hashchain import GENESIS, row_hash

BATCH = 2000

# 0002's triggers, put back if this is reversed.
SQLITE_0002 = [
    """CREATE TRIGGER accounts_auditevent_no_update BEFORE UPDATE ON accounts_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;""",
]


def _run(schema_editor, statements):
    for sql in statements:
        schema_editor.execute(sql)


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    _run(schema_editor, {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(vendor, []))
    AuditEvent = apps.get_model("accounts", "AuditEvent")
    now, previous, batch = timezone.now(), GENESIS, []
    events = AuditEvent.objects.using(schema_editor.connection.alias).order_by("id")
    for seq, event in enumerate(events.iterator(chunk_size=BATCH), start=1):
        event.seq, event.written_at, event.prev_hash = seq, now, previous
        event.hash = previous = row_hash(chain_fields(event), previous)
        batch.append(event)
        if len(batch) == BATCH:
            AuditEvent.objects.bulk_update(batch, ["seq", "written_at", "prev_hash", "hash"])
            batch = []
    if batch:
        AuditEvent.objects.bulk_update(batch, ["seq", "written_at", "prev_hash", "hash"])
    if vendor == "postgresql":  # SQLite's come back in 0008, after its table is rebuilt
        _run(schema_editor, POSTGRES_TRIGGERS)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _run(schema_editor, SQLITE_DROP + SQLITE_0002)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0008_audit_hash_chain_fields")]
    operations = [migrations.RunPython(forwards, backwards)]
