"""The dashboard's summary tables give the same figures as counting the facts, and are read
only when they are current and hold what the filters ask for."""

from __future__ import annotations

import calendar
from dataclasses import asdict
from datetime import date
from unittest import mock

import pytest
from django.utils import timezone

from spinepath.analytics import queries, summary
from spinepath.analytics.facts import rebuild_outcomes
from spinepath.analytics.models import ProcedureOutcome, SummaryChange
from spinepath.analytics.queries import OutcomeFilters, Scope, scope_for
from spinepath.clinical.outcome_stats import kaplan_meier

pytestmark = pytest.mark.django_db


def _figures(filters: OutcomeFilters, scope: Scope, on: date) -> dict[str, object]:
    curve = queries.relief_duration(filters, scope)
    return {
        "totals": queries.totals(filters, scope),
        "time_points": queries.time_point_counts(filters, scope, on=on),
        "relief": (curve.subjects, curve.events, curve.median, curve.median_ci95, curve.at_risk),
        "durations": queries.relief_duration_counts(filters, scope),
        "change": [asdict(c) for c in queries.mean_change(filters, scope)],
        "pgic": queries.pgic_distribution(filters, scope),
        "complications": queries.complication_counts(filters, scope),
        "by_operator": queries.responders_by(filters, scope),
        "by_clinic": queries.responders_by(filters, scope, by="clinic"),
        "decision": queries.by_decision(filters, scope),
        "funnel_6w": queries.responders_at(filters, scope, timepoint="6w"),
        "funnel_2w_clinic": queries.responders_at(filters, scope, timepoint="2w", by="clinic"),
    }


