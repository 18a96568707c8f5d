"""In Chromium: a physiotherapist makes a programme from the builder's proposal, changes it,
prints it, and reads the session the patient logged; a clinician sees it but cannot change it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from spinepath.aftercare.models import AdherenceLog, Programme
from spinepath.aftercare.programmes import adherence_record
from spinepath.testing import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_physiotherapist_builds_changes_prints_and_reads_adherence(
    page: Any, episode_a: Any, physio_a: Any, clinician_a: Any
) -> None:
    log_in(page, physio_a.username)
    page.goto(f"/episodes/{episode_a.pk}/")
    page.get_by_role("link", name="New programme").click()
    injected = timezone.localdate() - dt.timedelta(days=5)
    page.get_by_label("Date of the injection").fill(injected.isoformat())
    page.get_by_label("STarT Back risk").select_option("high")
    page.get_by_role("button", name="Make the programme").click()

    page.get_by_role("heading", name="Rehabilitation programme").wait_for()
    restore = page.get_by_role("heading", name="Restore")
    assert "today" in restore.inner_text()
    programme = Programme.objects.get()
    # The builder's sciatica emphasis: backward bending and nerve mobility while restoring.
    assert page.get_by_text("Press-ups in lying").first.is_visible()
    assert page.get_by_text("Nerve slider in sitting").first.is_visible()

    page.get_by_role("link", name="Change exercises").click()
    page.get_by_label("Clam").first.check()
    page.get_by_role("button", name="Save changes").click()
    page.get_by_role("heading", name="Rehabilitation programme").wait_for()
    assert programme.items.filter(exercise_code="clam").exists()

    page.goto(f"/programmes/{programme.pk}/print/")
    assert page.get_by_role("heading", name="Your exercise programme").is_visible()
    assert page.get_by_role("heading", name="Clam").first.is_visible()

    adherence_record(
        None,
        programme=programme,
        exercise_code="clam",
        on=timezone.localdate(),
        done=True,
        pain_during=2,
        source=AdherenceLog.Source.PATIENT,
    )
    page.goto(f"/programmes/{programme.pk}/")
    page.get_by_role("link", name="Adherence", exact=True).click()
    row = page.get_by_role("row").filter(has_text="100%")
    assert "2.0" in row.inner_text()
    assert page.get_by_text("Clam, done, pain 2/10 (Patient)").is_visible()

    page.context.clear_cookies()
    log_in(page, clinician_a.username)
    page.goto(f"/programmes/{programme.pk}/")
    assert page.get_by_role("heading", name="Rehabilitation programme").is_visible()
    assert page.get_by_role("link", name="Change exercises").count() == 0
