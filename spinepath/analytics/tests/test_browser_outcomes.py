"""The outcomes dashboard in Chromium: open it, change a filter, see the chart and the numbers
change, drill down to the procedures behind a figure."""

import re

import pytest
from playwright.sync_api import expect

from spinepath.analytics.tests.registry import count_waiting_answers
from spinepath.followup.tests.helpers import answer, backdate, treated
from spinepath.testing import log_in, make_clinic, make_episode, make_patient, make_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_filter_and_drill_down(page):
    clinic = make_clinic("ta", "Clinic A")
    alice = make_staff("alice", "clinician", clinic)
    carol = make_staff("carol", "clinician", clinic)
    people = ((alice, "Pritchard", 3, "9434765919"), (carol, "Baker", 7, "9434765870"))
    for clinician, family, leg, nhs_number in people:
        patient = make_patient(
            clinic, given_name="Olwen", family_name=family, nhs_number=nhs_number
        )
        record = backdate(treated(make_episode(patient), clinician), 60)
        answer(record, "2w", nrs_leg=leg, nrs_back=3, pgic=2)
    count_waiting_answers()  # the worker counts the answers into the facts

    # The page draws seven matplotlib charts (~0.3–1 s each on a loaded machine): allow for it.
    page.set_default_timeout(60_000)
    log_in(page, "alice")
    page.get_by_role("link", name="Outcomes").click()
    expect(page.get_by_role("heading", name="Outcomes", exact=True)).to_be_visible()
    main = page.get_by_role("main")
    expect(main).to_contain_text("2 procedures")
    panel = page.locator('[data-panel="responders"]')
    chart = panel.get_by_role("img", name=re.compile("Responders at each follow-up"))
    expect(chart).to_be_visible()
    table = panel.get_by_role("table", name="Responder rates at each time point")
    expect(table.get_by_role("row", name=re.compile(r"^2 weeks 2 1 50\.0"))).to_be_visible()
    described = chart.get_attribute("aria-describedby")
    before = page.locator(f"[id='{described}']").text_content()

    page.get_by_role("combobox", name="Clinician").select_option(label="Alice")
    page.get_by_role("button", name="Apply filters").click()
    expect(main).to_contain_text("1 procedure,")
    expect(table.get_by_role("row", name=re.compile(r"^2 weeks 1 1 100\.0"))).to_be_visible()
    expect(chart).to_be_visible()
    described = chart.get_attribute("aria-describedby")
    assert page.locator(f"[id='{described}']").text_content() != before

    row = table.get_by_role("row", name=re.compile(r"^2 weeks"))
    row.get_by_role("link", name="1").first.click()
    expect(page.get_by_role("heading", name="Procedures behind this figure")).to_be_visible()
    procedures = page.get_by_role("table", name="Procedures")
    expect(procedures).to_contain_text("Olwen Pritchard")
    expect(procedures).not_to_contain_text("Baker")
    procedures.get_by_role("link", name="Olwen Pritchard").click()
    expect(page).to_have_url(re.compile(r"/episodes/"))
