"""Restriction and erasure in the browser: an administrator restricts a record and sees the
banner on it, lifts the restriction, then pseudonymises the record (discharged) and sees it
without a name; each page passes axe at a phone's and a desktop's width."""

from datetime import date

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from spinepath.patients.episodes import episode_discharge
from spinepath.testing import log_in, make_episode, make_patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _look(page, name: str) -> None:
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        assert Axe().run(page).response["violations"] == [], (name, width)
        sideways = page.evaluate("document.documentElement.scrollWidth")
        assert sideways <= width, (name, width, sideways)


def test_an_administrator_restricts_lifts_and_erases_a_record(
    page, live_server, admin_a, clinician_a
):
    patient = make_patient(
        admin_a.clinic, given_name="Quenby", family_name="Faraday", date_of_birth=date(1961, 3, 14)
    )
    episode_discharge(None, episode=make_episode(patient), outcome="self_managing", by=clinician_a)
    log_in(page, "ada")
    page.goto(f"/patients/{patient.pk}/")
    page.get_by_role("link", name="Restrict or erase").click()
    _look(page, "patient-rights")

    page.locator("#id_restriction-reason").fill("Short")
    page.get_by_role("button", name="Restrict the record").click()
    expect(page.locator("p.field-error")).to_contain_text("at least 10 characters")
    page.locator("#id_restriction-reason").fill(
        "Patient's letter of 3 November: accuracy disputed."
    )
    page.get_by_role("button", name="Restrict the record").click()
    banner = page.locator(".rights-banner")
    expect(banner).to_contain_text("Restricted record")
    expect(banner).to_contain_text("accuracy disputed")
    _look(page, "restricted-record")

    page.get_by_role("link", name="Restrict or erase").click()
    page.locator("#id_restriction-reason").fill("Accuracy checked with the patient; corrected.")
    page.get_by_role("button", name="Lift the restriction").click()
    expect(page.locator(".rights-banner")).to_have_count(0)

    page.get_by_role("link", name="Restrict or erase").click()
    expect(page.get_by_text("This is irreversible.")).to_be_visible()
    page.locator("#id_erase-reason").fill("Patient's erasure request of 3 November, approved.")
    page.locator("#id_erase-confirmation").fill("erase")
    page.get_by_role("button", name="Erase identity for good").click()
    expect(page.locator("p.field-error")).to_contain_text("Type ERASE in capitals")
    page.locator("#id_erase-reason").fill("Patient's erasure request of 3 November, approved.")
    page.locator("#id_erase-confirmation").fill("ERASE")
    page.get_by_role("button", name="Erase identity for good").click()
    expect(page.locator(".rights-banner")).to_contain_text("Pseudonymised record")
    expect(page.get_by_role("heading", level=1)).to_contain_text("RECORD, Pseudonymised")
    expect(page.locator("main")).not_to_contain_text("Faraday")
    _look(page, "pseudonymised-record")
