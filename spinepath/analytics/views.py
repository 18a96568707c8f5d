"""The outcomes dashboard (issue 13): page, drill-down, CSV/XLSX exports, PDF report, extract.

Thin: the query string becomes ``OutcomeFilters`` through ``OutcomeFilterForm``, the person's role
a ``Scope`` (``queries.scope_for``), and ``dashboard.panels`` answers for the page, the exports
and the PDF alike. Every view is audited: figures through ``analytics.audit.record_figures``
(filters and scope, no patient), and each patient a drill-down lists as a read of that patient.

The drill-down is identifiable, so it is for clinic staff only: analysts (and registry-wide
accounts of no clinic) get 403 there; their dashboard offers no drill-down links.
"""

from __future__ import annotations

import csv
import io
import tempfile
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from spinepath.accounts import access, audit
from spinepath.accounts.models import AuditEvent, Clinic, User
from spinepath.analytics.audit import record_figures
from spinepath.analytics.dashboard import PANELS, Dashboard, Panel, panels, table_rows
from spinepath.analytics.forms import OutcomeFilterForm
from spinepath.analytics.queries import (
    DRILL_OUTCOMES,
    LABELS,
    Drill,
    OutcomeFilters,
    Scope,
    drill_down,
    scope_for,
)
from spinepath.analytics.report import report_pdf_bytes

FILTER_NAMES = (
    "date_from",
    "date_to",
    "condition",
    "procedure",
    "imaging",
    "clinician",
    "clinic",
    "startback",
    "steroid",
    "repeat",
    "timepoint",
)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _setup(request: HttpRequest) -> tuple[User, Scope, OutcomeFilterForm, OutcomeFilters, str]:
    """The person's scope and the filters asked for; bad input leaves every filter off with a
    message (the form shows which field and why)."""
    user = _user(request)
    access.ensure_may(user, access.Task.OUTCOMES)
    scope = scope_for(user)
    data = request.GET.copy() if any(n in request.GET for n in FILTER_NAMES) else None
    form = OutcomeFilterForm(data, user=user, scope=scope)
    if form.is_bound and form.is_valid():
        return user, scope, form, form.filters(), form.funnel_timepoint()
    if form.is_bound:
        messages.error(
            request, "Some filters were not understood, so no filter is applied: see below."
        )
    return user, scope, form, OutcomeFilters(), "6w"


def _query(request: HttpRequest, **extra: Any) -> str:
    """The page's filters (only those set) with ``extra``, as a query string."""
    kept = {n: request.GET[n] for n in FILTER_NAMES if request.GET.get(n)}
    kept.update({k: v for k, v in extra.items() if v is not None})
    return urlencode(kept)


def _heading(filters: OutcomeFilters, user: User, scope: Scope) -> str:
    if scope.registry_wide:
        where = f"clinic {filters.clinic}" if filters.clinic else "every clinic"
    else:
        clinic = Clinic.objects.filter(pk=user.clinic_id).first()
        where = clinic.name if clinic else "your clinic"
    start = filters.date_from.isoformat() if filters.date_from else "the start"
    end = filters.date_to.isoformat() if filters.date_to else "today"
    return f"{where}, procedures from {start} to {end}"


@require_safe
@login_required
def outcomes(request: HttpRequest) -> HttpResponse:
    user, scope, form, filters, timepoint = _setup(request)
    wanted = request.GET.get("format")
    if wanted in ("csv", "xlsx"):
        return _export(request, user, scope, filters, timepoint, wanted)
    if wanted == "pdf":
        return _pdf(request, user, scope, filters, timepoint)
    board = panels(filters, scope, on=timezone.localdate(), timepoint=timepoint)
    record_figures(request, user, "dashboard", filters, scope)
    drill = user.may_see_patients
    for panel in board.panels:
        for row in panel.rows:
            row[:] = [
                _Linked(cell, _drill_url(request, cell.drill) if drill and cell.drill else "")
                for cell in row
            ]
    return render(
        request,
        "analytics/outcomes.html",
        {
            "form": form,
            "board": board,
            "heading": _heading(filters, user, scope),
            "query": _query(request),
            "panel_names": PANELS,
            "may_extract": access.may(user, access.Task.RESEARCH_EXTRACT),
        },
    )


class _Linked:
    """A table cell with its drill-down address (empty when none)."""

    def __init__(self, cell: Any, url: str) -> None:
        self.text = cell.text
        self.suppressed = cell.value is None
        self.url = url


def _drill_params(drill: Drill) -> dict[str, Any]:
    """The drill-down's query parameters (its time point as ``at``: ``timepoint`` is the
    funnel's filter)."""
    return {("at" if name == "timepoint" else name): v for name, v in drill.as_dict().items()}


def _drill_url(request: HttpRequest, drill: Drill) -> str:
    return "/outcomes/procedures/?" + _query(request, **_drill_params(drill))


# --- Drill-down --------------------------------------------------------------------------------


