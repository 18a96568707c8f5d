"""The dashboard's summary tables (``models.Summary*``): built from the facts, read by ``queries``.

``refresh_summary`` empties and refills every summary table from the outcome facts with a few
``GROUP BY`` queries (the database adds up; Python only copies the grouped rows, tens of
thousands at a million procedures). Every change to the facts inserts a ``SummaryChange`` row
(``note_facts_changed``: an INSERT in the change's own transaction, no shared row to wait for) and
asks the worker to refresh (``tasks.refresh_outcome_summary``, after the change commits). A
refresh lists the change rows first, then reads the facts (which therefore hold every change it
listed), and deletes only the rows it listed: a change that commits while it runs keeps its row.
While any row is left, ``usable`` says no and the dashboard counts the facts directly, so a figure
is never stale.

Every table holds the overview (by clinic and month) and one *slice* per finer filter the
dashboard offers (``DIMENSIONS``: condition, procedure, imaging, steroid, first or repeat,
STarT Back risk, clinician): the same counts split by that filter's value, found through an index
that leads with (dimension, value, month). A view with one finer filter reads its slice — a few
thousand rows at a million procedures, where the facts behind it are hundreds of thousands. Why
slices and not one table keyed by every dimension at once: at a million procedures such a cube
has millions of rows (nearly one per procedure per clinician-month), no smaller than the facts,
while each slice is as small as the overview. Two finer filters at once read a *pair* slice
when the pair is one a registry asks about together (``PAIRS``: condition × procedure,
condition × steroid, procedure × steroid, procedure × imaging), split by both values; any other
pair, and three finer filters, count the facts through their indexes. The price is the refresh,
one ``GROUP BY`` per table and slice (twelve per table), which the worker pays, not the person
waiting for the page.

``usable`` says no when the filters ask for something the summary does not hold: two finer
filters that are not a kept pair, three or more, or a period that does not start and end on
whole months (the summary is by month).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, CharField, Count, F, Q, Sum, Value, When
from django.db.models.functions import Cast, Concat, TruncMonth
from django.utils import timezone

from spinepath.analytics.models import (
    ProcedureOutcome,
    SummaryChange,
    SummaryComplications,
    SummaryDurations,
    SummaryPatients,
    SummaryProcedures,
    SummaryState,
    SummaryTimePoints,
    TimePointOutcome,
)
from spinepath.procedures.models import ProcedureComplication

LABELS: tuple[str, ...] = ("2w", "6w", "3m", "6m", "12m")  # queries.LABELS (queries imports us)
DIMENSIONS: dict[str, str] = {
    "condition": "condition",
    "procedure": "procedure",
    "imaging": "imaging",
    "steroid": "steroid",
    "repeat": "repeat",
    "startback": "startback_risk",
    "clinician": "operator",
}
"""The dashboard's finer filters (``OutcomeFilters`` field → the facts' column a slice splits
by, and the slice's ``dimension``). Booleans are stored as "true"/"false", the clinician as the
operator's id."""
BOOLEAN = ("steroid", "repeat")
PAIRS: tuple[tuple[str, str], ...] = (
    ("condition", "procedure"),
    ("condition", "steroid"),
    ("procedure", "steroid"),
    ("procedure", "imaging"),
)
"""The pairs of finer filters a registry asks about together (which procedure for which
condition, with or without steroid, under which imaging), each kept as a slice of its own
(``dimension`` "condition+procedure", ``value`` "sciatica|caudal_epidural"). Any other pair, or
three finer filters, counts the facts. Each pair costs the refresh one more ``GROUP BY`` per
table."""
SEPARATOR = "|"
TABLES = (
    SummaryProcedures,
    SummaryTimePoints,
    SummaryDurations,
    SummaryComplications,
    SummaryPatients,
)


def note_facts_changed() -> None:
    """The facts changed in this transaction: the summary is out of date until refreshed."""
    SummaryChange.objects.create()
    transaction.on_commit(_enqueue_refresh_if_built)


def _enqueue_refresh_if_built() -> None:
    # No summary was ever built (a registry nobody refreshed): nothing to keep up to date.
    if SummaryState.objects.filter(pk=1, built=True).exists():
        _enqueue_refresh()


def _enqueue_refresh() -> None:
    from spinepath.analytics.tasks import enqueue_refresh

    enqueue_refresh()


