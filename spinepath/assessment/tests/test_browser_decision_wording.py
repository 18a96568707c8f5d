"""In a real browser: the decision reads as plain words first, with the rule code small after it,
and a source citation opens the references page at that source."""

import pytest
from playwright.sync_api import expect

from spinepath.testing import log_in, make_decision

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_decision_reads_plainly_and_links_its_sources(page, clinician_a, episode_a):
    decision = make_decision(
        episode_a, clinician_a, red_flags=["cancer_history"], allergies=["iodinated_contrast"]
    )
    log_in(page, "alice")
    page.goto(f"/decisions/{decision.pk}/")

    first = page.locator("ol.reasons > li").first
    message = first.locator("p").first
    expect(message).to_contain_text("Possible spinal malignancy")
    expect(message).not_to_contain_text("RED_FLAG_MALIGNANCY")
    expect(first.locator("p.action")).to_contain_text("Urgent, within 2 weeks")
    code = first.locator("small", has_text="RED_FLAG_MALIGNANCY")
    expect(code).to_be_visible()
    # Small and secondary: after the message and in a smaller type than it.
    box_message, box_code = message.bounding_box(), code.bounding_box()
    assert box_message and box_code and box_code["y"] > box_message["y"]
    size = code.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert size < message.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")

    contrast = page.locator("ol.reasons > li", has_text="Iodinated contrast allergy")
    expect(contrast.locator("p.action")).to_contain_text("gadolinium")
    page.screenshot(path="/tmp/spinepath-decision-wording.png", full_page=True)

    first.get_by_role("link", name="[14]").click()
    page.wait_for_url("**/references/#source-14")
    expect(page.locator("#source-14")).to_contain_text("g-care.glos.nhs.uk")
