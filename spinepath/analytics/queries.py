"""The outcomes dashboard's figures as SQL aggregates over the outcome facts.

Every panel is one ``annotate``/``aggregate`` query (no Python loop over rows) on
``ProcedureOutcome``/``TimePointOutcome`` filtered by ``OutcomeFilters`` within a ``Scope``, so a
registry of a million procedures is counted by the database with the facts' indexes. The
functions return raw counts; ``summary`` adds the statistics (``clinical.outcome_stats``) and, for
analysts, suppression. The dashboard page, the summary API, the PDF report and the tests call
these same functions, so every screen shows the same numbers.

Scope: clinic staff see their own clinic; a superuser, or an analyst with no clinic (a
registry-wide analyst), sees every clinic. Analysts (of a clinic or registry-wide) are
``pseudonymised``: counts below 5 are withheld and no identifier (not even a clinician's id) is
returned; they use the clinician pseudonyms of the research extract instead.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Case, Count, F, Q, QuerySet, Sum, When
from django.utils import timezone

from spinepath.accounts.models import Role, User
from spinepath.analytics import summary as summary_tables
from spinepath.analytics.models import (
    ProcedureOutcome,
    SummaryComplications,
    SummaryDurations,
    SummaryProcedures,
    SummaryTimePoints,
    TimePointOutcome,
)
from spinepath.clinical.outcome_stats import (
    SurvivalCurve,
    kaplan_meier,
    proportion,
    suppressed,
)
from spinepath.procedures.models import ProcedureComplication

LABELS: tuple[str, ...] = ("2w", "6w", "3m", "6m", "12m")
"""Follow-up time points reported, in order (followup.md; the diary is not a responder point)."""


@dataclass(frozen=True)
class OutcomeFilters:
    """api.md's filters (all optional, combined with AND) plus ``clinician`` (operator's id)."""

    date_from: date | None = None
    date_to: date | None = None
    condition: str | None = None
    procedure: str | None = None
    imaging: str | None = None
    clinic: str | None = None
    """A clinic code."""
    steroid: bool | None = None
    repeat: bool | None = None
    startback: str | None = None
    clinician: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """The filters set, for the audit log and the report's heading."""
        return {
            name: (value.isoformat() if isinstance(value, date) else value)
            for name, value in self.__dict__.items()
            if value is not None
        }


@dataclass(frozen=True)
class Scope:
    """Which clinics a person's figures cover and whether they are pseudonymised."""

    clinic_ids: frozenset[int] | None
    """None: every clinic (superuser or registry-wide analyst)."""
    pseudonymised: bool
    """An analyst: small counts withheld, no identifiers."""

    @property
    def registry_wide(self) -> bool:
        return self.clinic_ids is None


def is_registry_analyst(user: User) -> bool:
    """A registry-wide analyst is an analyst with no clinic: they see every clinic's
    pseudonymised figures (a clinic's analyst sees their clinic's)."""
    return user.role == Role.ANALYST and user.clinic_id is None


def scope_for(user: User) -> Scope:
    """The scope of ``user``'s outcome figures; ``PermissionDenied`` for staff of no clinic."""
    if not (user.is_authenticated and user.is_active):
        raise PermissionDenied("Sign in to see outcomes.")
    analyst = user.role == Role.ANALYST
    if user.is_superuser and not analyst:
        return Scope(clinic_ids=None, pseudonymised=False)
    if is_registry_analyst(user):
        return Scope(clinic_ids=None, pseudonymised=True)
    if user.clinic_id is None:
        raise PermissionDenied("Your account belongs to no clinic, so it has no outcomes to show.")
    return Scope(clinic_ids=frozenset({user.clinic_id}), pseudonymised=analyst)


def _condition(filters: OutcomeFilters, scope: Scope, prefix: str = "") -> Q:
    """The filters and scope as one ``Q`` on ``ProcedureOutcome`` reached through ``prefix``."""
    wanted: dict[str, Any] = {}
    if scope.clinic_ids is not None:
        wanted["clinic_id__in"] = sorted(scope.clinic_ids)
    if filters.date_from is not None:
        wanted["procedure_date__gte"] = filters.date_from
    if filters.date_to is not None:
        wanted["procedure_date__lte"] = filters.date_to
    for name in ("condition", "procedure", "imaging", "steroid", "repeat"):
        value = getattr(filters, name)
        if value is not None:
            wanted[name] = value
    if filters.startback is not None:
        wanted["startback_risk"] = filters.startback
    if filters.clinic is not None:
        wanted["clinic__code"] = filters.clinic
    if filters.clinician is not None:
        wanted["operator_id"] = filters.clinician
    return Q(**{f"{prefix}{name}": value for name, value in wanted.items()})


