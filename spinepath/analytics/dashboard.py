"""The outcomes dashboard's panels: each a chart (``lib.charts``) and a table with denominators.

One function, ``panels``, turns the SQL aggregates of ``queries`` into what the page, the exports
(CSV, XLSX) and the PDF report show, so all of them show the same numbers. For analysts every
count below 5 is "suppressed" (never the number) and no identifier appears (the funnel names
clinicians by the research extract's pseudonyms). Each table cell may carry a ``Drill``: the
procedures behind it (the drill-down page).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from spinepath.analytics import queries
from spinepath.analytics.facts import Pending, pending
from spinepath.analytics.forms import TIMEPOINT_NAMES
from spinepath.analytics.queries import Drill, OutcomeFilters, Scope
from spinepath.clinical.funnel import Unit, funnel
from spinepath.clinical.outcome_stats import mean_interval, proportion, suppressed
from spinepath.clinical.vocab import label
from spinepath.lib.charts import Chart
from spinepath.lib.charts import outcomes as charts

SUPPRESSED = "suppressed"
AT_RISK_DAYS = (0, 14, 42, 90, 180, 365)

PANELS: dict[str, str] = {
    "responders": "Responder rates at each time point",
    "relief": "Duration of relief",
    "change": "Mean change in NRS and ODI",
    "pgic": "Patients' global impression of change (PGIC)",
    "complications": "Complications by type",
    "completion": "Questionnaire completion",
    "funnel": "Clinicians' responder rates (funnel plot)",
    "decision": "Decision-support audit",
}


@dataclass(frozen=True)
class Cell:
    value: Any
    drill: Drill | None = None

    @property
    def text(self) -> str:
        if self.value is None:
            return SUPPRESSED
        if isinstance(self.value, float):
            return f"{self.value:.1f}"
        return str(self.value)


@dataclass
class Panel:
    key: str
    title: str
    chart: Chart | None
    headers: list[str]
    rows: list[list[Cell]]
    empty: bool
    note: str = ""
    extra: list[tuple[list[str], list[list[Cell]]]] = field(default_factory=list)
    """Further small tables (the numbers at risk under the survival curve)."""


@dataclass
class Dashboard:
    procedures: int | None
    patients: int | None
    panels: list[Panel]
    pseudonymised: bool
    timepoint: str
    pending: Pending | None = None
    """Answers of the scope's clinics not yet in the figures (the worker has yet to count
    them): the page says so, so a clinic never reads lagging figures as current."""

    def panel(self, key: str) -> Panel:
        return next(p for p in self.panels if p.key == key)


# Charts take ~0.3–1 s each; the same numbers draw the same chart, so keep the last few.
_CACHE: OrderedDict[str, Chart] = OrderedDict()
_CACHE_SIZE = 64


def _chart(draw: Callable[..., Chart], *args: Any, **kwargs: Any) -> Chart:
    key = f"{draw.__module__}.{draw.__name__}{args!r}{kwargs!r}"
    found = _CACHE.get(key)
    if found is None:
        found = _CACHE[key] = draw(*args, **kwargs)
        if len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    else:
        _CACHE.move_to_end(key)
    return found


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def _ci(ci: tuple[float, float] | None) -> str | None:
    if ci is None:
        return None
    return f"{ci[0] * 100:.1f}–{ci[1] * 100:.1f}%"


def _rate(count: int, n: int, suppress: bool) -> tuple[charts.Proportion, Cell, Cell]:
    """The chart's proportion and the table's rate and CI cells."""
    found = proportion(count, n, suppress=suppress)
    low, high = found.ci95 if found.ci95 else (None, None)
    chart = charts.Proportion(found.count, found.denominator, found.rate, low, high)
    if found.suppressed:
        return chart, Cell(None), Cell(None)
    if found.rate is None:
        return chart, Cell("–"), Cell("–")
    return chart, Cell(_pct(found.rate)), Cell(_ci(found.ci95))


def panels(filters: OutcomeFilters, scope: Scope, *, on: date, timepoint: str = "6w") -> Dashboard:
    """Every panel of the dashboard for ``filters`` within ``scope``: the panels that count the
    time points share one scan of them (``queries.one_page``)."""
    with queries.one_page():
        return _panels(filters, scope, on=on, timepoint=timepoint)


def _panels(filters: OutcomeFilters, scope: Scope, *, on: date, timepoint: str) -> Dashboard:
    hide = scope.pseudonymised

    def count(value: int, drill: Drill | None = None) -> Cell:
        shown = suppressed(value) if hide else value
        return Cell(shown, drill if shown else None)

    total = queries.totals(filters, scope)
    built = [
        _responders(filters, scope, on, count, hide),
        _relief(filters, scope, hide),
        _change(filters, scope, count, hide),
        _pgic(filters, scope, count, hide),
        _complications(filters, scope, total.procedures, count, hide),
        _completion(filters, scope, on, count, hide),
        _funnel(filters, scope, timepoint, hide),
        _decision(filters, scope, count, hide),
    ]
    return Dashboard(
        procedures=suppressed(total.procedures) if hide else total.procedures,
        patients=suppressed(total.patients) if hide else total.patients,
        panels=built,
        pseudonymised=hide,
        timepoint=timepoint,
        pending=pending(scope.clinic_ids),
    )


def _responders(filters: OutcomeFilters, scope: Scope, on: date, count: Any, hide: bool) -> Panel:
    points = queries.time_point_counts(filters, scope, on=on)
    rows, drawn = [], []
    for p in points:
        meaningful, m_rate, m_ci = _rate(p.meaningful, p.completed, hide)
        substantial, s_rate, s_ci = _rate(p.substantial, p.completed, hide)
        name = TIMEPOINT_NAMES[p.timepoint]
        drawn.append(charts.ResponderPoint(name, meaningful, substantial))
        rows.append(
            [
                Cell(name),
                count(p.completed, Drill(timepoint=p.timepoint, outcome="completed")),
                count(p.meaningful, Drill(timepoint=p.timepoint, outcome="meaningful")),
                m_rate,
                m_ci,
                count(p.substantial, Drill(timepoint=p.timepoint, outcome="substantial")),
                s_rate,
                s_ci,
            ]
        )
    empty = not any(p.completed for p in points)
    return Panel(
        "responders",
        PANELS["responders"],
        None if empty else _chart(charts.responder_rates, drawn),
        [
            "Time point",
            "Measured (n)",
            "Meaningful relief",
            "Meaningful %",
            "95% CI",
            "Substantial relief",
            "Substantial %",
            "95% CI",
        ],
        rows,
        empty,
        "Denominator: procedures with a baseline primary pain score answered at the time point. "
        "Meaningful: ≥30% and ≥2 points better; substantial: ≥50%. Wilson 95% intervals.",
    )


def _g(value: float | None) -> str:
    return "–" if value is None else f"{value:g}"


def _relief(filters: OutcomeFilters, scope: Scope, hide: bool) -> Panel:
    grouped = queries.relief_duration_counts(filters, scope)
    curve = queries.kaplan_meier(
        [d for d, _, _ in grouped], [e for _, e, _ in grouped], weights=[n for _, _, n in grouped]
    )
    small = hide and curve.subjects < 5
    relieved = Drill(outcome="relieved")
    at_risk = [(day, sum(n for d, _, n in grouped if d >= day)) for day in AT_RISK_DAYS]

    def shown(value: int) -> int | None:
        return suppressed(value) if hide else value

    median = None if small else curve.median
    low, high = (None, None) if small else curve.median_ci95
    rows = [
        [
            Cell(shown(curve.subjects), relieved if shown(curve.subjects) else None),
            Cell(shown(curve.events)),
            Cell("not reached" if median is None and not small else median),
            Cell(None if small else f"{_g(low)} to {_g(high)}"),
        ]
    ]
    chart = None
    if curve.subjects and not small:
        chart = _chart(
            charts.relief_duration,
            charts.SurvivalCurve(
                days=curve.times,
                estimate=curve.survival,
                low=curve.lower,
                high=curve.upper,
                at_risk=tuple((float(day), n) for day, n in at_risk if (not hide or n >= 5)),
                n=curve.subjects,
                events=curve.events,
                median=curve.median,
                median_low=curve.median_ci95[0],
                median_high=curve.median_ci95[1],
            ),
        )
    return Panel(
        "relief",
        PANELS["relief"],
        chart,
        ["Responders", "Relief ended", "Median (days)", "95% CI (days)"],
        rows,
        curve.subjects == 0,
        "Kaplan–Meier over the responders (lifelines); relief still present at the last "
        "follow-up is censored.",
        extra=[
            (
                ["Days since injection", *(str(day) for day, _ in at_risk)],
                [[Cell("Numbers at risk"), *(Cell(shown(n)) for _, n in at_risk)]],
            )
        ],
    )


def _mean_ci(ci: tuple[float, float] | None) -> str:
    return "–" if ci is None else f"{ci[0]:.1f} to {ci[1]:.1f}"


def _change(filters: OutcomeFilters, scope: Scope, count: Any, hide: bool) -> Panel:
    changes = queries.mean_change(filters, scope)
    rows, nrs, odi = [], [], []
    for c in changes:
        name = TIMEPOINT_NAMES[c.timepoint]
        nrs_hidden = hide and (suppressed(c.nrs_n) is None)
        odi_hidden = hide and (suppressed(c.odi_n) is None)
        nrs_ci = mean_interval(c.nrs_n, c.nrs_mean_points, c.nrs_sd_points).ci95
        odi_ci = mean_interval(c.odi_n, c.odi_mean_points, c.odi_sd_points).ci95
        for series, hidden, mean, ci, n in (
            (nrs, nrs_hidden, c.nrs_mean_points, nrs_ci, c.nrs_n),
            (odi, odi_hidden, c.odi_mean_points, odi_ci, c.odi_n),
        ):
            low, high = (None, None) if hidden or ci is None else ci
            series.append(
                charts.MeanPoint(name, None if hidden else mean, low, high, None if hidden else n)
            )
        completed = Drill(timepoint=c.timepoint, outcome="completed")
        rows.append(
            [
                Cell(name),
                count(c.nrs_n, completed),
                Cell(None if nrs_hidden else (c.nrs_mean_points if c.nrs_n else "–")),
                Cell(None if nrs_hidden else _mean_ci(nrs_ci)),
                Cell(None if nrs_hidden else (c.nrs_mean_percent if c.nrs_n else "–")),
                count(c.odi_n),
                Cell(None if odi_hidden else (c.odi_mean_points if c.odi_n else "–")),
                Cell(None if odi_hidden else _mean_ci(odi_ci)),
            ]
        )
    empty = not any(c.nrs_n or c.odi_n for c in changes)
    chart = None
    if not empty:
        chart = _chart(
            charts.score_change,
            [
                charts.ChangeSeries("Primary pain (NRS)", "NRS points", nrs),
                charts.ChangeSeries("Disability (ODI)", "ODI points", odi),
            ],
            title="Mean improvement from before the injection",
        )
    return Panel(
        "change",
        PANELS["change"],
        chart,
        [
            "Time point",
            "NRS (n)",
            "NRS mean change (points)",
            "95% CI (points)",
            "NRS mean change (%)",
            "ODI (n)",
            "ODI mean change (points)",
            "95% CI (points)",
        ],
        rows,
        empty,
        "Positive = better than before the injection. 95% intervals of the means (Student's t).",
    )


def _pgic(filters: OutcomeFilters, scope: Scope, count: Any, hide: bool) -> Panel:
    found = queries.pgic_distribution(filters, scope)
    rows, drawn = [], []
    for timepoint, counts in found.items():
        name = TIMEPOINT_NAMES[timepoint]
        values = [counts[k] for k in range(1, 8)]
        withheld = hide and any(suppressed(v) is None for v in values)
        drawn.append(charts.PgicRow(name, None if withheld else values))
        rows.append(
            [
                Cell(name),
                *(count(v, Drill(timepoint=timepoint, pgic=k)) for k, v in enumerate(values, 1)),
                count(sum(values)),
            ]
        )
    empty = not any(sum(c.values()) for c in found.values())
    return Panel(
        "pgic",
        PANELS["pgic"],
        None if empty else _chart(charts.pgic_distribution, drawn),
        ["Time point", *(str(k) for k in range(1, 8)), "Answers (n)"],
        rows,
        empty,
        "1 = very much improved … 7 = very much worse.",
    )


def _complications(
    filters: OutcomeFilters, scope: Scope, procedures: int, count: Any, hide: bool
) -> Panel:
    rows, drawn = [], []
    for code, n in queries.complication_counts(filters, scope):
        chart_rate, rate_cell, ci = _rate(n, procedures, hide)
        drawn.append(charts.RateRow(label(code), chart_rate))
        rows.append(
            [
                Cell(label(code)),
                count(n, Drill(complication=code)),
                count(procedures),
                rate_cell,
                ci,
            ]
        )
    return Panel(
        "complications",
        PANELS["complications"],
        _chart(charts.complication_rates, drawn) if drawn else None,
        ["Complication", "Procedures with it", "Procedures (n)", "Rate %", "95% CI"],
        rows,
        not rows,
        "Immediate and late complications together; denominator: every procedure shown.",
    )


def _completion(filters: OutcomeFilters, scope: Scope, on: date, count: Any, hide: bool) -> Panel:
    rows, drawn = [], []
    for p in queries.time_point_counts(filters, scope, on=on):
        name = TIMEPOINT_NAMES[p.timepoint]
        chart_rate, rate_cell, ci = _rate(p.answered, p.due, hide)
        drawn.append(charts.RateRow(name, chart_rate))
        rows.append(
            [
                Cell(name),
                count(p.due, Drill(timepoint=p.timepoint, outcome="due")),
                count(p.answered, Drill(timepoint=p.timepoint, outcome="answered")),
                rate_cell,
                ci,
            ]
        )
    empty = not any(r[1].value for r in rows)
    return Panel(
        "completion",
        PANELS["completion"],
        None if empty else _chart(charts.questionnaire_completion, drawn),
        ["Time point", "Due (n)", "Answered", "Rate %", "95% CI"],
        rows,
        empty,
        "Due on or before today; answered: the primary pain score given.",
    )


def _funnel(filters: OutcomeFilters, scope: Scope, timepoint: str, hide: bool) -> Panel:
    points, events, n = queries.funnel_points(filters, scope, timepoint=timepoint)
    name = TIMEPOINT_NAMES[timepoint]
    units = [
        Unit(p.unit, p.responders, p.measured)
        for p in points
        if p.measured and p.responders is not None
    ]
    result = funnel(units, target=events / n) if units and n else None
    positions = {placed.unit.label: placed for placed in result.units} if result else {}
    rows = []
    for p in points:
        placed = positions.get(p.unit)

        def drill(outcome: str, p: Any = p) -> Drill | None:
            if p.unit_id is None:
                return None
            return Drill(timepoint=timepoint, outcome=outcome, clinician=p.unit_id)

        _, rate_cell, ci = _rate(p.responders or 0, p.measured or 0, hide)
        if p.responders is None or p.measured is None:
            rate_cell, ci = Cell(None), Cell(None)
        rows.append(
            [
                Cell(p.unit),
                Cell(p.measured, drill("completed") if p.measured else None),
                Cell(p.responders, drill("meaningful") if p.responders else None),
                rate_cell,
                ci,
                Cell(placed.position.value.replace("_", " ") if placed else "–"),
            ]
        )
    overall, overall_rate, overall_ci = _rate(events, n, hide)
    rows.append(
        [
            Cell("All clinicians"),
            Cell(overall.n),
            Cell(overall.events),
            overall_rate,
            overall_ci,
            Cell("target"),
        ]
    )
    chart = None
    if result is not None:
        chart = _chart(
            charts.funnel_plot,
            result,
            labels=charts.FunnelLabels(
                unit="clinician",
                denominator=f"Procedures measured at {name} (n)",
                title=f"Meaningful relief at {name} by clinician (95% and 99.8% limits)",
            ),
        )
    return Panel(
        "funnel",
        PANELS["funnel"],
        chart,
        ["Clinician", "Measured (n)", "Meaningful relief", "Rate %", "95% CI", "Against limits"],
        rows,
        not n,
        f"Meaningful relief at {name}; limits around the overall rate (exact binomial)."
        + (" Clinicians are named by pseudonym." if hide else ""),
    )


def _decision(filters: OutcomeFilters, scope: Scope, count: Any, hide: bool) -> Panel:
    rows, drawn = [], []
    for row in queries.by_decision(filters, scope):
        decision = row.decision_outcome or "none"
        chart_rate, rate_cell, ci = _rate(row.responders, row.measured, hide)
        name = label(row.decision_outcome) if row.decision_outcome else "No decision"
        overridden = suppressed(row.overridden) if hide else row.overridden
        drawn.append(
            charts.RateRow(
                name if overridden is None else f"{name} ({overridden:,} overridden)", chart_rate
            )
        )
        rows.append(
            [
                Cell(label(row.decision_outcome) if row.decision_outcome else "No decision"),
                count(row.procedures, Drill(decision=decision) if row.decision_outcome else None),
                count(
                    row.overridden,
                    Drill(decision=decision, outcome="overridden")
                    if row.decision_outcome
                    else None,
                ),
                count(
                    row.measured,
                    Drill(decision=decision, outcome="measured") if row.decision_outcome else None,
                ),
                count(
                    row.responders,
                    Drill(decision=decision, outcome="responder") if row.decision_outcome else None,
                ),
                rate_cell,
                ci,
            ]
        )
    return Panel(
        "decision",
        PANELS["decision"],
        _chart(charts.decision_outcomes, drawn) if drawn else None,
        [
            "Decision received",
            "Procedures",
            "Overridden",
            "Measured (n)",
            "Responders",
            "Responder %",
            "95% CI",
        ],
        rows,
        not rows,
        "Overridden: the clinician proceeded against the advice with a written reason. "
        "Responder: meaningful relief at any follow-up.",
    )


def table_rows(panel: Panel) -> list[list[Any]]:
    """The panel's table as plain values for CSV/XLSX (suppressed cells say so)."""
    return [panel.headers, *([c.text for c in row] for row in panel.rows)] + [
        line
        for headers, rows in panel.extra
        for line in [headers, *([c.text for c in r] for r in rows)]
    ]