def refresh_summary(*, at: datetime | None = None) -> int:
    """Rebuild every summary table from the facts as of ``at`` (its local day is the day "due"
    counts up to). Returns the number of summary rows written."""
    at = at or timezone.now()
    as_of = timezone.localdate(at)
    written = 0
    with transaction.atomic():
        SummaryState.objects.get_or_create(pk=1)
        SummaryState.objects.select_for_update().get(pk=1)  # one refresh at a time
        # Listed before the facts are read: each listed change has committed, so the reads see it.
        seen = list(SummaryChange.objects.values_list("pk", flat=True))
        for model in TABLES:
            model.objects.all()._raw_delete(connection.alias)
        written += _fill(SummaryProcedures, _procedures())
        written += _fill(SummaryTimePoints, _time_points(as_of))
        written += _fill(SummaryDurations, _durations())
        written += _fill(SummaryComplications, _complications())
        written += _fill(SummaryPatients, _patients())
        for start in range(0, len(seen), 500):
            SummaryChange.objects.filter(pk__in=seen[start : start + 500])._raw_delete(
                connection.alias
            )
        SummaryState.objects.filter(pk=1).update(built=True, as_of=as_of, refreshed_at=at)
    return written


def _fill(model: Any, rows: list[dict[str, Any]]) -> int:
    from spinepath.analytics.facts import insert_rows

    insert_rows(model, rows)
    return len(rows)


def _pair_dimension(first: str, second: str) -> str:
    return f"{DIMENSIONS[first]}+{DIMENSIONS[second]}"


def _value(prefix: str, dimension: str) -> Any:
    """The slice's value of ``dimension`` as text (a pair's values joined by ``SEPARATOR``)."""
    if not dimension:
        return Value("")
    if "+" in dimension:
        first, second = dimension.split("+")
        return Concat(
            _value(prefix, first),
            Value(SEPARATOR),
            _value(prefix, second),
            output_field=CharField(),
        )
    if dimension in BOOLEAN:
        return Case(
            When(**{f"{prefix}{dimension}": True}, then=Value("true")), default=Value("false")
        )
    if dimension == "operator":
        return Cast(f"{prefix}operator_id", CharField())
    return F(f"{prefix}{dimension}")


def _by_month(queryset: Any, prefix: str = "", dimension: str = "") -> Any:
    """``queryset`` with its clinic, month and (for a slice) the value of ``dimension``."""
    value = _value(prefix, dimension)
    return queryset.annotate(
        g_clinic=F(f"{prefix}clinic_id"),
        g_month=TruncMonth(f"{prefix}procedure_date"),
        g_value=value,
    )


def _slices() -> tuple[str, ...]:
    """The overview (""), every slice's column and every pair's."""
    return ("", *DIMENSIONS.values(), *(_pair_dimension(a, b) for a, b in PAIRS))


def _procedures() -> list[dict[str, Any]]:
    return [row for dimension in _slices() for row in _procedures_by(dimension)]


def _procedures_by(dimension: str) -> list[dict[str, Any]]:
    rows = (
        _by_month(ProcedureOutcome.objects.all(), "", dimension)
        .values("g_clinic", "g_month", "g_value", "operator_id", "decision_outcome")
        .annotate(
            n_procedures=Count("pk"),
            n_measured=Count("pk", filter=Q(measured=True)),
            n_responders=Count("pk", filter=Q(measured=True, responder=True)),
            n_overridden=Count("pk", filter=Q(overridden=True)),
        )
        .order_by()
    )
    return [
        dict(
            clinic_id=r["g_clinic"],
            month=r["g_month"],
            dimension=dimension,
            value=r["g_value"],
            operator_id=r["operator_id"],
            decision_outcome=r["decision_outcome"],
            procedures=r["n_procedures"],
            measured=r["n_measured"],
            responders=r["n_responders"],
            overridden=r["n_overridden"],
        )
        for r in rows
    ]


def _time_points(as_of: date) -> list[dict[str, Any]]:
    return [row for dimension in _slices() for row in _time_points_by(as_of, dimension)]


