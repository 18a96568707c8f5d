"""PostgreSQL: a request's audit events chained and written by one statement (``chain.append``).

``accounts_auditevent_append(lock_key, rows, texts)`` takes the chain's advisory lock, reads the
head in a statement of its own (a VOLATILE function's statements each take a new snapshot, so it
is the head the previous writer committed before releasing the lock, as in 0011), then for each
row in order gives it the next ``seq``, the head's hash as ``prev_hash``, ``clock_timestamp()``
as ``written_at`` and its hash, and inserts it. The hash is the same SHA-256 of the same canonical
JSON as ``lib/hashchain.row_hash``: the application sends each row's canonical text in four
pieces, cut where the three values only the database knows go (the previous hash, ``seq`` and
``written_at``), and the function joins them around those values. ``verify_audit`` re-computes
every hash in Python from the stored row, so a function that hashed differently would be caught
by it (and is by the tests).

Called outside a transaction it is one statement: its own transaction, the lock held until it
ends. Inside a workflow's transaction the lock is held until that commits, as before.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION accounts_auditevent_append(lock_key bigint, rows jsonb, texts text[])
RETURNS TABLE (id bigint, seq bigint, written_at timestamptz, prev_hash varchar, hash varchar)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    stamp timestamptz;
    stamp_text text;
    next_seq bigint;
    previous varchar;
    r accounts_auditevent;
    i integer := 0;
    digest varchar;
    new_id bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
    stamp := clock_timestamp();
    stamp_text := to_char(stamp AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US');
    SELECT e.seq, e.hash INTO next_seq, previous
        FROM accounts_auditevent e ORDER BY e.seq DESC LIMIT 1;
    IF next_seq IS NULL THEN
        next_seq := 0;
        previous := repeat('0', 64);
    END IF;
    FOR r IN SELECT * FROM jsonb_populate_recordset(NULL::accounts_auditevent, rows) LOOP
        next_seq := next_seq + 1;
        digest := encode(sha256(convert_to(
            texts[4 * i + 1] || previous || texts[4 * i + 2] || next_seq::text
            || texts[4 * i + 3] || stamp_text || texts[4 * i + 4], 'UTF8')), 'hex');
        INSERT INTO accounts_auditevent AS e (
            at, user_id, username, clinic_id, action, channel, model, object_id, patient_id,
            changed_fields, ip_address, reason, detail, seq, written_at, prev_hash, hash)
        VALUES (
            r.at, r.user_id, r.username, r.clinic_id, r.action, r.channel, r.model, r.object_id,
            r.patient_id, r.changed_fields, r.ip_address, r.reason, r.detail, next_seq, stamp,
            previous, digest)
        RETURNING e.id INTO new_id;
        id := new_id; seq := next_seq; written_at := stamp; prev_hash := previous;
        hash := digest;
        RETURN NEXT;
        previous := digest;
        i := i + 1;
    END LOOP;
END $$;
"""
DROP = "DROP FUNCTION IF EXISTS accounts_auditevent_append(bigint, jsonb, text[]);"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0012_submission_claim")]
    operations = [migrations.RunPython(forwards, backwards)]