def _drill_from(request: HttpRequest) -> Drill | str:
    """The drill-down asked for, or the reason it was not understood."""
    get = request.GET
    timepoint = get.get("at") or None
    outcome = get.get("outcome") or None
    if timepoint is not None and timepoint not in LABELS:
        return "No such time point."
    if outcome is not None and outcome not in DRILL_OUTCOMES:
        return "No such outcome."
    numbers: dict[str, int | None] = {}
    for name in ("pgic", "clinician"):
        raw = get.get(name)
        if raw in (None, ""):
            numbers[name] = None
            continue
        try:
            numbers[name] = int(raw)  # type: ignore[arg-type]
        except ValueError:
            return f"The {name} must be a number."
    return Drill(
        timepoint=timepoint,
        outcome=outcome,
        complication=get.get("complication") or None,
        decision=get.get("decision") or None,
        pgic=numbers["pgic"],
        clinician=numbers["clinician"],
    )


@require_safe
@access.patient_staff_required
def procedures(request: HttpRequest) -> HttpResponse:
    """The procedures behind one figure, identifiable: clinic staff only, every patient listed
    an audited read."""
    user, scope, form, filters, _ = _setup(request)
    drill = _drill_from(request)
    if isinstance(drill, str):
        messages.error(request, f"{drill} Showing every procedure of the filters instead.")
        drill = Drill()
    # Identifiable: a restricted record (patients/rights.py) is not listed, though it is counted.
    found = (
        drill_down(filters, scope, drill, on=timezone.localdate())
        .filter(patient__restricted_at__isnull=True)
        .select_related("patient", "episode", "operator")
    )
    page = Paginator(found, 50).get_page(request.GET.get("page"))
    for outcome in page:
        audit.record(request, AuditEvent.Action.READ, outcome.patient, detail={"via": "outcomes"})
    record_figures(request, user, "drill_down", filters, scope)
    return render(
        request,
        "analytics/procedures.html",
        {
            "page": page,
            "drill": drill.as_dict(),
            "heading": _heading(filters, user, scope),
            "back": "/outcomes/?" + _query(request),
            "query": _query(request, **_drill_params(drill)),
        },
    )


# --- Exports -----------------------------------------------------------------------------------


def _export(
    request: HttpRequest,
    user: User,
    scope: Scope,
    filters: OutcomeFilters,
    timepoint: str,
    wanted: str,
) -> HttpResponse:
    key = request.GET.get("panel", "")
    if key not in PANELS:
        messages.error(request, "Choose a panel to export.")
        return redirect("/outcomes/?" + _query(request))
    board = panels(filters, scope, on=timezone.localdate(), timepoint=timepoint)
    panel = board.panel(key)
    rows = table_rows(panel)
    if wanted == "csv":
        buffer = io.StringIO()
        csv.writer(buffer).writerows(rows)
        body: bytes = buffer.getvalue().encode("utf-8")
        content_type = "text/csv; charset=utf-8"
    else:
        body = _xlsx(panel, rows)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="outcomes-{key}.{wanted}"'
    response["Cache-Control"] = "no-store"
    record_figures(request, user, f"{key}.{wanted}", filters, scope, export=True)
    return response


def _xlsx(panel: Panel, rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = panel.key
    sheet.append([panel.title])
    for row in rows:
        sheet.append([_number(value) for value in row])
    if panel.note:
        sheet.append([])
        sheet.append([panel.note])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _number(text: Any) -> Any:
    """A table's text as a number where it is one (so a spreadsheet can sum it)."""
    try:
        return int(text)
    except (TypeError, ValueError):
        pass
    try:
        return float(text)
    except (TypeError, ValueError):
        return text


def _pdf(
    request: HttpRequest, user: User, scope: Scope, filters: OutcomeFilters, timepoint: str
) -> HttpResponse:
    board: Dashboard = panels(filters, scope, on=timezone.localdate(), timepoint=timepoint)
    body = report_pdf_bytes(board, heading=_heading(filters, user, scope))
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="outcomes-report.pdf"'
    response["Cache-Control"] = "no-store"
    record_figures(request, user, "report.pdf", filters, scope, export=True)
    return response


@require_safe
@login_required
def research_extract(request: HttpRequest) -> HttpResponse:
    """The pseudonymised research extract (analytics/extract.py) as one zip: analysts and
    administrators; a clinic's people get their clinic's, a registry-wide analyst every clinic's."""
    user = _user(request)
    access.ensure_may(user, access.Task.RESEARCH_EXTRACT)
    scope = scope_for(user)
    from spinepath.analytics.extract import write_extract

    clinic = None
    if not scope.registry_wide:
        clinic = Clinic.objects.values_list("code", flat=True).get(pk=user.clinic_id)
    with tempfile.TemporaryDirectory() as directory:
        written = write_extract(Path(directory), clinic=clinic)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in written.files:
                archive.write(path, path.name)
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = 'attachment; filename="research-extract.zip"'
    response["Cache-Control"] = "no-store"
    scope = Scope(clinic_ids=scope.clinic_ids, pseudonymised=True)
    record_figures(
        request, user, "research_extract", OutcomeFilters(clinic=clinic), scope, export=True
    )
    return response
