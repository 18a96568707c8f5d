"""``manage.py backup PATH``: the whole database to a new file (see ``accounts/backup.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection

from spinepath.accounts.backup import backup


class Command(BaseCommand):
    help = "Back up the database to a new file: SQLite's online backup, or pg_dump's custom format."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", help="a new file (an existing one is never overwritten)")

    def handle(self, *args: Any, path: str, **options: Any) -> None:
        target = Path(path).resolve()
        backup(connection, target)
        self.stdout.write(f"Backed up to {target} ({target.stat().st_size:,} bytes).")
