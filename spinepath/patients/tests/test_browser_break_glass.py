"""Break-glass in the browser: a clinician of clinic A asks for a patient of clinic B with a
reason and reads the record under the red banner; the pages pass axe at a phone's and a
desktop's width. ``SPINEPATH_SCREENSHOTS=<folder>`` keeps a picture of each."""

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from spinepath.testing import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REASON = "Seen in our clinic with new leg weakness two days after an injection at clinic B."


def _look(page, name: str) -> None:
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        assert Axe().run(page).response["violations"] == [], (name, width)
        sideways = page.evaluate("document.documentElement.scrollWidth")
        assert sideways <= width, (name, width, sideways)
        folder = os.environ.get("SPINEPATH_SCREENSHOTS")
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=f"{folder}/{name}-{width}.png", full_page=True)


def test_a_clinician_opens_another_clinics_record_in_an_emergency(
    page, live_server, clinician_a, patient_b
):
    log_in(page, "alice")
    page.goto("/patients/search/")
    page.get_by_role("link", name="Emergency access").click()
    expect(
        page.get_by_role("heading", name="Emergency access to another clinic's patient")
    ).to_be_visible()
    _look(page, "emergency-access-form")

    page.get_by_label("NHS number").fill(patient_b.nhs_number)
    page.get_by_label("Date of birth").fill(patient_b.date_of_birth.isoformat())
    page.get_by_label("Why you need this record now").fill("Needed.")
    page.get_by_role("button", name="Open the record").click()
    expect(page.locator("p.field-error")).to_contain_text("at least 20 characters")

    page.get_by_label("Why you need this record now").fill(REASON)
    page.get_by_label("For how long").select_option("2")
    page.get_by_role("button", name="Open the record").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Emergency access: Brian Baker")
    expect(alert).to_contain_text("A patient of Clinic B")
    expect(alert).to_contain_text(REASON)
    expect(page.get_by_role("heading", name="Patient", exact=True)).to_be_visible()
    _look(page, "emergency-access-record")
