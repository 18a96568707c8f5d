"""``manage.py restore PATH [--force]``: a backup back into the database, then ``verify_audit``."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from spinepath.accounts.backup import restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `backup`. Refuses a database that holds any row unless --force;"
        " verifies the audit log's chain afterwards (exit 1 if it fails)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path")
        parser.add_argument(
            "--force", action="store_true", help="replace a database that holds data"
        )

    def handle(self, *args: Any, path: str, force: bool, **options: Any) -> None:
        source = Path(path).resolve()
        restore(connection, source, force=force)
        self.stdout.write(f"Restored {source}.")
        out, err = StringIO(), StringIO()
        try:
            call_command("verify_audit", stdout=out, stderr=err)
        except CommandError as exc:
            self.stderr.write(err.getvalue())
            raise CommandError(f"Restored, but the audit log does not verify: {exc}") from exc
        self.stdout.write(out.getvalue().strip())
