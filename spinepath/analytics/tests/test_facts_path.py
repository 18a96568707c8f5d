"""Views the summary cannot answer (two finer filters outside ``summary.PAIRS``, three or more)
count the facts: the time points carry their procedure's filter columns, and the page's
time-point panels share one grouped scan of them, with the figures counting through the join to
the procedures gives."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.db.models import Avg, Count, F, Q, Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from spinepath.analytics import queries
from spinepath.analytics.dashboard import panels
from spinepath.analytics.facts import rebuild_outcomes
from spinepath.analytics.models import PROCEDURE_COLUMNS, TimePointOutcome
from spinepath.analytics.queries import LABELS, OutcomeFilters, Scope, scope_for

pytestmark = pytest.mark.django_db


def _carried_differently() -> int:
    """Time points whose filter columns differ from their procedure's."""
    differs = Q()
    for column in PROCEDURE_COLUMNS:
        differs |= ~Q(**{column: F(f"outcome__{column}")})
    return TimePointOutcome.objects.filter(differs).count()


def test_time_points_carry_their_procedures_filter_columns(registry):
    assert TimePointOutcome.objects.count() > 0
    assert _carried_differently() == 0
    record = registry.records["P1"]
    record.episode.condition = "spinal_stenosis"  # the rebuild carries what the procedure says
    record.episode.save(update_fields=["condition"])
    rebuild_outcomes([record.pk])
    assert TimePointOutcome.objects.filter(
        outcome_id=record.pk, condition="spinal_stenosis"
    ).exists()
    assert _carried_differently() == 0


def _views(registry: Any) -> list[tuple[OutcomeFilters, Scope]]:
    p1 = registry.records["P1"]
    condition = p1.episode.condition
    return [
        (OutcomeFilters(condition=condition, repeat=False), Scope(None, False)),
        (OutcomeFilters(condition=condition, clinician=p1.operator_id), Scope(None, False)),
        (OutcomeFilters(steroid=True, startback="low", repeat=False), Scope(None, False)),
        (
            OutcomeFilters(condition=condition, procedure=p1.procedure, repeat=True),
            scope_for(registry.clinician_a),
        ),
        (OutcomeFilters(clinic="tb", imaging="fluoroscopy", repeat=False), Scope(None, False)),
        (
            OutcomeFilters(imaging="fluoroscopy", repeat=False, date_to=date.today()),
            Scope(None, False),
        ),
    ]


def _through_the_join(filters: OutcomeFilters, scope: Scope, on: date) -> dict[str, Any]:
    """The time-point panels counted one query each through the join to the procedures (what
    the facts path did before the time points carried the filters)."""
    points = TimePointOutcome.objects.filter(
        queries._condition(filters, scope, "outcome__"), label__in=LABELS
    )
    measurable = Q(measurable=True)
    counts = {
        r["label"]: r
        for r in points.values("label").annotate(
            n_completed=Count("pk", filter=measurable),
            n_meaningful=Count("pk", filter=measurable & Q(meaningful=True)),
            n_substantial=Count("pk", filter=measurable & Q(substantial=True)),
            n_due=Count("pk", filter=Q(due_on__lte=on)),
            n_answered=Count("pk", filter=Q(due_on__lte=on, completed=True, completed_on__lte=on)),
        )
    }
    change = {
        r["label"]: r
        for r in points.values("label").annotate(
            nrs_n=Count("pk", filter=measurable),
            nrs_mean=Avg("change_points", filter=measurable),
            nrs_percent=Avg("change_percent", filter=measurable),
            odi_n=Count("odi_change_points"),
            odi_mean=Avg("odi_change_points"),
            nrs_squares=Sum(F("change_points") * F("change_points"), filter=measurable),
        )
    }
    pgic = {label: {k: 0 for k in range(1, 8)} for label in LABELS}
    for r in points.filter(pgic__isnull=False).values("label", "pgic").annotate(n=Count("pk")):
        pgic[r["label"]][r["pgic"]] = r["n"]
    funnel = {
        by: [
            (r["unit"], r["n"], r["m"], r["k"])
            for r in points.filter(label="6w")
            .values(unit=F(f"outcome__{by}_id"))
            .annotate(
                n=Count("pk"),
                m=Count("pk", filter=measurable),
                k=Count("pk", filter=measurable & Q(meaningful=True)),
            )
            .order_by("unit")
        ]
        for by in ("operator", "clinic")
    }
    zero = dict.fromkeys(("n_completed", "n_meaningful", "n_substantial", "n_due", "n_answered"), 0)
    return {
        "counts": [tuple(counts.get(label, zero)[k] for k in zero) for label in LABELS],
        "change": [
            (
                change[label]["nrs_n"],
                change[label]["nrs_mean"],
                change[label]["nrs_percent"],
                change[label]["odi_n"],
                change[label]["odi_mean"],
            )
            if label in change
            else (0, None, None, 0, None)
            for label in LABELS
        ],
        "pgic": pgic,
        "funnel": funnel,
    }


