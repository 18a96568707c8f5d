"""Plan the next step: offered only when relief ended or never came; a repeat only after ≥ 50%
relief, with the steroid checks; discharge through the episode's own workflow; and the decision
rules read measured relief for "previous injection relief"."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from spinepath.followup.models import NextStepPlan
from spinepath.followup.planning import PlanRefused, next_step_record
from spinepath.followup.tests.helpers import answer, backdate, treated
from spinepath.patients.models import Episode
from spinepath.testing import (
    make_decision,
    recent_steroid_elsewhere,
)

pytestmark = pytest.mark.django_db

REASON = "Relief has worn off; discussed the options with the patient."


def test_no_plan_while_relief_continues(episode_a, clinician_a):
    record = backdate(treated(episode_a, clinician_a), 30)
    answer(record, "2w", nrs_leg=3)
    with pytest.raises(PlanRefused, match="still continuing"):
        next_step_record(None, record=record, choice="physiotherapy", reason=REASON, by=clinician_a)
    assert not NextStepPlan.objects.exists()


def test_a_repeat_after_good_relief_runs_the_steroid_checks(episode_a, clinician_a):
    record = backdate(treated(episode_a, clinician_a), 100)
    answer(record, "2w", nrs_leg=3)  # 62.5%
    answer(record, "6w", nrs_leg=8)  # ended
    plan = next_step_record(
        None, record=record, choice="repeat_injection", reason=REASON, by=clinician_a
    )
    assert plan.relief["best_change_percent"] == 62.5
    assert plan.relief["steroid_check"]["status"] == "ok"
    event = episode_a.timeline.get(kind="plan")
    assert "Repeat the injection — steroid checks pass" in event.summary
    assert REASON in event.summary


def test_a_repeat_too_soon_is_planned_with_the_earliest_date(episode_a, clinician_a):
    record = backdate(treated(episode_a, clinician_a), 100)
    answer(record, "2w", nrs_leg=3)
    answer(record, "6w", nrs_leg=8)
    recent_steroid_elsewhere(episode_a.patient, days_ago=3)  # given elsewhere since
    plan = next_step_record(
        None, record=record, choice="repeat_injection", reason=REASON, by=clinician_a
    )
    check = plan.relief["steroid_check"]
    assert check["status"] == "block" and check["earliest_date"]
    assert "Not before" in episode_a.timeline.get(kind="plan").summary


def test_no_repeat_after_poor_relief(episode_a, clinician_a):
    record = backdate(treated(episode_a, clinician_a), 30)
    answer(record, "2w", nrs_leg=6)  # 25%: never meaningful
    with pytest.raises(ValidationError) as refused:
        next_step_record(
            None, record=record, choice="repeat_injection", reason=REASON, by=clinician_a
        )
    assert "50%" in refused.value.message_dict["choice"][0]
    assert not NextStepPlan.objects.exists()


def test_only_a_clinician_plans(episode_a, clinician_a, physio_a):
    record = backdate(treated(episode_a, clinician_a), 30)
    answer(record, "2w", nrs_leg=7)
    with pytest.raises(PlanRefused):
        next_step_record(None, record=record, choice="physiotherapy", reason=REASON, by=physio_a)


def test_discharge_ends_the_episode_with_its_outcome(episode_a, clinician_a):
    record = backdate(treated(episode_a, clinician_a), 30)
    answer(record, "2w", nrs_leg=7)
    with pytest.raises(ValidationError) as refused:
        next_step_record(None, record=record, choice="discharge", reason=REASON, by=clinician_a)
    assert "discharge_outcome" in refused.value.message_dict
    at = timezone.now()
    next_step_record(
        None,
        record=record,
        choice="discharge",
        reason=REASON,
        discharge_outcome="self_managing",
        by=clinician_a,
        at=at,
    )
    episode = Episode.objects.get(pk=episode_a.pk)
    assert episode.stage == Episode.Stage.DISCHARGED
    assert episode.discharge_outcome == "self_managing" and episode.discharge_note == REASON
    assert episode.timeline.filter(kind="plan", at=at).exists()
    with pytest.raises(PlanRefused, match="discharged"):
        next_step_record(None, record=record, choice="physiotherapy", reason=REASON, by=clinician_a)


@pytest.mark.parametrize(("leg_at_2w", "fires"), [(7, True), (3, False)])
def test_the_rules_read_measured_relief(episode_a, clinician_a, leg_at_2w, fires):
    """A new assessment for a repeat: REPEAT_AFTER_POOR_RESPONSE fires on 12.5% measured relief
    and not on 62.5%."""
    record = backdate(treated(episode_a, clinician_a), 120)
    answer(record, "2w", nrs_leg=leg_at_2w)
    decision = make_decision(episode_a, clinician_a, assessed_on=timezone.localdate())
    codes = {reason["code"] for reason in decision.reasons}
    assert ("REPEAT_AFTER_POOR_RESPONSE" in codes) is fires
    previous = decision.facts["previous_injections"]
    assert previous[-1]["relief_percent"] == (12.5 if fires else 62.5)
