"""Time is a parameter: a whole pathway recorded at a past ``at`` is dated then, not now.

Assessment (with baseline answers and an injection given elsewhere), consent, sign in, time out
and the procedure are recorded through the same workflow functions the pages and the API call,
each at its own moment on 4 March 2025 (Europe/London). Every timestamp they write, every
timeline entry and every audit event must carry that moment; none may carry today.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from conftest import make_decision, make_episode, make_patient
from spinepath.accounts.models import AuditEvent
from spinepath.assessment.models import Decision
from spinepath.clinical.checklist import DayFacts, Phase
from spinepath.patients.models import Episode
from spinepath.procedures import hooks
from spinepath.procedures.consent import consent_record
from spinepath.procedures.models import PriorInjection, SafetyCheckItem
from spinepath.procedures.recording import (
    checklist_items,
    procedure_record,
    safety_check_confirm,
    safety_check_record,
)
from spinepath.procedures.tests.helpers import procedure_fields
from spinepath.questionnaires.models import QuestionnaireResponse

LONDON = ZoneInfo("Europe/London")
DAY = date(2025, 3, 4)
ASSESSED = datetime(2025, 3, 4, 10, 0, tzinfo=LONDON)
CONSENTED = ASSESSED + timedelta(minutes=20)
SIGNED_IN = ASSESSED + timedelta(minutes=40)
TIMED_OUT = ASSESSED + timedelta(minutes=50)
PERFORMED = ASSESSED + timedelta(minutes=55)
RECORDED = ASSESSED + timedelta(minutes=70)
MOMENTS = {ASSESSED, CONSENTED, SIGNED_IN, TIMED_OUT, RECORDED}


@pytest.fixture
def hook_calls():
    """Records every procedure the ``ON_PROCEDURE_RECORDED`` hooks are called with."""
    calls = []
    hooks.ON_PROCEDURE_RECORDED.append(calls.append)
    yield calls
    hooks.ON_PROCEDURE_RECORDED.remove(calls.append)


def _pathway(clinic, clinician):
    patient = make_patient(clinic)
    episode = make_episode(patient, referral_date=date(2025, 2, 3))
    decision = make_decision(
        episode,
        clinician,
        assessed_on=DAY,
        symptom_duration_weeks=8,
        injections_elsewhere=[
            PriorInjection(given_on=date(2024, 9, 2), site="other_joint", where="Northgate")
        ],
        at=ASSESSED,
    )
    consent = consent_record(
        None,
        assessment=decision.assessment,
        clinician=clinician,
        decision="permit",
        capacity_confirmed=True,
        levels=["L4/L5"],
        side="left",
        signed_name="Mary Jones",
        signed_on=DAY,
        at=CONSENTED,
    )
    items = checklist_items(consent, decision.assessment, on=DAY)
    ticks = {item.code: True for item in items if item.phase is Phase.SIGN_IN}
    check = safety_check_record(
        None,
        episode=episode,
        consent=consent,
        by=clinician,
        answers=ticks,
        day=DayFacts(pregnant=False, infection_systemic=False, infection_local=False),
        at=SIGNED_IN,
    )
    time_out = {item.code: True for item in items if item.phase is Phase.TIME_OUT}
    safety_check_confirm(
        None, check=check, phase=Phase.TIME_OUT, by=clinician, answers=time_out, at=TIMED_OUT
    )
    record = procedure_record(
        None,
        episode=episode,
        by=clinician,
        performed_at=PERFORMED,
        at=RECORDED,
        **procedure_fields(),
    )
    return episode, decision, consent, check, record


def test_a_pathway_recorded_at_a_past_time_is_dated_then_everywhere(
    clinic_a, clinician_a, hook_calls
):
    episode, decision, consent, check, record = _pathway(clinic_a, clinician_a)
    assessment = decision.assessment

    # The records' own timestamps.
    assert assessment.created_at == ASSESSED
    assert decision.evaluated_at == ASSESSED
    prior = PriorInjection.objects.get(patient=episode.patient)
    assert (prior.recorded_at, prior.recorded_by) == (ASSESSED, clinician_a)
    baseline = QuestionnaireResponse.objects.filter(assessment=assessment)
    assert {(r.completed_at, r.created_at) for r in baseline} == {(ASSESSED, ASSESSED)}
    assert baseline.count() == 2
    assert consent.created_at == CONSENTED
    check.refresh_from_db()
    assert (check.checked_on, check.checked_at) == (DAY, SIGNED_IN)
    assert check.decision.evaluated_at == SIGNED_IN
    assert check.decision.context == Decision.Context.DAY_OF_PROCEDURE
    assert set(
        SafetyCheckItem.objects.filter(safety_check=check).values_list("recorded_at", flat=True)
    ) == {SIGNED_IN, TIMED_OUT}
    assert (record.performed_at, record.created_at) == (PERFORMED, RECORDED)
    episode.refresh_from_db()
    assert (episode.stage, episode.stage_changed_at) == (Episode.Stage.TREATED, RECORDED)

    # The timeline: every entry after the referral is at one of the workflows' moments.
    entries = list(episode.timeline.exclude(kind="referral").order_by("at", "id"))
    assert {entry.at for entry in entries} == MOMENTS
    said = [(entry.at, entry.kind) for entry in entries]
    assert (ASSESSED, "decision") in said
    assert (ASSESSED, "stage") in said  # referred → assessed
    assert (CONSENTED, "consent") in said
    assert (CONSENTED, "stage") in said  # assessed → consented
    assert (SIGNED_IN, "procedure") in said and (TIMED_OUT, "procedure") in said
    assert (RECORDED, "procedure") in said and (RECORDED, "stage") in said

    # The audit log: every event of these workflows is at its moment, none today.
    events = AuditEvent.objects.filter(patient_id=str(episode.patient_id))
    by_model = {(event.model, event.action, event.at) for event in events}
    assert {event.at for event in events} == MOMENTS
    assert ("assessment.Assessment", "create", ASSESSED) in by_model
    assert ("assessment.Decision", "create", ASSESSED) in by_model
    assert ("procedures.PriorInjection", "create", ASSESSED) in by_model
    assert ("questionnaires.QuestionnaireResponse", "create", ASSESSED) in by_model
    assert ("procedures.Consent", "create", CONSENTED) in by_model
    assert ("assessment.Decision", "create", SIGNED_IN) in by_model
    assert ("procedures.SafetyCheck", "create", SIGNED_IN) in by_model
    assert ("procedures.SafetyCheck", "update", TIMED_OUT) in by_model
    assert ("procedures.ProcedureRecord", "create", RECORDED) in by_model

    # And the hooks (aftercare, follow-up) ran for the record.
    assert hook_calls == [record]
