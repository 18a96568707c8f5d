"""The day-of-procedure pages: checklist, procedure form with its steroid check, record page."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from spinepath.clinical.checklist import ITEMS_BY_CODE
from spinepath.procedures.models import ProcedureRecord, SafetyCheck
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

ITEM_PHASE = {code: item.phase for code, item in ITEMS_BY_CODE.items()}


def _procedure_post(**fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "performed_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "procedure": "transforaminal_epidural",
        "levels": ["L4/L5"],
        "side": "left",
        "approach": "transforaminal",
        "imaging": "fluoroscopy",
        "dose_area_product": "150",
        "screening_time_s": "20",
        "steroid": "dexamethasone",
        "steroid_dose_mg": "8",
        "local_anaesthetic": "lidocaine",
        "local_anaesthetic_percent": "1",
        "local_anaesthetic_ml": "2",
        "contrast_agent": "Iohexol 300",
        "contrast_ml": "1",
        "needle": "22G 90 mm spinal",
        "complications": ["vasovagal"],
        "observations": "Stable.",
        "discharge_condition": "",
        "steroid_override_reason": "",
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


# --- Access -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/episodes/{e}/checklist/", "/episodes/{e}/procedure/"])
def test_only_clinicians_may_open_the_day_of_procedure_pages(
    client, episode_a, clinician_a, physio_a, admin_a, path
):
    take_consent(assess(episode_a, clinician_a), clinician_a)
    for user in (physio_a, admin_a):
        client.force_login(user)
        assert client.get(path.format(e=episode_a.pk)).status_code == 403
        assert client.post(path.format(e=episode_a.pk), {}).status_code == 403


@pytest.mark.parametrize("path", ["/episodes/{e}/checklist/", "/episodes/{e}/procedure/"])
def test_another_clinics_episode_is_not_found(client, episode_a, clinician_a, clinician_b, path):
    take_consent(assess(episode_a, clinician_a), clinician_a)
    client.force_login(clinician_b)
    assert client.get(path.format(e=episode_a.pk)).status_code == 404


def test_another_clinics_procedure_is_not_found_and_others_may_read(
    client, episode_a, clinician_a, clinician_b, physio_a
):
    ready_for_procedure(episode_a, clinician_a)
    record = record_procedure(episode_a, clinician_a)
    client.force_login(clinician_b)
    assert client.get(f"/procedures/{record.pk}/").status_code == 404
    client.force_login(physio_a)
    page = client.get(f"/procedures/{record.pk}/")
    assert page.status_code == 200
    assert "Mark as entered in error" not in page.content.decode()
    assert client.post(f"/procedures/{record.pk}/error/", {"error-reason": "x"}).status_code == 403


# --- The checklist ------------------------------------------------------------------------------


def test_the_checklist_needs_consent(client, episode_a, clinician_a):
    assess(episode_a, clinician_a)
    client.force_login(clinician_a)
    response = client.get(f"/episodes/{episode_a.pk}/checklist/")
    assert response.status_code == 409
    assert "No consent is recorded for this episode." in response.content.decode()


def sign_in_post(consent: Any, *, leave_out: tuple[str, ...] = (), **fields: str) -> dict[str, Any]:
    """The sign-in form as a clinician fills it: every item ticked, no fever or infection."""
    from spinepath.clinical.checklist import Phase

    data: dict[str, Any] = {"phase": "sign_in"}
    for code in tick_all(consent):
        if ITEM_PHASE[code] is Phase.SIGN_IN and code not in leave_out:
            data[f"sign_in-{code}"] = "on"
    data |= {"sign_in-infection_systemic": "no", "sign_in-infection_local": "no"}
    data |= {f"sign_in-{name}": value for name, value in fields.items()}
    return data


def phase_post(consent: Any, phase: str, *, leave_out: tuple[str, ...] = ()) -> dict[str, Any]:
    data: dict[str, Any] = {"phase": phase}
    for code in tick_all(consent, sign_out=True):
        if ITEM_PHASE[code].value == phase and code not in leave_out:
            data[f"{phase}-{code}"] = "on"
    return data


def test_a_clinician_completes_the_checklist_and_sees_the_decision_on_the_day(
    client, episode_a, clinician_a
):
    consent = take_consent(assess(episode_a, clinician_a), clinician_a)
    client.force_login(clinician_a)
    url = f"/episodes/{episode_a.pk}/checklist/"

    page = client.get(url).content.decode()
    assert "Patient identity confirmed" in page and "Injection site marked" in page
    assert "Escort home arranged" in page and "Fever, or unwell with an infection" in page
    assert "Blood glucose" not in page  # not diabetic
    assert "Pregnancy status checked" not in page  # 56 years old
    assert "Implanted devices checked" not in page  # not radiofrequency

    response = client.post(url, sign_in_post(consent))
    assert response.status_code == 302 and response["Location"] == url
    check = SafetyCheck.objects.get()
    assert check.missing_in("sign_in") == [] and not check.ready_for_procedure
    [event] = audit_events(action="create", model="procedures.SafetyCheck")
    assert event.channel == "ui"
    page = client.get(url).content.decode()
    assert "The time out is not done" in page and "including stop before you block" in page
    assert f'href="/episodes/{episode_a.pk}/procedure/"' not in page

    response = client.post(url, phase_post(consent, "time_out"))
    assert response.status_code == 302
    check.refresh_from_db()
    assert check.ready_for_procedure
    page = client.get(url).content.decode()
    assert "Sign in and time out are complete: the procedure may be recorded." in page
    assert "Decision on the day: Suitable" in page
    assert "Nothing changed: the same outcome and reasons as at assessment." in page
    assert f'href="/episodes/{episode_a.pk}/procedure/"' in page


def test_an_incomplete_checklist_is_saved_and_says_what_is_missing(client, episode_a, clinician_a):
    consent = take_consent(assess(episode_a, clinician_a), clinician_a)
    client.force_login(clinician_a)
    url = f"/episodes/{episode_a.pk}/checklist/"
    client.post(url, sign_in_post(consent, leave_out=("site_marked",)))
    page = client.get(url).content.decode()
    assert "Sign in is incomplete (1 item(s) not confirmed)" in page
    assert "After a complete sign in with nothing contradicted." in page  # no time out yet
    item = SafetyCheck.objects.get().items.get(code="site_marked")
    assert item.confirmed is False and item.recorded_by == clinician_a


def test_the_checklist_shows_what_changed_since_the_assessment(client, episode_a, clinician_a):
    consent = take_consent(assess(episode_a, clinician_a), clinician_a)
    recent_steroid_elsewhere(episode_a.patient, days_ago=5)
    check_today(consent, clinician_a)
    client.force_login(clinician_a)
    page = client.get(f"/episodes/{episode_a.pk}/checklist/").content.decode()
    assert "Outcome: Suitable → <strong>Defer</strong>" in page
    assert "STEROID_INTERVAL_TOO_SHORT" in page


def test_a_diabetic_patient_having_a_steroid_is_asked_for_glucose(client, patient_a, clinician_a):
    episode = make_episode(patient_a)
    take_consent(assess_with_proceed(episode, clinician_a, diabetes=True), clinician_a)
    client.force_login(clinician_a)
    url = f"/episodes/{episode.pk}/checklist/"
    assert "Blood glucose (mmol/L)" in client.get(url).content.decode()
    response = client.post(
        url, {"phase": "sign_in", "sign_in-glucose_checked": "on", "sign_in-glucose_mmol_l": "-3"}
    )
    assert response.status_code == 400
    assert SafetyCheck.objects.count() == 0


# --- The procedure form -------------------------------------------------------------------------


def test_the_procedure_form_waits_for_the_checklist(client, episode_a, clinician_a):
    take_consent(assess(episode_a, clinician_a), clinician_a)
    client.force_login(clinician_a)
    response = client.get(f"/episodes/{episode_a.pk}/procedure/")
    assert response.status_code == 409
    page = response.content.decode()
    assert "Complete today&#x27;s safety checklist (sign in and time out)" in page
    assert f'href="/episodes/{episode_a.pk}/checklist/"' in page


def test_a_clinician_records_a_procedure_from_the_prefilled_form(client, episode_a, clinician_a):
    ready_for_procedure(episode_a, clinician_a)
    client.force_login(clinician_a)
    url = f"/episodes/{episode_a.pk}/procedure/"

    page = client.get(url).content.decode()
    assert 'value="dexamethasone" selected' in page
    assert 'name="levels" value="L4/L5"' in page and "checked" in page
    assert '<span class="badge status-ok">OK</span>' in page
    assert "Reason to override the steroid check" not in page
    assert "Vasovagal reaction" in page and "Intravascular uptake of contrast" in page

    response = client.post(url, _procedure_post())
    record = ProcedureRecord.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/procedures/{record.pk}/"
    assert record.complications == ["vasovagal"] and record.levels == ["L4/L5"]

    detail = client.get(response["Location"]).content.decode()
    assert "Procedure recorded." in detail
    assert "M54.4" in detail and "M54.3" not in detail  # back pain 3/10: lumbago with sciatica
    assert "64483" in detail and "64484" not in detail  # one level: no add-on
    assert "not confirmed (the clinic fills it in" in detail
    assert "7771000" in detail  # left, SNOMED CT laterality
    assert "Vasovagal reaction" in detail
    assert "8 mg (42.67 mg methylprednisolone-equivalent)" in detail

    episode_page = client.get(f"/episodes/{episode_a.pk}/").content.decode()
    assert '<li class="current" aria-current="step">Treated</li>' in episode_page
    assert f'href="/procedures/{record.pk}/"' in episode_page


def test_the_form_shows_a_block_and_asks_for_the_override(client, episode_a, clinician_a):
    consent = take_consent(assess(episode_a, clinician_a), clinician_a)
    recent_steroid_elsewhere(episode_a.patient, days_ago=5)
    check_today(consent, clinician_a)
    client.force_login(clinician_a)
    url = f"/episodes/{episode_a.pk}/procedure/"

    page = client.get(url).content.decode()
    assert '<span class="badge status-block">BLOCK</span>' in page
    assert "STEROID_INTERVAL_TOO_SHORT" in page and "Earliest date that passes every block" in page
    assert "Reason to override the steroid check" in page

    response = client.post(url, _procedure_post())
    assert response.status_code == 400
    assert "The steroid check blocks this injection" in response.content.decode()
    assert ProcedureRecord.objects.count() == 0

    reason = "Discussed the risk; severe pain, patient travelling abroad for a month."
    response = client.post(url, _procedure_post(steroid_override_reason=reason))
    assert response.status_code == 302
    detail = client.get(response["Location"]).content.decode()
    assert reason in detail and "Steroid check overridden" in detail


def test_a_changed_dose_is_checked_again_on_save(client, episode_a, clinician_a):
    ready_for_procedure(episode_a, clinician_a)
    client.force_login(clinician_a)
    response = client.post(
        f"/episodes/{episode_a.pk}/procedure/",
        _procedure_post(approach="interlaminar_midline", steroid_dose_mg="16"),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert '<span class="badge status-warn">WARN</span>' in page
    assert "STEROID_SINGLE_DOSE_HIGH" in page


def test_the_episode_page_offers_the_day_of_procedure_buttons(client, episode_a, clinician_a):
    client.force_login(clinician_a)
    url = f"/episodes/{episode_a.pk}/"
    assert "Record procedure" not in client.get(url).content.decode()
    take_consent(assess(episode_a, clinician_a), clinician_a)
    page = client.get(url).content.decode()
    assert "Safety checklist" in page and "Record procedure" in page
    assert "No procedure recorded." in page


def test_a_procedure_is_marked_entered_in_error_from_its_page(client, episode_a, clinician_a):
    ready_for_procedure(episode_a, clinician_a)
    record = record_procedure(episode_a, clinician_a)
    client.force_login(clinician_a)
    url = f"/procedures/{record.pk}/error/"
    assert client.post(url, {"error-reason": ""}).status_code == 400
    response = client.post(url, {"error-reason": "Recorded on the wrong episode."})
    assert response.status_code == 302
    page = client.get(f"/procedures/{record.pk}/").content.decode()
    assert "ENTERED IN ERROR: Recorded on the wrong episode." in page


def test_a_new_finding_on_the_day_asks_for_the_reason_on_the_checklist_page(
    client, episode_a, clinician_a
):
    consent = take_consent(assess(episode_a, clinician_a), clinician_a)
    check_today(consent, clinician_a, day=day_as_assessed(consent, infection_local=True))
    client.force_login(clinician_a)
    url = f"/episodes/{episode_a.pk}/checklist/"
    page = client.get(url).content.decode()
    assert "Reason to proceed today" in page and "INFECTION_ACTIVE" in page
    assert "Infection at the injection site: yes" in page
    assert f'href="/episodes/{episode_a.pk}/procedure/"' not in page  # no "Record procedure"

    short = client.post(url, {"phase": "proceed", "proceed-reason": "ok"})
    assert short.status_code == 400
    assert "at least a short sentence" in short.content.decode()
    reason = "Old healed scratch well away from the site."
    assert client.post(url, {"phase": "proceed", "proceed-reason": reason}).status_code == 302
    page = client.get(url).content.decode()
    assert f"Reason to proceed today, by Alice: “{reason}”" in page
    assert f'href="/episodes/{episode_a.pk}/procedure/"' in page
    [event] = audit_events(action="override", model="assessment.Decision")
    assert event.channel == "ui" and event.reason == reason


def test_an_urgent_referral_on_the_day_offers_no_reason_and_no_procedure(
    client, episode_a, clinician_a
):
    consent = take_consent(assess(episode_a, clinician_a), clinician_a)
    client.force_login(clinician_a)
    url = f"/episodes/{episode_a.pk}/checklist/"
    post = sign_in_post(consent) | {"sign_in-new_red_flags": ["saddle_anaesthesia"]}
    assert client.post(url, post).status_code == 302
    client.post(url, phase_post(consent, "time_out"))
    page = client.get(url).content.decode()
    assert "Decision on the day: Urgent referral" in page
    assert "which cannot be overridden" in page
    assert "Reason to proceed today" not in page
    assert f'href="/episodes/{episode_a.pk}/procedure/"' not in page
    refused = client.post(url, {"phase": "proceed", "proceed-reason": "Patient travelled far."})
    assert refused.status_code == 400 and "no reason to proceed is accepted" in (
        refused.content.decode()
    )


def test_a_time_out_before_a_complete_sign_in_is_refused_with_a_message(
    client, episode_a, clinician_a
):
    consent = take_consent(assess(episode_a, clinician_a), clinician_a)
    client.force_login(clinician_a)
    url = f"/episodes/{episode_a.pk}/checklist/"
    client.post(url, sign_in_post(consent, leave_out=("identity_confirmed",)))
    response = client.post(url, phase_post(consent, "time_out"))
    assert response.status_code == 400
    assert "Sign in is not complete" in response.content.decode()
    assert SafetyCheck.objects.get().missing_in("time_out") != []
