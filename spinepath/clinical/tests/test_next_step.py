"""Plan next step (followup.md "Repeat planning")."""

from __future__ import annotations

import pytest

from spinepath.clinical.next_step import NextStep, options
from spinepath.clinical.vocab import Condition, Procedure


def offered(best: float | None, condition: Condition, procedure: Procedure) -> set[NextStep]:
    found = options(best_relief_percent=best, condition=condition, procedure=procedure)
    return {o.step for o in found if o.offered}


ALWAYS = {NextStep.PHYSIOTHERAPY, NextStep.SURGICAL_OPINION, NextStep.DISCHARGE}


@pytest.mark.parametrize(("best", "repeat"), [(50.0, True), (49.9, False), (None, False)])
def test_a_repeat_needs_50_percent_relief(best: float | None, repeat: bool) -> None:
    steps = offered(best, Condition.SCIATICA, Procedure.TRANSFORAMINAL_EPIDURAL)
    assert (NextStep.REPEAT_INJECTION in steps) is repeat
    assert steps >= ALWAYS


def test_the_block_to_rf_pathway_is_for_facet_pain() -> None:
    facet = offered(20.0, Condition.FACET_JOINT_ARTHRITIS, Procedure.FACET_JOINT_INJECTION)
    assert facet == ALWAYS | {NextStep.DIAGNOSTIC_BLOCK_RF}
    assert NextStep.DIAGNOSTIC_BLOCK_RF not in offered(
        20.0, Condition.SCIATICA, Procedure.TRANSFORAMINAL_EPIDURAL
    )
    assert NextStep.DIAGNOSTIC_BLOCK_RF not in offered(
        20.0, Condition.FACET_JOINT_ARTHRITIS, Procedure.RADIOFREQUENCY_DENERVATION
    )


def test_every_refused_option_says_why() -> None:
    found = options(
        best_relief_percent=10.0, condition=Condition.SCIATICA, procedure=Procedure.CAUDAL_EPIDURAL
    )
    assert all(o.why_not for o in found if not o.offered)
    assert "10%" in found[0].why_not
