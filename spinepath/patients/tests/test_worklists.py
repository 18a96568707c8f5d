"""The worklists: each stage's longest waiting first, capped on the worklists page with a count
and a link to the stage's own page, which lists everyone at the stage a page at a time."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from spinepath import views
from spinepath.accounts.models import AuditEvent
from spinepath.patients.models import Episode
from spinepath.testing import make_decision, make_episode, make_patient

NAMES = re.compile(r'<li><a href="/episodes/[^"]+/">([^<]+)</a>')


@pytest.fixture
def alice(client: Any, clinician_a: Any) -> Any:
    client.force_login(clinician_a)
    return client


def _waiting(clinic: Any, n: int, *, stage: str = "assessed", prefix: str = "W") -> list[Any]:
    """``n`` episodes at ``stage``, the first reaching it longest ago (n days ago, then n-1…)."""
    now = timezone.now()
    episodes = []
    for i in range(n):
        patient = make_patient(
            clinic, nhs_number="", mrn=f"{prefix}{i}", given_name=f"Pat{i:02d}", family_name=prefix
        )
        episode = make_episode(patient)
        Episode.objects.filter(pk=episode.pk).update(
            stage=stage, stage_changed_at=now - timedelta(days=n - i)
        )
        episodes.append(episode)
    return episodes


def _section(html: str, stage: str) -> str:
    start = html.index(f'id="wl-{stage}"')
    return html[start : html.index("</section>", start)]


def test_the_worklists_show_the_longest_waiting_first_with_the_count_and_a_link_to_all(
    alice: Any, clinic_a: Any
) -> None:
    _waiting(clinic_a, views.WORKLIST_LIMIT + 3)
    html = alice.get("/").content.decode()
    section = _section(html, "assessed")
    names = NAMES.findall(section)
    assert names == [f"Pat{i:02d} W" for i in range(views.WORKLIST_LIMIT)]
    assert f'<span class="count">{views.WORKLIST_LIMIT + 3}</span>' in section
    assert f"Showing the {views.WORKLIST_LIMIT} longest waiting of 18." in section
    assert 'href="/worklists/assessed/">Show all 18' in section


def test_a_stage_within_the_cap_has_no_link_to_all(alice: Any, clinic_a: Any) -> None:
    _waiting(clinic_a, 3)
    section = _section(alice.get("/").content.decode(), "assessed")
    assert len(NAMES.findall(section)) == 3
    assert "Show all" not in section and "Showing the" not in section


def test_the_stage_page_lists_everyone_a_page_at_a_time_longest_waiting_first(
    alice: Any, clinic_a: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(views, "STAGE_PAGE_SIZE", 4)
    _waiting(clinic_a, 6)
    _waiting(clinic_a, 2, stage="consented", prefix="C")  # another stage: not listed
    first = alice.get("/worklists/assessed/").content.decode()
    assert NAMES.findall(first) == ["Pat00 W", "Pat01 W", "Pat02 W", "Pat03 W"]
    assert "1 to 4 of 6" in first and "Page 1 of 2" in first
    assert 'href="?page=2">Next' in first and "Previous" not in first
    second = alice.get("/worklists/assessed/?page=2").content.decode()
    assert NAMES.findall(second) == ["Pat04 W", "Pat05 W"]
    assert 'href="?page=1">Previous' in second and "Next</a>" not in second


def test_the_stage_page_flags_who_needs_urgent_action(
    alice: Any, clinic_a: Any, clinician_a: Any
) -> None:
    flagged, calm = _waiting(clinic_a, 2)
    make_decision(flagged, clinician_a, red_flags=["saddle_anaesthesia"])
    make_decision(calm, clinician_a)
    Episode.objects.filter(pk__in=[flagged.pk, calm.pk]).update(stage="assessed")
    html = alice.get("/worklists/assessed/").content.decode()
    rows = html.split("<li>")[1:]
    flagged_row = next(r for r in rows if "Pat00 W" in r)
    calm_row = next(r for r in rows if "Pat01 W" in r)
    assert "Needs urgent action" in flagged_row and "Needs urgent action" not in calm_row


def test_the_stage_page_shows_only_the_users_clinic_and_audits_who_was_shown(
    alice: Any, clinic_a: Any, clinic_b: Any
) -> None:
    ours = _waiting(clinic_a, 2)
    _waiting(clinic_b, 2, prefix="B")
    html = alice.get("/worklists/assessed/").content.decode()
    assert NAMES.findall(html) == ["Pat00 W", "Pat01 W"]
    event = AuditEvent.objects.filter(action=AuditEvent.Action.LIST).latest("id")
    assert sorted(event.detail["shown"]) == sorted(str(e.patient_id) for e in ours)


def test_the_stage_page_says_so_when_nobody_is_at_the_stage(alice: Any, clinic_a: Any) -> None:
    html = alice.get("/worklists/treated/").content.decode()
    assert "Nobody at this stage." in html
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.LIST).exists()


@pytest.mark.parametrize("stage", ["discharged", "nonsense", "REFERRED"])
def test_a_stage_without_a_worklist_is_not_found(alice: Any, stage: str) -> None:
    assert alice.get(f"/worklists/{stage}/").status_code == 404


@pytest.mark.parametrize("page", ["0", "99", "x", "-1", "1.5"])
def test_a_page_number_out_of_range_or_not_a_number_shows_a_page(
    alice: Any, clinic_a: Any, monkeypatch: Any, page: str
) -> None:
    monkeypatch.setattr(views, "STAGE_PAGE_SIZE", 2)
    _waiting(clinic_a, 3)
    response = alice.get(f"/worklists/assessed/?page={page}")
    assert response.status_code == 200
    assert len(NAMES.findall(response.content.decode())) in {1, 2}


def test_the_stage_page_needs_a_role_that_sees_patients(client: Any, analyst_a: Any) -> None:
    assert client.get("/worklists/assessed/").status_code == 302  # to the login page
    client.force_login(analyst_a)
    assert client.get("/worklists/assessed/").status_code == 403
