"""``python manage.py outcome_report --clinic CODE --from YYYY-MM-DD --to YYYY-MM-DD [--out F]``.

The periodic outcomes report: the dashboard's panels for one clinic and period as a PDF (the same
helper as the dashboard's "Download PDF report" button), with clinic staff's full figures. The
export is audited as a system export.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from spinepath.accounts.models import Clinic
from spinepath.analytics.audit import record_figures
from spinepath.analytics.dashboard import panels
from spinepath.analytics.queries import LABELS, OutcomeFilters, Scope
from spinepath.analytics.report import report_pdf_bytes


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{text!r} is not a date (YYYY-MM-DD).") from None


class Command(BaseCommand):
    help = "Write a clinic's outcomes report for a period as a PDF."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--clinic", required=True, help="The clinic's code.")
        parser.add_argument("--from", dest="date_from", required=True, help="YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", required=True, help="YYYY-MM-DD")
        parser.add_argument("--out", type=Path, help="The PDF to write (default outcomes-….pdf).")
        parser.add_argument(
            "--timepoint", default="6w", choices=LABELS, help="The funnel plot's time point."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        clinic = Clinic.objects.filter(code=options["clinic"]).first()
        if clinic is None:
            raise CommandError(f"No clinic has the code {options['clinic']!r}.")
        start, end = _day(options["date_from"]), _day(options["date_to"])
        if end < start:
            raise CommandError("--to is before --from.")
        out = options["out"] or Path(f"outcomes-{clinic.code}-{start}-{end}.pdf")
        scope = Scope(clinic_ids=frozenset({clinic.pk}), pseudonymised=False)
        filters = OutcomeFilters(date_from=start, date_to=end)
        board = panels(filters, scope, on=timezone.localdate(), timepoint=options["timepoint"])
        heading = f"{clinic.name}, procedures from {start} to {end}"
        out.write_bytes(report_pdf_bytes(board, heading=heading))
        record_figures(None, None, "report.pdf", filters, scope, export=True)
        self.stdout.write(f"Outcomes report for {clinic.name} written to {out}.")
