"""A registry at scale from a library of real stories: copies made in the database, set-based.

``generate`` writes a bounded *library* of patients through the per-patient path (every snapshot,
score, schedule and consent sheet the clinical core's own; the outcome facts through
``analytics.facts.rebuild_outcomes``, i.e. ``clinical.relief``). Beyond the library, each further
block of procedures is a *copy* of the library made by one ``INSERT … SELECT`` per table: the rows
stay the core's rows (decision, reasons, steroid check, consent sheet, scores, relief facts), and
what a copy changes is who and where:

- every integer key (and every reference to one) moves by the table's offset, so the copy's
  procedures follow on from the library's (contiguous keys);
- patients and episodes get new UUIDs, invented names (by sex), NHS numbers that pass the check
  digit (unique per clinic, continuing each clinic's counter) and MRNs, from the seeded generator;
- each patient moves to another clinic (the library's clinic turned by the copy's number) and
  each member of staff to the same post there (clinicians turned too), so clinics and clinicians
  carry a mix of every kind of story;
- the JSON timeline details that name a record (``{"decision": id}`` …) follow the keys.

Dates stay the library's: a story's follow-up completeness depends on where it falls before the
registry's "now", so moving it would change what was answered. The copy's mapping of patients and
staff is a small table (``registry_map``, ``registry_staff``) written by Python; everything else
is the database's own work, so a copy costs the server's insert time, not Python's.

Which column is which kind is read from the models (keys, foreign keys), so a column added by a
later migration is copied as it is unless it names a patient, an episode or a member of staff —
and then the copy stops with an error (``_expression``) rather than pointing at the library's.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction

from spinepath.accounts.models import Clinic, User
from spinepath.analytics.models import PROCEDURE_COLUMNS, ProcedureOutcome, TimePointOutcome
from spinepath.patients.models import Episode, Patient, TimelineEvent
from spinepath.procedures.models import Consent

MAP_TABLE = "registry_map"
STAFF_TABLE = "registry_staff"

PATIENT_COLUMNS = {
    "id": "m.new_patient",
    "clinic_id": "m.clinic_id",
    "given_name": "m.given_name",
    "family_name": "m.family_name",
    "nhs_number": "m.nhs_number",
    "mrn": "m.mrn",
}
"""The patient's columns a copy changes (the rest, dates of birth included, are the library's)."""
SIGNED_NAME = (Consent, "signed_name")
"""The one other column that holds a patient's name."""
DETAIL_KEYS = ("decision", "consent", "procedure")
"""Timeline detail keys that hold a record's key, and the models they name (``_KEY_MODELS``)."""


@dataclass
class Span:
    """The library's rows of one integer-keyed table: keys ``first`` … ``last``."""

    first: int
    last: int


@dataclass(frozen=True)
class MapRow:
    old_patient: Any
    old_episode: Any
    new_patient: Any
    new_episode: Any
    clinic_id: int
    given_name: str
    family_name: str
    nhs_number: str
    mrn: str


def create_maps() -> None:
    """The two mapping tables, empty (temporary: this connection's own)."""
    uuid = "uuid" if connection.vendor == "postgresql" else "char(32)"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {MAP_TABLE}")
        cursor.execute(f"DROP TABLE IF EXISTS {STAFF_TABLE}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {MAP_TABLE} (old_patient {uuid} NOT NULL, "
            f"old_episode {uuid} NOT NULL PRIMARY KEY, new_patient {uuid} NOT NULL, "
            f"new_episode {uuid} NOT NULL, clinic_id bigint NOT NULL, "
            "given_name varchar(100) NOT NULL, family_name varchar(100) NOT NULL, "
            "nhs_number varchar(10) NOT NULL, mrn varchar(40) NOT NULL)"
        )
        cursor.execute(f"CREATE UNIQUE INDEX {MAP_TABLE}_patient ON {MAP_TABLE} (old_patient)")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {STAFF_TABLE} (old bigint NOT NULL PRIMARY KEY, "
            "new bigint NOT NULL)"
        )


def drop_maps() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {MAP_TABLE}")
        cursor.execute(f"DROP TABLE IF EXISTS {STAFF_TABLE}")


def fill_maps(rows: Sequence[MapRow], staff: dict[int, int]) -> None:
    """This copy's patients (one episode each) and staff, replacing the last copy's."""
    with connection.cursor() as cursor:
        # A table name of this module's own (bandit B608).
        cursor.execute(f"DELETE FROM {MAP_TABLE}")  # nosec B608
        # A table name of this module's own (bandit B608).
        cursor.execute(f"DELETE FROM {STAFF_TABLE}")  # nosec B608
        values = [
            (
                r.old_patient,
                r.old_episode,
                r.new_patient,
                r.new_episode,
                r.clinic_id,
                r.given_name,
                r.family_name,
                r.nhs_number,
                r.mrn,
            )
            for r in rows
        ]
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {MAP_TABLE} FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
            with cursor.cursor.copy(f"COPY {STAFF_TABLE} FROM STDIN") as copy:
                for item in sorted(staff.items()):
                    copy.write_row(item)
            cursor.execute(f"ANALYZE {MAP_TABLE}")
            cursor.execute(f"ANALYZE {STAFF_TABLE}")
        else:
            # This module's own table names; every value is a parameter (bandit B608).
            cursor.executemany(
                f"INSERT INTO {MAP_TABLE} VALUES ({', '.join(['%s'] * 9)})",  # nosec B608
                values,
            )
            cursor.executemany(
                f"INSERT INTO {STAFF_TABLE} VALUES (%s, %s)",  # nosec B608
                sorted(staff.items()),
            )


