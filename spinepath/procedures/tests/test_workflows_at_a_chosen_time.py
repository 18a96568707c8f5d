"""Time is a parameter: a whole pathway recorded at a past ``at`` is dated then, not now.

A referral, an assessment (with baseline answers and an injection given elsewhere), consent,
sign in, time out and the procedure are recorded through the same workflow functions the pages
and the API call, each at its own moment (February and 4 March 2025, Europe/London). Every
timestamp they write, every timeline entry and every audit event must carry that moment; none
may carry today.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from spinepath.accounts.models import AuditEvent
from spinepath.assessment.models import Decision
from spinepath.clinical.checklist import DayFacts, Phase
from spinepath.patients.episodes import episode_create
from spinepath.patients.models import Episode, PriorInjection
from spinepath.procedures import hooks
from spinepath.procedures.consent import consent_record
from spinepath.procedures.models import SafetyCheckItem
from spinepath.procedures.recording import (
    checklist_items,
    procedure_record,
    safety_check_confirm,
    safety_check_record,
)
from spinepath.questionnaires.models import QuestionnaireResponse
from spinepath.testing import make_decision, make_patient, procedure_to_record

LONDON = ZoneInfo("Europe/London")
REFERRED = datetime(2025, 2, 3, 9, 30, tzinfo=LONDON)
DAY = date(2025, 3, 4)
ASSESSED = datetime(2025, 3, 4, 10, 0, tzinfo=LONDON)
CONSENTED = ASSESSED + timedelta(minutes=20)
SIGNED_IN = ASSESSED + timedelta(minutes=40)
TIMED_OUT = ASSESSED + timedelta(minutes=50)
PERFORMED = ASSESSED + timedelta(minutes=55)
RECORDED = ASSESSED + timedelta(minutes=70)
MOMENTS = {REFERRED, ASSESSED, CONSENTED, SIGNED_IN, TIMED_OUT, RECORDED}


@pytest.fixture
def hook_calls():
    """Records every procedure the ``ON_PROCEDURE_RECORDED`` hooks are called with."""
    calls = []
    hooks.ON_PROCEDURE_RECORDED.append(calls.append)
    yield calls
    hooks.ON_PROCEDURE_RECORDED.remove(calls.append)


def referral(patient):
    return Episode(
        patient=patient,
        condition="sciatica",
        laterality="left",
        referral_source="gp",
        referral_date=date(2025, 2, 3),
        referral_reason="Left leg pain for eight weeks despite physiotherapy.",
        conservative_care_weeks=6,
    )


def _pathway(clinic, clinician):
    patient = make_patient(clinic)
    episode = episode_create(None, episode=referral(patient), by=clinician, at=REFERRED)
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
        record=procedure_to_record(episode, performed_at=PERFORMED),
        by=clinician,
        at=RECORDED,
    )
    return episode, decision, consent, check, record


def test_a_pathway_recorded_at_a_past_time_is_dated_then_everywhere(
    clinic_a, clinician_a, hook_calls
):
    episode, decision, consent, check, record = _pathway(clinic_a, clinician_a)
    assessment = decision.assessment

    # The records' own timestamps.
    assert episode.created_at == REFERRED
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

    # The timeline: every entry is at one of the workflows' moments.
    entries = list(episode.timeline.order_by("at", "id"))
    assert {entry.at for entry in entries} == MOMENTS
    said = [(entry.at, entry.kind) for entry in entries]
    assert said[0] == (REFERRED, "referral")
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
    assert ("patients.Episode", "create", REFERRED) in by_model
    assert ("assessment.Assessment", "create", ASSESSED) in by_model
    assert ("assessment.Decision", "create", ASSESSED) in by_model
    assert ("patients.PriorInjection", "create", ASSESSED) in by_model
    assert ("questionnaires.QuestionnaireResponse", "create", ASSESSED) in by_model
    assert ("procedures.Consent", "create", CONSENTED) in by_model
    assert ("assessment.Decision", "create", SIGNED_IN) in by_model
    assert ("procedures.SafetyCheck", "create", SIGNED_IN) in by_model
    assert ("procedures.SafetyCheck", "update", TIMED_OUT) in by_model
    assert ("procedures.ProcedureRecord", "create", RECORDED) in by_model

    # And the hooks (aftercare, follow-up) ran for the record.
    assert hook_calls == [record]


WITHDRAWN = CONSENTED + timedelta(hours=2)


def test_a_reason_to_proceed_and_a_withdrawal_are_dated_at_their_own_time(clinic_a, clinician_a):
    from spinepath.assessment.decisions import record_proceed
    from spinepath.procedures.consent import consent_withdraw

    patient = make_patient(clinic_a)
    episode = episode_create(None, episode=referral(patient), by=clinician_a, at=REFERRED)
    # Pregnancy not asked of a woman of 54: ionising imaging is deferred until it is.
    decision = make_decision(episode, clinician_a, assessed_on=DAY, pregnant=None, at=ASSESSED)
    assert decision.needs_reason_to_proceed
    record_proceed(
        None, decision, by=clinician_a, reason="Asked in clinic: not pregnant.", at=CONSENTED
    )
    assert decision.proceed_at == CONSENTED
    consent = consent_record(
        None,
        assessment=decision.assessment,
        clinician=clinician_a,
        decision="permit",
        capacity_confirmed=True,
        levels=["L4/L5"],
        side="left",
        signed_name="Mary Jones",
        signed_on=DAY,
        at=CONSENTED,
    )
    consent_withdraw(
        None, consent=consent, by=clinician_a, reason="Changed her mind.", at=WITHDRAWN
    )
    assert consent.withdrawn_at == WITHDRAWN
    episode.refresh_from_db()
    assert (episode.stage, episode.stage_changed_at) == (Episode.Stage.ASSESSED, WITHDRAWN)

    said = {(entry.at, entry.kind) for entry in episode.timeline.all()}
    assert {(CONSENTED, "override"), (WITHDRAWN, "consent"), (WITHDRAWN, "stage")} <= said
    assert {at for at, _ in said} == {REFERRED, ASSESSED, CONSENTED, WITHDRAWN}
    events = AuditEvent.objects.filter(patient_id=str(patient.pk))
    done = {(event.model, event.action, event.at) for event in events}
    assert ("assessment.Decision", "override", CONSENTED) in done
    assert ("procedures.Consent", "update", WITHDRAWN) in done
    assert {event.at for event in events} == {REFERRED, ASSESSED, CONSENTED, WITHDRAWN}
