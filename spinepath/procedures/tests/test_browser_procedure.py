"""The day of the procedure in a browser: checklist, record, and what the patient page shows."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from spinepath.procedures.models import ProcedureRecord
from spinepath.testing import assess, check_today, log_in, recent_steroid_elsewhere, take_consent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_a_clinician_checks_records_and_sees_the_procedure_on_the_patient_page(
    page, episode_a, clinician_a
):
    take_consent(assess(episode_a, clinician_a), clinician_a)
    log_in(page, "alice")
    page.goto(f"/episodes/{episode_a.pk}/")

    # The safety checklist, phase by phase: sign in with the day's facts first.
    page.get_by_role("link", name="Safety checklist").click()
    expect(page.get_by_role("heading", name="Safety checklist for the procedure")).to_be_visible()
    sign_in = page.locator("form.sign-in-form")
    items = sign_in.locator(".checklist-items input[type=checkbox]")
    expect(items).to_have_count(11)
    for label in ("Patient identity confirmed", "Valid consent in place", "Escort home arranged"):
        sign_in.get_by_label(label).check()
    for index in range(items.count()):
        items.nth(index).check()
    sign_in.get_by_role("group", name="Fever, or unwell with an infection, today?").get_by_label(
        "No", exact=True
    ).check()
    sign_in.get_by_role("group", name="Signs of infection at the injection site?").get_by_label(
        "No", exact=True
    ).check()
    expect(page.locator("form.time-out-form")).to_have_count(0)  # not before sign in
    page.get_by_role("button", name="Save sign in").click()
    expect(page.get_by_role("status").first).to_contain_text("Sign in saved")
    expect(page.locator(".day-of-decision")).to_contain_text("Decision on the day: Suitable")
    expect(page.locator(".what-changed")).to_contain_text("Nothing changed")
    expect(page.locator(".readiness")).to_contain_text("including stop before you block")
    expect(page.get_by_role("link", name="Record procedure")).to_have_count(0)

    # A sided injection cannot be recorded before its time out, even by going to the form.
    page.goto(f"/episodes/{episode_a.pk}/procedure/")
    expect(page.get_by_role("alert")).to_contain_text("The time out is not done")
    expect(page.get_by_role("button", name="Record the procedure")).to_have_count(0)

    # Time out, with the team, immediately before the injection.
    page.goto(f"/episodes/{episode_a.pk}/checklist/")
    time_out = page.locator("form.time-out-form")
    boxes = time_out.locator("input[type=checkbox]")
    expect(boxes).to_have_count(8)
    expect(time_out).to_contain_text("Stop before you block")
    expect(time_out).to_contain_text("Non-particulate steroid confirmed")
    for index in range(boxes.count()):
        boxes.nth(index).check()
    time_out.get_by_role("button", name="Save time out").click()
    expect(page.get_by_role("status").first).to_contain_text("Time out saved.")
    expect(page.locator(".ready")).to_contain_text("Sign in and time out are complete")
    page.screenshot(path="/tmp/procedure_checklist.png", full_page=True)

    # The procedure, prefilled from the consented plan, with the live steroid check.
    page.get_by_role("link", name="Record procedure").click()
    check = page.get_by_role("region", name="Steroid check for this injection")
    expect(check.locator(".badge")).to_have_text("OK")
    expect(check).to_contain_text("42.67 mg methylprednisolone-equivalent")
    expect(page.get_by_label("L4/L5")).to_be_checked()
    expect(page.get_by_label("Transforaminal", exact=True)).to_be_checked()
    now = timezone.now()
    page.get_by_label("Date and time of the procedure").fill(_local(now - timedelta(minutes=40)))
    page.get_by_label("Assistant").fill("Sam Nurse")
    page.get_by_label("Dose-area product (mGy·cm²)").fill("151.2")
    page.get_by_label("Screening time (seconds)").fill("23")
    page.get_by_label("Local anaesthetic concentration (%)").fill("1")
    page.get_by_label("Local anaesthetic volume (mL)").fill("2")
    page.get_by_label("Contrast agent").fill("Iohexol 300")
    page.get_by_label("Contrast volume (mL)").fill("1.5")
    page.get_by_label("Vasovagal reaction").check()
    page.get_by_label("Observations").fill("Pulse 70, BP 125/80, pain 1/10.")
    page.get_by_label("Discharge time").fill(_local(now))
    page.get_by_label("Condition on discharge").select_option("well")
    page.screenshot(path="/tmp/procedure_form.png", full_page=True)
    page.get_by_role("button", name="Record the procedure").click()

    expect(page).to_have_url(re.compile(r"/procedures/\d+/$"))
    expect(page.get_by_role("status")).to_contain_text("Procedure recorded.")
    expect(page.get_by_role("heading", level=2)).to_contain_text(
        "Transforaminal epidural injection"
    )
    record = page.locator("dl.procedure-record")
    expect(record).to_contain_text("Sam Nurse")
    expect(record).to_contain_text("151.2 mGy·cm²")
    expect(record).to_contain_text("Vasovagal reaction")
    expect(page.locator(".procedure-codes")).to_contain_text("64483")
    page.screenshot(path="/tmp/procedure_detail.png", full_page=True)
    saved = ProcedureRecord.objects.get()
    assert saved.assistant == "Sam Nurse" and saved.discharge_condition == "well"

    # Sign out follows the procedure and shows on its record.
    checklist = page.get_by_role("region", name="Safety checklist")
    expect(checklist).to_contain_text("Sign out not done")
    checklist.get_by_role("link", name="Sign out").click()
    sign_out = page.locator("form.sign-out-form")
    for label in (
        "Leg strength and feeling checked",
        "Discharge criteria met",
        "Leaflet with the phone number given",
    ):
        sign_out.get_by_label(label).check()
    sign_out.get_by_role("button", name="Save sign out").click()
    expect(page.get_by_role("status").first).to_contain_text("Sign out saved.")
    page.goto(f"/procedures/{saved.pk}/")
    checklist = page.get_by_role("region", name="Safety checklist")
    for phase in ("Sign in complete", "Time out complete", "Sign out complete"):
        expect(checklist).to_contain_text(phase)
    expect(checklist.locator("tr[data-item=stop_before_you_block]")).to_contain_text("Alice")
    page.screenshot(path="/tmp/procedure_detail_phases.png", full_page=True)
    saved.safety_check.refresh_from_db()
    assert saved.safety_check.complete

    page.get_by_role("link", name=re.compile("Sciatica")).click()
    expect(page.locator('[aria-current="step"]')).to_have_text("Treated")
    expect(page.locator(".procedure-list")).to_contain_text("Transforaminal epidural injection")

    # The patient page: the procedure on the timeline (and in the ledger, where it is built).
    page.get_by_role("link", name="JONES, Mary").click()
    expect(page).to_have_url(re.compile(r"/patients/[0-9a-f-]+/$"))
    expect(page.locator("ol.timeline")).to_contain_text(
        "Transforaminal epidural injection at L4/L5 (left); dexamethasone 8 mg"
    )
    ledger = page.get_by_role("region", name="Steroid ledger")
    rows = ledger.locator("table.ledger-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Dexamethasone")
    expect(rows.first).to_contain_text("42.67")
    expect(ledger.get_by_test_id("ledger-total-12m")).to_have_text("42.67 mg")
    page.screenshot(path="/tmp/procedure_patient_page.png", full_page=True)


def test_a_steroid_block_is_shown_and_needs_a_written_override(page, episode_a, clinician_a):
    consent = take_consent(assess(episode_a, clinician_a), clinician_a)
    recent_steroid_elsewhere(episode_a.patient, days_ago=5)
    check_today(consent, clinician_a)
    log_in(page, "alice")
    page.goto(f"/episodes/{episode_a.pk}/procedure/")

    check = page.get_by_role("region", name="Steroid check for this injection")
    expect(check.locator(".badge").first).to_have_text("BLOCK")
    expect(check).to_contain_text("Only 5 days have passed since the last steroid injection")
    page.screenshot(path="/tmp/procedure_block.png", full_page=True)
    page.get_by_role("button", name="Record the procedure").click()
    expect(page.locator(".error-summary")).to_contain_text("The steroid check blocks")
    assert ProcedureRecord.objects.count() == 0

    reason = "Pain is severe and disabling; the earlier injection was at another site."
    page.get_by_label("Reason to override the steroid check").fill(reason)
    page.get_by_role("button", name="Record the procedure").click()
    expect(page.locator(".steroid-override-shown")).to_contain_text(reason)
    page.screenshot(path="/tmp/procedure_block_detail.png", full_page=True)
