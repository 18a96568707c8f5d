"""Decisions and procedures stored before the analytics rows existed get their rows (issue 9)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [
    ("assessment", "0002_new_facts_and_bounds"),
    ("procedures", "0005_safety_check_phases"),
]
AFTER = [
    ("assessment", "0003_decision_reasons"),
    ("procedures", "0006_procedure_complications"),
]


def test_existing_decisions_and_procedures_get_their_rows(episode_a, clinician_a):
    from spinepath.testing import make_decision, ready_for_procedure, record_procedure

    ready_for_procedure(episode_a, clinician_a)
    make_decision(episode_a, clinician_a, medication_recorded=False, steroid="triamcinolone")
    performed = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=40)
    record = record_procedure(
        episode_a, clinician_a, performed_at=performed, complications=["vasovagal", "bleeding"]
    )
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    decisions = {d.pk: d.reasons for d in old.get_model("assessment", "Decision").objects.all()}
    assert any(decisions.values())
    amended_at = performed + timedelta(minutes=50)
    old.get_model("procedures", "ProcedureRecord").objects.filter(pk=record.pk).update(
        late_complications=["allergic_reaction"]
    )
    old.get_model("procedures", "DischargeAmendment").objects.create(
        procedure_id=record.pk,
        amended_at=amended_at,
        amended_by_id=clinician_a.pk,
        before={"late_complications": []},
        after={"late_complications": ["allergic_reaction"]},
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    DecisionReason = new.get_model("assessment", "DecisionReason")
    for pk, reasons in decisions.items():
        rows = DecisionReason.objects.filter(decision_id=pk).order_by("position")
        assert [(r.code, r.outcome, r.action) for r in rows] == [
            (r["code"], r["outcome"], r.get("action") or "") for r in reasons
        ]
    rows = new.get_model("procedures", "ProcedureComplication").objects.filter(
        procedure_id=record.pk
    )
    assert {(r.code, r.late, r.recorded_at) for r in rows} == {
        ("vasovagal", False, record.created_at),
        ("bleeding", False, record.created_at),
        ("allergic_reaction", True, amended_at),
    }

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
