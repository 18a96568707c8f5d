"""In Chromium on a phone, without JavaScript: a patient opens their follow-up link, passes the
date-of-birth check, answers, follows "Your aftercare and exercises", reads the aftercare advice
and today's exercises and logs one; the physiotherapist sees it in the adherence view. axe-core
finds no WCAG 2.2 A or AA violation on any state of the new page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone

from spinepath.aftercare.models import AdherenceLog
from spinepath.aftercare.programmes import programme_create
from spinepath.followup.tests.factories import make_time_point
from spinepath.followup.tests.test_browser_patient import enter_date_of_birth, link_path
from spinepath.testing import (
    log_in,
    make_episode,
    make_patient,
    ready_for_procedure,
    record_procedure,
)
from spinepath.tests.patient_pages import PHONE, patient_page_problems

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def phone(browser: Any, live_server: Any) -> Any:
    """A phone-sized context (as the follow-up pages' tests use), JavaScript on or off."""
    contexts: list[Any] = []

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

    yield open_context
    for context in contexts:
        context.close()


def treated_with_programme(episode: Any, clinician: Any, physio: Any) -> Any:
    ready_for_procedure(episode, clinician)
    record = record_procedure(episode, clinician)
    return programme_create(
        None,
        episode=episode,
        by=physio,
        injection_date=timezone.localdate(record.performed_at),
        start_back_risk="",
    )


def to_aftercare(page: Any, point: Any) -> None:
    """Open the link, prove the date of birth, send the one answer, follow the aftercare link."""
    page.goto(link_path(point))
    enter_date_of_birth(page)
    page.get_by_role("radio", name="3", exact=True).check()
    page.get_by_role("button", name="Save and check your answers").click()
    page.get_by_role("button", name="Send my answers").click()
    page.get_by_role("link", name="What to do now, and your exercises for today").click()
    page.get_by_role("heading", name="Your aftercare and exercises", level=1).wait_for()
    assert page.url.endswith("/f/aftercare")


def test_a_patient_reads_aftercare_and_logs_an_exercise_the_physio_sees_it(
    phone: Any, page: Any, episode_a: Any, clinician_a: Any, physio_a: Any
) -> None:
    programme = treated_with_programme(episode_a, clinician_a, physio_a)
    point = make_time_point(episode_a.patient.clinic, episode=episode_a, instruments=["nrs_leg"])
    first = programme.items_for_phase(programme.phase_on(timezone.localdate()))[0]
    patient = phone(javascript=False)
    to_aftercare(patient, point)

    main = patient.locator("main")
    assert main.get_by_role("heading", name="After your injection").is_visible()
    assert main.get_by_role("heading", name="Warning signs").is_visible()
    assert "0113 496 0001" in main.inner_text()
    assert main.get_by_role("heading", name="Today's exercises").is_visible()
    card = patient.locator(f"#exercise-{first.exercise_code}")
    assert card.get_by_role("heading", name=first.exercise.name).is_visible()
    card.locator(f"label[for='done-{first.exercise_code}-yes']").click()
    card.locator(f"label[for='pain-{first.exercise_code}-2']").click()
    card.get_by_role("button", name=re.compile(f"^Save.*{first.exercise.name}$")).click()
    patient.get_by_role("status").get_by_text(f"Saved: {first.exercise.name}").wait_for()
    assert "pain 2 out of 10" in card.inner_text()
    assert "/f/aftercare" in patient.url and "token" not in patient.url
    log = AdherenceLog.objects.get()
    assert (log.exercise_code, log.done, log.pain_during, log.source) == (
        first.exercise_code,
        True,
        2,
        "patient",
    )

    log_in(page, physio_a.username)
    page.goto(f"/programmes/{programme.pk}/adherence/")
    row = page.get_by_role("row").filter(has_text="100%")
    assert "2.0" in row.inner_text()
    assert f"{first.exercise.name}, done, pain 2/10 (Patient)" in page.inner_text("main")


def test_the_aftercare_page_passes_axe_and_fits_a_phone(
    phone: Any, episode_a: Any, clinician_a: Any, physio_a: Any
) -> None:
    programme = treated_with_programme(episode_a, clinician_a, physio_a)
    point = make_time_point(episode_a.patient.clinic, episode=episode_a, instruments=["nrs_leg"])
    first = programme.items_for_phase(programme.phase_on(timezone.localdate()))[0]
    patient = phone()
    axe = Axe()
    problems: list[str] = []

    def look(name: str) -> None:
        problems.extend(
            patient_page_problems(patient, name, axe, targets="main .radio label, main button")
        )

    to_aftercare(patient, point)
    look("aftercare and exercises")
    card = patient.locator(f"#exercise-{first.exercise_code}")
    card.locator(f"label[for='pain-{first.exercise_code}-4']").click()
    card.get_by_role("button", name=re.compile(f"^Save.*{first.exercise.name}$")).click()
    patient.get_by_role("alert").get_by_text("Select yes if you did this exercise").wait_for()
    look("exercise log, error")
    card = patient.locator(f"#exercise-{first.exercise_code}")
    card.locator(f"label[for='done-{first.exercise_code}-yes']").click()
    card.get_by_role("button", name=re.compile(f"^Save.*{first.exercise.name}$")).click()
    patient.get_by_role("status").wait_for()
    look("exercise logged")

    planned = make_episode(make_patient(episode_a.patient.clinic, nhs_number="9990000018"))
    ready_for_procedure(planned, clinician_a)  # consented, not yet done: the plan's information
    patient = phone()
    ahead = make_time_point(planned.patient.clinic, episode=planned, instruments=["nrs_leg"])
    to_aftercare(patient, ahead)
    assert patient.get_by_role("heading", name="Your next procedure").is_visible()
    look("planned procedure")
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)


def test_a_patient_who_sends_a_log_twice_reads_that_it_was_kept_once(
    phone: Any, episode_a: Any, clinician_a: Any, physio_a: Any
) -> None:
    """A double tap, or a resend after a lost connection: the first copy of the form goes out
    (here through the page's own cookies, as a browser's first attempt would), then the patient
    presses Save on the same form. One log is kept, and the page says so in words a patient
    understands, in a message that passes axe and fits the phone."""
    from spinepath.accounts.idempotency import ALREADY_RECORDED

    programme = treated_with_programme(episode_a, clinician_a, physio_a)
    point = make_time_point(episode_a.patient.clinic, episode=episode_a, instruments=["nrs_leg"])
    first = programme.items_for_phase(programme.phase_on(timezone.localdate()))[0]
    patient = phone()
    to_aftercare(patient, point)
    card = patient.locator(f"#exercise-{first.exercise_code}")
    card.locator(f"label[for='done-{first.exercise_code}-yes']").click()
    card.locator(f"label[for='pain-{first.exercise_code}-2']").click()
    form = card.locator("form")
    fields = form.evaluate("f => Object.fromEntries(new FormData(f))")
    sent = patient.request.post(form.get_attribute("action"), form=fields)
    assert sent.ok and AdherenceLog.objects.count() == 1

    card.get_by_role("button", name=re.compile(f"^Save.*{first.exercise.name}$")).click()
    told = patient.get_by_role("status").filter(has_text=ALREADY_RECORDED)
    told.wait_for()
    assert told.is_visible()
    assert AdherenceLog.objects.count() == 1
    problems = patient_page_problems(patient, "sent twice", Axe(), targets="main button")
    assert not problems, "\n".join(problems)
