"""The procedure workflow: what it refuses, what it records, and what it leaves behind."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from spinepath.accounts.models import AuditEvent
from spinepath.assessment.decisions import record_proceed
from spinepath.assessment.models import Decision
from spinepath.patients.history import steroid_history
from spinepath.patients.models import TimelineEvent
from spinepath.procedures import hooks
from spinepath.procedures.consent import consent_mark_entered_in_error, consent_withdraw
from spinepath.procedures.models import ProcedureRecord, SafetyCheck
from spinepath.procedures.recording import (
    ProcedureRefused,
    SteroidOverrideRequired,
    procedure_mark_entered_in_error,
)
from spinepath.testing import (
    assess,
    assess_with_proceed,
    audit_events,
    check_today,
    day_as_assessed,
    make_episode,
    ready_for_procedure,
    recent_steroid_elsewhere,
    record_procedure,
    take_consent,
    tick_all,
)

pytestmark = pytest.mark.django_db


def _written() -> tuple[int, int, int]:
    """Procedure rows, override audit rows and procedure/override timeline rows."""
    return (
        ProcedureRecord.objects.count(),
        AuditEvent.objects.filter(action="override").count(),
        TimelineEvent.objects.filter(kind__in=["override"]).count()
        + TimelineEvent.objects.filter(kind="procedure", summary__contains="epidural").count(),
    )


def _refused(episode: Any, clinician: Any, **fields: Any) -> str:
    before = _written()
    with pytest.raises(ProcedureRefused) as refused:
        record_procedure(episode, clinician, **fields)
    assert _written() == before
    return str(refused.value)


# --- Refusals -----------------------------------------------------------------------------------


def test_it_refuses_a_procedure_without_consent(episode_a, clinician_a):
    assess(episode_a, clinician_a)
    message = _refused(episode_a, clinician_a)
    assert message == "No consent is recorded for this episode. Take consent first."


def test_it_refuses_a_procedure_after_consent_is_withdrawn(episode_a, clinician_a):
    consent = ready_for_procedure(episode_a, clinician_a)
    consent_withdraw(None, consent=consent, by=clinician_a, reason="Changed her mind on the day.")
    message = _refused(episode_a, clinician_a)
    assert message.startswith("The patient withdrew consent on ")
    assert message.endswith("Take consent again first.")


def test_it_refuses_a_procedure_the_patient_declined(episode_a, clinician_a):
    take_consent(assess(episode_a, clinician_a), clinician_a, decision="deny")
    message = _refused(episode_a, clinician_a)
    assert message.startswith("The patient declined the procedure.")


def test_it_refuses_a_procedure_on_consent_entered_in_error(episode_a, clinician_a):
    consent = ready_for_procedure(episode_a, clinician_a)
    consent_mark_entered_in_error(None, consent=consent, by=clinician_a, reason="Wrong patient.")
    assert _refused(episode_a, clinician_a) == (
        "The consent on record was entered in error. Take consent again first."
    )


def test_it_refuses_a_stale_assessment_without_a_checklist_today(episode_a, clinician_a):
    stale = timezone.localdate() - timedelta(weeks=6, days=1)
    take_consent(assess(episode_a, clinician_a, assessed_on=stale), clinician_a)
    message = _refused(episode_a, clinician_a)
    assert "is more than 6 weeks old" in message
    assert "Re-assess, or complete the safety checklist today" in message


def test_a_stale_assessment_is_accepted_with_the_decision_re_run_today(episode_a, clinician_a):
    stale = timezone.localdate() - timedelta(weeks=7)
    consent = take_consent(assess(episode_a, clinician_a, assessed_on=stale), clinician_a)
    check = check_today(consent, clinician_a)
    assert check.decision.facts["assessment_date"] == timezone.localdate().isoformat()
    assert record_procedure(episode_a, clinician_a).pk


def test_an_assessment_six_weeks_old_is_still_current(episode_a, clinician_a):
    six_weeks = timezone.localdate() - timedelta(weeks=6)
    consent = take_consent(assess(episode_a, clinician_a, assessed_on=six_weeks), clinician_a)
    # Current, so the only thing missing is the checklist.
    assert _refused(episode_a, clinician_a) == (
        "Complete today's safety checklist (sign in and time out) before recording the procedure."
    )
    check_today(consent, clinician_a)
    assert record_procedure(episode_a, clinician_a).pk


def test_it_refuses_an_incomplete_checklist(episode_a, clinician_a):
    consent = take_consent(assess(episode_a, clinician_a), clinician_a)
    answers = tick_all(consent) | {"site_marked": False}
    check = check_today(consent, clinician_a, answers=answers)
    assert not check.ready_for_procedure and check.missing_in("sign_in") == ["site_marked"]
    assert _refused(episode_a, clinician_a) == (
        "Sign in is incomplete (1 item(s) not confirmed). Complete it before recording the "
        "procedure."
    )


def test_a_checklist_for_a_withdrawn_consent_does_not_count_for_a_new_one(episode_a, clinician_a):
    first = ready_for_procedure(episode_a, clinician_a)
    consent_withdraw(None, consent=first, by=clinician_a, reason="Wanted to think it over.")
    take_consent(first.assessment.decisions.first(), clinician_a)
    assert "Complete today's safety checklist" in _refused(episode_a, clinician_a)


def test_it_refuses_when_the_decision_on_the_day_is_urgent_referral(episode_a, clinician_a):
    consent = take_consent(assess(episode_a, clinician_a), clinician_a)
    consent.assessment.red_flags = ["saddle_anaesthesia"]
    consent.assessment.save()
    check = check_today(consent, clinician_a)
    assert check.ready_for_procedure and check.decision.outcome == "urgent_referral"
    assert _refused(episode_a, clinician_a) == (
        "The decision re-run on the day is 'urgent referral', which cannot be overridden. "
        "Do not proceed: act on its reasons."
    )


def test_a_new_restrictive_reason_on_the_day_needs_a_reason_to_proceed(episode_a, clinician_a):
    consent = take_consent(assess(episode_a, clinician_a), clinician_a)
    check = check_today(consent, clinician_a, day=day_as_assessed(consent, infection_local=True))
    assert check.decision.outcome == "defer" and check.ready_for_procedure
    message = _refused(episode_a, clinician_a)
    assert message.startswith("The decision re-run on the day is 'defer' (INFECTION_ACTIVE)")
    record_proceed(None, check.decision, by=clinician_a, reason="Small scratch away from site.")
    assert record_procedure(episode_a, clinician_a).pk


def test_cautions_already_cleared_at_assessment_do_not_need_a_second_reason(episode_a, clinician_a):
    # Leg pain for 20 weeks: NICE_EPIDURAL_NOT_ACUTE_SEVERE, a caution cleared at assessment.
    decision = assess(episode_a, clinician_a, symptom_duration_weeks=20)
    assert decision.outcome == "suitable_with_cautions"
    record_proceed(None, decision, by=clinician_a, reason="Severe pain; discussed alternatives.")
    consent = take_consent(decision, clinician_a)
    check = check_today(consent, clinician_a)
    assert check.decision.outcome == "suitable_with_cautions" and not check.decision.proceed_reason
    assert record_procedure(episode_a, clinician_a).pk


def test_only_a_clinician_may_record_a_procedure(episode_a, clinician_a, physio_a):
    ready_for_procedure(episode_a, clinician_a)
    assert _refused(episode_a, physio_a) == "Only a clinician may record a procedure."


# --- The steroid check at the point of injection ------------------------------------------------


def test_a_steroid_block_without_an_override_reason_is_refused_and_nothing_is_written(
    episode_a, clinician_a
):
    consent = take_consent(assess(episode_a, clinician_a), clinician_a)
    recent_steroid_elsewhere(episode_a.patient, days_ago=5)
    check_today(consent, clinician_a)
    stage = episode_a.stage
    audits = AuditEvent.objects.count()
    timeline = TimelineEvent.objects.count()
    for reason in ("", "   ", "too short"):
        with pytest.raises(SteroidOverrideRequired) as refused:
            record_procedure(episode_a, clinician_a, steroid_override_reason=reason)
        assert "STEROID_INTERVAL_TOO_SHORT" in str(refused.value)
        assert "at least 10 characters" in str(refused.value)
        assert refused.value.check.status == "block"
        assert refused.value.field == "steroid_override_reason"
    assert ProcedureRecord.objects.count() == 0
    assert AuditEvent.objects.count() == audits
    assert TimelineEvent.objects.count() == timeline
    episode_a.refresh_from_db()
    assert episode_a.stage == stage == "consented"


def test_a_steroid_block_with_a_written_reason_is_recorded_audited_and_on_the_timeline(
    client, episode_a, clinician_a
):
    consent = take_consent(assess(episode_a, clinician_a), clinician_a)
    recent_steroid_elsewhere(episode_a.patient, days_ago=5)
    check_today(consent, clinician_a)
    reason = "Severe radicular pain; the earlier caudal gave no relief. Discussed with patient."

    record = record_procedure(episode_a, clinician_a, steroid_override_reason=f"  {reason} ")

    assert record.steroid_override_reason == reason
    assert record.steroid_check["status"] == "block"
    assert record.steroid_check["days_since_last"] == 5
    [override] = audit_events(action="override", model="procedures.ProcedureRecord")
    assert override.reason == reason and override.object_id == str(record.pk)
    assert override.detail == {"codes": ["STEROID_INTERVAL_TOO_SHORT"]}
    [event] = episode_a.timeline.filter(kind="override")
    assert event.summary == f"Steroid check overridden (STEROID_INTERVAL_TOO_SHORT): {reason}"
    client.force_login(clinician_a)
    page = client.get(f"/procedures/{record.pk}/").content.decode()
    assert "Steroid check overridden" in page and reason in page


def test_a_steroid_warning_is_shown_but_does_not_block(episode_a, clinician_a):
    ready_for_procedure(episode_a, clinician_a)
    # Dexamethasone 16 mg is 85.33 mg methylprednisolone-equivalent: above 80, a warning.
    record = record_procedure(
        episode_a,
        clinician_a,
        steroid_dose_mg=16,
        steroid_override_reason="Not needed here.",
        consent_variance_reason="Severe radicular pain; higher dose discussed with the patient.",
    )
    assert record.steroid_check["status"] == "warn"
    assert [r["code"] for r in record.steroid_check["reasons"]] == ["STEROID_SINGLE_DOSE_HIGH"]
    assert record.steroid_override_reason == ""  # nothing blocked: nothing to override
    overrides = audit_events(action="override")
    assert [e.changed_fields for e in overrides] == [["consent_variance_reason"]]


def test_no_steroid_means_no_steroid_check(episode_a, clinician_a):
    ready_for_procedure(episode_a, clinician_a)
    record = record_procedure(episode_a, clinician_a, steroid="", steroid_dose_mg=None)
    assert record.steroid_check is None and record.mpe_mg is None


def test_the_check_counts_what_is_given_not_what_was_planned(episode_a, clinician_a):
    ready_for_procedure(episode_a, clinician_a)
    record = record_procedure(
        episode_a,
        clinician_a,
        steroid="methylprednisolone",
        consent_variance_reason="Dexamethasone out of stock; discussed with the patient.",
    )
    codes = [r["code"] for r in record.steroid_check["reasons"]]
    assert codes == ["STEROID_PARTICULATE_TRANSFORAMINAL"]


# --- Success ------------------------------------------------------------------------------------


def test_recording_advances_to_treated_logs_audits_and_calls_the_hooks(
    monkeypatch, episode_a, clinician_a
):
    called: list[ProcedureRecord] = []
    monkeypatch.setattr(hooks, "ON_PROCEDURE_RECORDED", [called.append])
    consent = ready_for_procedure(episode_a, clinician_a)

    record = record_procedure(
        episode_a,
        clinician_a,
        complications=["vasovagal", "vasovagal"],
        performed_at=timezone.now() - timedelta(minutes=1),
        discharged_at=timezone.now(),
        discharge_condition="well",
    )

    assert called == [record]
    assert record.consent == consent and record.operator == clinician_a
    assert record.safety_check == SafetyCheck.objects.get()
    assert record.complications == ["vasovagal"]
    assert record.steroid_check["status"] == "ok" and record.steroid_override_reason == ""
    episode_a.refresh_from_db()
    assert episode_a.stage == "treated"
    summaries = list(episode_a.timeline.values_list("kind", "summary"))
    assert ("stage", "Stage changed from Consented to Treated") in summaries
    assert (
        "procedure",
        "Transforaminal epidural injection at L4/L5 (left); dexamethasone 8 mg; "
        "complications: Vasovagal reaction",
    ) in summaries
    [created] = audit_events(action="create", model="procedures.ProcedureRecord")
    assert created.object_id == str(record.pk) and created.channel == "system"
    assert [i.date for i in steroid_history(episode_a.patient, on_or_before=timezone.localdate())]


def test_a_failing_hook_rolls_the_recording_back(monkeypatch, episode_a, clinician_a):
    def broken(record: ProcedureRecord) -> None:
        raise RuntimeError("follow-up scheduling is down")

    monkeypatch.setattr(hooks, "ON_PROCEDURE_RECORDED", [broken])
    ready_for_procedure(episode_a, clinician_a)
    with pytest.raises(RuntimeError):
        record_procedure(episode_a, clinician_a)
    assert ProcedureRecord.objects.count() == 0
    episode_a.refresh_from_db()
    assert episode_a.stage == "consented"


# --- What was done, checked against the consent and the vocabulary --------------------------------


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"approach": "interlaminar_midline"},
            "approach",
            "For this procedure the approach is transforaminal.",
        ),
        ({"levels": ["L9/L10"]}, "levels", "Unknown spinal level(s) 'L9/L10'"),
        ({"levels": ["L4/L5", "L4/L5"]}, "levels", "Spinal level(s) given more than once"),
        ({"levels": ["L3/L4"]}, "levels", "L3/L4 is not on the consent (L4/L5)."),
        ({"side": "right"}, "side", "The consent is for the left side."),
        (
            {"procedure": "caudal_epidural", "approach": "caudal_sacral_hiatus"},
            "procedure",
            "The consent is for transforaminal epidural injection.",
        ),
        (
            {"dose_length_product": 300},
            "dose_length_product",
            "Dose-length product is recorded for ct only",
        ),
        (
            {"imaging": "ultrasound"},
            "dose_area_product",
            "Dose-area product is recorded for fluoroscopy only",
        ),
        ({"steroid_dose_mg": None}, "steroid_dose_mg", "Give the steroid dose in mg."),
        ({"steroid": "prednisolone"}, "steroid", "Choose an injectable steroid"),
        ({"complications": ["other"]}, "complication_notes", "Describe the other complication."),
        ({"complications": ["fainted"]}, "complications", "Unknown complication code(s): fainted."),
        (
            {"discharge_condition": "well"},
            "discharged_at",
            "Give the discharge time with the condition",
        ),
        (
            {"local_anaesthetic_percent": 30},
            "local_anaesthetic_percent",
            "more than the largest plausible value (10 %)",
        ),
    ],
)
def test_it_names_the_field_that_is_wrong(episode_a, clinician_a, fields, field, message):
    ready_for_procedure(episode_a, clinician_a)
    with pytest.raises(ValidationError) as invalid:
        record_procedure(episode_a, clinician_a, **fields)
    assert message in " ".join(invalid.value.message_dict[field])
    assert ProcedureRecord.objects.count() == 0


def test_a_future_time_is_refused(episode_a, clinician_a):
    ready_for_procedure(episode_a, clinician_a)
    with pytest.raises(ValidationError) as invalid:
        record_procedure(episode_a, clinician_a, performed_at=timezone.now() + timedelta(hours=2))
    assert "performed_at" in invalid.value.message_dict


def test_bilateral_consent_covers_either_side(episode_a, clinician_a):
    decided = assess(episode_a, clinician_a)
    consent = take_consent(decided, clinician_a, side="bilateral")
    check_today(consent, clinician_a)
    assert record_procedure(episode_a, clinician_a, side="right").side == "right"


def test_missing_radiation_figures_warn_but_are_not_required(episode_a, clinician_a):
    from spinepath.procedures.recording import record_warnings

    ready_for_procedure(episode_a, clinician_a)
    record = record_procedure(episode_a, clinician_a, dose_area_product=None, screening_time_s=None)
    assert record_warnings(record) == [
        "No dose-area product recorded for fluoroscopy.",
        "No screening time recorded for fluoroscopy.",
    ]


# --- Entered in error ---------------------------------------------------------------------------


def test_a_procedure_entered_in_error_stops_counting_and_the_episode_steps_back(
    episode_a, clinician_a, physio_a
):
    ready_for_procedure(episode_a, clinician_a)
    record = record_procedure(episode_a, clinician_a)
    with pytest.raises(ProcedureRefused, match="Only a clinician"):
        procedure_mark_entered_in_error(None, record=record, by=physio_a, reason="Wrong patient.")
    with pytest.raises(ProcedureRefused, match="Say why"):
        procedure_mark_entered_in_error(None, record=record, by=clinician_a, reason="  ")

    procedure_mark_entered_in_error(None, record=record, by=clinician_a, reason="Wrong patient.")

    record.refresh_from_db()
    assert record.entered_in_error and record.entered_in_error_reason == "Wrong patient."
    assert steroid_history(episode_a.patient, on_or_before=timezone.localdate()) == []
    episode_a.refresh_from_db()
    assert episode_a.stage == "consented"
    [event] = audit_events(action="update", model="procedures.ProcedureRecord")
    assert event.reason == "Wrong patient."
    assert episode_a.timeline.filter(summary__contains="marked entered in error").exists()
    with pytest.raises(ProcedureRefused, match="already marked"):
        procedure_mark_entered_in_error(None, record=record, by=clinician_a, reason="Again.")


# --- The safety checklist -----------------------------------------------------------------------


def test_the_checklist_re_runs_the_decision_with_the_days_facts(episode_a, clinician_a):
    consent = take_consent(assess(episode_a, clinician_a), clinician_a)
    check = check_today(consent, clinician_a)
    assert check.ready_for_procedure and not check.complete  # sign out follows the procedure
    assert check.missing_in("sign_in") == check.missing_in("time_out") == []
    assert check.warnings == [] and check.contradictions == []
    assert check.decision.context == Decision.Context.DAY_OF_PROCEDURE
    assert check.decision.evaluated_by == clinician_a
    assert check.checked_on == timezone.localdate()
    kinds = list(episode_a.timeline.values_list("kind", "summary"))
    assert ("procedure", "Safety checklist sign in complete") in kinds
    assert (
        "decision",
        "Decision re-run at sign in with the day's facts: suitable (at assessment: suitable)",
    ) in kinds
    assert audit_events(action="create", model="procedures.SafetyCheck")
    assert audit_events(action="create", model="assessment.Decision")


def test_the_checklist_asks_for_glucose_for_a_diabetic_having_a_steroid(episode_a, clinician_a):
    consent = take_consent(
        assess_with_proceed(episode_a, clinician_a, diabetes=True, hba1c_mmol_mol=52),
        clinician_a,
    )
    assert "glucose_checked" in tick_all(consent)
    check = check_today(consent, clinician_a, day=day_as_assessed(consent, glucose_mmol_l=18.2))
    assert check.ready_for_procedure and check.glucose_mmol_l == 18.2
    assert check.warnings == [
        "Blood glucose 18.2 mmol/L is above 15 mmol/L (local default, verify): review before "
        "giving a steroid."
    ]
    assert record_procedure(episode_a, clinician_a).pk  # the caution was cleared at assessment


def test_the_checklist_asks_about_holding_a_blood_thinner_and_pregnancy(patient_a, clinician_a):
    patient_a.date_of_birth = patient_a.date_of_birth.replace(year=1990)
    patient_a.save()
    episode = make_episode(patient_a)
    decision = assess(
        episode,
        clinician_a,
        antithrombotics=[{"drug": "clopidogrel", "hours_since_last_dose": 200}],
    )
    consent = take_consent(decision, clinician_a)
    answers = tick_all(consent)
    assert {"antithrombotic_hold_confirmed", "pregnancy_checked"} <= set(answers)
    assert "glucose_checked" not in answers


def test_the_checklist_refuses_unknown_items_and_needs_a_clinician(
    episode_a, clinician_a, physio_a
):
    consent = take_consent(assess(episode_a, clinician_a), clinician_a)
    with pytest.raises(ValidationError) as invalid:
        check_today(consent, clinician_a, answers={"idenity_confirmed": True})
    assert "idenity_confirmed" in invalid.value.message_dict["answers"][0]
    with pytest.raises(ProcedureRefused, match="Only a clinician"):
        check_today(consent, physio_a)
    assert SafetyCheck.objects.count() == 0


def test_the_checklist_needs_valid_consent(episode_a, clinician_a):
    consent = take_consent(assess(episode_a, clinician_a), clinician_a, decision="deny")
    with pytest.raises(ProcedureRefused, match="declined"):
        check_today(consent, clinician_a)


def test_the_same_injection_minutes_apart_is_refused_and_one_outside_the_window_is_not(
    episode_a, clinician_a
):
    """The duplicate window (10 minutes) and the injection's own columns, a blank steroid and
    dose included (compared in Python, not as ``IS NULL`` in SQL)."""
    from spinepath.procedures.procedure import AlreadyRecorded

    now = timezone.localtime()
    given = now - timedelta(minutes=12)  # the checklist is today's: all three times today
    if given.date() != now.date():
        pytest.skip("needs twelve minutes of today behind it")
    ready_for_procedure(episode_a, clinician_a)
    plain = {"steroid": "", "steroid_dose_mg": None}
    first = record_procedure(episode_a, clinician_a, performed_at=given, **plain)
    before = _written()
    with pytest.raises(AlreadyRecorded) as again:
        record_procedure(episode_a, clinician_a, performed_at=given + timedelta(minutes=9), **plain)
    assert again.value.record.pk == first.pk and not again.value.same_submission
    assert _written() == before
    later = record_procedure(
        episode_a, clinician_a, performed_at=given + timedelta(minutes=11), **plain
    )
    assert later.pk != first.pk
