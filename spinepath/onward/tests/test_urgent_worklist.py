"""Issue 7 item 3: a decision that stops the pathway never hides on the worklists.

A possible cauda equina patient is listed at the top under "Needs urgent action", the patient and
episode pages carry a red banner and offer no consent or booking, and recording the referral made
(to whom, when, how) clears the list; a patient not suitable likewise, with the plan.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from spinepath.onward.actions import (
    OnwardActionRefused,
    needing_action,
    not_suitable_plan_record,
    urgent_referral_record,
)
from spinepath.onward.models import OnwardAction
from spinepath.patients.models import Episode
from spinepath.testing import audit_events, make_decision, make_episode, make_patient

CAUDA_EQUINA = {"red_flags": ["saddle_anaesthesia", "bladder_dysfunction"]}
CANCER = {"red_flags": ["cancer_history"]}


@pytest.fixture
def alice(client, clinician_a):
    client.force_login(clinician_a)
    return client


@pytest.fixture
def cauda_equina(episode_a, clinician_a):
    return make_decision(episode_a, clinician_a, **CAUDA_EQUINA)


@pytest.fixture
def not_suitable(clinic_a, clinician_a):
    # Under 16: NICE NG59 does not cover the patient.
    child = make_patient(
        clinic_a,
        given_name="Tom",
        family_name="Young",
        nhs_number="",
        mrn="C-1",
        date_of_birth=date(2013, 3, 1),
        sex="male",
    )
    return make_decision(make_episode(child), clinician_a)


def _section(html: str, start: str, end: str) -> str:
    return html[html.index(start) : html.index(end, html.index(start))]


def test_the_cauda_equina_patient_heads_the_dashboard_as_an_emergency(alice, cauda_equina):
    assert cauda_equina.outcome == "urgent_referral"
    html = alice.get("/").content.decode()
    urgent = _section(html, 'id="wl-urgent"', "</section>")
    assert "Mary Jones" in urgent
    assert "Emergency: refer the same day" in urgent
    assert html.index('id="wl-urgent"') < html.index('id="wl-assessed"')
    assert "Needs urgent action</span>" in _section(html, 'id="wl-assessed"', "</section>")


def test_a_suitable_patient_is_not_listed_as_urgent(alice, episode_a, clinician_a):
    make_decision(episode_a, clinician_a)
    assert 'id="wl-urgent"' not in alice.get("/").content.decode()


def test_suspected_cancer_is_urgent_within_two_weeks_and_listed_after_emergencies(
    clinic_a, clinician_a, cauda_equina
):
    other = make_episode(make_patient(clinic_a, given_name="Ivy", nhs_number="", mrn="M-2"))
    make_decision(other, clinician_a, **CANCER)
    alerts = needing_action(clinician_a.clinic_id)
    assert [a.urgency.value for a in alerts] == ["emergency", "urgent"]
    assert alerts[1].urgency.label == "Urgent: to be seen within 2 weeks"


def test_the_episode_page_has_a_red_banner_and_no_consent_or_booking(alice, cauda_equina):
    episode = cauda_equina.assessment.episode
    html = alice.get(f"/episodes/{episode.pk}/").content.decode()
    assert 'class="urgent-banner' in html
    assert "Urgent referral — do not inject" in html
    assert "Emergency: refer the same day" in html
    assert "Take consent" not in html
    assert "Record procedure" not in html
    assert f"/episodes/{episode.pk}/onward/" in html


def test_a_cleared_episode_still_offers_consent(alice, episode_a, clinician_a):
    make_decision(episode_a, clinician_a)
    html = alice.get(f"/episodes/{episode_a.pk}/").content.decode()
    assert "Take consent" in html
    assert "urgent-banner" not in html


def test_the_patient_page_has_the_red_banner_too(alice, cauda_equina, patient_a):
    html = alice.get(f"/patients/{patient_a.pk}/").content.decode()
    assert "Urgent referral — do not inject — Sciatica" in html


def test_recording_the_referral_clears_it_from_the_list_and_keeps_the_banner(
    alice, cauda_equina, clinician_a
):
    episode = cauda_equina.assessment.episode
    made = timezone.localtime().replace(second=0, microsecond=0) - timedelta(minutes=20)
    r = alice.post(
        f"/episodes/{episode.pk}/onward/",
        {
            "to_whom": "On-call spinal registrar, Leeds General",
            "method": "phone",
            "made_at": made.strftime("%Y-%m-%dT%H:%M"),
            "result": "pending",
            "notes": "Accepted for emergency MRI tonight.",
        },
    )
    assert r.status_code == 302
    action = OnwardAction.objects.get()
    assert (action.to_whom, action.method, action.made_at) == (
        "On-call spinal registrar, Leeds General",
        "phone",
        made,
    )
    assert action.recorded_by == clinician_a
    html = alice.get("/").content.decode()
    assert 'id="wl-urgent"' not in html
    page = alice.get(f"/episodes/{episode.pk}/").content.decode()
    assert "Referral made to <strong>On-call spinal registrar, Leeds General</strong>" in page
    assert "Take consent" not in page
    timeline = episode.timeline.first()
    assert timeline.summary.startswith("Urgent referral made to On-call spinal registrar")
    created = [e for e in audit_events(action="create") if e.model == "onward.OnwardAction"]
    assert len(created) == 1 and created[0].patient_id == str(episode.patient_id)


def test_the_referral_needs_to_whom_and_cannot_be_dated_in_the_future(alice, cauda_equina):
    episode = cauda_equina.assessment.episode
    later = timezone.localtime() + timedelta(hours=3)
    r = alice.post(
        f"/episodes/{episode.pk}/onward/",
        {
            "to_whom": "",
            "method": "phone",
            "made_at": later.strftime("%Y-%m-%dT%H:%M"),
            "result": "pending",
        },
    )
    assert r.status_code == 200
    html = r.content.decode()
    assert "Say to whom the referral was made." in html or "This field is required." in html
    r = alice.post(
        f"/episodes/{episode.pk}/onward/",
        {
            "to_whom": "Spinal team",
            "method": "pigeon",
            "made_at": later.strftime("%Y-%m-%dT%H:%M"),
            "result": "pending",
        },
    )
    html = r.content.decode()
    assert "The referral cannot be dated after the time it is recorded." in html
    assert "Select a valid choice" in html
    assert not OnwardAction.objects.exists()


def test_made_at_is_compared_with_the_time_given_not_the_clock(cauda_equina, clinician_a):
    at = datetime(2026, 11, 24, 10, 0, tzinfo=timezone.get_current_timezone())
    with pytest.raises(Exception) as refused:
        urgent_referral_record(
            None,
            decision=cauda_equina,
            to_whom="Spinal team",
            method="phone",
            made_at=at + timedelta(minutes=5),
            by=clinician_a,
            at=at,
        )
    assert "made_at" in refused.value.message_dict
    action = urgent_referral_record(
        None,
        decision=cauda_equina,
        to_whom="Spinal team",
        method="phone",
        made_at=at - timedelta(minutes=5),
        by=clinician_a,
        at=at,
    )
    assert action.recorded_at == at


def test_only_a_clinician_records_it_and_only_once(cauda_equina, physio_a, clinician_a, client):
    now = timezone.now()
    with pytest.raises(OnwardActionRefused):
        urgent_referral_record(
            None,
            decision=cauda_equina,
            to_whom="Spinal team",
            method="phone",
            made_at=now,
            by=physio_a,
        )
    client.force_login(physio_a)
    episode = cauda_equina.assessment.episode
    assert client.get(f"/episodes/{episode.pk}/onward/").status_code == 403
    urgent_referral_record(
        None,
        decision=cauda_equina,
        to_whom="Spinal team",
        method="phone",
        made_at=now,
        by=clinician_a,
    )
    with pytest.raises(OnwardActionRefused, match="already recorded"):
        urgent_referral_record(
            None,
            decision=cauda_equina,
            to_whom="Spinal team",
            method="phone",
            made_at=now,
            by=clinician_a,
        )


def test_a_referral_record_does_not_fit_a_not_suitable_decision(not_suitable, clinician_a):
    with pytest.raises(OnwardActionRefused, match="not 'urgent referral'"):
        urgent_referral_record(
            None,
            decision=not_suitable,
            to_whom="x",
            method="phone",
            made_at=timezone.now(),
            by=clinician_a,
        )


def test_an_empty_form_says_each_problem_once_in_words(alice, cauda_equina, not_suitable):
    """The form's "required" and the record's own rule used to both speak: twice per field."""
    episode = cauda_equina.assessment.episode
    html = alice.post(f"/episodes/{episode.pk}/onward/", {"result": "pending"}).content.decode()
    # Once beside the field and once in the summary at the top, no more.
    assert html.count("Say to whom the referral was made.") == 2
    assert html.count("Say how the referral was made.") == 2
    assert "This field is required." not in html
    assert ">Choose</option>" in html and "---------" not in html
    episode = not_suitable.assessment.episode
    html = alice.post(f"/episodes/{episode.pk}/onward/", {"plan": ""}).content.decode()
    assert html.count("Write the plan for this patient") == 2
    assert "This field is required." not in html


def test_not_suitable_is_listed_until_the_plan_is_recorded(alice, not_suitable):
    assert not_suitable.outcome == "not_suitable"
    episode = not_suitable.assessment.episode
    html = alice.get("/").content.decode()
    urgent = _section(html, 'id="wl-urgent"', "</section>")
    assert "Tom Young" in urgent and "Not suitable: plan needed" in urgent
    page = alice.get(f"/episodes/{episode.pk}/").content.decode()
    assert "Not suitable for this injection" in page and "Take consent" not in page
    r = alice.post(f"/episodes/{episode.pk}/onward/", {"plan": "short"})
    assert "Write the plan for this patient" in r.content.decode()
    r = alice.post(
        f"/episodes/{episode.pk}/onward/",
        {"plan": "Referred to the paediatric spinal service; physiotherapy meanwhile."},
    )
    assert r.status_code == 302
    assert 'id="wl-urgent"' not in alice.get("/").content.decode()
    page = alice.get(f"/episodes/{episode.pk}/").content.decode()
    assert "Plan: <strong>Referred to the paediatric spinal service" in page


def test_a_new_assessment_without_the_flag_ends_the_alert(alice, cauda_equina, clinician_a):
    """Imaging excluded the cause; the new assessment has no flag, so nothing is urgent."""
    episode = cauda_equina.assessment.episode
    make_decision(episode, clinician_a, assessed_on=date(2026, 11, 25))
    assert needing_action(clinician_a.clinic_id) == []
    page = alice.get(f"/episodes/{episode.pk}/").content.decode()
    assert "urgent-banner" not in page
    assert "Take consent" in page


def test_a_discharged_episode_is_not_listed(cauda_equina, clinician_a):
    episode = cauda_equina.assessment.episode
    episode.advance_to(Episode.Stage.DISCHARGED, by=clinician_a)
    assert needing_action(clinician_a.clinic_id) == []


def test_another_clinics_urgent_patient_is_not_listed(client, clinician_b, cauda_equina):
    client.force_login(clinician_b)
    assert 'id="wl-urgent"' not in client.get("/").content.decode()


def test_the_plan_is_on_the_timeline_and_audited(not_suitable, clinician_a):
    action = not_suitable_plan_record(
        None, decision=not_suitable, plan="Paediatric spinal service referral.", by=clinician_a
    )
    assert action.episode.timeline.first().summary == (
        "Not suitable — plan: Paediatric spinal service referral."
    )
    assert [e.model for e in audit_events(action="create")][-1] == "onward.OnwardAction"


def test_the_referral_cannot_be_dated_before_the_assessment_that_found_it(
    cauda_equina, clinician_a
):
    long_ago = datetime(1, 1, 1, 0, 0, tzinfo=timezone.get_current_timezone())
    for made_at in (long_ago, datetime(2026, 11, 23, 23, 0, tzinfo=long_ago.tzinfo)):
        with pytest.raises(Exception) as refused:
            urgent_referral_record(
                None,
                decision=cauda_equina,
                to_whom="Spinal team",
                method="phone",
                made_at=made_at,
                by=clinician_a,
            )
        assert refused.value.message_dict["made_at"] == [
            "The referral cannot be dated before the assessment that found it."
        ]
    assert not OnwardAction.objects.exists()
