"""Decision reasons as rows the outcomes dashboard can count (issue 9).

Before: a decision's reasons lived only in its JSON snapshot, so counting how often a rule fired
meant reading every decision in Python. Now ``store_decision`` also writes one ``DecisionReason``
row per reason, in the same transaction, and the JSON stays as the record of what was shown.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Count

from spinepath.assessment.decisions import facts_for, store_decision
from spinepath.assessment.models import Decision, DecisionReason
from spinepath.clinical.rules import rule_codes
from spinepath.clinical.steroids import STEROID_CODES
from spinepath.testing import make_assessment, make_decision

pytestmark = pytest.mark.django_db


def _rows(decision: Decision) -> list[tuple[str, str, str]]:
    return [(r.code, r.outcome, r.action) for r in decision.reason_rows.order_by("position")]


def test_storing_a_decision_writes_exactly_its_reasons_as_rows(episode_a, clinician_a):
    # Triamcinolone (particulate) by the transforaminal route and medication not recorded: two
    # reasons, one of them a steroid check's.
    decision = make_decision(
        episode_a,
        clinician_a,
        steroid="triamcinolone",
        steroid_dose_mg=40,
        medication_recorded=False,
    )
    codes = [r["code"] for r in decision.reasons]
    assert len(codes) == 2 and "STEROID_PARTICULATE_TRANSFORAMINAL" in codes
    assert _rows(decision) == [
        (r["code"], r["outcome"], r["action"] or "") for r in decision.reasons
    ]
    assert [r.position for r in decision.reason_rows.order_by("position")] == list(
        range(len(codes))
    )
    assert DecisionReason.objects.count() == len(codes)
    with_action = decision.reason_rows.get(code="STEROID_PARTICULATE_TRANSFORAMINAL")
    assert with_action.has_action


def test_a_suitable_decision_has_no_rows_and_counts_add_up(episode_a, clinician_a):
    suitable = make_decision(episode_a, clinician_a)
    assert suitable.outcome == "suitable" and suitable.reasons == []
    assert not suitable.reason_rows.exists()
    deferred = make_decision(episode_a, clinician_a, medication_recorded=False)
    counts = dict(
        DecisionReason.objects.values_list("code").annotate(n=Count("id")).order_by("code")
    )
    assert counts == {r["code"]: 1 for r in deferred.reasons}
    assert DecisionReason.objects.filter(decision__outcome=deferred.outcome).count() == len(
        deferred.reasons
    )


def test_a_decision_and_its_rows_are_one_transaction(episode_a, clinician_a, monkeypatch):
    assessment = make_assessment(episode_a, clinician_a, medication_recorded=False)

    def fail(self):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Decision, "write_reason_rows", fail)
    with pytest.raises(RuntimeError):
        store_decision(assessment, facts_for(assessment), by=clinician_a)
    assert not Decision.objects.filter(assessment=assessment).exists()


def test_the_code_choices_are_the_cores_rule_codes_and_refuse_others(episode_a, clinician_a):
    choices = {value for value, _ in DecisionReason._meta.get_field("code").choices}
    assert choices == set(rule_codes())
    assert set(STEROID_CODES) <= choices and "STEROID_EXPOSURE" not in choices
    decision = make_decision(episode_a, clinician_a, medication_recorded=False)
    row = decision.reason_rows.first()
    row.full_clean()
    row.code = "NOT_A_RULE"
    with pytest.raises(ValidationError) as invalid:
        row.full_clean()
    assert "code" in invalid.value.message_dict
    row.code, row.outcome = "MEDICATION_NOT_RECORDED", "maybe"
    with pytest.raises(ValidationError) as invalid:
        row.full_clean()
    assert "outcome" in invalid.value.message_dict
