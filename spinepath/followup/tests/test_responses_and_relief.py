"""Answering time points (patient or staff), relief per procedure, and measured relief in facts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from spinepath.accounts.models import AuditEvent
from spinepath.followup.models import FollowUpAnswer
from spinepath.followup.outcomes import procedure_relief
from spinepath.followup.responses import (
    AlreadySubmitted,
    FollowUpRefused,
    answer_save,
    time_point_submit,
)
from spinepath.followup.tests.helpers import answer, on_day, point, treated
from spinepath.procedures.history import injections, previous_injections

pytestmark = pytest.mark.django_db


def test_staff_entry_is_scored_marked_and_on_the_timeline(episode_a, clinician_a):
    record = treated(episode_a, clinician_a)
    tp = answer(record, "6w", by=clinician_a, nrs_back=2, nrs_leg=3, pgic=2, odi=2)
    assert tp.completed and tp.staff_entered and tp.entered_by == clinician_a
    assert tp.scores == {"nrs_back": 2, "nrs_leg": 3, "pgic": 2, "odi": 40.0}
    assert tp.late is False
    assert FollowUpAnswer.objects.filter(time_point=tp, source="staff").count() == 13
    event = episode_a.timeline.filter(detail__time_point=tp.pk).get()
    assert "entered by staff" in event.summary and event.at == tp.completed_at
    assert AuditEvent.objects.filter(model="followup.TimePoint", object_id=str(tp.pk)).exists()


def test_a_second_submit_stores_nothing_new(episode_a, clinician_a):
    record = treated(episode_a, clinician_a)
    answer(record, "2w", nrs_leg=3, nrs_back=2, pgic=2)
    with pytest.raises(AlreadySubmitted):
        answer(record, "2w", nrs_leg=9, nrs_back=9, pgic=7)
    tp = point(record, "2w")
    assert tp.scores["nrs_leg"] == 3
    assert FollowUpAnswer.objects.filter(time_point=tp).count() == 3
    with pytest.raises(AlreadySubmitted):
        answer_save(tp, instrument="nrs_leg", item="score", value=1, at=on_day(tp))


def test_answers_save_as_the_patient_goes_then_submit(episode_a, clinician_a):
    record = treated(episode_a, clinician_a)
    tp = point(record, "2w")
    answer_save(tp, instrument="nrs_leg", item="score", value=5, at=on_day(tp))
    answer_save(tp, instrument="nrs_leg", item="score", value=4, at=on_day(tp))  # changed mind
    tp = time_point_submit(None, tp, at=on_day(tp))
    assert tp.scores == {"nrs_leg": 4} and not tp.staff_entered


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"nrs_leg": {"score": 11}}, "nrs_leg.score"),
        ({"odi": {"s1": 2}}, "odi.s1"),  # not asked at 2 weeks
        ({"nrs_leg": {"sore": 2}}, "nrs_leg.sore"),
        ({"pgic": {"score": True}}, "pgic.score"),
    ],
)
def test_bad_answers_are_named_and_nothing_is_stored(episode_a, clinician_a, answers, field):
    record = treated(episode_a, clinician_a)
    tp = point(record, "2w")
    with pytest.raises(ValidationError) as refused:
        time_point_submit(None, tp, answers=answers, at=on_day(tp))
    assert field in refused.value.message_dict
    tp.refresh_from_db()
    assert tp.completed_at is None and not FollowUpAnswer.objects.exists()


def test_nothing_answered_cannot_be_submitted(episode_a, clinician_a):
    record = treated(episode_a, clinician_a)
    tp = point(record, "2w")
    with pytest.raises(ValidationError):
        time_point_submit(None, tp, at=on_day(tp))


def test_a_physiotherapist_may_enter_answers_an_analyst_may_not(
    episode_a, clinician_a, physio_a, admin_a
):
    record = treated(episode_a, clinician_a)
    tp = point(record, "2w")
    with pytest.raises(FollowUpRefused):
        time_point_submit(
            None, tp, answers={"nrs_leg": {"score": 3}}, source="staff", by=admin_a, at=on_day(tp)
        )
    time_point_submit(
        None, tp, answers={"nrs_leg": {"score": 3}}, source="staff", by=physio_a, at=on_day(tp)
    )


def test_late_only_after_the_last_reminder(episode_a, clinician_a):
    record = treated(episode_a, clinician_a)
    assert answer(record, "2w", days_late=7, nrs_leg=3).late is False
    assert answer(record, "6w", days_late=8, nrs_leg=3).late is True


def test_relief_from_the_assessment_baseline(episode_a, clinician_a):
    record = treated(episode_a, clinician_a)  # baseline leg 8
    answer(record, "2w", nrs_leg=3, nrs_back=3, pgic=2)
    answer(record, "6w", nrs_leg=4, nrs_back=3, pgic=2, odi=1)
    answer(record, "3m", nrs_leg=8, nrs_back=3, pgic=4, odi=3)
    relief = procedure_relief(record)
    assert relief.baseline_source == "assessment" and relief.primary == "nrs_leg"
    assert relief.result.onset.label == "2w"
    assert relief.result.ended.label == "3m" and relief.result.duration_days == 90
    assert relief.words == "Meaningful relief from 2 weeks, ended by 3 months: 90 days."
    assert relief.needs_next_step
    # As it stood before the 3-month answer: still going, censored at 6 weeks.
    earlier = procedure_relief(record, as_of=point(record, "6w").due_on)
    assert earlier.result.censored and earlier.result.duration_days == 42
    assert not earlier.needs_next_step


def test_measured_relief_reaches_the_injection_history(episode_a, clinician_a):
    record = treated(episode_a, clinician_a)
    answer(record, "2w", nrs_leg=2)  # 8 → 2: 75%
    due = point(record, "2w").due_on
    (here,) = previous_injections(episode_a.patient, before=due)
    assert here.relief_percent == 75.0
    (then,) = previous_injections(episode_a.patient, before=due - timedelta(days=1))
    assert then.relief_percent is None  # not measured yet on that day
    (ledger,) = injections(episode_a.patient)
    assert ledger.relief_percent is None  # the steroid ledger does not measure relief
