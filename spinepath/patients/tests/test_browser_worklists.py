"""A clinician with more people at a stage than its worklist shows follows "Show all" to the
stage's own page and reads everyone there, longest waiting first, a page at a time."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from spinepath import views
from spinepath.patients.models import Episode
from spinepath.testing import log_in, make_episode, make_patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_clinician_follows_show_all_to_everyone_at_a_stage(
    page: Any, clinician_a: Any, clinic_a: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(views, "STAGE_PAGE_SIZE", 10)
    waiting = views.WORKLIST_LIMIT + 2  # 17: two more than the worklists page shows
    now = timezone.now()
    for i in range(waiting):
        patient = make_patient(
            clinic_a, nhs_number="", mrn=f"S{i}", given_name=f"Sam{i:02d}", family_name="Waite"
        )
        episode = make_episode(patient)
        Episode.objects.filter(pk=episode.pk).update(
            stage=Episode.Stage.CONSENTED, stage_changed_at=now - timedelta(days=100 - i)
        )

    log_in(page, "alice")
    consented = page.get_by_role("region", name="Consented")
    expect(consented.get_by_role("listitem")).to_have_count(views.WORKLIST_LIMIT)
    expect(consented.get_by_role("link").first).to_have_text("Sam00 Waite")
    expect(consented).to_contain_text("Showing the 15 longest waiting of 17.")

    consented.get_by_role("link", name="Show all 17 consented").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Consented 17")
    rows = page.get_by_role("listitem").filter(has_text="Waite")
    expect(rows).to_have_count(10)
    expect(rows.first).to_contain_text("Sam00 Waite")
    expect(page.get_by_text("Longest waiting at this stage first: 1 to 10 of 17.")).to_be_visible()

    page.get_by_role("link", name="Next").click()
    expect(rows).to_have_count(7)
    expect(rows.last).to_contain_text("Sam16 Waite")
    expect(page.get_by_text("Page 2 of 2")).to_be_visible()

    page.get_by_role("link", name="All worklists").click()
    expect(page.get_by_role("heading", name="Worklists")).to_be_visible()
