"""The outcomes dashboard's pages against the hand-worked registry (``registry.py``): scope,
analysts' suppression, bad filters, the audited drill-down, the exports and the PDF report."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from django.test import Client
from openpyxl import load_workbook
from pypdf import PdfReader

from spinepath.accounts.models import AuditEvent
from spinepath.analytics.dashboard import panels, table_rows
from spinepath.analytics.queries import OutcomeFilters, scope_for
from spinepath.analytics.views import _number
from spinepath.testing import make_staff

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _names(registry, clinic) -> list[str]:
    return [p.family_name for p in registry.patients if p.clinic_id == clinic.pk]


def _row(html: str, caption_row: str) -> str:
    """The text of the table row starting with ``caption_row`` (tags stripped)."""
    import re

    for row in re.findall(r"<tr>(.*?)</tr>", html, flags=re.S):
        text = " ".join(re.sub(r"<[^>]+>", " ", row).split())
        if text.startswith(caption_row):
            return text
    raise AssertionError(f"no row {caption_row!r}")


def test_clinic_staff_see_their_clinic_only(registry):
    page = _client(registry.clinician_a).get("/outcomes/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "8 procedures," in html  # P1–P7 and P9 (P8 entered in error; B1 in clinic B)
    assert _row(html, "2 weeks 5 4 80.0").startswith("2 weeks 5 4 80.0")
    assert "<svg" in html
    other = _client(registry.clinician_b).get("/outcomes/").content.decode()
    assert "1 procedure," in other
    assert _row(other, "2 weeks").startswith("2 weeks 1 1 100.0")
    # A clinic's staff cannot widen their scope with another clinic's code.
    asked = _client(registry.clinician_b).get("/outcomes/?clinic=ta").content.decode()
    assert "1 procedure," in asked
    assert "8 procedures," not in asked


def test_analysts_see_small_counts_suppressed_and_no_identifier(registry):
    page = _client(registry.analyst_a).get("/outcomes/")
    assert page.status_code == 200
    html = page.content.decode()
    # 2w: 5 measured (shown), 4 meaningful and 3 substantial (withheld, and so their rates).
    assert _row(html, "2 weeks").startswith("2 weeks 5 suppressed suppressed suppressed")
    assert "/outcomes/procedures/" not in html  # no drill-down for analysts
    for patient in registry.patients:
        for identifier in (patient.family_name, patient.given_name, patient.nhs_number):
            assert identifier not in html
    assert registry.clinician_a.display_name not in html
    assert "Download research extract" in html


def test_a_bad_filter_says_so_and_shows_every_procedure(registry):
    page = _client(registry.clinician_a).get("/outcomes/?date_from=yesterday&condition=gout")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Some filters were not understood" in html
    assert "Enter a valid date." in html
    assert "8 procedures," in html
    reversed_period = _client(registry.clinician_a).get(
        "/outcomes/?date_from=2026-02-01&date_to=2026-01-01"
    )
    assert "The end of the period is before its start." in reversed_period.content.decode()


def test_a_filter_changes_the_figures(registry):
    html = (
        _client(registry.clinician_a).get("/outcomes/?repeat=yes&date_from=2000-01-01").content
    ).decode()
    assert "1 procedure," in html  # P9, the repeat injection


def test_drill_down_lists_the_patients_behind_a_figure_and_audits_each(registry):
    client = _client(registry.clinician_a)
    page = client.get("/outcomes/?")
    link = "/outcomes/procedures/?at=2w&amp;outcome=meaningful"
    assert link in page.content.decode()
    before = AuditEvent.objects.count()
    listed = client.get("/outcomes/procedures/?at=2w&outcome=meaningful")
    assert listed.status_code == 200
    html = listed.content.decode()
    wanted = {"P1", "P2", "P4", "P7"}  # meaningful relief at 2 weeks
    for name, record in registry.records.items():
        family = record.episode.patient.family_name
        if name in wanted:
            assert family in html
        elif name not in {"P9"}:  # P9 is P1's repeat: the same patient
            assert family not in html
    reads = AuditEvent.objects.filter(
        action=AuditEvent.Action.READ, model="patients.Patient", pk__gt=0
    ).order_by("-pk")[: AuditEvent.objects.count() - before]
    read_patients = {e.patient_id for e in reads}
    assert {str(registry.records[n].episode.patient_id) for n in wanted} <= read_patients
    # Analysts never see the identifiable list.
    assert _client(registry.analyst_a).get("/outcomes/procedures/?at=2w").status_code == 403
    # Another clinic's staff never see clinic A's patients through it.
    other = _client(registry.clinician_b).get("/outcomes/procedures/").content.decode()
    for family in _names(registry, registry.clinic_a):
        assert family not in other


def test_csv_and_xlsx_match_the_panel(registry):
    client = _client(registry.clinician_a)
    from django.utils import timezone

    board = panels(OutcomeFilters(), scope_for(registry.clinician_a), on=timezone.localdate())
    expected = table_rows(board.panel("responders"))
    got = client.get("/outcomes/?format=csv&panel=responders")
    assert got["Content-Type"].startswith("text/csv")
    assert got["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(got.content.decode())))
    assert rows == expected
    assert rows[1][:4] == ["2 weeks", "5", "4", "80.0"]
    book = load_workbook(io.BytesIO(client.get("/outcomes/?format=xlsx&panel=responders").content))
    sheet = book.active
    values = [list(row) for row in sheet.iter_rows(min_row=2, max_row=3, values_only=True)]
    assert values == [[_number(v) for v in row] for row in expected[:2]]
    assert values[1][:4] == ["2 weeks", 5, 4, 80.0]
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.EXPORT, detail__figures="responders.xlsx"
    ).exists()
    # The analyst's export is suppressed like their page.
    analyst = list(
        csv.reader(
            io.StringIO(
                _client(registry.analyst_a)
                .get("/outcomes/?format=csv&panel=responders")
                .content.decode()
            )
        )
    )
    assert analyst[1][:3] == ["2 weeks", "5", "suppressed"]


def test_the_research_extract_is_for_analysts_and_administrators(registry):
    import zipfile

    got = _client(registry.analyst_a).get("/outcomes/research-extract.zip")
    assert got.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(got.content)).namelist()
    assert "procedures.parquet" in names and "data_dictionary.md" in names
    assert _client(registry.clinician_a).get("/outcomes/research-extract.zip").status_code == 403


def test_the_pdf_report_button_and_command(registry, tmp_path):
    got = _client(make_staff("adam", "admin", registry.clinic_a)).get("/outcomes/?format=pdf")
    assert got["Content-Type"] == "application/pdf"
    assert got["Cache-Control"] == "no-store"
    out = tmp_path / "report.pdf"
    call_command(
        "outcome_report", "--clinic", "ta", "--from", "2000-01-01", "--to", "2100-01-01",
        "--out", str(out),
    )  # fmt: skip
    text = " ".join(page.extract_text() for page in PdfReader(out).pages)
    for words in (
        "Responder rates at each time point",
        "Responders at each follow-up",  # the chart's own title, drawn in the SVG
        "Duration of relief",
        "Clinic A",
    ):
        assert words in text
    assert AuditEvent.objects.filter(detail__figures="report.pdf").count() == 2
