"""The printable consent form: WeasyPrint, offline (static files and data: URLs only)."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from spinepath.clinical.consent_info import FREQUENCY_BAND_MEANINGS
from spinepath.procedures.models import Consent


def _static_dir() -> str:
    return str(settings.BASE_DIR / "static") + "/"


class OfflineFetcher(URLFetcher):  # type: ignore[misc]
    """Only data: URLs (a drawn signature) and files under the static directory; no network."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False)

    def fetch(self, url: str, headers: object = None) -> object:
        if url.startswith("file:") and not url.startswith("file://" + _static_dir()):
            raise ValueError(f"The consent PDF may not read {url!r}")
        return super().fetch(url, headers)


def consent_pdf_html(consent: Consent) -> str:
    episode = consent.episode
    return render_to_string(
        "procedures/consent_pdf.html",
        {
            "consent": consent,
            "episode": episode,
            "patient": episode.patient,
            "clinic": episode.patient.clinic,
            "information": consent.information,
            "frequency_key": list(FREQUENCY_BAND_MEANINGS.values()),
            "printed_at": timezone.localtime(),
        },
    )


def consent_pdf_bytes(consent: Consent) -> bytes:
    html = HTML(
        string=consent_pdf_html(consent), base_url=_static_dir(), url_fetcher=OfflineFetcher()
    )
    return html.write_pdf()  # type: ignore[no-any-return]