def _close(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == pytest.approx(b, rel=1e-9, abs=1e-12)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def _whole_months(first: date, last: date) -> tuple[date, date]:
    end = calendar.monthrange(last.year, last.month)[1]
    return first.replace(day=1), last.replace(day=end)


def test_the_summary_gives_the_facts_figures(registry):
    from spinepath.testing import make_superuser

    on = timezone.localdate()
    p1 = registry.records["P1"].performed_at.date()
    start, end = _whole_months(p1, p1)
    everyone = Scope(None, False)
    first = ProcedureOutcome.objects.order_by("pk").first()
    assert first is not None
    views = [
        (OutcomeFilters(), scope_for(registry.clinician_a)),
        (OutcomeFilters(), scope_for(make_superuser())),
        (OutcomeFilters(clinic="tb"), Scope(clinic_ids=None, pseudonymised=False)),
        (OutcomeFilters(date_from=start, date_to=end), Scope(None, False)),
        (OutcomeFilters(date_from=start), Scope(None, False)),  # patients seen before and after
        (OutcomeFilters(date_to=end), scope_for(registry.clinician_a)),
        # One finer filter: its slice of the summary.
        (OutcomeFilters(condition=registry.records["P1"].episode.condition), Scope(None, False)),
        (OutcomeFilters(procedure=registry.records["P1"].procedure), Scope(None, False)),
        (OutcomeFilters(imaging="fluoroscopy", date_from=start), Scope(None, False)),
        (OutcomeFilters(steroid=True), scope_for(registry.clinician_a)),
        (OutcomeFilters(steroid=False), Scope(None, False)),
        (OutcomeFilters(repeat=True), Scope(None, False)),  # P9 repeats P1
        (OutcomeFilters(repeat=False, date_from=start), Scope(None, False)),
        (OutcomeFilters(startback="high"), Scope(None, False)),
        (OutcomeFilters(clinician=registry.records["P1"].operator_id), Scope(None, False)),
        (OutcomeFilters(clinic="tb", clinician=registry.clinician_a.pk), Scope(None, False)),
        # Two finer filters that are a kept pair: the pair's slice.
        (
            OutcomeFilters(
                condition=registry.records["P1"].episode.condition,
                procedure=registry.records["P1"].procedure,
            ),
            Scope(None, False),
        ),
        (
            OutcomeFilters(procedure=registry.records["P1"].procedure, steroid=True),
            scope_for(registry.clinician_a),
        ),
        (OutcomeFilters(steroid=False, procedure=registry.records["P1"].procedure), everyone),
        (OutcomeFilters(imaging=first.imaging, procedure=first.procedure), everyone),
        (
            OutcomeFilters(
                condition=registry.records["P1"].episode.condition,
                steroid=True,
                date_from=start,
            ),
            everyone,
        ),
    ]
    direct = [_figures(filters, scope, on) for filters, scope in views]
    assert summary.refresh_summary() > 0
    for (filters, scope), expected in zip(views, direct, strict=True):
        assert summary.usable(filters, scope.clinic_ids, on=on) is not None
        with mock.patch.object(queries, "outcome_facts", side_effect=AssertionError("facts")):
            found = _figures(filters, scope, on)
        for panel, value in expected.items():
            assert _close(found[panel], value), (filters, panel, found[panel], value)
    assert direct[1]["totals"] == queries.Totals(9, 8)  # P9 repeats P1: 8 patients, not 9


def test_the_summary_is_read_only_when_current_and_coarse_enough(registry):
    on = timezone.localdate()
    everyone = frozenset({registry.clinic_a.pk, registry.clinic_b.pk})
    assert summary.usable(OutcomeFilters(), everyone, on=on) is None  # never built
    summary.refresh_summary()
    assert summary.usable(OutcomeFilters(), everyone, on=on) is not None
    # One finer filter reads its slice; two at once, or part months, count the facts.
    assert summary.usable(OutcomeFilters(condition="sciatica"), everyone) is not None
    assert summary.usable(OutcomeFilters(clinician=registry.clinician_a.pk), everyone) is not None
    # Two finer filters: a kept pair reads its slice (either order); any other pair, or three
    # finer filters, count the facts.
    assert summary.usable(OutcomeFilters(condition="sciatica", steroid=True), everyone) is not None
    assert summary.usable(OutcomeFilters(imaging="ct", procedure="facet"), everyone) is not None
    assert summary.usable(OutcomeFilters(condition="sciatica", repeat=True), everyone) is None
    assert (
        summary.usable(
            OutcomeFilters(condition="sciatica", clinician=registry.clinician_a.pk), everyone
        )
        is None
    )
    three = OutcomeFilters(condition="sciatica", procedure="caudal_epidural", steroid=True)
    assert summary.usable(three, everyone) is None
    assert summary.usable(OutcomeFilters(date_from=date(2026, 1, 2)), everyone) is None
    assert summary.usable(OutcomeFilters(date_to=date(2026, 1, 30)), everyone) is None
    assert summary.usable(OutcomeFilters(date_to=date(2026, 1, 31)), everyone) is not None
    # "Due by" counts are as of the day the summary was built.
    assert summary.usable(OutcomeFilters(), everyone, on=date(2000, 1, 1)) is None
    # A change to the facts makes it stale until the worker refreshes it.
    with mock.patch("spinepath.analytics.tasks.enqueue_refresh") as enqueue:
        rebuild_outcomes([registry.records["P1"].pk])
    assert SummaryChange.objects.count() == 1
    assert summary.usable(OutcomeFilters(), everyone) is None
    assert queries.totals(OutcomeFilters(), Scope(everyone, False)) == queries.Totals(9, 8)
    del enqueue  # enqueued on commit, which the test's rolled-back transaction never reaches
    summary.refresh_summary()
    assert summary.usable(OutcomeFilters(), everyone) is not None


def test_the_refresh_task_is_enqueued_once(registry):
    from django_tasks_db.models import DBTaskResult

    from spinepath.analytics.tasks import enqueue_refresh, refresh_outcome_summary

    assert enqueue_refresh() is True
    assert enqueue_refresh() is False  # one waiting is enough
    assert DBTaskResult.objects.filter(task_path=refresh_outcome_summary.module_path).count() == 1


def test_kaplan_meier_of_counts_is_that_of_the_rows():
    durations, events = [14, 42, 42, 90, 90, 90, 180, 365], [1, 1, 0, 1, 0, 0, 1, 0]
    grouped: dict[tuple[int, bool], int] = {}
    for d, e in zip(durations, events, strict=True):
        grouped[(d, bool(e))] = grouped.get((d, bool(e)), 0) + 1
    rows = kaplan_meier(durations, [bool(e) for e in events])
    counts = kaplan_meier(
        [d for d, _ in grouped], [e for _, e in grouped], weights=list(grouped.values())
    )
    assert (counts.subjects, counts.events, counts.median) == (
        rows.subjects,
        rows.events,
        rows.median,
    )
    assert counts.median_ci95 == rows.median_ci95
    assert counts.survival == pytest.approx(rows.survival)
    assert counts.lower == pytest.approx(rows.lower) and counts.upper == pytest.approx(rows.upper)
    assert counts.at_risk == rows.at_risk


def test_a_change_noted_while_a_refresh_runs_leaves_the_summary_stale(registry):
    everyone = frozenset({registry.clinic_a.pk, registry.clinic_b.pk})
    summary.refresh_summary()
    assert summary.usable(OutcomeFilters(), everyone) is not None
    real_procedures = summary._procedures

    def a_recording_meanwhile():  # after the refresh listed the changes it will take in
        summary.note_facts_changed()
        return real_procedures()

    with mock.patch.object(summary, "_procedures", a_recording_meanwhile):
        summary.refresh_summary()
    assert SummaryChange.objects.count() == 1  # the refresh did not delete what it never saw
    assert summary.usable(OutcomeFilters(), everyone) is None
    summary.refresh_summary()
    assert summary.usable(OutcomeFilters(), everyone) is not None


def test_noting_a_change_inserts_and_never_updates_a_shared_row(registry):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    summary.refresh_summary()
    with CaptureQueriesContext(connection) as queries_run:
        summary.note_facts_changed()
    statements = [q["sql"].split()[0].upper() for q in queries_run.captured_queries]
    assert statements == ["INSERT"]