def _time_points_by(as_of: date, dimension: str) -> list[dict[str, Any]]:
    measurable = Q(measurable=True)
    pgic = {f"n_pgic_{k}": Count("pk", filter=Q(pgic=k)) for k in range(1, 8)}
    rows = (
        _by_month(TimePointOutcome.objects.filter(label__in=LABELS), "outcome__", dimension)
        .values("g_clinic", "g_month", "g_value", "outcome__operator_id", "label")
        .annotate(
            n_rows=Count("pk"),
            n_measurable=Count("pk", filter=measurable),
            n_meaningful=Count("pk", filter=measurable & Q(meaningful=True)),
            n_substantial=Count("pk", filter=measurable & Q(substantial=True)),
            n_due=Count("pk", filter=Q(due_on__lte=as_of)),
            n_answered=Count(
                "pk", filter=Q(due_on__lte=as_of, completed=True, completed_on__lte=as_of)
            ),
            n_nrs=Count("change_points", filter=measurable),
            s_nrs=Sum("change_points", filter=measurable),
            q_nrs=Sum(F("change_points") * F("change_points"), filter=measurable),
            n_percent=Count("change_percent", filter=measurable),
            s_percent=Sum("change_percent", filter=measurable),
            n_odi=Count("odi_change_points"),
            s_odi=Sum("odi_change_points"),
            q_odi=Sum(F("odi_change_points") * F("odi_change_points")),
            **pgic,
        )
        .order_by()
    )
    return [
        dict(
            clinic_id=r["g_clinic"],
            month=r["g_month"],
            dimension=dimension,
            value=r["g_value"],
            operator_id=r["outcome__operator_id"],
            label=r["label"],
            time_points=r["n_rows"],
            measurable=r["n_measurable"],
            meaningful=r["n_meaningful"],
            substantial=r["n_substantial"],
            due=r["n_due"],
            answered=r["n_answered"],
            nrs_n=r["n_nrs"],
            nrs_sum=float(r["s_nrs"] or 0),
            nrs_squares=float(r["q_nrs"] or 0),
            nrs_percent_n=r["n_percent"],
            nrs_percent_sum=float(r["s_percent"] or 0),
            odi_n=r["n_odi"],
            odi_sum=float(r["s_odi"] or 0),
            odi_squares=float(r["q_odi"] or 0),
            **{f"pgic_{k}": r[f"n_pgic_{k}"] for k in range(1, 8)},
        )
        for r in rows
    ]


def _durations() -> list[dict[str, Any]]:
    return [row for dimension in _slices() for row in _durations_by(dimension)]


def _durations_by(dimension: str) -> list[dict[str, Any]]:
    responders = ProcedureOutcome.objects.filter(responder=True, duration_days__isnull=False)
    rows = (
        _by_month(responders, "", dimension)
        .values("g_clinic", "g_month", "g_value", "duration_days", "censored")
        .annotate(n_procedures=Count("pk"))
        .order_by()
    )
    return [
        dict(
            clinic_id=r["g_clinic"],
            month=r["g_month"],
            dimension=dimension,
            value=r["g_value"],
            duration_days=r["duration_days"],
            censored=r["censored"],
            n=r["n_procedures"],
        )
        for r in rows
    ]


def _complications() -> list[dict[str, Any]]:
    return [row for dimension in _slices() for row in _complications_by(dimension)]


def _complications_by(dimension: str) -> list[dict[str, Any]]:
    rows = (
        _by_month(
            ProcedureComplication.objects.filter(procedure__outcome__isnull=False),
            "procedure__outcome__",
            dimension,
        )
        .values("g_clinic", "g_month", "g_value", "code")
        .annotate(n_procedures=Count("procedure", distinct=True))
        .order_by()
    )
    return [
        dict(
            clinic_id=r["g_clinic"],
            month=r["g_month"],
            dimension=dimension,
            value=r["g_value"],
            code=r["code"],
            procedures=r["n_procedures"],
        )
        for r in rows
    ]


def _patients() -> list[dict[str, Any]]:
    return [row for dimension in _slices() for row in _patients_by(dimension)]