def outcome_facts(filters: OutcomeFilters, scope: Scope) -> QuerySet[ProcedureOutcome]:
    """The procedures (one row each) the figures count."""
    return ProcedureOutcome.objects.filter(_condition(filters, scope))


def time_point_facts(filters: OutcomeFilters, scope: Scope) -> QuerySet[TimePointOutcome]:
    """Their follow-up time points (2w … 12m): filtered on the procedure's columns that each time
    point carries (``models.PROCEDURE_COLUMNS``), so without a join to the procedures."""
    return TimePointOutcome.objects.filter(_condition(filters, scope), label__in=LABELS)


# --- Counting the time points once per page --------------------------------------------------
#
# When the summary cannot answer (``summary.usable``), the time-point panels (responders,
# completion, mean change, PGIC, the funnel at one time point) count the facts. They all add up
# the same few sums (``summary.time_point_sums``), so one grouped scan of the time points gives
# every one of them: by time point and clinician and clinic in the database, then added up by
# time point, by clinician and by clinic (a thousand groups at a million procedures, summed in
# SQL). Inside ``one_page`` the panels share that scan; outside it each panel makes its own.

_shared: ContextVar[dict[tuple[str, OutcomeFilters, Scope], Any] | None] = ContextVar(
    "outcome_page_sums", default=None
)


@contextmanager
def one_page() -> Iterator[None]:
    """Let the panels computed in this block share their scans of the facts (the dashboard page,
    the API's summary). Nothing outlives the block, so nothing can be stale."""
    token = _shared.set({})
    try:
        yield
    finally:
        _shared.reset(token)


@dataclass(frozen=True)
class TimePointSums:
    """``summary.time_point_sums`` of the filtered time points, as of ``on``."""

    on: date
    by_label: dict[str, dict[str, Any]]
    """{label: {aggregate name: value}}."""
    by_unit: dict[tuple[str, str], list[tuple[int, dict[str, Any]]]]
    """{("operator" or "clinic", label): [(unit id, sums)] in unit order}."""


def time_point_sums(filters: OutcomeFilters, scope: Scope, *, on: date | None) -> TimePointSums:
    """The time points' sums (by label, clinician and clinic), from this page's scan when one
    was made for the same filters (and, when ``on`` matters, the same day)."""
    shared = _shared.get()
    key = ("time points", filters, scope)
    found = None if shared is None else shared.get(key)
    if found is None or (on is not None and found.on != on):
        found = _count_time_points(filters, scope, on or timezone.localdate())
        if shared is not None:
            shared[key] = found
    return found


