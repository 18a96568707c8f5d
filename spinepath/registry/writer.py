"""Rows into tables as fast as each database takes them, every column named.

``TableWriter`` takes rows as tuples in a fixed column order and writes them in batches: on
PostgreSQL with ``COPY … FROM STDIN`` (psycopg 3 ``cursor.copy``), elsewhere with one
``executemany`` of the INSERT that ``bulk_create`` would compile (same SQL, without building a
model instance per row). Values must already be in the database's own form; ``Formats`` gives
the few conversions that differ between the backends (UUIDs, times, JSON).

Every writer checks at start that its columns are exactly the model's concrete columns, so a
column added by a later migration fails here at once instead of writing NULL into NOT NULL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from django.db import connection, models

BATCH = 20_000


class Formats:
    """Python values in the form the connected database stores them."""

    def __init__(self) -> None:
        self.postgres = connection.vendor == "postgresql"

    def uuid(self, value: UUID) -> Any:
        return value if self.postgres else value.hex

    def dt(self, value: datetime | None) -> Any:
        if value is None:
            return None
        if self.postgres:
            return value
        # Django's SQLite backend stores naive UTC "YYYY-MM-DD HH:MM:SS[.ffffff]".
        if value.tzinfo is UTC:
            return value.isoformat(" ")[:-6]  # drop "+00:00"
        return str(value.astimezone(UTC).replace(tzinfo=None))

    def date(self, value: date | None) -> Any:
        return None if value is None else value.isoformat()

    def json(self, value: Any) -> str:
        return json.dumps(value)  # as JSONField writes it

    def bool(self, value: bool | None) -> Any:
        if value is None or self.postgres:
            return value
        return int(value)


class TableWriter:
    def __init__(self, model: type[models.Model], columns: Sequence[str]) -> None:
        self.model = model
        self.table = model._meta.db_table
        self.columns = tuple(columns)
        expected = [f.column for f in model._meta.concrete_fields]
        if sorted(expected) != sorted(self.columns):
            missing = sorted(set(expected) - set(self.columns))
            extra = sorted(set(self.columns) - set(expected))
            raise RuntimeError(
                f"{model._meta.label}: columns do not match the model "
                f"(missing {missing}, unknown {extra})"
            )
        self.rows: list[tuple[Any, ...]] = []
        self.count = 0
        self.postgres = connection.vendor == "postgresql"
        quote = connection.ops.quote_name
        names = ", ".join(quote(c) for c in self.columns)
        if self.postgres:
            self.sql = f"COPY {quote(self.table)} ({names}) FROM STDIN"
        else:
            marks = ", ".join(["%s"] * len(self.columns))
            # SQL names from the models, quoted; values are parameters (bandit B608).
            self.sql = f"INSERT INTO {quote(self.table)} ({names}) VALUES ({marks})"  # nosec B608

    def add(self, row: tuple[Any, ...]) -> None:
        self.rows.append(row)
        if len(self.rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        rows, self.rows = self.rows, []
        with connection.cursor() as cursor:
            if self.postgres:
                with cursor.cursor.copy(self.sql) as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                cursor.executemany(self.sql, rows)
        self.count += len(rows)


@contextmanager
def fast_sqlite() -> Iterator[None]:
    """On SQLite, a large page cache while the registry is written (random UUID keys touch
    pages all over their indexes); the connection's own setting is restored after."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]
        cursor.execute("PRAGMA cache_size = -262144")  # 256 MB
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


def next_id(model: type[models.Model]) -> int:
    """The first free integer key of ``model`` (ids are given explicitly, so rows can refer to
    each other before they are written)."""
    found = model._default_manager.aggregate(top=models.Max("pk"))["top"]
    return (found or 0) + 1


def reset_sequences(model_list: Sequence[type[models.Model]]) -> None:
    """After explicit ids, move PostgreSQL's sequences past them (SQLite follows by itself)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in model_list:
            if not isinstance(model._meta.pk, models.AutoField | models.BigAutoField):
                continue  # UUID keys have no sequence
            table, pk = model._meta.db_table, model._meta.pk.column
            cursor.execute(
                # SQL names from the models, quoted (bandit B608).
                f"SELECT setval(pg_get_serial_sequence(%s, %s), "  # nosec B608
                f'COALESCE((SELECT MAX("{pk}") FROM "{table}"), 0) + 1, false)',
                [table, pk],
            )
