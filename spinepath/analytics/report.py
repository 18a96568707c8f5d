"""The periodic outcomes report as a PDF: the dashboard's panels (same SVG charts, same tables)
through WeasyPrint, offline, like the consent form and the leaflets. One helper for the
dashboard's "Download PDF report" button and ``manage.py outcome_report``."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from spinepath.analytics.dashboard import Dashboard


def report_html(board: Dashboard, *, heading: str) -> str:
    return render_to_string(
        "analytics/report_pdf.html",
        {"board": board, "heading": heading, "printed_at": timezone.localtime()},
    )


def report_pdf_bytes(board: Dashboard, *, heading: str) -> bytes:
    from weasyprint import HTML

    from spinepath.procedures.pdf import OfflineFetcher, _static_dir

    html = HTML(
        string=report_html(board, heading=heading),
        base_url=_static_dir(),
        url_fetcher=OfflineFetcher(),
    )
    return html.write_pdf()  # type: ignore[no-any-return]