def skip_reference_checks() -> bool:
    """On PostgreSQL, when the role may (a superuser: the loader's own database), skip the
    deferred foreign-key checks for the rest of this transaction: a copy's every reference is a
    library reference moved by its target's offset, or a mapped patient, episode or member of staff
    written in the same copy, so the checks cannot fail, and at commit they cost as much as the
    inserts (one index probe per reference). ``tests/test_generate.py`` checks every reference
    of a copied registry. Returns whether the checks are skipped."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        found = cursor.fetchone()
        if not (found and found[0]):
            return False
        cursor.execute("SET LOCAL session_replication_role = replica")
    return True


def _detail(offsets: dict[str, int]) -> str:
    """The timeline detail with the record key it names moved by that table's offset."""
    if connection.vendor == "postgresql":
        expression = "s.detail"
        for key in DETAIL_KEYS:
            expression = (
                f"CASE WHEN jsonb_exists(s.detail, '{key}') THEN jsonb_set({expression}, "
                f"'{{{key}}}', to_jsonb((s.detail->>'{key}')::bigint + {offsets[key]})) "
                f"ELSE {expression} END"
            )
        return expression
    expression = "s.detail"
    for key in DETAIL_KEYS:
        path = f"'$.{key}'"
        expression = (
            f"CASE WHEN json_type(s.detail, {path}) = 'integer' THEN json_set({expression}, "
            f"{path}, json_extract(s.detail, {path}) + {offsets[key]}) ELSE {expression} END"
        )
    return expression


def _expression(
    model: type[models.Model],
    field: Any,
    offsets: dict[type[models.Model], int],
    detail_offsets: dict[str, int],
) -> str:
    column = field.column
    quoted = connection.ops.quote_name(column)
    if model is Patient and column in PATIENT_COLUMNS:
        return PATIENT_COLUMNS[column]
    if model is Episode and column == "id":
        return "m.new_episode"
    if (model, column) == SIGNED_NAME:
        return "m.given_name || ' ' || m.family_name"
    if model is TimelineEvent and column == "detail":
        return _detail(detail_offsets)
    if model is TimePointOutcome and column in PROCEDURE_COLUMNS:
        return f"o.{quoted}"  # the copied procedure's (``copy_table`` joins it)
    if field.primary_key and not field.is_relation:
        return f"s.{quoted} + {offsets[model]}"
    if field.is_relation:
        target = field.related_model
        if target is Patient:
            return "m.new_patient"
        if target is Episode:
            return "m.new_episode"
        if target is Clinic:
            return "m.clinic_id"
        if target is User:
            # SQL names from the models, quoted; values are parameters (bandit B608).
            return f"(SELECT st.new FROM {STAFF_TABLE} st WHERE st.old = s.{quoted})"  # nosec B608
        if target in offsets:
            return f"s.{quoted} + {offsets[target]}"
        raise RuntimeError(
            f"{model._meta.label}.{column} refers to {target._meta.label}, which a copy of the "
            "registry does not know how to follow."
        )
    return f"s.{quoted}"


def copy_table(
    model: type[models.Model],
    *,
    key: str,
    span: Span,
    offsets: dict[type[models.Model], int],
    detail_offsets: dict[str, int],
) -> int:
    """Copy the library's rows of ``model`` (``key`` between ``span.first`` and ``span.last``;
    patients and episodes: those in the map) with this copy's keys, people and places."""
    fields = list(model._meta.concrete_fields)
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(f.column) for f in fields)
    select = ", ".join(_expression(model, f, offsets, detail_offsets) for f in fields)
    columns = {f.column for f in fields}
    if model is TimePointOutcome:
        # A time point carries its procedure's clinic, clinician and filters: those of the
        # procedure this copy has just made (copied before its time points), not the library's.
        outcomes = quote(ProcedureOutcome._meta.db_table)
        join = f"JOIN {outcomes} o ON o.procedure_id = s.outcome_id + {offsets[ProcedureOutcome]}"
        where = f"WHERE s.{quote(key)} BETWEEN {int(span.first)} AND {int(span.last)}"
    elif model is Patient:
        join, where = f"JOIN {MAP_TABLE} m ON m.old_patient = s.id", ""
    elif model is Episode:
        join, where = f"JOIN {MAP_TABLE} m ON m.old_episode = s.id", ""
    else:
        join = (
            f"JOIN {MAP_TABLE} m ON m.old_episode = s.episode_id" if "episode_id" in columns else ""
        )
        where = f"WHERE s.{quote(key)} BETWEEN {int(span.first)} AND {int(span.last)}"
    # SQL names from the models, quoted; values are parameters (bandit B608).
    sql = f"INSERT INTO {table} ({names}) SELECT {select} FROM {table} s {join} {where}"  # nosec B608
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return max(cursor.rowcount, 0)


