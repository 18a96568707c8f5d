"""``python manage.py refresh_outcomes``: rebuild the outcome facts from the source tables.

The hooks keep the facts current; this remakes them all (after a bulk import, a change of the
relief definitions, or to repair), in one transaction, and prints how long it took.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from spinepath.analytics.facts import rebuild_outcomes
from spinepath.analytics.summary import refresh_summary


class Command(BaseCommand):
    help = "Recompute the outcome facts (analytics) of every procedure, or of the ids given."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("procedure_ids", nargs="*", type=int, help="Only these procedures.")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        ids = options["procedure_ids"] or None
        count = rebuild_outcomes(ids)
        seconds = time.perf_counter() - started
        self.stdout.write(f"Outcome facts of {count} procedures rebuilt in {seconds:.1f} s.")
        started = time.perf_counter()
        rows = refresh_summary()
        seconds = time.perf_counter() - started
        self.stdout.write(f"Dashboard summary: {rows:,} rows in {seconds:.1f} s.")
