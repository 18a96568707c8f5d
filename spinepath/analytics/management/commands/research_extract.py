"""``python manage.py research_extract --out DIR [--clinic CODE]`` (api.md "Research extract").

Writes procedures and responses as Parquet and CSV with ``data_dictionary.md``: pseudonymised,
with no identifier, exact date or free text (``analytics/extract.py`` says how). The export is
audited as a system export.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from spinepath.accounts.models import Clinic
from spinepath.analytics.audit import record_figures
from spinepath.analytics.extract import write_extract
from spinepath.analytics.queries import OutcomeFilters, Scope


class Command(BaseCommand):
    help = "Write the pseudonymised research extract (Parquet, CSV, data dictionary) to --out."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, type=Path, help="Directory to write into.")
        parser.add_argument("--clinic", help="Only this clinic (its code).")

    def handle(self, *args: Any, **options: Any) -> None:
        clinic = options["clinic"]
        scope = Scope(clinic_ids=None, pseudonymised=True)
        if clinic is not None:
            found = Clinic.objects.filter(code=clinic).first()
            if found is None:
                raise CommandError(f"No clinic has the code {clinic!r}.")
            scope = Scope(clinic_ids=frozenset({found.pk}), pseudonymised=True)
        written = write_extract(options["out"], clinic=clinic)
        record_figures(
            None, None, "research_extract", OutcomeFilters(clinic=clinic), scope, export=True
        )
        self.stdout.write(
            f"{written.procedures} procedures and {written.responses} responses written to "
            f"{written.directory} (Parquet, CSV, data_dictionary.md)."
        )
