"""The steroid ledger on the patient page, in a real browser."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from spinepath.patients.models import PriorInjection
from spinepath.testing import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOT = os.environ.get("LEDGER_SCREENSHOT", "/tmp/steroid_ledger.png")


def test_a_clinician_sees_the_steroid_ledger_on_the_patient_page(page, patient_a, clinician_a):
    today = timezone.localdate()
    first, second = today - timedelta(days=250), today - timedelta(days=6)
    PriorInjection.objects.create(
        patient=patient_a,
        given_on=first,
        site="interlaminar_epidural",
        steroid="triamcinolone",
        steroid_dose_mg=80,
        where="Leeds General Infirmary",
    )
    PriorInjection.objects.create(
        patient=patient_a,
        given_on=second,
        site="other_joint",
        steroid="dexamethasone",
        steroid_dose_mg=8,
        where="GP surgery (knee)",
    )

    log_in(page, "alice")
    page.goto(f"/patients/{patient_a.pk}/")

    ledger = page.get_by_role("region", name="Steroid ledger")
    expect(ledger).to_be_visible()
    chart = ledger.get_by_role("img", name="Rolling 12-month steroid total")
    expect(chart).to_be_visible()
    expect(chart.locator("g.mark")).to_have_count(2)  # a dot for each injection
    expect(chart).to_contain_text("limit 400 mg")

    rows = ledger.locator("table.ledger-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text(f"{first.day} {first:%b %Y}")
    expect(rows.nth(0)).to_contain_text("Elsewhere (Leeds General Infirmary)")
    expect(rows.nth(0)).to_contain_text("Triamcinolone")
    expect(rows.nth(1)).to_contain_text("Dexamethasone")
    expect(rows.nth(1)).to_contain_text("42.67")
    expect(rows.nth(1)).to_contain_text("122.67")

    expect(ledger.get_by_test_id("ledger-total-12m")).to_have_text("122.67 mg")
    next_date = second + timedelta(days=14)
    expect(ledger.get_by_test_id("ledger-next-date")).to_have_text(
        f"{next_date.day} {next_date:%b %Y}"
    )
    expect(ledger).to_contain_text("most recent injection")

    ledger.screenshot(path=SCREENSHOT)
    page.screenshot(path=SCREENSHOT.replace(".png", "_page.png"), full_page=True)
