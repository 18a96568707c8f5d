"""A patient's steroid ledger for the patient page and the API.

Every steroid given here (``ProcedureRecord``) or recorded as given elsewhere (``PriorInjection``)
enters the ledger in methylprednisolone-equivalent mg; the arithmetic is the clinical core's
(``spinepath.clinical.exposure``), this module only gathers the records, labels their source and
lays out the chart. Nothing is stored: the ledger is always the record as it stands, so an entry
marked entered-in-error simply drops out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from uuid import UUID

from django.urls import NoReverseMatch, reverse
from django.utils.safestring import SafeString
from django.utils.text import capfirst

from spinepath.assessment.models import Assessment
from spinepath.clinical.exposure import (
    LedgerLine,
    RollingTotals,
    exposure_series,
    ledger_lines,
    next_eligible_date,
)
from spinepath.clinical.facts import InjectionSite
from spinepath.clinical.ruleset import RuleSetConfig
from spinepath.clinical.steroids import (
    GivenInjection,
    PlannedInjection,
    cumulative_12m_status,
    cumulative_36m_status,
)
from spinepath.clinical.vocab import Steroid
from spinepath.lib import fragments
from spinepath.lib.charts import Chart
from spinepath.lib.charts.ledger import LayoutKey, LedgerChartData, steroid_ledger
from spinepath.lib.dates import day, end_of_day
from spinepath.lib.prepared import Prepared
from spinepath.lib.wording import mg
from spinepath.patients.history import Injection, injections
from spinepath.patients.models import Patient, PriorInjection
from spinepath.procedures.models import ProcedureRecord

EQUIVALENCE_NOTE = (
    "Doses are added up as methylprednisolone-equivalent mg (MPE) by anti-inflammatory potency; "
    "relative potencies for depot and intra-articular injections may differ."
)


@dataclass(frozen=True)
class LedgerRow:
    """One ledger line with where the injection was given and, for ours, a link to the record."""

    line: LedgerLine
    source: str  # "here" or "elsewhere"
    record_id: int
    url: str | None
    where: str

    @property
    def source_label(self) -> str:
        if self.source == "here":
            return "Here"
        return f"Elsewhere ({self.where})" if self.where else "Elsewhere"

    @property
    def site_label(self) -> str:
        return self.line.site.value.replace("_", " ").capitalize()

    # The table's words, worked out here so the template only places text (``mg`` is
    # ``|floatformat:"-2"``, ``date_text`` is ``|date``).
    @property
    def date_text(self) -> str:
        return day(self.line.date)

    @property
    def steroid_text(self) -> str:
        return capfirst(str(self.line.steroid)) or ""

    @property
    def dose_text(self) -> str:
        return mg(self.line.dose_mg)

    @property
    def mpe_text(self) -> str:
        return mg(self.line.mpe_mg)

    @property
    def running_12m_text(self) -> str:
        return mg(self.line.running_12m_mpe_mg)

    @property
    def running_36m_text(self) -> str:
        return mg(self.line.running_36m_mpe_mg)


# One ``<tr>`` of the table in ``templates/procedures/_steroid_ledger.html``.
LEDGER_ROW = """
      <tr>
        <td>{date}</td>
        <td>{source}</td>
        <td>{site}</td>
        <td>{steroid}</td>
        <td class="num">{dose}</td>
        <td class="num">{mpe}</td>
        <td class="num">{running_12m}</td>
        <td class="num">{running_36m}</td>
      </tr>"""
LINKED = '<a href="{}">{}</a>'


def rows_html(rows: list[LedgerRow]) -> SafeString:
    return fragments.rows(
        LEDGER_ROW,
        (
            {
                "date": fragments.safe(
                    LINKED.format(fragments.text(row.url), fragments.text(row.date_text))
                    if row.url
                    else fragments.text(row.date_text)
                ),
                "source": row.source_label,
                "site": row.site_label,
                "steroid": row.steroid_text,
                "dose": row.dose_text,
                "mpe": row.mpe_text,
                "running_12m": row.running_12m_text,
                "running_36m": row.running_36m_text,
            }
            for row in rows
        ),
    )


@dataclass(frozen=True)
class Limits:
    """The steroid limits of the clinic's rule set, in MPE mg and days."""

    ruleset: str
    warn_12m_mpe_mg: float
    warn_36m_mpe_mg: float
    limit_12m_mpe_mg: float
    single_dose_warn_mpe_mg: float
    min_interval_days: int
    region_limit_count: int

    @classmethod
    def of(cls, config: RuleSetConfig) -> Limits:
        return cls(
            ruleset=config.label,
            warn_12m_mpe_mg=config.steroid_cumulative_warn_12m_mg,
            warn_36m_mpe_mg=config.steroid_cumulative_warn_36m_mg,
            limit_12m_mpe_mg=config.steroid_cumulative_limit_12m_mg,
            single_dose_warn_mpe_mg=config.steroid_single_dose_warn_mg,
            min_interval_days=config.steroid_min_interval_days,
            region_limit_count=config.steroid_region_limit_count,
        )