def _one_scan(filters: OutcomeFilters, scope: Scope, on: date) -> dict[str, Any]:
    with queries.one_page():
        counts = queries.time_point_counts(filters, scope, on=on)
        change = queries.mean_change(filters, scope)
        return {
            "counts": [
                (p.completed, p.meaningful, p.substantial, p.due, p.answered) for p in counts
            ],
            "change": [
                (c.nrs_n, c.nrs_mean_points, c.nrs_mean_percent, c.odi_n, c.odi_mean_points)
                for c in change
            ],
            "pgic": queries.pgic_distribution(filters, scope),
            "funnel": {
                by: [
                    (u.unit, u.procedures, u.measured, u.responders)
                    for u in queries.responders_at(filters, scope, timepoint="6w", by=by)
                ]
                for by in ("operator", "clinic")
            },
        }


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and a == pytest.approx(b, rel=1e-9)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def test_one_scan_gives_what_counting_through_the_join_gives(registry):
    on = timezone.localdate()
    some = 0
    for filters, scope in _views(registry):
        assert queries.summary_tables.usable(filters, scope.clinic_ids, on=on) is None
        expected = _through_the_join(filters, scope, on)
        found = _one_scan(filters, scope, on)
        assert _same(found, expected), (filters, found, expected)
        some += sum(row[3] for row in found["counts"])
    assert some > 0  # the views are not all empty


def test_the_page_counts_the_time_points_once(registry):
    """Five time-point panel calls (responders, completion, mean change, PGIC, funnel) make one
    scan of the time points; a different day's "due" counts make another."""
    filters = OutcomeFilters(
        condition=registry.records["P1"].episode.condition, steroid=True, repeat=False
    )
    scope = Scope(None, False)
    table = TimePointOutcome._meta.db_table
    with CaptureQueriesContext(connection) as ran:
        board = panels(filters, scope, on=timezone.localdate())
    scans = [q["sql"] for q in ran.captured_queries if table in q["sql"]]
    assert len(scans) == 1, scans
    assert board.panel("responders").rows
    with CaptureQueriesContext(connection) as ran, queries.one_page():
        queries.time_point_counts(filters, scope, on=date(2026, 1, 1))
        queries.mean_change(filters, scope)  # any day's sums serve the means
        queries.time_point_counts(filters, scope, on=date(2026, 1, 2))
    assert sum(table in q["sql"] for q in ran.captured_queries) == 2


def _procedure_panels(filters: OutcomeFilters, scope: Scope) -> dict[str, Any]:
    total = queries.totals(filters, scope)
    return {
        "totals": (total.procedures, total.patients),
        "complications": queries.complication_counts(filters, scope),
        "decision": queries.by_decision(filters, scope),
        "relief": queries.relief_duration_counts(filters, scope),
        "curve": queries.relief_duration(filters, scope),
    }


def test_one_scan_of_the_procedures_gives_what_each_panel_counts(registry):
    """Inside ``one_page`` the procedure-level panels (totals, complications from the facts'
    codes, decision, relief) give exactly what each counts on its own (complications through
    the ``ProcedureComplication`` rows)."""
    on = timezone.localdate()
    some = {"complications": 0, "decision": 0, "relief": 0}
    for filters, scope in _views(registry):
        assert queries.summary_tables.usable(filters, scope.clinic_ids, on=on) is None
        alone = _procedure_panels(filters, scope)
        with queries.one_page():
            shared = _procedure_panels(filters, scope)
        assert shared == alone, (filters, shared, alone)
        for name in some:
            some[name] += len(alone[name])
    assert all(some.values()), some  # the views are not all empty


def test_the_page_reads_the_procedures_twice(registry):
    """A facts-path page reads the procedure facts twice (one grouped scan for totals,
    complications, decision and relief; the patients' distinct count) and never joins the
    complication rows; the same panels outside ``one_page`` still count one query each."""
    # The fullest view (an earlier test leaves P1's condition changed on the shared registry).
    filters, scope = max(_views(registry), key=lambda view: queries.totals(*view).procedures)
    table = queries.ProcedureOutcome._meta.db_table
    complications = queries.ProcedureComplication._meta.db_table
    with CaptureQueriesContext(connection) as ran:
        board = panels(filters, scope, on=timezone.localdate())
    reads = [q["sql"] for q in ran.captured_queries if f'"{table}"' in q["sql"]]
    assert len(reads) == 2, reads
    assert not [q for q in ran.captured_queries if f'"{complications}"' in q["sql"]]
    assert board.procedures > 0 and board.panel("decision").rows
    with CaptureQueriesContext(connection) as ran:
        _procedure_panels(filters, scope)
    assert sum(f'"{table}"' in q["sql"] for q in ran.captured_queries) == 5


def test_every_complication_code_fits_the_facts_column_so_none_is_counted_short():
    """The page counts complications from the facts' ';'-joined codes (``complication_codes``):
    a procedure with every complication must still fit, or the longest lists would be cut and
    counted short. A new code that breaks this must widen the column."""
    from spinepath.analytics.models import ProcedureOutcome
    from spinepath.clinical.vocab import Complication

    width = ProcedureOutcome._meta.get_field("complication_codes").max_length
    assert len(";".join(sorted(code.value for code in Complication))) <= width
