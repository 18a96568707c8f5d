"""`seed_demo`: load the deterministic synthetic demo world (never on a live system)."""

from datetime import date
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings
from django.utils import timezone

from spinepath.demo.seed import build_demo, demo_data_present


class Command(BaseCommand):
    help = "Load deterministic synthetic demo data: two clinics, staff per role, patients."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--patients", type=int, default=60)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--today", type=date.fromisoformat, default=None)
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if demo data is already loaded."
        )
        parser.add_argument(
            "--force", action="store_true", help="Allow running with DEBUG off (never in live use)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "Refusing to load demo data with DEBUG off: this looks like a live system. "
                "Use --force only on a throwaway database."
            )
        if options["patients"] < 1 or options["patients"] > 100_000:
            raise CommandError("--patients must be between 1 and 100000.")
        if demo_data_present():
            if options["if_empty"]:
                self.stdout.write("Demo data already loaded; keeping it.")
                return
            raise CommandError("Demo data is already loaded. Use a fresh database to reload it.")
        # DEBUG keeps a log of every query and, on SQLite, runs one more query each to quote its
        # parameters for that log: a third of the build's time, for a log nobody reads here.
        with override_settings(DEBUG=False):
            world = build_demo(
                patients=options["patients"],
                seed=options["seed"],
                today=options["today"] or timezone.localdate(),
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {len(world.episodes)} demo patients in {len(world.clinics)} clinics."
            )
        )
        self.stdout.write(
            "Demo logins (password: "
            f"{settings.SPINEPATH_DEMO_PASSWORD}): "
            + ", ".join(sorted(user.username for user in world.staff.values()))
        )
