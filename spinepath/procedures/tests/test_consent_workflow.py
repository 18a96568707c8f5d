from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from spinepath.patients.models import TimelineEvent
from spinepath.procedures.consent import (
    ConsentRefused,
    consent_information_for,
    consent_mark_entered_in_error,
    consent_withdraw,
)
from spinepath.procedures.models import Consent, ConsentDeleteError
from spinepath.testing import assess, assess_with_proceed, audit_events, take_consent

pytestmark = pytest.mark.django_db


def test_it_refuses_consent_when_the_decision_defers_without_a_reason(
    episode_a: Any, clinician_a: Any
) -> None:
    decision = assess(episode_a, clinician_a, red_flags_screened=False)
    assert decision.outcome == "defer"
    with pytest.raises(ConsentRefused, match="reason to proceed"):
        take_consent(decision, clinician_a)
    assert not Consent.objects.exists()


def test_it_refuses_consent_after_an_urgent_referral(episode_a: Any, clinician_a: Any) -> None:
    decision = assess(episode_a, clinician_a, red_flags=["saddle_anaesthesia"])
    assert decision.outcome == "urgent_referral"
    with pytest.raises(ConsentRefused, match="cannot be overridden"):
        take_consent(decision, clinician_a)
    assert not Consent.objects.exists()


def test_it_allows_consent_after_a_recorded_reason_to_proceed(
    episode_a: Any, clinician_a: Any
) -> None:
    decision = assess_with_proceed(episode_a, clinician_a, red_flags_screened=False)
    consent = take_consent(decision, clinician_a)
    assert consent.status == "active"


def test_a_permit_is_active_and_moves_the_episode_to_consented(
    episode_a: Any, clinician_a: Any
) -> None:
    decision = assess(episode_a, clinician_a)
    assert decision.outcome == "suitable"
    episode_a.refresh_from_db()
    assert episode_a.stage == "assessed"

    consent = take_consent(decision, clinician_a)

    assert consent.status == "active"
    assert consent.is_valid_for_procedure()
    assert consent.information_version == consent.information["version"]
    assert consent.levels == ["L4/L5"]
    assert consent.procedure == "transforaminal_epidural"
    assert consent.steroid == "dexamethasone" and consent.steroid_dose_mg == 8
    assert "dural_puncture_headache" in {r["code"] for r in consent.information["risks"]}
    episode_a.refresh_from_db()
    assert episode_a.stage == "consented"
    assert episode_a.timeline.filter(kind=TimelineEvent.Kind.CONSENT).count() == 1
    [created] = audit_events(model="procedures.Consent", action="create")
    assert created.object_id == str(consent.pk)
    assert created.patient_id == str(episode_a.patient_id)


def test_the_snapshot_is_exactly_the_information_shown(episode_a: Any, clinician_a: Any) -> None:
    decision = assess_with_proceed(episode_a, clinician_a, diabetes=True)
    consent = take_consent(decision, clinician_a, levels=["L5/S1"], side="left")
    shown = consent_information_for(decision.assessment, levels=["L5/S1"], side="left")
    assert consent.information["title"] == shown.title
    assert [r["title"] for r in consent.information["risks"]] == [r.title for r in shown.risks]
    assert "raised_blood_glucose" in {r["code"] for r in consent.information["risks"]}


def test_a_deny_is_inactive_and_leaves_the_episode_assessed(
    episode_a: Any, clinician_a: Any
) -> None:
    decision = assess(episode_a, clinician_a)
    consent = take_consent(decision, clinician_a, decision="deny", capacity_confirmed=False)
    assert consent.status == "inactive"
    assert not consent.is_valid_for_procedure()
    episode_a.refresh_from_db()
    assert episode_a.stage == "assessed"


def test_a_permit_without_capacity_is_refused(episode_a: Any, clinician_a: Any) -> None:
    decision = assess(episode_a, clinician_a)
    with pytest.raises(ValidationError) as raised:
        take_consent(decision, clinician_a, capacity_confirmed=False)
    assert "capacity_confirmed" in raised.value.message_dict
    assert not Consent.objects.exists()


def test_an_unknown_level_is_refused(episode_a: Any, clinician_a: Any) -> None:
    decision = assess(episode_a, clinician_a)
    with pytest.raises(ValueError, match="unknown spinal level"):
        take_consent(decision, clinician_a, levels=["l4-5"])


def test_withdrawal_makes_consent_inactive_and_not_valid(episode_a: Any, clinician_a: Any) -> None:
    consent = take_consent(assess(episode_a, clinician_a), clinician_a)
    consent_withdraw(None, consent=consent, by=clinician_a, reason="Changed her mind.")
    consent.refresh_from_db()
    assert consent.status == "inactive"
    assert consent.withdrawn_at is not None and consent.withdrawn_by == clinician_a
    assert not consent.is_valid_for_procedure()
    episode_a.refresh_from_db()
    assert episode_a.stage == "assessed"
    assert audit_events(model="procedures.Consent", action="update")[0].reason == (
        "Changed her mind."
    )
    with pytest.raises(ConsentRefused):
        consent_withdraw(None, consent=consent, by=clinician_a, reason="Again.")


def test_withdrawal_needs_a_reason(episode_a: Any, clinician_a: Any) -> None:
    consent = take_consent(assess(episode_a, clinician_a), clinician_a)
    with pytest.raises(ConsentRefused, match="why"):
        consent_withdraw(None, consent=consent, by=clinician_a, reason="  ")


def test_entered_in_error_keeps_the_row(episode_a: Any, clinician_a: Any) -> None:
    consent = take_consent(assess(episode_a, clinician_a), clinician_a)
    consent_mark_entered_in_error(None, consent=consent, by=clinician_a, reason="Wrong patient.")
    consent.refresh_from_db()
    assert consent.status == "entered-in-error"
    assert consent.entered_in_error_reason == "Wrong patient."
    assert Consent.objects.filter(pk=consent.pk).exists()
    assert not consent.is_valid_for_procedure()


def test_consent_is_never_deleted(episode_a: Any, clinician_a: Any) -> None:
    consent = take_consent(assess(episode_a, clinician_a), clinician_a)
    with pytest.raises(ConsentDeleteError):
        consent.delete()
    with pytest.raises(ConsentDeleteError):
        Consent.objects.all().delete()
    assert Consent.objects.filter(pk=consent.pk).exists()


def test_only_a_clinician_may_take_consent(episode_a: Any, clinician_a: Any, physio_a: Any) -> None:
    decision = assess(episode_a, clinician_a)
    with pytest.raises(ConsentRefused, match="clinician"):
        take_consent(decision, physio_a)
