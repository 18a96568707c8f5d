import re

import pytest
from playwright.sync_api import expect

from spinepath.testing import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHECK_DIGIT = "This NHS number fails its check digit"


def test_a_clinician_registers_a_patient_and_records_a_referral(page, clinician_a):
    log_in(page, "alice")
    page.get_by_role("link", name="New patient").click()
    expect(page.get_by_role("heading", name="Register a patient")).to_be_visible()

    page.get_by_label("Given name").fill("Olwen")
    page.get_by_label("Family name").fill("Pritchard")
    page.get_by_label("Date of birth").fill("1961-03-09")
    page.get_by_label("Sex").select_option("female")
    page.get_by_label("NHS number").fill("943 476 5918")
    page.get_by_role("button", name="Save").click()

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    expect(
        summary.get_by_role("link", name=re.compile("^NHS number: " + CHECK_DIGIT))
    ).to_be_visible()
    expect(page.locator("#id_nhs_number_error")).to_contain_text(CHECK_DIGIT)
    expect(page.get_by_label("Given name")).to_have_value("Olwen")

    page.get_by_label("NHS number").fill("943 476 5919")
    page.get_by_role("button", name="Save").click()

    expect(page).to_have_url(re.compile(r"/patients/[0-9a-f-]{36}/episodes/new/$"))
    expect(page.get_by_role("heading", name="New referral")).to_be_visible()
    expect(page.get_by_role("heading", name="PRITCHARD, Olwen")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Olwen Pritchard registered.")
    expect(page.get_by_text("943 476 5919")).to_be_visible()

    page.get_by_label("Condition").select_option("sciatica")
    page.get_by_label("Laterality").select_option("left")
    page.get_by_label("Referral source").select_option("gp")
    page.get_by_label("Referral reason").fill("Left leg pain for ten weeks despite physiotherapy.")
    page.get_by_label("Conservative care weeks").fill("10")
    page.get_by_role("button", name="Save referral").click()

    expect(page.get_by_role("status")).to_contain_text("Referral recorded.")
    expect(page.get_by_role("heading", name="Sciatica (left)")).to_be_visible()
    expect(page.locator("ol.timeline")).to_contain_text("Referred by GP for sciatica")
    expect(page.locator("ol.timeline")).to_contain_text("by Alice")
    expect(page.locator('[aria-current="step"]')).to_have_text("Referred")
