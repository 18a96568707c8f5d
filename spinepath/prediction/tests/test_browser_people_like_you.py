"""In Chromium: a clinician opens a decision and sees 'people like you' as an icon array with its
basis and the model's figures; the patient, on their secure page after the date-of-birth check,
reads the same figures in plain words (no JavaScript: the array is an SVG). axe finds no WCAG
A/AA problem in the clinician's panel (axe itself needs scripts on that page)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from spinepath.accounts.models import Clinic
from spinepath.analytics.facts import rebuild_outcomes
from spinepath.assessment.decisions import record_proceed
from spinepath.followup.tests.factories import make_time_point
from spinepath.followup.tests.test_browser_patient import enter_date_of_birth, link_path
from spinepath.prediction.training import train_model
from spinepath.registry.generate import generate
from spinepath.testing import (
    assess,
    log_in,
    make_episode,
    make_patient,
    make_staff,
    take_consent,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AT = datetime(2026, 6, 30, 18, 0, tzinfo=UTC)


def _registry_and_a_patient() -> tuple[Any, Any, Any]:
    result = generate(600, seed=61, clinics=1, at=AT)
    rebuild_outcomes(result.procedure_ids, at=AT)
    train_model(at=AT)
    clinic = Clinic.objects.get(pk=result.clinics[0])
    clinician = make_staff("plybrowser", "clinician", clinic)
    episode = make_episode(make_patient(clinic), condition="lumbar_disc_herniation")
    decision = assess(episode, clinician, nrs_back=7, nrs_leg=7, symptom_duration_weeks=None)
    if not decision.cleared_to_proceed:
        record_proceed(None, decision, by=clinician, reason="Discussed; the patient wishes it.")
    return clinician, episode, decision


def test_a_clinician_sees_the_icon_array_and_the_patient_reads_it_in_plain_words(
    browser: Any, live_server: Any, settings: Any
) -> None:
    settings.SPINEPATH_PEOPLE_LIKE_YOU_MINIMUM = 10
    clinician, episode, decision = _registry_and_a_patient()

    context = browser.new_context(base_url=live_server.url)  # axe needs scripts
    page = context.new_page()
    page.set_default_timeout(20_000)
    log_in(page, clinician.username)
    page.goto(f"/decisions/{decision.pk}/")
    panel = page.locator("section.people-like-you")
    panel.get_by_role("heading", name="People like you").wait_for()
    array = panel.get_by_role("img", name="People like you with meaningful relief at 6 weeks")
    assert array.is_visible()
    filled = array.locator("g.icon-on").count()
    assert array.locator("g").count() == 100
    caption = panel.locator("figcaption").first.inner_text()
    assert (
        caption == f"Out of 100 people like you, about {filled} had meaningful relief at 6 weeks."
    )
    text = panel.inner_text()
    assert "similar patient" in text and "from the results measured at" in text
    assert "People like you means people with the same condition" in text
    assert "We can be 95% sure the true figure is between" in text
    assert "they never change it" in text
    panel.get_by_text("How these figures were made").click()
    assert "The prediction model (version 1" in panel.inner_text()
    assert "calibration slope" in panel.inner_text()
    found = Axe().run(page, context={"include": [["section.people-like-you"]]})
    assert found.violations_count == 0, found.generate_report()
    context.close()

    # The patient: consent agreed for the plan, a follow-up link, their secure page.
    take_consent(decision, clinician)
    point = make_time_point(episode.patient.clinic, episode=episode, instruments=["nrs_leg"])
    phone = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    patient = phone.new_page()
    patient.set_default_timeout(20_000)
    patient.goto(link_path(point))
    enter_date_of_birth(patient)
    patient.get_by_role("radio", name="3", exact=True).check()
    patient.get_by_role("button", name="Save and check your answers").click()
    patient.get_by_role("button", name="Send my answers").click()
    patient.get_by_role("link", name="What to do now, and your exercises for today").click()
    section = patient.locator("section.people-like-you")
    section.get_by_role("heading", name="What happened to people like you").wait_for()
    words = section.inner_text()
    assert f"Out of 100 people like you, about {filled} had meaningful relief at 6 weeks." in words
    assert "they cannot tell exactly what will happen to you" in words
    assert "Meaningful relief means your main pain score falls by at least 30%" in words
    assert section.get_by_role("img").count() == 1
    assert "Jones" not in words  # no patient is named, not even them
    phone.close()
