"""Backing up and restoring the whole database (``manage.py backup`` / ``restore``).

SQLite: the online backup API (``sqlite3.Connection.backup``) copies a consistent snapshot page
by page while the service runs, and copies a backup back the same way. PostgreSQL: ``pg_dump``
in its custom format (compressed, restorable table by table) and ``pg_restore`` in one
transaction, so a failed restore leaves the database as it was. The password, if any, goes to
the tools in their environment (``PGPASSWORD``), never on a command line.

A restore refuses a database that holds any row unless told ``force``; afterwards it runs
``verify_audit`` so the restored audit log is known to be whole.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3

# Argument lists only, never a shell (bandit B404).
import subprocess  # nosec B404
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.db.backends.base.base import BaseDatabaseWrapper

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"


def nonempty_tables(connection: BaseDatabaseWrapper) -> list[str]:
    """The tables that hold at least one row."""
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        found = []
        for table in sorted(tables):
            # The table's name from the models, quoted (bandit B608).
            cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")  # nosec B608
            if cursor.fetchone():
                found.append(table)
    return found


def fingerprints(connection: BaseDatabaseWrapper) -> dict[str, tuple[int, str]]:
    """Each table's row count and a SHA-256 of its rows in order of every column."""
    result = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            width = len(connection.introspection.get_table_description(cursor, table))
            order = ", ".join(str(i) for i in range(1, width + 1))
            # Names from the models, quoted (bandit B608).
            sql = f"SELECT * FROM {connection.ops.quote_name(table)} ORDER BY {order}"  # nosec B608
            cursor.execute(sql)
            digest, count = hashlib.sha256(), 0
            for row in cursor.fetchall():
                count += 1
                digest.update(repr(tuple(_plain(v) for v in row)).encode() + b"\n")
            result[table] = (count, digest.hexdigest())
    return result


def _plain(value: object) -> object:
    return bytes(value) if isinstance(value, memoryview) else value


def backup(connection: BaseDatabaseWrapper, path: Path) -> None:
    if path.exists():
        raise CommandError(f"{path} already exists; give a new file name.")
    if not path.parent.is_dir():
        raise CommandError(f"{path.parent} is not a directory.")
    if connection.vendor == "sqlite":
        _sqlite_backup(connection, path)
    elif connection.vendor == "postgresql":
        _pg("pg_dump", connection, "--format=custom", f"--file={path}")
    else:
        raise CommandError(f"No backup for {connection.vendor}.")


def _sqlite_backup(connection: BaseDatabaseWrapper, path: Path) -> None:
    connection.ensure_connection()
    handle, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    os.close(handle)
    try:
        target = sqlite3.connect(partial)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
        os.replace(partial, path)  # a backup file is either whole or absent
    finally:
        Path(partial).unlink(missing_ok=True)


def restore(connection: BaseDatabaseWrapper, path: Path, *, force: bool) -> None:
    if not path.is_file():
        raise CommandError(f"{path} is not a file.")
    with path.open("rb") as f:
        head = f.read(16)
    expected = {"sqlite": SQLITE_MAGIC, "postgresql": PGDUMP_MAGIC}.get(connection.vendor)
    if expected is None:
        raise CommandError(f"No restore for {connection.vendor}.")
    if not head.startswith(expected):
        what = "an SQLite database" if connection.vendor == "sqlite" else "a pg_dump custom archive"
        raise CommandError(f"{path} is not {what}: nothing was restored.")
    holding = nonempty_tables(connection)
    if holding and not force:
        raise CommandError(
            f"The database is not empty ({len(holding)} tables hold rows): nothing was restored. "
            "restore --force replaces everything in it with the backup."
        )
    if connection.vendor == "sqlite":
        _sqlite_restore(connection, path)
    else:
        with connection.cursor() as cursor:
            any_tables = bool(connection.introspection.table_names(cursor))
        connection.close()  # no open transaction of ours in the way
        clean = ["--clean", "--if-exists"] if any_tables else []
        _pg(
            "pg_restore",
            connection,
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            *clean,
            str(path),
        )
    connection.close()
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()


def _sqlite_restore(connection: BaseDatabaseWrapper, path: Path) -> None:
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = source.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        if ("django_migrations",) not in tables:
            raise CommandError(f"{path} is not a spinepath database: nothing was restored.")
        connection.ensure_connection()
        if connection.in_atomic_block:
            raise CommandError("restore cannot run inside a transaction.")
        source.backup(connection.connection)
    finally:
        source.close()


def _pg(tool: str, connection: BaseDatabaseWrapper, *args: str) -> None:
    program = shutil.which(tool)
    if program is None:
        raise CommandError(f"{tool} is not installed (PostgreSQL's client tools).")
    settings: dict[str, Any] = connection.settings_dict
    command = [program, f"--dbname={settings['NAME']}"]
    if settings.get("HOST"):
        command.append(f"--host={settings['HOST']}")
    if settings.get("PORT"):
        command.append(f"--port={settings['PORT']}")
    if settings.get("USER"):
        command.append(f"--username={settings['USER']}")
    env = dict(os.environ)
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings["PASSWORD"])
    done = subprocess.run(
        [*command, "--no-password", *args],
        env=env,
        capture_output=True,
        text=True,
        # Argument list from settings, no shell (bandit B603).
    )  # nosec B603
    if done.returncode != 0:
        raise CommandError(f"{tool} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
