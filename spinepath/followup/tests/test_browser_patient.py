"""A patient on a phone (390 × 844) answers their follow-up from the link, without JavaScript;
axe-core finds no WCAG 2.2 A or AA violation on any patient page, and every answer is a large
target."""

from __future__ import annotations

import re
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from spinepath.followup import links
from spinepath.followup.models import TimePoint
from spinepath.followup.tests.factories import make_time_point
from spinepath.tests.patient_pages import PHONE, patient_page_problems

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIX_WEEKS = ["nrs_leg", "nrs_back", "pgic", "odi"]


@pytest.fixture
def phone(browser: Any, live_server: Any) -> Any:
    def open_context(javascript: bool = True) -> Any:
        context = browser.new_context(
            viewport=PHONE,
            base_url=live_server.url,
            java_script_enabled=javascript,
            is_mobile=True,
            has_touch=True,
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    contexts: list[Any] = []
    yield open_context
    for context in contexts:
        context.close()


def link_path(point: TimePoint) -> str:
    return "/f/" + links.issue_link(point).rsplit("/", 1)[1]


def enter_date_of_birth(page: Any, day: str = "17", month: str = "5", year: str = "1970") -> None:
    page.get_by_label("Day").fill(day)
    page.get_by_label("Month").fill(month)
    page.get_by_label("Year").fill(year)
    page.get_by_role("button", name="Continue").click()


def answer_odi(page: Any) -> None:
    for n in range(1, 11):
        page.locator(f"label[for='s{n}-2']").click()
    page.get_by_role("button", name="Save and check your answers").click()


def test_a_patient_answers_on_a_phone_without_javascript(phone, clinic_a):
    point = make_time_point(clinic_a, label="6w", instruments=SIX_WEEKS)
    page = phone(javascript=False)
    page.goto(link_path(point))
    assert page.url.endswith("/f/date-of-birth")  # the token is gone from the address bar
    enter_date_of_birth(page)

    page.get_by_text("Question 1 of 4").wait_for()
    page.get_by_role("button", name="Save and continue").click()  # nothing chosen
    page.get_by_role("alert").get_by_text("Select a number from 0 to 10").wait_for()
    page.get_by_role("radio", name="3", exact=True).check()
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_text("Question 2 of 4").wait_for()
    page.get_by_role("radio", name="2", exact=True).check()
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("radio", name="Much improved", exact=True).check()
    page.get_by_role("button", name="Save and continue").click()
    answer_odi(page)

    page.get_by_role("heading", name="Check your answers before sending them").wait_for()
    page.get_by_role("link", name="Change your leg pain").click()
    page.get_by_role("radio", name="4", exact=True).check()
    page.get_by_role("button", name="Save and check your answers").click()
    page.get_by_role("button", name="Send my answers").click()

    page.get_by_role("heading", name="Thank you: your answers have been sent").wait_for()
    assert "Much improved" in page.inner_text("main")
    assert page.locator("form").count() == 0
    point.refresh_from_db()
    assert point.completed_at is not None
    assert point.scores == {"nrs_leg": 4, "nrs_back": 2, "pgic": 2, "odi": 40.0}


def test_patient_pages_pass_axe_fit_a_phone_and_have_large_targets(phone, clinic_a):
    point = make_time_point(clinic_a, label="6w", instruments=SIX_WEEKS)
    locked = make_time_point(clinic_a, nhs_number="9990000018")
    page = phone()
    axe = Axe()
    problems: list[str] = []

    def look(name: str) -> None:
        problems.extend(
            patient_page_problems(
                page, name, axe, targets="main label.choice, main .radio label, main button"
            )
        )

    page.goto("/f/" + links.new_token())
    look("link that cannot be used")
    page.goto("/f/check")
    look("session ended")
    page.goto(link_path(point))
    look("date of birth")
    enter_date_of_birth(page, day="31", month="2")
    look("date of birth, not a real date")
    enter_date_of_birth(page, day="18")
    look("date of birth, wrong")
    enter_date_of_birth(page)
    look("pain scale")
    page.get_by_role("button", name="Save and continue").click()
    look("pain scale, error")
    for _ in range(2):
        page.locator(".radio label").nth(2).click()
        page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("radio", name="Much improved", exact=True).check()
    page.get_by_role("button", name="Save and continue").click()
    look("ODI")
    page.get_by_role("button", name="Save and check your answers").click()
    look("ODI, errors")
    answer_odi(page)
    look("check your answers")
    page.get_by_role("button", name="Send my answers").click()
    look("thank you")

    page.goto(link_path(locked))
    for _ in range(5):
        enter_date_of_birth(page, day="18")
    assert re.search("now locked", page.inner_text("main"))
    look("locked")
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)
