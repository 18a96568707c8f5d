"""A clinician assesses a referred patient in a real browser, and records a reason to proceed."""

from datetime import date

import pytest
from playwright.sync_api import expect

from spinepath.accounts.models import AuditEvent
from spinepath.assessment.models import Decision
from spinepath.assessment.tests.helpers import NOT_RECOMMENDED_PLAN
from spinepath.testing import log_in, make_decision, make_episode, make_patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REASON = "Discussed with the patient: back pain is disabling and they want to try it once."


def test_a_clinician_assesses_a_referred_patient(page, clinician_a, clinic_a):
    # Aged 38, so pregnancy matters: the form leaves it "Not assessed" and the decision says so.
    patient = make_patient(
        clinic_a, given_name="Olwen", family_name="Pritchard", date_of_birth=date(1988, 3, 2)
    )
    episode = make_episode(patient, condition="sciatica")

    log_in(page, "alice")
    page.goto(f"/patients/{patient.pk}/")
    page.get_by_role("link", name="Sciatica").click()
    expect(page.get_by_text("Not assessed yet.")).to_be_visible()
    page.get_by_role("link", name="Start assessment").click()
    expect(page.get_by_role("heading", name="Baseline assessment — Sciatica")).to_be_visible()

    page.get_by_label("Procedure").select_option(label="Transforaminal epidural injection")
    page.get_by_label("Imaging").select_option(label="Fluoroscopy (X-ray)")
    page.get_by_label("Steroid (leave empty for local anaesthetic only)").select_option(
        label="Dexamethasone sodium phosphate (non-particulate)"
    )
    page.get_by_role("spinbutton", name="Steroid dose (mg) (optional)").fill("8")
    page.get_by_label("I have screened for red flags").check()
    page.get_by_label("Allergies checked with the patient").check()
    page.get_by_label("Antithrombotic medication checked").check()
    page.locator("#id_q-nrs_back__score").select_option("3")
    page.locator("#id_q-nrs_leg__score").select_option("8")
    page.get_by_role("group", name="Leg pain worse than back pain (radicular)").get_by_label(
        "Yes"
    ).check()
    page.get_by_label("Duration of this episode of symptoms (weeks)").fill("6")
    page.get_by_label("Conservative care so far (weeks)").fill("6")
    # Not assessed is not "no": these are answered, so only pregnancy is left open.
    for question in (
        "Bleeding disorder",
        "Diabetes",
        "Systemic infection",
        "Infection at the injection site",
    ):
        page.get_by_role("group", name=question, exact=True).get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Save assessment and see the decision").click()

    decision = Decision.objects.get()
    page.wait_for_url(f"**/decisions/{decision.pk}/")
    assert decision.outcome == "defer"
    assert [r["code"] for r in decision.reasons] == ["PREGNANCY_NOT_ASSESSED"]

    expect(page.get_by_role("heading", name="Defer — not now")).to_be_visible()
    reasons = page.locator("ol.reasons")
    expect(reasons).to_contain_text("PREGNANCY_NOT_ASSESSED")
    expect(reasons).to_contain_text(decision.reasons[0]["message"])
    expect(reasons).to_contain_text(
        "Source: Safety rule: not assessed is not 'no'; IR(ME)R inclusive pregnancy enquiry"
    )
    expect(page.get_by_role("heading", name="Steroid exposure")).to_be_visible()
    expect(page.locator(".ruleset")).to_contain_text(
        f"nice-ng59-default {decision.ruleset_version}"
    )
    page.screenshot(path="/tmp/spinepath-decision-defer.png", full_page=True)

    page.get_by_role("link", name="Re-run these facts under today's rules").click()
    expect(page.get_by_role("heading", name="Re-running the stored facts")).to_be_visible()
    expect(page.get_by_text("No change: the same outcome and the same reasons.")).to_be_visible()
    page.get_by_role("link", name="Back to the decision").click()

    page.get_by_role("link", name="← Sciatica").click()
    expect(page.locator("ol.stages [aria-current=step]")).to_have_text("Assessed")
    expect(page.locator("ol.timeline")).to_contain_text("Suitability: defer")
    episode.refresh_from_db()
    assert episode.stage == "assessed"


def test_a_clinician_records_a_reason_to_proceed(page, clinician_a, episode_a):
    decision = make_decision(episode_a, clinician_a, **NOT_RECOMMENDED_PLAN)
    assert decision.outcome == "not_recommended"

    log_in(page, "alice")
    page.goto(f"/episodes/{episode_a.pk}/")
    page.get_by_role("link", name="Not recommended").click()
    expect(page.get_by_role("heading", name="Not recommended by the guideline")).to_be_visible()
    expect(page.locator("ol.reasons")).to_contain_text("NICE_NO_EPIDURAL_BACK_PAIN")
    page.screenshot(path="/tmp/spinepath-decision-not-recommended.png", full_page=True)

    page.get_by_role("button", name="Record reason and proceed").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Write the reason for proceeding: it cannot be left empty."
    )
    decision.refresh_from_db()
    assert decision.proceed_reason == ""
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.OVERRIDE).exists()

    page.get_by_label("Reason for proceeding against the advice").fill(REASON)
    page.get_by_role("button", name="Record reason and proceed").click()
    expect(page.get_by_text("Your reason for proceeding is recorded.")).to_be_visible()
    expect(page.get_by_text(REASON)).to_be_visible()
    expect(page.get_by_role("button", name="Record reason and proceed")).to_have_count(0)

    page.get_by_role("link", name="← Sciatica").click()
    override = page.locator("ol.timeline li.kind-override")
    expect(override).to_contain_text(f"Proceeding against 'not recommended': {REASON}")
    expect(override).to_contain_text("Override")
    decision.refresh_from_db()
    assert decision.proceed_reason == REASON