def _patients_by(dimension: str) -> list[dict[str, Any]]:
    """Each procedure with the month of the patient's previous procedure (a window function); in
    a slice, the previous procedure with the same value (the patients of that slice)."""
    table = connection.ops.quote_name(ProcedureOutcome._meta.db_table)
    if connection.vendor == "postgresql":
        month = "date_trunc('month', {})::date"
    else:
        month = "date({}, 'start of month')"
    value = _sql_value(dimension)
    # Names from the models, quoted; nothing from a request (bandit B608).
    sql = f"""
        SELECT clinic_id, {month.format("procedure_date")}, {month.format("previous")}, value,
            count(*)
        FROM (
            SELECT clinic_id, procedure_date, {value} AS value, LAG(procedure_date) OVER (
                PARTITION BY patient_id, {value} ORDER BY procedure_date, procedure_id
            ) AS previous
            FROM {table}
        ) AS ordered
        GROUP BY 1, 2, 3, 4
    """  # nosec B608
    with connection.cursor() as cursor:
        cursor.execute(sql)
        found = cursor.fetchall()
    return [
        dict(
            clinic_id=clinic,
            month=_date(month_),
            previous_month=None if previous is None else _date(previous),
            dimension=dimension,
            value=value_,
            procedures=n,
        )
        for clinic, month_, previous, value_, n in found
    ]


def _sql_value(dimension: str) -> str:
    """``_value`` as SQL over the procedure facts, for the window function in ``_patients_by``."""
    if not dimension:
        return "''"
    if "+" in dimension:
        first, second = dimension.split("+")
        return f"({_sql_value(first)} || '{SEPARATOR}' || {_sql_value(second)})"
    if dimension in BOOLEAN:
        return f"CASE WHEN {connection.ops.quote_name(dimension)} THEN 'true' ELSE 'false' END"
    if dimension == "operator":
        return "CAST(operator_id AS varchar(40))"
    return connection.ops.quote_name(dimension)


def _date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


# --- Reading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cells:
    """Which summary rows a dashboard's filters stand for."""

    where: Q
    first_month: date | None
    """The period's first month (None: from the start), for the patients' count."""


def _last_day(day: date) -> bool:
    return day.day == calendar.monthrange(day.year, day.month)[1]


def usable(
    filters: Any, clinic_ids: frozenset[int] | None, *, on: date | None = None
) -> Cells | None:
    """The summary rows for ``filters`` within ``clinic_ids`` (None: every clinic), or None when
    the facts must be counted instead: the summary is out of date (or, for counts "due by" a
    day, not as of ``on``), or the filters ask for more than clinic, whole months and at most
    one finer filter (its slice)."""
    finer = {name: getattr(filters, name) for name in DIMENSIONS}
    finer = {name: _text(value) for name, value in finer.items() if value is not None}
    where = Q(dimension="", value="")
    if len(finer) == 1:
        [(name, text)] = finer.items()
        where = Q(dimension=DIMENSIONS[name], value=text)
    elif len(finer) == 2:
        pair = next((p for p in PAIRS if set(p) == set(finer)), None)
        if pair is None:
            return None  # a pair the summary does not keep: the facts
        where = Q(
            dimension=_pair_dimension(*pair),
            value=f"{finer[pair[0]]}{SEPARATOR}{finer[pair[1]]}",
        )
    elif finer:
        return None  # three finer filters or more: the facts
    start, end = filters.date_from, filters.date_to
    if (start is not None and start.day != 1) or (end is not None and not _last_day(end)):
        return None
    found = SummaryState.objects.filter(pk=1, built=True).values_list("as_of", flat=True).first()
    if found is None or SummaryChange.objects.exists():
        return None  # never built, or the hooks' refresh is on its way
    if on is not None and found != on:
        # A new day: the "due by" counts move on though no fact changed; ask for a refresh.
        transaction.on_commit(_enqueue_refresh)
        return None
    if clinic_ids is not None:
        where &= Q(clinic_id__in=sorted(clinic_ids))
    if filters.clinic is not None:
        from spinepath.accounts.models import Clinic

        where &= Q(clinic_id__in=Clinic.objects.filter(code=filters.clinic).values("pk"))
    if start is not None:
        where &= Q(month__gte=start)
    if end is not None:
        where &= Q(month__lte=end.replace(day=1))
    return Cells(where=where, first_month=start)


def _text(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def patients(cells: Cells) -> int:
    first = Q(previous_month__isnull=True)
    if cells.first_month is not None:
        first |= Q(previous_month__lt=cells.first_month)
    found = SummaryPatients.objects.filter(cells.where & first).aggregate(n=Sum("procedures"))
    return int(found["n"] or 0)