# Secondary indexes down for the copies, up once at the end (what pg_restore does).


def secondary_indexes(tables: Sequence[str]) -> list[tuple[str, str, str]]:
    """The non-unique indexes of ``tables`` that no constraint uses, as (table, name, the
    statement that makes it): keys and unique constraints stay, since the copies rely on them."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT t.relname, i.relname, pg_get_indexdef(x.indexrelid) "
                "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
                "JOIN pg_class t ON t.oid = x.indrelid "
                "WHERE t.relname = ANY(%s) AND t.relnamespace = current_schema()::regnamespace "
                "AND NOT x.indisunique AND NOT x.indisprimary "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid) "
                "ORDER BY t.relname, i.relname",
                [list(tables)],
            )
            return [(t, n, d) for t, n, d in cursor.fetchall()]
        marks = ", ".join(["%s"] * len(tables))
        # Placeholders only; the table names are parameters (bandit B608).
        cursor.execute(
            "SELECT tbl_name, name, sql FROM sqlite_master WHERE type = 'index' "  # nosec B608
            f"AND tbl_name IN ({marks}) AND sql IS NOT NULL ORDER BY tbl_name, name",
            list(tables),
        )
        return [
            (t, n, d)
            for t, n, d in cursor.fetchall()
            if not d.lstrip().upper().startswith("CREATE UNIQUE")
        ]


def drop_secondary_indexes(tables: Sequence[str]) -> int:
    """Drop the secondary indexes of ``tables``, each recorded as a ``DroppedIndex`` row in the
    same transaction (so an interruption leaves either the index or the row that restores it).
    Returns how many."""
    from spinepath.registry.models import DroppedIndex

    quote = connection.ops.quote_name
    with transaction.atomic():
        found = secondary_indexes(tables)
        with connection.cursor() as cursor:
            for table, name, definition in found:
                DroppedIndex.objects.create(table=table, name=name, definition=definition)
                cursor.execute(f"DROP INDEX {quote(name)}")
    return len(found)


def restore_indexes(progress: Callable[[str], None] | None = None, *, workers: int = 1) -> int:
    """Make again every index a build dropped (``DroppedIndex``), one committed transaction
    each; on PostgreSQL with a large ``maintenance_work_mem`` for the sorts, and ``workers``
    indexes at a time (threads with their own connections: an index build is one backend's
    sort). Safe to repeat: an index already there is not made twice. Returns how many were
    made."""
    from spinepath.registry.models import DroppedIndex

    say = progress or (lambda _: None)
    rows = list(DroppedIndex.objects.order_by("pk"))
    if workers <= 1 or len(rows) < 2 or connection.in_atomic_block:
        return _restore(rows, say)
    # The largest tables' indexes first, so the last to finish is a small one.
    rows.sort(key=lambda row: -_table_size(row.table))
    pending = list(reversed(rows))
    lock = threading.Lock()
    made: list[int] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            while True:
                with lock:
                    if not pending or errors:
                        return
                    row = pending.pop()
                made.append(_restore([row], say))
        except BaseException as error:  # re-raised by the caller's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, daemon=True) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return sum(made)


def _table_size(table: str) -> int:
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            return 0
        cursor.execute(
            "SELECT pg_relation_size(to_regclass(%s))", [connection.ops.quote_name(table)]
        )
        found = cursor.fetchone()
        return int(found[0] or 0) if found else 0


def _restore(rows: Sequence[Any], say: Callable[[str], None]) -> int:
    """Make ``rows``' indexes on this thread's connection; returns how many were made."""
    made = 0
    postgres = connection.vendor == "postgresql"
    # Inside a caller's transaction (tests) rows may still wait for their deferred foreign-key
    # checks, and PostgreSQL will not index a table with pending checks: run them now.
    checks_now = postgres and connection.in_atomic_block
    with connection.cursor() as cursor:
        if postgres:
            cursor.execute("SET maintenance_work_mem = '1GB'")
        if checks_now:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        try:
            for row in rows:
                started = time.perf_counter()
                with transaction.atomic():
                    if not _index_exists(row.name):
                        cursor.execute(row.definition)
                        made += 1
                    row.delete()
                say(f"  index {row.name}: {time.perf_counter() - started:.1f} s")
        finally:
            if checks_now:
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            if postgres:
                cursor.execute("RESET maintenance_work_mem")
    return made


def _index_exists(name: str) -> bool:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [connection.ops.quote_name(name)])
        else:
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = %s", [name]
            )
        return bool(cursor.fetchone()[0])


def analyze(tables: Sequence[str]) -> None:
    """On PostgreSQL, the planner's statistics of ``tables`` after the copies multiplied them
    (sampled; autovacuum would get there later, after the first dashboards were planned on a
    twentieth of the rows)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
