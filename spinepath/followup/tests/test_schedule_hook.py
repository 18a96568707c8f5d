"""Recording a procedure schedules its follow-up (the hook), dated from the procedure."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from spinepath.followup.models import TimePoint
from spinepath.followup.scheduling import primary_measure
from spinepath.followup.tests.helpers import treated
from spinepath.patients.models import TimelineEvent
from spinepath.procedures.recording import procedure_mark_entered_in_error
from spinepath.questionnaires.models import QuestionnaireResponse

pytestmark = pytest.mark.django_db


def test_a_therapeutic_injection_gets_five_time_points_from_its_date(episode_a, clinician_a):
    record = treated(episode_a, clinician_a)
    points = list(TimePoint.objects.filter(procedure=record))
    day = timezone.localdate(record.performed_at)
    assert [(p.label, (p.due_on - day).days) for p in points] == [
        ("2w", 14),
        ("6w", 42),
        ("3m", 90),
        ("6m", 182),
        ("12m", 365),
    ]
    assert primary_measure(record) == "nrs_leg"  # sciatica: leg pain is the primary measure
    assert points[0].instruments == ["nrs_back", "nrs_leg", "pgic"]
    assert "odi" in points[1].instruments and "odi" not in points[0].instruments
    assert all(p.created_at == record.created_at for p in points)
    event = episode_a.timeline.filter(kind=TimelineEvent.Kind.FOLLOW_UP).get()
    assert event.summary.startswith("Follow-up scheduled: 2 weeks")
    assert event.at == record.created_at


def test_a_baseline_older_than_6_weeks_is_asked_again_on_the_day(clinic_a, episode_a, clinician_a):
    record = treated(episode_a, clinician_a)
    assert not TimePoint.objects.filter(procedure=record, label="baseline").exists()

    # Another patient, whose baseline answers were given seven weeks before the procedure.
    from spinepath.testing import (
        make_episode,
        make_patient,
        ready_for_procedure,
        record_procedure,
    )

    episode = make_episode(make_patient(clinic_a, given_name="Olga", nhs_number="", mrn="OLGA1"))
    ready_for_procedure(episode, clinician_a)
    old = timezone.now() - timedelta(weeks=7)
    QuestionnaireResponse.objects.filter(episode=episode).update(completed_at=old, created_at=old)
    second = record_procedure(episode, clinician_a)
    baseline = TimePoint.objects.get(procedure=second, label="baseline")
    assert baseline.due_on == timezone.localdate(second.performed_at)
    assert baseline.instruments == ["nrs_back", "nrs_leg", "odi"]


def test_cancelled_with_a_procedure_entered_in_error(episode_a, clinician_a):
    record = treated(episode_a, clinician_a)
    procedure_mark_entered_in_error(None, record=record, by=clinician_a, reason="Wrong patient")
    assert TimePoint.objects.filter(procedure=record, cancelled_at__isnull=True).count() == 0
    assert TimePoint.objects.open().count() == 0


def test_a_time_point_cannot_fall_before_its_procedure(episode_a, clinician_a):
    from django.core.exceptions import ValidationError

    record = treated(episode_a, clinician_a)
    tp = TimePoint.objects.filter(procedure=record).first()
    tp.due_on = timezone.localdate(record.performed_at) - timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        tp.full_clean()
    assert "due_on" in refused.value.message_dict
    tp.due_on = timezone.localdate(record.performed_at)
    tp.full_clean()


def test_a_clinic_schedule_override_is_used_and_checked(settings, episode_a, clinician_a):
    from spinepath.followup.checks import check_followup_schedules

    code = episode_a.patient.clinic.code
    settings.SPINEPATH_FOLLOWUP_SCHEDULES = {
        code: {"therapeutic": [{"label": "6w", "after_days": 45, "instruments": ["nrs_leg"]}]}
    }
    assert check_followup_schedules() == []
    record = treated(episode_a, clinician_a)
    points = list(TimePoint.objects.filter(procedure=record))
    assert [
        (p.label, (p.due_on - timezone.localdate(record.performed_at)).days) for p in points
    ] == [("6w", 45)]
    settings.SPINEPATH_FOLLOWUP_SCHEDULES = {code: {"therapeutic": [{"label": "6w"}]}}
    (error,) = check_followup_schedules()
    assert error.id == "followup.E002" and code in error.msg
