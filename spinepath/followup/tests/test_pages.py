"""The follow-up pages: the worklist, staff entry of answers, the episode's follow-up section."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from spinepath.accounts.models import AuditEvent
from spinepath.followup.models import FollowUpLink, NextStepPlan, TimePoint
from spinepath.followup.tests.helpers import answer, backdate, point, treated
from spinepath.testing import make_episode, make_patient

pytestmark = pytest.mark.django_db


def _group(html: str, name: str) -> str:
    start = html.index(f'data-group="{name}"')
    end = html.find("</section>", start)
    return html[start:end]


@pytest.fixture
def history(clinic_a, episode_a, clinician_a):
    """Two patients treated 100 days ago: one answered at 2 weeks; the other has no email."""
    first = backdate(treated(episode_a, clinician_a), 100)
    answer(first, "2w", nrs_leg=3, nrs_back=2, pgic=2)
    other = make_episode(
        make_patient(
            clinic_a, given_name="Nia", nhs_number="", mrn="NIA1", email="", phone="01234 567890"
        )
    )
    second = backdate(treated(other, clinician_a), 100)
    return first, second


def test_the_worklist_groups_what_needs_someone(client, clinician_a, history):
    first, second = history
    FollowUpLink.objects.create(
        time_point=point(second, "3m"),
        token_hash="x" * 64,
        expires_at=timezone.now() + timedelta(days=5),
        failed_dob_tries=5,
        locked_at=timezone.now(),
    )
    client.force_login(clinician_a)
    response = client.get(reverse("followup_worklist"))
    assert response.status_code == 200
    html = response.content.decode()
    overdue = _group(html, "overdue")
    assert "Mary Jones" in overdue and "3 months" in overdue  # due 10 days ago
    assert "Nia Jones" not in overdue  # her 3-month link is locked
    assert "Nia Jones" in _group(html, "locked")
    never = _group(html, "never_responded")
    assert "6 weeks" in never and "Nia Jones" in never  # both patients' 6 weeks expired
    assert "Nia Jones" in _group(html, "no_email") and "Mary Jones" not in _group(html, "no_email")
    assert 'href="tel:01234 567890"' in html
    # 2 weeks: both due, one completed; 6 weeks: two due, none completed.
    assert (
        '<tr data-label="2w"><th scope="row">2 weeks</th><td>2</td><td>1</td><td>50%</td>' in html
    )
    assert '<tr data-label="6w"><th scope="row">6 weeks</th><td>2</td><td>0</td><td>0%</td>' in html
    assert AuditEvent.objects.filter(action="list", model="followup.TimePoint").exists()


def test_another_clinic_sees_none_of_it(client, clinician_b, history):
    client.force_login(clinician_b)
    html = client.get(reverse("followup_worklist")).content.decode()
    assert "Mary Jones" not in html and "Nia Jones" not in html


def test_staff_enter_answers_by_phone(client, clinician_a, history):
    first, _ = history
    tp = point(first, "3m")
    url = reverse("followup_enter_answers", args=[tp.pk])
    client.force_login(clinician_a)
    assert client.get(url).status_code == 200
    bad = client.post(url, {"nrs_leg__score": "12"})
    assert bad.status_code == 422 and TimePoint.objects.get(pk=tp.pk).completed_at is None
    empty = client.post(url, {})
    assert empty.status_code == 422 and b"Enter at least one answer" in empty.content
    done = client.post(
        url,
        {
            "nrs_leg__score": "8",
            "nrs_back__score": "3",
            "pgic__score": "4",
            "next": "https://evil.example/",
        },
    )
    assert done.status_code == 302 and done.url == reverse(
        "episode_detail", args=[first.episode_id]
    )
    tp.refresh_from_db()
    assert tp.staff_entered and tp.entered_by == clinician_a and tp.scores["nrs_leg"] == 8
    again = client.post(url, {"nrs_leg__score": "1"})
    assert again.status_code == 409
    tp.refresh_from_db()
    assert tp.scores["nrs_leg"] == 8


def test_an_analyst_or_admin_may_not_enter_answers(client, analyst_a, admin_a, history):
    first, _ = history
    url = reverse("followup_enter_answers", args=[point(first, "3m").pk])
    for user in (analyst_a, admin_a):
        client.force_login(user)
        assert client.post(url, {"nrs_leg__score": "3"}).status_code == 403
    assert point(first, "3m").completed_at is None


def test_the_episode_shows_relief_chart_and_prompts_the_next_step(client, clinician_a, history):
    first, _ = history
    answer(first, "6w", nrs_leg=7, nrs_back=3, pgic=4, odi=2)  # relief ended at 6 weeks
    client.force_login(clinician_a)
    url = reverse("episode_detail", args=[first.episode_id])
    html = client.get(url).content.decode()
    assert "Meaningful relief from 2 weeks, ended by 6 weeks: 42 days." in html
    assert "spinepath&#x27;s definition" in html or "spinepath's definition" in html
    assert "<svg" in html and 'role="img" aria-labelledby="outcome-chart-caption"' in html
    assert 'id="outcome-chart-caption"' in html and "<caption>Scores over time</caption>" in html
    assert "Plan the next step" in html
    assert 'value="repeat_injection" disabled' not in html  # 62.5% relief at 2 weeks: offered
    assert 'value="diagnostic_block_rf" disabled' in html  # sciatica, not facet pain

    response = client.post(
        reverse("followup_next_step", args=[first.pk]),
        {"choice": "surgical_opinion", "reason": "Relief short-lived; discuss decompression."},
    )
    assert response.status_code == 302
    plan = NextStepPlan.objects.get()
    assert plan.choice == "surgical_opinion" and plan.decided_by == clinician_a
    html = client.get(url).content.decode()
    assert "Plan the next step" not in html and "Refer for a surgical opinion" in html
    assert first.episode.timeline.filter(kind="plan").exists()


def test_a_bad_next_step_changes_nothing(client, clinician_a, history):
    first, _ = history
    answer(first, "6w", nrs_leg=7)
    client.force_login(clinician_a)
    response = client.post(
        reverse("followup_next_step", args=[first.pk]),
        {"choice": "surgical_opinion", "reason": "x"},
    )
    assert response.status_code == 302 and not NextStepPlan.objects.exists()
    page = client.get(response.url).content.decode()
    assert "Next step not recorded" in page
