"""Recording the discharge after the procedure, from the record's page, in a browser."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from spinepath.testing import log_in, ready_for_procedure, record_procedure

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_a_clinician_records_then_corrects_the_discharge_and_sees_the_history(
    page, episode_a, clinician_a
):
    ready_for_procedure(episode_a, clinician_a)
    performed = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=50)
    record = record_procedure(episode_a, clinician_a, performed_at=performed)
    log_in(page, "alice")
    page.goto(f"/procedures/{record.pk}/")
    expect(page.locator("dl.procedure-record")).to_contain_text("not recorded")

    page.get_by_role("link", name="Record the discharge").click()
    expect(page.get_by_role("heading", name="Discharge and late complications")).to_be_visible()
    page.get_by_label("Discharge time").fill(_local(performed + timedelta(minutes=30)))
    page.get_by_label("Condition on discharge").select_option("well")
    page.get_by_role("button", name="Save the amendment").click()
    expect(page).to_have_url(re.compile(rf"/procedures/{record.pk}/$"))
    expect(page.get_by_role("status")).to_contain_text("Discharge amended")

    # A correction: a reason is needed, then both versions are listed.
    page.get_by_role("link", name="Amend the discharge or add late complications").click()
    page.get_by_label("Discharge time").fill(_local(performed + timedelta(minutes=45)))
    page.get_by_label("Condition on discharge").select_option("observed_longer")
    page.get_by_label("Vasovagal reaction").check()
    page.get_by_role("button", name="Save the amendment").click()
    expect(page.locator(".error-summary, [role=alert]").first).to_contain_text("write why")
    page.get_by_label("Reason for the change").fill("Felt faint at 30 minutes; observed longer.")
    page.get_by_role("button", name="Save the amendment").click()

    history = page.get_by_role("region", name="Discharge amendments")
    expect(history.locator("li")).to_have_count(2)
    expect(history).to_contain_text("Felt faint at 30 minutes; observed longer.")
    expect(history).to_contain_text("was: not yet discharged")
    expect(page.locator("dl.procedure-record")).to_contain_text("Vasovagal reaction")
    page.screenshot(path="/tmp/h2_discharge_history.png", full_page=True)

    page.goto(f"/episodes/{episode_a.pk}/")
    expect(
        page.get_by_text(re.compile(rf"Procedure record {record.pk} amended")).first
    ).to_be_visible()