def _count_time_points(filters: OutcomeFilters, scope: Scope, on: date) -> TimePointSums:
    sums = summary_tables.time_point_sums(on)
    grouped = (
        time_point_facts(filters, scope)
        .values("label", "operator_id", "clinic_id")
        .annotate(**sums)
        .order_by()
    )
    inner, params = grouped.query.sql_with_params()
    added = ", ".join(
        f"CAST(SUM({name}) AS {'double precision' if name[0] in 'sq' else 'bigint'}) AS {name}"
        for name in sums
    )
    # SQL of the ORM's and this module's own; values are parameters (bandit B608).
    sql = f"""
        WITH g AS ({inner})
        SELECT 'label', label, NULL, {added} FROM g GROUP BY label
        UNION ALL SELECT 'operator', label, operator_id, {added} FROM g GROUP BY label, operator_id
        UNION ALL SELECT 'clinic', label, clinic_id, {added} FROM g GROUP BY label, clinic_id
    """  # nosec B608
    by_label: dict[str, dict[str, Any]] = {}
    by_unit: dict[tuple[str, str], list[tuple[int, dict[str, Any]]]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for kind, label, unit, *values in cursor.fetchall():
            row = dict(zip(sums, values, strict=True))
            if kind == "label":
                by_label[label] = row
            else:
                by_unit.setdefault((kind, label), []).append((unit, row))
    for units in by_unit.values():
        units.sort(key=lambda pair: pair[0])
    return TimePointSums(on=on, by_label=by_label, by_unit=by_unit)


# --- Counting the procedures once per page -------------------------------------------------------
#
# The procedure-level panels of a facts-path page (totals, complications, decision, relief) read
# the same filtered procedures. Inside ``one_page`` they share one grouped scan of them: grouped
# by decision, complication codes and (for the relieved responders) duration and censoring, a
# few thousand groups at a million procedures, then added up by decision, by duration and by
# code string in the same statement. Complications come from the facts' ``complication_codes``
# (the rebuild writes them from the same record as the ``ProcedureComplication`` rows), so the
# scan needs no join; the patients' distinct count is the one other read. Outside ``one_page``
# each panel makes its own query, as before.


@dataclass(frozen=True)
class ProcedureSums:
    """The filtered procedures' counts the procedure-level panels need, from one scan."""

    procedures: int
    by_decision: list[DecisionOutcomeRow]
    """In decision order (as ``by_decision``)."""
    durations: list[tuple[int, bool, int]]
    """As ``relief_duration_counts``: (days, relief ended?, responders), in days order."""
    complications: list[tuple[str, int]]
    """As ``complication_counts``: (code, procedures with it), commonest first."""


def _page_procedure_sums(filters: OutcomeFilters, scope: Scope) -> ProcedureSums | None:
    """This page's procedure sums (made by the first panel that asks), or None outside
    ``one_page``."""
    shared = _shared.get()
    if shared is None:
        return None
    key = ("procedures", filters, scope)
    found = shared.get(key)
    if found is None:
        found = shared[key] = _count_procedures(filters, scope)
    return found


def _count_procedures(filters: OutcomeFilters, scope: Scope) -> ProcedureSums:
    relieved = Q(responder=True, duration_days__isnull=False)
    grouped = (
        outcome_facts(filters, scope)
        .values(
            "decision_outcome",
            "complication_codes",
            g_duration=Case(When(relieved, then=F("duration_days"))),
            g_censored=Case(When(relieved, then=F("censored"))),
        )
        .annotate(
            n_procedures=Count("pk"),
            n_overridden=Count("pk", filter=Q(overridden=True)),
            n_measured=Count("pk", filter=Q(measured=True)),
            n_responders=Count("pk", filter=Q(measured=True, responder=True)),
        )
        .order_by()
    )
    inner, params = grouped.query.sql_with_params()
    names = ("n_procedures", "n_overridden", "n_measured", "n_responders")
    added = ", ".join(f"CAST(SUM({name}) AS bigint)" for name in names)
    # SQL of the ORM's and this module's own; values are parameters (bandit B608).
    sql = f"""
        WITH g AS ({inner})
        SELECT 'decision', decision_outcome, NULL, NULL, {added}
            FROM g GROUP BY decision_outcome
        UNION ALL SELECT 'duration', NULL, g_duration, g_censored, {added}
            FROM g WHERE g_duration IS NOT NULL GROUP BY g_duration, g_censored
        UNION ALL SELECT 'codes', complication_codes, NULL, NULL, {added}
            FROM g WHERE complication_codes <> '' GROUP BY complication_codes
        ORDER BY 1, 2, 3, 4
    """  # nosec B608
    # Decisions and durations in the database's order, as each panel's own query orders them.
    decisions: list[DecisionOutcomeRow] = []
    durations: list[tuple[int, bool, int]] = []
    by_code: dict[str, int] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    for kind, text, days, censored, procedures, overridden, measured, responders in rows:
        if kind == "decision":
            decisions.append(DecisionOutcomeRow(text, procedures, overridden, measured, responders))
        elif kind == "duration":
            durations.append((days, not censored, procedures))
        else:  # a code string stands for its procedures once per code (codes are distinct)
            for code in text.split(";"):
                by_code[code] = by_code.get(code, 0) + procedures
    return ProcedureSums(
        procedures=sum(row.procedures for row in decisions),
        by_decision=decisions,
        durations=durations,
        complications=sorted(by_code.items(), key=lambda pair: (-pair[1], pair[0])),
    )


# --- Panels: raw counts, one query each ----------------------------------------------------------
#
# Each panel reads the summary tables (``summary.py``) when they are current and hold what the
# filters ask for, and the facts otherwise: the same numbers either way (tests compare them).


def _cells(
    filters: OutcomeFilters, scope: Scope, *, on: date | None = None
) -> summary_tables.Cells | None:
    return summary_tables.usable(filters, scope.clinic_ids, on=on)


@dataclass(frozen=True)
class Totals:
    procedures: int
    patients: int


def totals(filters: OutcomeFilters, scope: Scope) -> Totals:
    cells = _cells(filters, scope)
    if cells is not None:
        added = SummaryProcedures.objects.filter(cells.where).aggregate(n=Sum("procedures"))
        return Totals(procedures=added["n"] or 0, patients=summary_tables.patients(cells))
    page = _page_procedure_sums(filters, scope)
    if page is not None:
        patients = outcome_facts(filters, scope).aggregate(n=Count("patient", distinct=True))
        return Totals(procedures=page.procedures, patients=patients["n"])
    found = outcome_facts(filters, scope).aggregate(
        procedures=Count("pk"), patients=Count("patient", distinct=True)
    )
    return Totals(procedures=found["procedures"], patients=found["patients"])


@dataclass(frozen=True)
class TimePointCounts:
    """One time point: responders among the measured, and questionnaires due and completed."""

    timepoint: str
    completed: int
    """Procedures with a baseline primary score whose primary score was answered here."""
    meaningful: int
    substantial: int
    due: int
    """Due on or before the day asked about."""
    answered: int
    """Of those due, completed (primary score answered) by that day."""


def time_point_counts(filters: OutcomeFilters, scope: Scope, *, on: date) -> list[TimePointCounts]:
    """Responders and completion at each time point, in ``LABELS`` order (every label listed)."""
    cells = _cells(filters, scope, on=on)
    if cells is not None:
        rows = (
            SummaryTimePoints.objects.filter(cells.where)
            .values("label")
            .annotate(
                n_completed=Sum("measurable"),
                n_meaningful=Sum("meaningful"),
                n_substantial=Sum("substantial"),
                n_due=Sum("due"),
                n_answered=Sum("answered"),
            )
            .order_by()
        )
    else:
        rows = [
            {"label": label, "n_completed": sums["n_measurable"], **sums}
            for label, sums in time_point_sums(filters, scope, on=on).by_label.items()
        ]
    found = {row["label"]: row for row in rows}
    names = ("completed", "meaningful", "substantial", "due", "answered")
    return [
        TimePointCounts(
            timepoint=label, **{name: found.get(label, {}).get(f"n_{name}", 0) for name in names}
        )
        for label in LABELS
    ]


def relief_duration_counts(filters: OutcomeFilters, scope: Scope) -> list[tuple[int, bool, int]]:
    """``[(duration in days, relief ended?, responders)]``: the Kaplan–Meier input, grouped."""
    cells = _cells(filters, scope)
    if cells is not None:
        rows = SummaryDurations.objects.filter(cells.where).values("duration_days", "censored")
        rows = rows.annotate(n_responders=Sum("n"))
    elif (page := _page_procedure_sums(filters, scope)) is not None:
        return list(page.durations)
    else:
        rows = (
            outcome_facts(filters, scope)
            .filter(responder=True, duration_days__isnull=False)
            .values("duration_days", "censored")
            .annotate(n_responders=Count("pk"))
        )
    return [
        (r["duration_days"], not r["censored"], r["n_responders"])
        for r in rows.order_by("duration_days", "censored")
    ]


def relief_durations(filters: OutcomeFilters, scope: Scope) -> tuple[list[int], list[bool]]:
    """``(durations in days, relief ended?)`` of the responders, one per responder."""
    rows = [(d, e) for d, e, n in relief_duration_counts(filters, scope) for _ in range(n)]
    return [r[0] for r in rows], [r[1] for r in rows]


def relief_duration(filters: OutcomeFilters, scope: Scope) -> SurvivalCurve:
    """Kaplan–Meier duration of relief over the responders (lifelines, through the core)."""
    grouped = relief_duration_counts(filters, scope)
    return kaplan_meier(
        [r[0] for r in grouped], [r[1] for r in grouped], weights=[r[2] for r in grouped]
    )


def complication_counts(filters: OutcomeFilters, scope: Scope) -> list[tuple[str, int]]:
    """``[(code, procedures with it)]``, commonest first (immediate and late together)."""
    cells = _cells(filters, scope)
    if cells is not None:
        added = (
            SummaryComplications.objects.filter(cells.where)
            .values("code")
            .annotate(n_procedures=Sum("procedures"))
            .order_by("-n_procedures", "code")
        )
        return [(row["code"], row["n_procedures"]) for row in added]
    page = _page_procedure_sums(filters, scope)
    if page is not None:
        return list(page.complications)
    rows = (
        ProcedureComplication.objects.filter(_condition(filters, scope, "procedure__outcome__"))
        .values("code")
        .annotate(n_procedures=Count("procedure", distinct=True))
        .order_by("-n_procedures", "code")
    )
    return [(row["code"], row["n_procedures"]) for row in rows]


@dataclass(frozen=True)
class MeanChange:
    """Mean change from baseline at one time point (positive = better)."""

    timepoint: str
    nrs_n: int
    nrs_mean_points: float | None
    """The primary pain score (NRS), in points."""
    nrs_mean_percent: float | None
    odi_n: int
    odi_mean_points: float | None
    nrs_sd_points: float | None = None
    """Sample standard deviations, for the means' 95% intervals."""
    odi_sd_points: float | None = None


def sample_sd(n: int, mean: float | None, squares: float | None) -> float | None:
    """The sample standard deviation from the count, mean and sum of squares (None below 2)."""
    if n < 2 or mean is None or squares is None:
        return None
    return math.sqrt(max(float(squares) - n * float(mean) ** 2, 0.0) / (n - 1))


def _mean(total: float | None, n: int | None) -> float | None:
    return None if not n or total is None else float(total) / n


def _mean_change_summary(cells: summary_tables.Cells) -> list[dict[str, Any]]:
    return _mean_change_rows(
        SummaryTimePoints.objects.filter(cells.where)
        .values("label")
        .annotate(
            n_measurable=Sum("measurable"),
            n_nrs=Sum("nrs_n"),
            s_nrs=Sum("nrs_sum"),
            q_nrs=Sum("nrs_squares"),
            n_percent=Sum("nrs_percent_n"),
            s_percent=Sum("nrs_percent_sum"),
            n_odi=Sum("odi_n"),
            s_odi=Sum("odi_sum"),
            q_odi=Sum("odi_squares"),
        )
        .order_by()
    )


def _mean_change_rows(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Means and sums of squares from the time points' counts and sums (summary or facts)."""
    found = []
    for row in rows:
        found.append(
            {
                "label": row["label"],
                "nrs_n": row["n_measurable"],
                "nrs_mean_points": _mean(row["s_nrs"], row["n_nrs"]),
                "nrs_mean_percent": _mean(row["s_percent"], row["n_percent"]),
                "odi_n": row["n_odi"],
                "odi_mean_points": _mean(row["s_odi"], row["n_odi"]),
                "nrs_squares": row["q_nrs"] if row["n_nrs"] else None,
                "odi_squares": row["q_odi"] if row["n_odi"] else None,
            }
        )
    return found


def mean_change(filters: OutcomeFilters, scope: Scope) -> list[MeanChange]:
    cells = _cells(filters, scope)
    rows = _mean_change_summary(cells) if cells is not None else _mean_change_facts(filters, scope)
    found = {}
    for row in rows:
        row["nrs_sd_points"] = sample_sd(
            row["nrs_n"], row["nrs_mean_points"], row.pop("nrs_squares")
        )
        row["odi_sd_points"] = sample_sd(
            row["odi_n"], row["odi_mean_points"], row.pop("odi_squares")
        )
        found[row.pop("label")] = row
    return [
        MeanChange(
            timepoint=label,
            **found.get(
                label,
                {
                    "nrs_n": 0,
                    "nrs_mean_points": None,
                    "nrs_mean_percent": None,
                    "odi_n": 0,
                    "odi_mean_points": None,
                    "nrs_sd_points": None,
                    "odi_sd_points": None,
                },
            ),
        )
        for label in LABELS
    ]


def _mean_change_facts(filters: OutcomeFilters, scope: Scope) -> list[dict[str, Any]]:
    # Sums of squares rather than STDDEV_SAMP: SQLite's is a Python callback per row, and sums
    # add up (the summary tables keep them).
    by_label = time_point_sums(filters, scope, on=None).by_label
    return _mean_change_rows({"label": label, **sums} for label, sums in by_label.items())


def pgic_distribution(filters: OutcomeFilters, scope: Scope) -> dict[str, dict[int, int]]:
    """``{timepoint: {pgic 1..7: count}}`` (every label and category present, zeros included)."""
    found: dict[str, dict[int, int]] = {label: dict.fromkeys(range(1, 8), 0) for label in LABELS}
    cells = _cells(filters, scope)
    if cells is not None:
        for added in (
            SummaryTimePoints.objects.filter(cells.where)
            .values("label")
            .annotate(**{f"n_{k}": Sum(f"pgic_{k}") for k in range(1, 8)})
            .order_by()
        ):
            found[added["label"]] = {k: added[f"n_{k}"] or 0 for k in range(1, 8)}
        return found
    for label, sums in time_point_sums(filters, scope, on=None).by_label.items():
        found[label] = {k: sums[f"n_pgic_{k}"] or 0 for k in range(1, 8)}
    return found


@dataclass(frozen=True)
class UnitRate:
    """One clinician's (or clinic's) responders out of its measured procedures: a funnel point."""

    unit: int
    """The operator's (or clinic's) id: replace by a pseudonym before showing an analyst."""
    procedures: int
    measured: int
    responders: int


def responders_by(
    filters: OutcomeFilters, scope: Scope, *, by: Literal["operator", "clinic"] = "operator"
) -> list[UnitRate]:
    """Procedure-level responders per clinician or clinic, for the funnel plot (denominator =
    procedures measured at one follow-up or more)."""
    column = "operator_id" if by == "operator" else "clinic_id"
    cells = _cells(filters, scope)
    if cells is not None:
        rows = (
            SummaryProcedures.objects.filter(cells.where)
            .values(column)
            .annotate(
                n_procedures=Sum("procedures"),
                n_measured=Sum("measured"),
                n_responders=Sum("responders"),
            )
            .order_by(column)
        )
    else:
        rows = (
            outcome_facts(filters, scope)
            .values(column)
            .annotate(
                n_procedures=Count("pk"),
                n_measured=Count("pk", filter=Q(measured=True)),
                n_responders=Count("pk", filter=Q(measured=True, responder=True)),
            )
            .order_by(column)
        )
    return [
        UnitRate(
            unit=row[column],
            procedures=row["n_procedures"],
            measured=row["n_measured"],
            responders=row["n_responders"],
        )
        for row in rows
    ]


@dataclass(frozen=True)
class DecisionOutcomeRow:
    """Outcomes by the decision-support advice patients received."""

    decision_outcome: str
    procedures: int
    overridden: int
    """Procedures where a clinician proceeded against the advice with a written reason."""
    measured: int
    responders: int


def by_decision(filters: OutcomeFilters, scope: Scope) -> list[DecisionOutcomeRow]:
    cells = _cells(filters, scope)
    if cells is not None:
        rows = (
            SummaryProcedures.objects.filter(cells.where)
            .values("decision_outcome")
            .annotate(
                n_procedures=Sum("procedures"),
                n_overridden=Sum("overridden"),
                n_measured=Sum("measured"),
                n_responders=Sum("responders"),
            )
            .order_by("decision_outcome")
        )
    elif (page := _page_procedure_sums(filters, scope)) is not None:
        return list(page.by_decision)
    else:
        rows = (
            outcome_facts(filters, scope)
            .values("decision_outcome")
            .annotate(
                n_procedures=Count("pk"),
                n_overridden=Count("pk", filter=Q(overridden=True)),
                n_measured=Count("pk", filter=Q(measured=True)),
                n_responders=Count("pk", filter=Q(measured=True, responder=True)),
            )
            .order_by("decision_outcome")
        )
    return [
        DecisionOutcomeRow(
            decision_outcome=row["decision_outcome"],
            procedures=row["n_procedures"],
            overridden=row["n_overridden"],
            measured=row["n_measured"],
            responders=row["n_responders"],
        )
        for row in rows
    ]


# --- The summary: api.md's body ------------------------------------------------------------------


@dataclass
class _Shown:
    """Counts as an analyst may see them; remembers whether anything was withheld."""

    suppress: bool
    withheld: bool = field(default=False)

    def count(self, value: int) -> int | None:
        if not self.suppress:
            return value
        shown = suppressed(value)
        self.withheld = self.withheld or shown is None
        return shown

    def proportion(self, count: int, denominator: int) -> tuple[float | None, Any]:
        found = proportion(count, denominator, suppress=self.suppress)
        self.withheld = self.withheld or found.suppressed
        ci = None if found.ci95 is None else [found.ci95[0], found.ci95[1]]
        return found.rate, ci


def _days(value: float | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def summary(filters: OutcomeFilters, scope: Scope, *, on: date) -> dict[str, Any]:
    """``GET /api/v1/outcomes/summary``'s body exactly as api.md specifies (plus nothing)."""
    with one_page():
        return _summary(filters, scope, on=on)


def _summary(filters: OutcomeFilters, scope: Scope, *, on: date) -> dict[str, Any]:
    shown = _Shown(suppress=scope.pseudonymised)
    total = totals(filters, scope)
    points = time_point_counts(filters, scope, on=on)
    responders = []
    for point in points:
        rate_, ci = shown.proportion(point.meaningful, point.completed)
        substantial_rate, substantial_ci = shown.proportion(point.substantial, point.completed)
        responders.append(
            {
                "timepoint": point.timepoint,
                "completed": shown.count(point.completed),
                "meaningful": shown.count(point.meaningful),
                "rate": rate_,
                "ci95": ci,
                "substantial": shown.count(point.substantial),
                "substantial_rate": substantial_rate,
                "substantial_ci95": substantial_ci,
            }
        )
    completion = [
        {"timepoint": p.timepoint, "due": shown.count(p.due), "completed": shown.count(p.answered)}
        for p in points
    ]
    curve = relief_duration(filters, scope)
    small = scope.pseudonymised and curve.subjects < 5
    relief_block = {
        "responders": shown.count(curve.subjects),
        "events": shown.count(curve.events),
        "median_days": None if small else _days(curve.median),
        "median_ci95": (
            None if small else [_days(curve.median_ci95[0]), _days(curve.median_ci95[1])]
        ),
    }
    complications = [
        {"code": code, "count": shown.count(count)}
        for code, count in complication_counts(filters, scope)
    ]
    return {
        "procedures": shown.count(total.procedures),
        "patients": shown.count(total.patients),
        "responders": responders,
        "completion": completion,
        "relief_duration": relief_block,
        "complications": complications,
        "suppressed": shown.withheld,
    }


@dataclass(frozen=True)
class FunnelPoint:
    """A funnel-plot point as the person may see it: the unit named (a pseudonym for analysts),
    its responders of its measured procedures (None when withheld for an analyst)."""

    unit: str
    measured: int | None
    responders: int | None
    unit_id: int | None = None
    """The clinician's (or clinic's) id for staff's drill-down; None for analysts."""


def responders_at(
    filters: OutcomeFilters,
    scope: Scope,
    *,
    timepoint: str,
    by: Literal["operator", "clinic"] = "operator",
) -> list[UnitRate]:
    """Meaningful relief at one time point per clinician or clinic (denominator = procedures
    measurable there), for the funnel plot of one time point (e.g. 6 weeks)."""
    cells = _cells(filters, scope)
    if cells is not None:
        plain = "operator_id" if by == "operator" else "clinic_id"
        added = (
            SummaryTimePoints.objects.filter(cells.where, label=timepoint)
            .values(plain)
            .annotate(
                n_procedures=Sum("time_points"),
                n_measured=Sum("measurable"),
                n_responders=Sum("meaningful"),
            )
            .order_by(plain)
        )
        return [
            UnitRate(
                unit=row[plain],
                procedures=row["n_procedures"],
                measured=row["n_measured"],
                responders=row["n_responders"],
            )
            for row in added
        ]
    units = time_point_sums(filters, scope, on=None).by_unit.get((by, timepoint), [])
    return [
        UnitRate(
            unit=unit,
            procedures=sums["n_rows"],
            measured=sums["n_measurable"],
            responders=sums["n_meaningful"],
        )
        for unit, sums in units
    ]


DRILL_OUTCOMES: tuple[str, ...] = (
    "relieved",
    "completed",
    "meaningful",
    "substantial",
    "due",
    "answered",
    "responder",
    "measured",
    "overridden",
)
"""What a drill-down may narrow a panel's procedures to (with or without a time point)."""


@dataclass(frozen=True)
class Drill:
    """Which of a panel's procedures a figure or table row stands for."""

    timepoint: str | None = None
    outcome: str | None = None
    """One of ``DRILL_OUTCOMES``."""
    complication: str | None = None
    decision: str | None = None
    pgic: int | None = None
    clinician: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {name: value for name, value in self.__dict__.items() if value is not None}


def drill_down(
    filters: OutcomeFilters, scope: Scope, drill: Drill, *, on: date
) -> QuerySet[ProcedureOutcome]:
    """The procedures behind one figure: the panel's filters narrowed by ``drill`` (the same
    conditions the panel's aggregate counted), newest first."""
    found = outcome_facts(filters, scope)
    if drill.clinician is not None:
        found = found.filter(operator_id=drill.clinician)
    if drill.decision is not None:
        found = found.filter(decision_outcome=drill.decision)
    if drill.complication is not None:
        found = found.filter(
            pk__in=ProcedureComplication.objects.filter(code=drill.complication).values(
                "procedure_id"
            )
        )
    if drill.timepoint is not None:
        point = Q(label=drill.timepoint)
        wanted = {
            "completed": Q(measurable=True),
            "meaningful": Q(measurable=True, meaningful=True),
            "substantial": Q(measurable=True, substantial=True),
            "due": Q(due_on__lte=on),
            "answered": Q(due_on__lte=on, completed=True, completed_on__lte=on),
            "measured": Q(measurable=True),
            "responder": Q(measurable=True, meaningful=True),
        }
        if drill.outcome in wanted:
            point &= wanted[drill.outcome]
        if drill.pgic is not None:
            point &= Q(pgic=drill.pgic)
        found = found.filter(pk__in=TimePointOutcome.objects.filter(point).values("outcome_id"))
    elif drill.outcome is not None:
        procedure_level = {
            "responder": Q(measured=True, responder=True),
            "measured": Q(measured=True),
            "overridden": Q(overridden=True),
            "relieved": Q(responder=True, duration_days__isnull=False),
        }
        if drill.outcome in procedure_level:
            found = found.filter(procedure_level[drill.outcome])
    return found.order_by("-procedure_date", "-pk")


def funnel_points(
    filters: OutcomeFilters,
    scope: Scope,
    *,
    by: Literal["operator", "clinic"] = "operator",
    timepoint: str | None = None,
) -> tuple[list[FunnelPoint], int, int]:
    """``(points, overall responders, overall measured)`` for the funnel plot; the control
    limits around the overall rate are drawn by ``clinical.funnel``. Staff see clinicians' names
    and clinic names; analysts the extract's pseudonyms, with small counts withheld."""
    from spinepath.accounts.models import Clinic
    from spinepath.analytics.extract import pseudonym, research_key

    units = (
        responders_by(filters, scope, by=by)
        if timepoint is None
        else responders_at(filters, scope, timepoint=timepoint, by=by)
    )
    if scope.pseudonymised:
        key = research_key()
        names = {u.unit: pseudonym(by, u.unit, key=key) for u in units}
    elif by == "operator":
        names = {
            user.pk: user.display_name
            for user in User.objects.filter(pk__in=[u.unit for u in units])
        }
    else:
        names = dict(
            Clinic.objects.filter(pk__in=[u.unit for u in units]).values_list("pk", "name")
        )
    shown = _Shown(suppress=scope.pseudonymised)
    points = [
        FunnelPoint(
            unit=names.get(u.unit, str(u.unit)),
            measured=shown.count(u.measured),
            responders=shown.count(u.responders),
            unit_id=None if scope.pseudonymised else u.unit,
        )
        for u in units
    ]
    return (
        points,
        sum(u.responders for u in units),
        sum(u.measured for u in units),
    )