@dataclass(frozen=True)
class NextInjection:
    """A typical next injection and the first date it would pass every block check."""

    template: PlannedInjection
    based_on: str  # "latest assessment" or "most recent injection"
    date: dt.date | None

    @property
    def site_label(self) -> str:
        return self.template.procedure.value.replace("_", " ")

    @property
    def based_on_text(self) -> str:
        if self.based_on == "latest assessment":
            return "as planned at the latest assessment"
        return "as the most recent injection"


@dataclass(frozen=True)
class LedgerView:
    today: dt.date
    rows: list[LedgerRow]
    total_12m_mpe_mg: float
    total_36m_mpe_mg: float
    total_12m_status: str  # ok / warn / block, as the core reads it (cumulative_12m_status)
    total_36m_status: str  # ok / warn
    limits: Limits
    next_injection: NextInjection | None
    chart_data: LedgerChartData
    note: str = EQUIVALENCE_NOTE

    @property
    def chart(self) -> Chart:
        """The chart for a screen or the PDF, drawn when first asked for (the API never asks)."""
        return steroid_ledger(self.chart_data, layout="wide")

    @property
    def chart_narrow(self) -> Chart:
        """The chart drawn for a phone's width."""
        return steroid_ledger(self.chart_data, layout="narrow")

    def chart_for(self, layout: LayoutKey) -> Chart:
        return steroid_ledger(self.chart_data, layout=layout)

    @property
    def rows_html(self) -> SafeString:
        return rows_html(self.rows)


def patient_ledger(
    patient: Patient, *, today: dt.date, at: dt.datetime | None = None
) -> LedgerView:
    """Every steroid the patient has been given up to ``today``, with totals, limits and chart,
    under the clinic's rule set in force at ``at`` (default: the end of ``today``)."""
    config = patient.clinic.ruleset(at=at or end_of_day(today))
    given = [i for i in injections(patient, on_or_before=today) if i.has_steroid]
    history = [_given(i) for i in given]
    # ``injections`` is oldest first and ``ledger_lines`` sorts stably, so lines and records align.
    rows = [_row(line, i) for line, i in zip(ledger_lines(history, config), given, strict=True)]
    start = today - dt.timedelta(days=config.window_36m_days)
    totals = RollingTotals(history)
    total_12m = totals.on(today, config.window_12m_days)
    total_36m = totals.on(today, config.window_36m_days)
    return LedgerView(
        today=today,
        rows=rows,
        total_12m_mpe_mg=total_12m,
        total_36m_mpe_mg=total_36m,
        total_12m_status=cumulative_12m_status(total_12m, config).value,
        total_36m_status=cumulative_36m_status(total_36m, config).value,
        limits=Limits.of(config),
        next_injection=_next_injection(patient, history, today, config),
        chart_data=_chart_data(history, config, start=start, end=today),
    )


def _given(injection: Injection) -> GivenInjection:
    assert injection.steroid is not None and injection.steroid_dose_mg is not None
    return GivenInjection(
        date=injection.given_on,
        procedure=injection.site,
        steroid=injection.steroid,
        steroid_dose_mg=injection.steroid_dose_mg,
    )


