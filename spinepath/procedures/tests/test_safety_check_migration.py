"""Checklists saved before the phases keep their answers, as items with who and when."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("procedures", "0004_procedure_safety")]
AFTER = [("procedures", "0005_safety_check_phases")]


def test_old_answers_become_items_in_their_phase(episode_a, clinician_a):
    from spinepath.testing import assess, take_consent

    consent = take_consent(assess(episode_a, clinician_a), clinician_a)
    decision = consent.assessment.decisions.first()
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    checked_at = timezone.now()
    old.get_model("procedures", "SafetyCheck").objects.create(
        episode_id=episode_a.pk,
        consent_id=consent.pk,
        decision_id=decision.pk,
        checked_by_id=clinician_a.pk,
        checked_at=checked_at,
        answers={"identity_confirmed": True, "imaging_ready": True, "site_marked": False},
        complete=False,
        missing=["site_marked"],
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    check = new.get_model("procedures", "SafetyCheck").objects.get()
    items = {
        i.code: (i.phase, i.confirmed, i.recorded_by_id, i.recorded_at)
        for i in new.get_model("procedures", "SafetyCheckItem").objects.filter(safety_check=check)
    }
    assert items == {
        "identity_confirmed": ("sign_in", True, clinician_a.pk, checked_at),
        "imaging_ready": ("time_out", True, clinician_a.pk, checked_at),
        "site_marked": ("sign_in", False, clinician_a.pk, checked_at),
    }
    assert check.ready_for_procedure is False
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
