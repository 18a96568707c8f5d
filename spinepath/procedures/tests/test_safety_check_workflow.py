"""The day-of checklist workflow: the day's facts, contradictions, new reasons, hard stops,
the time out before a sided injection, sign out after the procedure, and who did what when."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from spinepath.accounts.models import AuditEvent
from spinepath.clinical.checklist import ITEMS_BY_CODE, Phase
from spinepath.clinical.vocab import Antithrombotic, RedFlag
from spinepath.patients.models import TimelineEvent
from spinepath.procedures.models import ProcedureRecord
from spinepath.procedures.recording import (
    ProcedureRefused,
    readiness_problem,
    safety_check_confirm,
    safety_check_proceed,
)
from spinepath.procedures.safety_check import checklist_history, day_facts_lines
from spinepath.testing import (
    assess,
    assess_with_proceed,
    audit_events,
    check_today,
    day_as_assessed,
    make_episode,
    record_procedure,
    take_consent,
    tick_all,
)

pytestmark = pytest.mark.django_db

APIXABAN_24H = [{"drug": "apixaban", "hours_since_last_dose": 24}]


def _refused(episode: Any, clinician: Any) -> str:
    before = ProcedureRecord.objects.count()
    with pytest.raises(ProcedureRefused) as refused:
        record_procedure(episode, clinician)
    assert ProcedureRecord.objects.count() == before
    return str(refused.value)


def _apixaban_consent(episode: Any, clinician: Any) -> Any:
    """On apixaban, last dose 24 h before the assessment; proceeding recorded at assessment."""
    decision = assess_with_proceed(episode, clinician, antithrombotics=APIXABAN_24H)
    assert decision.outcome == "defer" and decision.cleared_to_proceed
    assert [r["code"] for r in decision.reasons] == ["ANTITHROMBOTIC_NOT_HELD"]
    return take_consent(decision, clinician)


def _apixaban_day(consent: Any, hours: float | None) -> Any:
    return day_as_assessed(consent, last_dose_hours={Antithrombotic.APIXABAN: hours})


# --- Issue 7.1: the apixaban story ----------------------------------------------------------------


def test_apixaban_taken_24_hours_before_the_day_stops_the_injection(episode_a, clinician_a):
    """The story: the assessment-time reason no longer waves the day through."""
    consent = _apixaban_consent(episode_a, clinician_a)
    check = check_today(consent, clinician_a, day=_apixaban_day(consent, 24))
    assert check.decision.outcome == "defer"
    assert check.decision.facts["antithrombotics"][0]["hours_since_last_dose"] == 24
    # "Held as planned" was ticked while the rules say apixaban is not held: flagged, blocks.
    assert [c["item"] for c in check.contradictions] == ["antithrombotic_hold_confirmed"]
    assert not check.ready_for_procedure
    message = _refused(episode_a, clinician_a)
    assert message.startswith("Today's checklist has a tick the day's facts contradict: ")
    assert "Anticoagulant or antiplatelet held as planned" in message
    assert "ANTITHROMBOTIC_NOT_HELD" in message
    # No written reason gets round a contradicted tick.
    with pytest.raises(ProcedureRefused):
        safety_check_proceed(None, check=check, by=clinician_a, reason="Patient keen to go ahead.")
    assert "contradict" in _refused(episode_a, clinician_a)


def test_leaving_the_hold_unticked_is_an_incomplete_sign_in(episode_a, clinician_a):
    consent = _apixaban_consent(episode_a, clinician_a)
    answers = tick_all(consent) | {"antithrombotic_hold_confirmed": False}
    check = check_today(consent, clinician_a, answers=answers, day=_apixaban_day(consent, 24))
    assert check.contradictions == [] and check.missing_in("sign_in") == [
        "antithrombotic_hold_confirmed"
    ]
    assert _refused(episode_a, clinician_a).startswith("Sign in is incomplete (1 item(s)")


def test_a_time_of_last_dose_not_given_on_the_day_counts_as_still_taken(episode_a, clinician_a):
    consent = _apixaban_consent(episode_a, clinician_a)
    check = check_today(consent, clinician_a, day=_apixaban_day(consent, None))
    assert check.contradictions and "contradict" in _refused(episode_a, clinician_a)


def test_apixaban_held_for_long_enough_on_the_day_goes_ahead(episode_a, clinician_a):
    consent = _apixaban_consent(episode_a, clinician_a)
    check = check_today(consent, clinician_a, day=_apixaban_day(consent, 80))
    assert check.decision.outcome == "suitable" and check.contradictions == []
    assert record_procedure(episode_a, clinician_a).safety_check == check


def test_a_new_finding_on_the_day_needs_a_new_written_reason_on_the_checklist(
    episode_a, clinician_a
):
    consent = _apixaban_consent(episode_a, clinician_a)
    # Held now, but the skin at the site looks infected: a finding the assessment never had.
    day = dataclasses.replace(_apixaban_day(consent, 80), infection_local=True)
    check = check_today(consent, clinician_a, day=day)
    assert check.decision.outcome == "defer" and check.ready_for_procedure
    message = _refused(episode_a, clinician_a)
    assert message.startswith("The decision re-run on the day is 'defer' (INFECTION_ACTIVE)")
    assert "Write a reason to proceed today on the safety checklist" in message
    assert [h.status for h in checklist_history(episode_a)] == ["new reason needed"]

    with pytest.raises(ProcedureRefused, match="at least a short sentence"):
        safety_check_proceed(None, check=check, by=clinician_a, reason="ok")
    reason = "Old healed scratch 5 cm from the site; no cellulitis."
    safety_check_proceed(None, check=check, by=clinician_a, reason=reason)
    check.decision.refresh_from_db()
    assert check.decision.proceed_reason == reason
    assert TimelineEvent.objects.filter(kind="override", summary__contains=reason).exists()
    assert audit_events(action="override", model="assessment.Decision")
    assert record_procedure(episode_a, clinician_a).pk
    assert [h.status for h in checklist_history(episode_a)] == [
        "cleared with a reason given on the day"
    ]


def test_a_worse_outcome_on_the_day_is_not_covered_by_the_assessment_reason(episode_a, clinician_a):
    # A caution cleared at assessment (20 weeks of leg pain); pregnant on the day: a defer.
    patient = episode_a.patient
    patient.date_of_birth = patient.date_of_birth.replace(year=1990)
    patient.save()
    episode = make_episode(patient)
    decision = assess_with_proceed(episode, clinician_a, symptom_duration_weeks=20, pregnant=False)
    consent = take_consent(decision, clinician_a)
    check = check_today(consent, clinician_a, day=day_as_assessed(consent, pregnant=True))
    assert check.decision.outcome == "defer" and check.ready_for_procedure
    assert "PREGNANCY_IONISING_IMAGING" in _refused(episode, clinician_a)


def test_the_same_cautions_on_the_day_are_covered_by_the_assessment_reason(episode_a, clinician_a):
    decision = assess_with_proceed(episode_a, clinician_a, symptom_duration_weeks=20)
    consent = take_consent(decision, clinician_a)
    check = check_today(consent, clinician_a)
    assert check.decision.outcome == "suitable_with_cautions"
    assert readiness_problem(episode_a, on=timezone.localdate()) == ""
    with pytest.raises(ProcedureRefused, match="Nothing in the decision on the day"):
        safety_check_proceed(None, check=check, by=clinician_a, reason="Not needed here at all.")


@pytest.mark.parametrize("flag", [RedFlag.SADDLE_ANAESTHESIA, RedFlag.PROGRESSIVE_WEAKNESS])
def test_an_urgent_referral_on_the_day_is_a_hard_stop(episode_a, clinician_a, flag):
    consent = take_consent(assess(episode_a, clinician_a), clinician_a)
    check = check_today(consent, clinician_a, day=day_as_assessed(consent, new_red_flags=(flag,)))
    assert check.decision.outcome == "urgent_referral" and check.ready_for_procedure
    message = _refused(episode_a, clinician_a)
    assert "'urgent referral', which cannot be overridden" in message
    with pytest.raises(ProcedureRefused, match="no reason to proceed is accepted"):
        safety_check_proceed(
            None, check=check, by=clinician_a, reason="Patient insists, long way to come."
        )
    check.decision.refresh_from_db()
    assert check.decision.proceed_reason == ""
    assert _refused(episode_a, clinician_a) == message
    assert [h.status for h in checklist_history(episode_a)] == ["cannot proceed"]


# --- Issue 8.10: phases, the time out, who and when -------------------------------------------


def _sign_in_only(consent: Any) -> dict[str, bool]:
    return {
        code: yes for code, yes in tick_all(consent).items() if code in _codes(consent, "sign_in")
    }


def _codes(consent: Any, phase: str) -> set[str]:
    return {code for code in tick_all(consent, sign_out=True) if ITEMS_BY_CODE[code].phase == phase}


def test_a_sided_injection_cannot_be_recorded_without_its_time_out(episode_a, clinician_a):
    consent = take_consent(assess(episode_a, clinician_a), clinician_a)  # L4/L5 left
    assert "stop_before_you_block" in _codes(consent, "time_out")
    check = check_today(consent, clinician_a, answers=_sign_in_only(consent))
    assert check.missing_in("sign_in") == [] and "stop_before_you_block" in check.missing
    message = _refused(episode_a, clinician_a)
    assert message.startswith("The time out is not done (")
    assert "including stop before you block" in message

    # Time out with everything but stop-before-you-block: still refused.
    time_out = {code: True for code in _codes(consent, "time_out")}
    safety_check_confirm(
        None,
        check=check,
        phase=Phase.TIME_OUT,
        by=clinician_a,
        answers=time_out | {"stop_before_you_block": False},
    )
    assert "including stop before you block" in _refused(episode_a, clinician_a)
    safety_check_confirm(None, check=check, phase=Phase.TIME_OUT, by=clinician_a, answers=time_out)
    assert record_procedure(episode_a, clinician_a).pk


def test_each_item_is_recorded_with_who_and_when_phase_by_phase(
    episode_a, clinician_a, django_user_model
):
    consent = take_consent(assess(episode_a, clinician_a), clinician_a)
    # Yesterday morning: the whole list falls on one day whatever the hour the test runs at
    # ("now - 2 hours" crossed midnight between 00:00 and 02:00).
    start = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    start -= timedelta(days=1)
    check = check_today(consent, clinician_a, answers=_sign_in_only(consent), at=start)
    assert check.checked_at == start
    colleague = django_user_model.objects.create_user(
        username="carol", password="x", clinic=clinician_a.clinic, role=clinician_a.role
    )
    time_out_at = start + timedelta(minutes=30)
    safety_check_confirm(
        None,
        check=check,
        phase=Phase.TIME_OUT,
        by=colleague,
        answers={code: True for code in _codes(consent, "time_out")},
        at=time_out_at,
    )
    record = record_procedure(episode_a, clinician_a, performed_at=start + timedelta(minutes=40))
    sign_out_at = start + timedelta(minutes=90)
    safety_check_confirm(
        None,
        check=check,
        phase=Phase.SIGN_OUT,
        by=colleague,
        answers={code: True for code in _codes(consent, "sign_out")},
        at=sign_out_at,
    )
    check.refresh_from_db()
    assert check.complete and record.safety_check == check
    items = {i.code: i for i in check.items.all()}
    assert items["identity_confirmed"].recorded_by == clinician_a
    assert items["identity_confirmed"].recorded_at == start
    assert items["stop_before_you_block"].recorded_by == colleague
    assert items["stop_before_you_block"].recorded_at == time_out_at
    assert items["leaflet_given"].phase == "sign_out"
    assert items["leaflet_given"].recorded_at == sign_out_at
    summaries = list(episode_a.timeline.values_list("summary", flat=True))
    for phase in ("sign in", "time out", "sign out"):
        assert f"Safety checklist {phase} complete" in summaries
    assert len(audit_events(model="procedures.SafetyCheck", action="update")) == 2


def test_the_phases_come_in_order(episode_a, clinician_a):
    consent = take_consent(assess(episode_a, clinician_a), clinician_a)
    incomplete = _sign_in_only(consent) | {"escort_home_confirmed": False}
    check = check_today(consent, clinician_a, answers=incomplete)
    time_out = {code: True for code in _codes(consent, "time_out")}
    sign_out = {code: True for code in _codes(consent, "sign_out")}
    with pytest.raises(ProcedureRefused, match="Sign in is not complete"):
        safety_check_confirm(
            None, check=check, phase=Phase.TIME_OUT, by=clinician_a, answers=time_out
        )
    with pytest.raises(ProcedureRefused, match="Do the time out before the sign out"):
        safety_check_confirm(
            None, check=check, phase=Phase.SIGN_OUT, by=clinician_a, answers=sign_out
        )
    with pytest.raises(ValidationError, match="Not items of this phase"):
        safety_check_confirm(
            None, check=check, phase=Phase.TIME_OUT, by=clinician_a, answers=sign_out
        )
    assert not AuditEvent.objects.filter(action="update", model="procedures.SafetyCheck").exists()


def test_a_newer_sign_in_replaces_the_older_for_the_time_out(episode_a, clinician_a):
    consent = take_consent(assess(episode_a, clinician_a), clinician_a)
    first = check_today(consent, clinician_a, answers=_sign_in_only(consent))
    check_today(consent, clinician_a, answers=_sign_in_only(consent))
    with pytest.raises(ProcedureRefused, match="A newer sign in exists today"):
        safety_check_confirm(
            None,
            check=first,
            phase=Phase.TIME_OUT,
            by=clinician_a,
            answers={code: True for code in _codes(consent, "time_out")},
        )


# --- Issue 7.12: decision history grouped under its checklist ---------------------------------


def test_the_episode_page_groups_day_of_re_runs_under_their_checklist(
    client, episode_a, clinician_a
):
    consent = _apixaban_consent(episode_a, clinician_a)
    first = check_today(consent, clinician_a, day=_apixaban_day(consent, 24))
    second = check_today(consent, clinician_a, day=_apixaban_day(consent, 80))
    client.force_login(clinician_a)
    page = client.get(f"/episodes/{episode_a.pk}/").content.decode()

    # The assessment table lists the assessment's own decision only, not each re-run.
    table = page[page.index('id="assess-h"') : page.index('id="checklists-h"')]
    assert table.count("/decisions/") == 1
    assert "on the day of the procedure" not in table
    history = page[page.index('id="checklists-h"') : page.index('id="consent-h"')]
    assert f'data-check="{first.pk}"' in history and f'data-check="{second.pk}"' in history
    assert history.index(f'data-check="{second.pk}"') < history.index(f'data-check="{first.pk}"')
    newer = history[
        history.index(f'data-check="{second.pk}"') : history.index(f'data-check="{first.pk}"')
    ]
    older = history[history.index(f'data-check="{first.pk}"') :]
    assert f"/decisions/{second.decision_id}/" in newer
    assert "Since the assessment: defer → suitable; no longer: ANTITHROMBOTIC_NOT_HELD" in newer
    assert "Since the sign in before: defer → suitable; no longer: ANTITHROMBOTIC_NOT_HELD" in newer
    assert '<span class="check-status">cleared</span>' in newer
    # The first day-of defer is not "cleared": its tick was contradicted.
    assert "Since the assessment: no change" in older
    assert '<span class="check-status">contradicted: not cleared</span>' in older
    assert "1 tick(s) contradicted by the day's facts" in older


def test_the_days_facts_and_the_sign_in_form_read_in_words_for_people(
    client, episode_a, clinician_a
):
    """The vocabulary's words: "NSAID" and "IV drug use", never "Nsaid" or "iv drug use"."""
    on_nsaid = [{"drug": "nsaid", "hours_since_last_dose": 12}]
    consent = take_consent(assess(episode_a, clinician_a, antithrombotics=on_nsaid), clinician_a)
    day = day_as_assessed(consent, new_red_flags=(RedFlag.IV_DRUG_USE,))
    check = check_today(consent, clinician_a, day=day)

    lines = day_facts_lines(check)
    assert "NSAID: last dose 12 h ago" in lines
    assert "New red flags: IV drug use" in lines
    client.force_login(clinician_a)
    page = client.get(f"/episodes/{episode_a.pk}/checklist/").content.decode()
    assert "Hours since the last dose of NSAID" in page and "IV drug use" in page
    assert "Nsaid" not in page and "Iv drug use" not in page and "iv drug use" not in page
