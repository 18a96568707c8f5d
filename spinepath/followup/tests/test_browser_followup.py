"""In the browser: the clinician chases an overdue follow-up from the worklist, enters the
answers given by phone, and sees the chart and the relief in words on the episode page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from spinepath.followup.models import TimePoint
from spinepath.followup.tests.helpers import answer, backdate, point, treated
from spinepath.testing import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_chase_enter_answers_and_read_the_relief(page, clinician_a, episode_a):
    record = backdate(treated(episode_a, clinician_a), 100)
    answer(record, "2w", nrs_leg=3, nrs_back=2, pgic=2)
    answer(record, "6w", nrs_leg=4, nrs_back=2, pgic=2, odi=2)

    log_in(page, "alice")
    page.get_by_role("link", name="Follow-up").click()
    expect(page.get_by_role("heading", name="Follow-up worklist")).to_be_visible()
    overdue = page.locator('section[data-group="overdue"]')
    expect(overdue).to_contain_text("Mary Jones")
    expect(overdue).to_contain_text("3 months")
    page.screenshot(path="/tmp/fcore-worklist.png", full_page=True)

    overdue.get_by_role("link", name="Enter answers").click()
    expect(page.get_by_role("heading", name="3 months follow-up")).to_be_visible()
    page.get_by_label(re.compile("how bad your leg pain")).select_option("8")
    page.get_by_role("button", name="Save answers").click()

    expect(page.get_by_text("3 months follow-up answers saved (staff-entered).")).to_be_visible()
    expect(page.get_by_role("heading", name="Follow-up worklist")).to_be_visible()
    expect(page.locator('section[data-group="overdue"]')).not_to_contain_text("Mary Jones")
    assert TimePoint.objects.get(pk=point(record, "3m").pk).staff_entered

    page.get_by_role("link", name="Mary Jones").first.click()
    section = page.locator("section.follow-up")
    expect(section.locator(".relief-summary")).to_have_text(
        "Meaningful relief from 2 weeks, ended by 3 months: 90 days."
    )
    chart = section.get_by_role("img", name="Scores over time")
    expect(chart).to_be_visible()
    assert chart.bounding_box()["width"] > 300
    expect(section.locator("table.outcome-table tbody tr")).to_have_count(4)  # baseline, 2w, 6w, 3m
    page.set_viewport_size({"width": 390, "height": 800})  # a phone: the chart fits, text legible
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    heights = chart.locator("text").evaluate_all(
        "(texts) => texts.map((t) => t.getBoundingClientRect().height)"
    )
    assert heights and min(heights) >= 11, heights
    page.set_viewport_size({"width": 1024, "height": 768})
    section.get_by_text("How spinepath measures relief").click()
    expect(section).to_contain_text("This is spinepath's definition")
    page.screenshot(path="/tmp/fcore-episode.png", full_page=True)

    prompt = section.locator(".next-step")
    expect(prompt).to_contain_text("Relief has ended.")
    prompt.get_by_label("Continue or intensify physiotherapy").check()
    prompt.get_by_label("Why this step").fill("Relief faded; graded activity with the physio team.")
    prompt.get_by_role("button", name="Record the next step").click()
    expect(
        page.get_by_text("Next step recorded: Continue or intensify physiotherapy.")
    ).to_be_visible()
    expect(page.locator("ol.timeline")).to_contain_text("Next step after the injection")
