"""The audit log's hash chain: which fields of an event are hashed, and the one writer.

Every ``AuditEvent`` written (``save``, ``objects.create`` or ``bulk_create``, so also
``lib/batched.py``'s batches and a request's deferred reads) passes through :func:`seal`
inside the writing transaction: it takes the chain's lock, reads the head (the event with the
highest ``seq``), and gives each new event, in order, the next ``seq``, the head's hash as
``prev_hash``, the write time ``written_at`` and its own ``hash`` (``lib/hashchain.row_hash``).

The lock:
- PostgreSQL: ``pg_advisory_xact_lock`` on one key, held until the writing transaction ends,
  so writers queue and each reads the head its predecessor committed (READ COMMITTED: the
  head is read by a statement that starts after the lock is granted; both happen in one call
  of the function ``accounts_auditevent_chain_head``, migration 0011, to save a round trip).
  An advisory lock needs no UPDATE privilege, so the application's role can be denied UPDATE
  on the audit table.
- SQLite: every transaction is ``BEGIN IMMEDIATE`` (``settings.DATABASES`` OPTIONS), so the
  atomic block around :func:`seal` already holds the database's single write lock: no other
  writer can come between reading the head and inserting.
The unique ``seq`` is the last guard: two writers that somehow read the same head cannot both
insert.

``written_at`` is the writer's clock (PostgreSQL's ``clock_timestamp()`` when the lock is
granted, so every application server stamps with one clock), not the workflow's ``at``: a
workflow may record something that happened earlier; the chain records when it was written,
and a row written earlier than the row before it is back-dated.
"""

from __future__ import annotations

import ipaddress
import json
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.db import connections
from django.utils import timezone

from spinepath.lib.hashchain import GENESIS, Link, canonical, row_hash

if TYPE_CHECKING:
    from spinepath.accounts.models import AuditEvent

# The pg_advisory_xact_lock key of the audit chain (any constant bigint no other lock uses).
LOCK_KEY = 0x1E5B_90F6_9C0A_3D11

HASHED = (
    "seq",
    "written_at",
    "at",
    "user_id",
    "username",
    "clinic_id",
    "action",
    "channel",
    "model",
    "object_id",
    "patient_id",
    "changed_fields",
    "ip_address",
    "reason",
    "detail",
)


def _instant(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def chain_fields(event: Any) -> dict[str, object]:
    """The hashed fields of ``event`` as plain JSON values, the same before and after storage.

    Works on an ``AuditEvent`` or a migration's historical copy of it (same attribute names)."""
    fields: dict[str, object] = {name: getattr(event, name) for name in HASHED}
    fields["at"] = _instant(event.at)
    fields["written_at"] = _instant(event.written_at)
    if event.ip_address:
        fields["ip_address"] = str(ipaddress.ip_address(event.ip_address))
    return fields


def link(event: Any) -> Link:
    return Link(
        seq=event.seq,
        key=f"id {event.pk}",
        fields=chain_fields(event),
        previous=event.prev_hash,
        digest=event.hash,
        written=event.written_at,
    )


def seal(events: Sequence[AuditEvent], using: str) -> None:
    """Chain ``events`` after the head, in order. Call inside ``transaction.atomic(using)``."""
    connection = connections[using]
    with connection.cursor() as cursor:  # plain SQL: this runs for every event written
        if connection.vendor == "postgresql":  # lock, clock and head: one call (migration 0011)
            cursor.execute("SELECT * FROM accounts_auditevent_chain_head(%s)", [LOCK_KEY])
            now, *found = cursor.fetchone()
            head = found if found[0] is not None else None
        else:  # SQLite: BEGIN IMMEDIATE already holds the write lock (see above)
            now = timezone.now()
            cursor.execute("SELECT seq, hash FROM accounts_auditevent ORDER BY seq DESC LIMIT 1")
            head = cursor.fetchone()
    seq, previous = (int(head[0]), head[1]) if head else (0, GENESIS)
    for event in events:
        seq += 1
        event.seq, event.prev_hash, event.written_at = seq, previous, now
        event.hash = row_hash(chain_fields(event), previous)
        previous = event.hash


# The columns a new event is written with: the hashed ones but the chain's own seq and
# written_at (prev_hash and hash are the chain's too, and id is the database's).
WRITTEN = HASHED[2:]
assert HASHED[:2] == ("seq", "written_at")  # a change to HASHED must keep this


def _pieces(event: Any) -> list[str]:
    """``event``'s canonical text (``row_hash``'s input) in four pieces, cut where the previous
    hash, ``seq`` and ``written_at`` go: the database joins them around its own values."""
    mark = secrets.token_hex(16)  # not in any field's text: each cut is found exactly once
    fields = {name: getattr(event, name) for name in HASHED}
    fields["at"] = _instant(event.at)
    if event.ip_address:
        fields["ip_address"] = str(ipaddress.ip_address(event.ip_address))
    fields["seq"] = f"{mark}s"
    fields["written_at"] = f"{mark}w"
    text = canonical({"previous": f"{mark}p", "row": fields})
    head, rest = text.split(f"{mark}p", 1)
    middle, rest = rest.split(f'"{mark}s"', 1)
    before_stamp, tail = rest.split(f"{mark}w", 1)
    # written_at is written as the ISO instant in UTC to the microsecond: the function writes the
    # date and time, the offset stays here.
    return [head, middle, before_stamp, "+00:00" + tail]


def append(events: Sequence[AuditEvent], using: str) -> None:
    """PostgreSQL: chain and insert ``events`` in one statement (migration 0012), setting each
    one's id and chain fields as :func:`seal` and an INSERT would."""
    rows = []
    texts: list[str] = []
    for event in events:
        event.ip_address = event.ip_address or None  # as the field stores "" (NULL), and hashes it
        row = {name: getattr(event, name) for name in WRITTEN}
        row["at"] = event.at.isoformat()
        rows.append(row)
        texts.extend(_pieces(event))
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT * FROM accounts_auditevent_append(%s, %s::jsonb, %s)",
            [LOCK_KEY, json.dumps(rows), texts],
        )
        written = cursor.fetchall()
    for event, (pk, seq, written_at, previous, digest) in zip(events, written, strict=True):
        event.pk, event.seq, event.written_at = pk, seq, written_at
        event.prev_hash, event.hash = previous, digest
        event._state.adding, event._state.db = False, using


# The database's own refusals. PostgreSQL: UPDATE and DELETE (TRUNCATE is withheld from the
# application's role by grants: `manage.py db_roles`). SQLite: UPDATE and DELETE; the test
# runner's flush drops and re-creates the DELETE trigger around its own DELETEs (conftest.py).
SQLITE_TRIGGERS = [
    """CREATE TRIGGER accounts_auditevent_no_update BEFORE UPDATE ON accounts_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;""",
    """CREATE TRIGGER accounts_auditevent_no_delete BEFORE DELETE ON accounts_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS accounts_auditevent_no_update;",
    "DROP TRIGGER IF EXISTS accounts_auditevent_no_delete;",
]
POSTGRES_TRIGGERS = [
    """CREATE OR REPLACE FUNCTION accounts_auditevent_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit records are append-only'; END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER accounts_auditevent_append_only BEFORE UPDATE OR DELETE
       ON accounts_auditevent FOR EACH ROW EXECUTE FUNCTION accounts_auditevent_append_only();""",
]
POSTGRES_DROP = ["DROP TRIGGER IF EXISTS accounts_auditevent_append_only ON accounts_auditevent;"]