def _row(line: LedgerLine, injection: Injection) -> LedgerRow:
    record = injection.record
    if isinstance(record, ProcedureRecord):
        return LedgerRow(line, "here", record.pk, _procedure_url(record), "")
    assert isinstance(record, PriorInjection)
    return LedgerRow(line, "elsewhere", record.pk, None, record.where)


def _procedure_url(record: ProcedureRecord) -> str:
    """The procedure record's page once it exists; until then the episode it belongs to."""
    try:
        return reverse("procedure_detail", args=[record.pk])
    except NoReverseMatch:
        return reverse("episode_detail", args=[record.episode_id])


# The patient's latest assessment up to a day, compiled once (lib/prepared.py).
_LATEST_ASSESSMENT = Prepared(
    lambda patient, day: (
        Assessment.objects.filter(episode__patient=patient, assessed_on__lte=day)
        .order_by("-assessed_on", "-created_at")
        .only("procedure", "steroid", "steroid_dose_mg")[:1]
    ),
    patient=(Patient._meta.pk, UUID(int=1), UUID(int=2)),  # type: ignore[arg-type]
    day=(Assessment._meta.get_field("assessed_on"), dt.date(1901, 1, 1), dt.date(1902, 2, 2)),
)


def _next_injection(
    patient: Patient, history: list[GivenInjection], today: dt.date, config: RuleSetConfig
) -> NextInjection | None:
    """The latest assessment's planned steroid, else the most recent spinal one, else none."""
    template: PlannedInjection | None = None
    based_on = ""
    found = _LATEST_ASSESSMENT(patient=patient.pk, day=today)
    latest = found[0] if found else None
    if latest is not None and latest.steroid and latest.steroid_dose_mg is not None:
        template = PlannedInjection(
            date=today,
            procedure=InjectionSite(latest.procedure),
            steroid=Steroid(latest.steroid),
            steroid_dose_mg=latest.steroid_dose_mg,
        )
        based_on = "latest assessment"
    elif spinal := [given for given in history if given.region is not None]:
        # A knee or shoulder injection is no template for the next spinal one.
        last = spinal[-1]
        template = PlannedInjection(
            date=today,
            procedure=last.procedure,
            steroid=last.steroid,
            steroid_dose_mg=last.steroid_dose_mg,
        )
        based_on = "most recent injection"
    if template is None:
        return None
    return NextInjection(template, based_on, next_eligible_date(history, template, today, config))


# --- Chart ---------------------------------------------------------------------------------------


def _chart_data(
    history: list[GivenInjection], config: RuleSetConfig, *, start: dt.date, end: dt.date
) -> LedgerChartData:
    """The chart's numbers: the core's step series and each injection's rolling total, in time
    linear in the number of injections (plus a sort); ``spinepath.lib.charts.ledger`` draws them."""
    series = exposure_series(history, config, start=start, end=end)
    totals = RollingTotals(history)
    warn, limit = config.steroid_cumulative_warn_12m_mg, config.steroid_cumulative_limit_12m_mg
    markers = tuple(
        (i.date, totals.on(i.date, config.window_12m_days), f"{day(i.date)}: {i.mpe_mg:g} mg MPE")
        for i in history
        if start <= i.date <= end
    )
    peak_on, peak = max(series, key=lambda point: point[1])
    if peak:
        summary = f"The highest 12-month total was {peak:g} mg on {day(peak_on)}"
    else:
        summary = "No steroid was given in this period"
    return LedgerChartData(
        start=start,
        end=end,
        series=tuple(series),
        markers=markers,
        warn_mg=warn,
        limit_mg=limit,
        title=(
            f"Rolling 12-month steroid total (mg methylprednisolone-equivalent), "
            f"{day(start)} to {day(end)}"
        ),
        description=(
            f"{summary}; today it is {series[-1][1]:g} mg. Caution above {warn:g} mg, limit "
            f"{limit:g} mg. Every injection is listed in the table below."
        ),
    )
