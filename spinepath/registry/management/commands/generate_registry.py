"""``python manage.py generate_registry --procedures N --seed S [--clinics K]`` (api.md)."""

from __future__ import annotations

import signal
import time
from datetime import UTC, datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from spinepath.analytics.summary import refresh_summary
from spinepath.registry.generate import DEFAULT_END, RegistryExists, generate, server_cpu
from spinepath.registry.replicate import restore_indexes


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


class Command(BaseCommand):
    help = (
        "Add a deterministic synthetic registry (clinics, staff, patients, episodes, assessments, "
        "decisions, consents, procedures, follow-up answers) in bulk. Same N and S, same data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--procedures", type=int, help="How many procedures.")
        parser.add_argument("--seed", type=int, help="Seed: same seed, same data.")
        parser.add_argument(
            "--repair-indexes",
            action="store_true",
            help="Only make again the secondary indexes an interrupted build dropped.",
        )
        parser.add_argument(
            "--clinics", type=int, default=None, help="New clinics (default: 1 per 50,000, ≥ 3)."
        )
        parser.add_argument(
            "--end",
            default=None,
            help=f"The registry's last day, YYYY-MM-DD (default {DEFAULT_END:%Y-%m-%d}, "
            "or today if earlier).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["repair_indexes"]:
            started = time.perf_counter()
            made = restore_indexes(lambda text: self.stdout.write(text))
            self.stdout.write(
                f"Indexes made again: {made} in {time.perf_counter() - started:.1f} s."
            )
            return
        n, seed, clinics = options["procedures"], options["seed"], options["clinics"]
        if n is None or seed is None:
            raise CommandError("Give --procedures and --seed (or --repair-indexes).")
        if n < 1:
            raise CommandError("--procedures must be at least 1.")
        if clinics is not None and clinics < 1:
            raise CommandError("--clinics must be at least 1.")
        at = None
        if options["end"]:
            try:
                on = datetime.strptime(options["end"], "%Y-%m-%d")
            except ValueError:
                raise CommandError("--end must be a date, YYYY-MM-DD.") from None
            at = on.replace(hour=18, tzinfo=UTC)
        verbose = options["verbosity"] > 1
        # A plain kill stops the build as Ctrl-C does: the open copy rolls back and the indexes
        # the copies took down are made again (the generator's finally) before the process ends.
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            result = generate(
                n,
                seed,
                clinics,
                at,
                progress=(lambda text: self.stdout.write(text)) if verbose else None,
            )
        except RegistryExists as error:
            raise CommandError(str(error)) from None
        rate = result.total_rows / result.seconds if result.seconds else 0
        self.stdout.write(
            f"Registry seed {seed}: {result.procedures:,} procedures, {result.patients:,} "
            f"patients in {len(result.clinics)} clinics; {result.total_rows:,} rows in "
            f"{result.seconds:.1f} s ({rate:,.0f} rows/s, "
            f"{result.procedures / result.seconds:,.0f} procedures/s), outcome facts included; "
            f"{result.library_procedures:,} procedures written story by story, "
            f"{result.copies} copies of them."
        )
        # The dashboard's summary tables, added up from the facts (as the worker does later).
        started, server = time.perf_counter(), server_cpu()
        rows = refresh_summary()
        self.stdout.write(
            f"Dashboard summary: {rows:,} rows in {time.perf_counter() - started:.1f} s."
        )
        if verbose and server is not None:
            self.stdout.write(
                f"phase summary refresh: {(server_cpu() or server) - server:.1f} s CPU "
                "(database backend, without its parallel workers)"
            )
