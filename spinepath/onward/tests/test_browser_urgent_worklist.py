"""In the browser: the cauda equina patient heads the worklists in red, the episode offers no
consent, and recording the referral made clears the list and shows on the banner."""

import pytest
from playwright.sync_api import expect

from spinepath.testing import log_in, make_decision, make_episode, make_patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_clinician_records_the_urgent_referral_from_the_worklist(page, clinician_a, clinic_a):
    patient = make_patient(clinic_a, given_name="Olwen", family_name="Pritchard")
    episode = make_episode(patient)
    make_decision(episode, clinician_a, red_flags=["saddle_anaesthesia"])

    log_in(page, "alice")
    urgent = page.locator("section.needs-action")
    expect(urgent.get_by_role("heading", name="Needs urgent action")).to_be_visible()
    expect(urgent).to_contain_text("Olwen Pritchard")
    expect(urgent).to_contain_text("Emergency: refer the same day")
    assert urgent.bounding_box()["y"] < page.locator("#wl-referred").bounding_box()["y"]
    page.screenshot(path="/tmp/h3/dashboard-urgent.png", full_page=True)

    urgent.get_by_role("link", name="Olwen Pritchard", exact=True).click()
    banner = page.locator("section.urgent-banner")
    expect(banner.get_by_role("heading", name="Urgent referral — do not inject")).to_be_visible()
    expect(page.get_by_role("link", name="Take consent")).to_have_count(0)

    banner.get_by_role("link", name="Record the urgent referral").click()
    page.get_by_label("Referred to").fill("On-call spinal registrar")
    page.get_by_label("How").select_option("phone")
    page.get_by_label("Notes (what was said, reference number)").fill("Accepted for MRI today.")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("The urgent referral is recorded.")).to_be_visible()
    banner = page.locator("section.urgent-banner")
    expect(banner).to_contain_text("Referral made to On-call spinal registrar by telephone")
    expect(banner).to_contain_text("Result: pending")
    expect(page.get_by_role("link", name="Take consent")).to_have_count(0)
    expect(page.locator("ol.timeline")).to_contain_text("Urgent referral made to On-call")
    page.screenshot(path="/tmp/h3/episode-referral.png", full_page=True)

    page.get_by_role("link", name="Worklists").click()
    expect(page.get_by_role("heading", name="Worklists")).to_be_visible()
    expect(page.locator("section.needs-action")).to_have_count(0)
