"""Moving an episode along the pathway says so on its timeline."""

from datetime import datetime

import pytest
from django.utils import timezone

from spinepath.patients.models import Episode, TimelineEvent


def test_a_stage_move_writes_a_timeline_event(episode_a, clinician_a):
    event = episode_a.advance_to(Episode.Stage.ASSESSED, by=clinician_a)

    episode_a.refresh_from_db()
    assert episode_a.stage == "assessed"
    assert event.kind == TimelineEvent.Kind.STAGE
    assert event.summary == "Stage changed from Referred to Assessed"
    assert event.actor == clinician_a
    assert event.episode == episode_a
    assert episode_a.timeline.filter(kind="stage").count() == 1


def test_a_stage_move_records_when_it_happened(episode_a):
    at = datetime(2026, 10, 20, 14, tzinfo=timezone.get_current_timezone())
    event = episode_a.advance_to(Episode.Stage.CONSENTED, at=at, summary="Consent signed")
    episode_a.refresh_from_db()
    assert episode_a.stage_changed_at == at
    assert (event.at, event.summary) == (at, "Consent signed")


def test_discharge_sets_and_reopening_clears_the_discharge_time(episode_a):
    episode_a.advance_to(Episode.Stage.DISCHARGED)
    episode_a.refresh_from_db()
    assert episode_a.discharged_at == episode_a.stage_changed_at
    assert not episode_a.is_open

    episode_a.advance_to(Episode.Stage.ASSESSED, summary="Re-referred for assessment")
    episode_a.refresh_from_db()
    assert episode_a.is_open
    assert episode_a.discharged_at is None
    assert [e.kind for e in episode_a.timeline.order_by("at", "id")] == [
        "referral",
        "stage",
        "stage",
    ]


def test_an_unknown_stage_is_refused_and_nothing_is_logged(episode_a):
    with pytest.raises(ValueError, match="bogus"):
        episode_a.advance_to("bogus")
    episode_a.refresh_from_db()
    assert episode_a.stage == "referred"
    assert not episode_a.timeline.filter(kind="stage").exists()


def test_the_episode_page_shows_the_current_stage_and_its_move(client, clinician_a, episode_a):
    episode_a.advance_to(Episode.Stage.TREATED, by=clinician_a)
    client.force_login(clinician_a)
    body = client.get(f"/episodes/{episode_a.pk}/").content.decode()
    assert '<li class="current" aria-current="step">Treated</li>' in body
    assert "Stage changed from Referred to Treated" in body


def test_the_api_timeline_lists_stage_moves_newest_first(api_a, clinician_a, episode_a):
    episode_a.advance_to(Episode.Stage.ASSESSED, by=clinician_a)
    r = api_a.get(f"/api/v1/episodes/{episode_a.pk}/timeline")
    assert r.status_code == 200
    assert [(e["kind"], e["actor"]) for e in r.json()] == [
        ("stage", "Alice"),
        ("referral", None),
    ]
