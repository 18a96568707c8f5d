"""A demo patient taken from an assessed plan to a recorded injection, all in the browser."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from spinepath.demo.seed import build_demo
from spinepath.patients.history import steroid_history
from spinepath.patients.models import Episode
from spinepath.testing import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REASON = "Discussed the cautions with the patient, who wants to go ahead now."


def _a_demo_episode_ready_for_consent() -> Episode:
    """An assessed demo episode with a steroid plan that a clinician may proceed with."""
    for episode in Episode.objects.filter(stage="assessed", patient__clinic__code="a"):
        assessment = episode.assessments.first()
        decision = assessment.latest_decision if assessment else None
        if (
            decision
            and assessment.steroid
            and not decision.blocks
            and not episode.consents.exists()
        ):
            return episode
    raise AssertionError("the demo world has no assessed steroid plan to take forward")


def _local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_a_demo_patient_is_consented_checked_injected_and_the_ledger_updates(page):
    build_demo(patients=40, seed=2026, today=timezone.localdate())
    episode = _a_demo_episode_ready_for_consent()
    patient = episode.patient
    decision = episode.assessments.first().latest_decision
    before = len(steroid_history(patient, on_or_before=timezone.localdate()))

    log_in(page, "clinician-a", "spinepath-demo-2026")
    page.goto(f"/episodes/{episode.pk}/")

    if not decision.cleared_to_proceed:
        page.goto(f"/decisions/{decision.pk}/")
        page.get_by_label("Reason for proceeding against the advice").fill(REASON)
        page.get_by_role("button", name="Record reason and proceed").click()
        expect(page.get_by_role("status")).to_contain_text("reason for proceeding is recorded")
        page.goto(f"/episodes/{episode.pk}/")

    # Consent.
    page.get_by_role("link", name="Take consent").click()
    expect(page.get_by_role("heading", name="Consent for the planned procedure")).to_be_visible()
    expect(page.locator("table.consent-risks")).to_contain_text("Infection")
    levels = page.locator("input[name=levels]")
    if levels.count():
        levels.first.check()
        page.get_by_role("button", name="Update the information for these levels and side").click()
    page.get_by_label("The patient has capacity to make this decision").check()
    page.get_by_label("Permit: the patient agrees").check()
    page.get_by_label("Patient's name, typed as their signature").fill(patient.full_name)
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".consent-status-active")).to_have_text("Consent given")

    # The safety checklist on the day: sign in with what is found, then the time out.
    page.goto(f"/episodes/{episode.pk}/")
    page.get_by_role("link", name="Safety checklist").click()
    sign_in = page.locator("form.sign-in-form")
    items = sign_in.locator(".checklist-items input[type=checkbox]")
    for index in range(items.count()):
        items.nth(index).check()
    hours = sign_in.get_by_label(re.compile("Hours since the last dose"))
    for index in range(hours.count()):
        hours.nth(index).fill("200")  # held well beyond any hold
    if sign_in.get_by_label("INR today").count():
        sign_in.get_by_label("INR today").fill("1.0")
    for question in (
        "Could the patient be pregnant today?",
        "Fever, or unwell with an infection, today?",
        "Signs of infection at the injection site?",
    ):
        group = sign_in.get_by_role("group", name=question)
        if group.count():
            group.get_by_label("No", exact=True).check()
    glucose = sign_in.get_by_label(re.compile("Blood glucose"))
    if glucose.count():
        glucose.fill("7.2")
    page.get_by_role("button", name="Save sign in").click()
    expect(page.get_by_role("status").first).to_contain_text("Sign in saved")
    expect(page.locator(".checklist-contradictions")).to_have_count(0)
    if page.get_by_role("heading", name="Reason to proceed today").count():
        page.get_by_label("Reason").fill(REASON)
        page.get_by_role("button", name="Record the reason to proceed").click()
    time_out = page.locator("form.time-out-form")
    boxes = time_out.locator("input[type=checkbox]")
    for index in range(boxes.count()):
        boxes.nth(index).check()
    time_out.get_by_role("button", name="Save time out").click()
    expect(page.locator(".ready")).to_contain_text("Sign in and time out are complete")

    # The procedure.
    page.get_by_role("link", name="Record procedure").click()
    expect(page.get_by_role("region", name="Steroid check for this injection")).to_be_visible()
    now = timezone.now()
    page.get_by_label("Date and time of the procedure").fill(_local(now - timedelta(minutes=45)))
    page.get_by_label("Discharge time").fill(_local(now))
    page.get_by_label("Condition on discharge").select_option("well")
    approaches = page.locator("input[name=approach]")
    if approaches.count() and not page.locator("input[name=approach]:checked").count():
        approaches.first.check()  # a plan with two approaches (transforaminal) names one
    override = page.get_by_label(re.compile("Reason to override"))
    if override.count():
        override.fill("Benefit outweighs the exposure; discussed with the patient.")
    page.get_by_role("button", name="Record the procedure").click()
    expect(page).to_have_url(re.compile(r"/procedures/\d+/$"))
    expect(page.get_by_role("status")).to_contain_text("Procedure recorded.")

    # The ledger on the patient page shows the new injection.
    page.goto(f"/patients/{patient.pk}/")
    rows = page.get_by_role("region", name="Steroid ledger").locator("table.ledger-table tbody tr")
    expect(rows).to_have_count(before + 1)
    episode.refresh_from_db()
    assert episode.stage == "treated"
