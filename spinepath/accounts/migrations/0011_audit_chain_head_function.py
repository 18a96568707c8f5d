"""PostgreSQL: the chain's lock and head in one round trip (``chain.seal`` calls it per write).

The function takes the advisory lock, then reads the head in a statement of its own: a VOLATILE
function's statements each take a new snapshot, so the head read is the one the previous
writer committed before releasing the lock.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION accounts_auditevent_chain_head(lock_key bigint,
    OUT now timestamptz, OUT seq bigint, OUT hash varchar)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
    now := clock_timestamp();
    SELECT e.seq, e.hash INTO seq, hash FROM accounts_auditevent e ORDER BY e.seq DESC LIMIT 1;
END $$;
"""
DROP = "DROP FUNCTION IF EXISTS accounts_auditevent_chain_head(bigint);"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0010_audit_hash_chain_required")]
    operations = [migrations.RunPython(forwards, backwards)]
