import pytest
from playwright.sync_api import expect

from spinepath.testing import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_clinician_corrects_a_patient_and_a_referral(page, clinician_a, episode_a):
    patient = episode_a.patient
    log_in(page, "alice")
    page.goto(f"/patients/{patient.pk}/")

    page.get_by_role("link", name="Edit details").click()
    expect(page.get_by_label("Date of birth")).to_have_value("1970-05-17")
    page.get_by_label("Phone").fill("07700 900123")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Patient details saved.")
    expect(page.get_by_text("07700 900123")).to_be_visible()

    page.get_by_role("link", name="Sciatica").click()
    page.get_by_role("link", name="Edit referral").click()
    page.get_by_label("Conservative care weeks").fill("9")
    page.get_by_role("button", name="Save referral").click()
    expect(page.get_by_role("status")).to_contain_text("Referral saved.")
    expect(page.get_by_text("9 weeks")).to_be_visible()
    expect(page.locator("ol.timeline")).to_contain_text("Referral details updated")
