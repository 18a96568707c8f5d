"""Leaflets as PDF: WeasyPrint, offline (static files only), like the consent form."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from weasyprint import HTML

from spinepath.procedures.pdf import OfflineFetcher, _static_dir


def leaflet_html(body_template: str, context: dict[str, Any]) -> str:
    return render_to_string("aftercare/leaflet_pdf.html", {**context, "body": body_template})


def leaflet_pdf_bytes(body_template: str, context: dict[str, Any]) -> bytes:
    html = HTML(
        string=leaflet_html(body_template, context),
        base_url=_static_dir(),
        url_fetcher=OfflineFetcher(),
    )
    return html.write_pdf()  # type: ignore[no-any-return]
