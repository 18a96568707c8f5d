import re

import pytest
from playwright.sync_api import expect

from spinepath.procedures.models import Consent
from spinepath.testing import assess, log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_a_clinician_takes_consent_with_a_typed_signature(page, episode_a, clinician_a):
    assess(episode_a, clinician_a)
    log_in(page, "alice")
    page.goto(f"/episodes/{episode_a.pk}/consent/")

    expect(page.get_by_role("heading", name="Consent for the planned procedure")).to_be_visible()
    risks = page.locator("table.consent-risks")
    expect(risks).to_contain_text("Headache from a leak of spinal fluid")
    expect(risks).to_contain_text("Infection")
    expect(risks).to_contain_text("This applies to you because")

    page.get_by_label("L4/L5").check()
    page.get_by_role("button", name="Update the information for these levels and side").click()
    expect(page.locator(".consent-info")).to_contain_text("at the L4/L5 level")

    page.get_by_label("The patient's questions, and the answers given").fill("Will it hurt?")
    page.get_by_label("The patient has capacity to make this decision").check()
    page.get_by_label("Permit: the patient agrees").check()
    page.get_by_label("Patient's name, typed as their signature").fill("Mary Jones")
    page.get_by_role("button", name="Record the decision").click()

    expect(page).to_have_url(re.compile(r"/consents/\d+/$"))
    expect(page.get_by_role("status")).to_contain_text("Consent recorded.")
    expect(page.locator(".consent-status-active")).to_have_text("Consent given")
    consent = Consent.objects.get()
    assert consent.levels == ["L4/L5"] and consent.signed_name == "Mary Jones"

    page.get_by_role("link", name=re.compile("Sciatica")).click()
    expect(page.locator('[aria-current="step"]')).to_have_text("Consented")


def test_a_patient_signs_on_the_screen(page, episode_a, clinician_a):
    assess(episode_a, clinician_a)
    log_in(page, "alice")
    page.goto(f"/episodes/{episode_a.pk}/consent/")

    pad = page.locator("canvas#signature-pad")
    expect(pad).to_be_hidden()
    page.get_by_label("Drawn on the screen").check()
    expect(pad).to_be_visible()
    box = pad.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 30)
    page.mouse.down()
    page.mouse.move(box["x"] + 120, box["y"] + 60, steps=5)
    page.mouse.move(box["x"] + 220, box["y"] + 20, steps=5)
    page.mouse.up()

    page.get_by_label("The patient has capacity to make this decision").check()
    page.get_by_label("Permit: the patient agrees").check()
    page.get_by_role("button", name="Record the decision").click()

    expect(page.locator(".consent-status-active")).to_have_text("Consent given")
    expect(page.get_by_role("img", name="Drawn signature")).to_be_visible()
    assert Consent.objects.get().signature_image.startswith("data:image/png;base64,")
