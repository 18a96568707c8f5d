"""Discharging and re-opening an episode: one workflow behind the page and the API, at any time."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from spinepath.accounts.models import AuditEvent
from spinepath.patients.episodes import EpisodeRefused, episode_discharge, episode_reopen
from spinepath.patients.models import Episode, TimelineEvent

pytestmark = pytest.mark.django_db

AT = datetime(2026, 11, 20, 15, 30, tzinfo=timezone.get_current_timezone())


def _follow_up(episode: Episode) -> Episode:
    episode.advance_to(Episode.Stage.FOLLOW_UP, at=AT - timedelta(days=30))
    return episode


def test_discharge_at_a_chosen_time_dates_the_stage_timeline_and_audit(
    episode_a: Episode, clinician_a: Any
) -> None:
    _follow_up(episode_a)
    episode_discharge(
        None, episode=episode_a, outcome="self_managing", note="Walking 5 km", by=clinician_a, at=AT
    )
    episode_a.refresh_from_db()
    assert episode_a.stage == Episode.Stage.DISCHARGED
    assert episode_a.discharged_at == AT
    assert episode_a.discharge_outcome == "self_managing"
    assert episode_a.stage_before_discharge == Episode.Stage.FOLLOW_UP
    entry = episode_a.timeline.filter(kind=TimelineEvent.Kind.STAGE).first()
    assert entry is not None and entry.at == AT
    assert entry.summary == "Discharged: Improved: self-managing with exercise — Walking 5 km"
    event = AuditEvent.objects.get(action=AuditEvent.Action.UPDATE, object_id=str(episode_a.pk))
    assert event.at == AT and "discharge_outcome" in event.changed_fields


def test_reopen_returns_to_the_stage_it_left(episode_a: Episode, clinician_a: Any) -> None:
    _follow_up(episode_a)
    episode_discharge(None, episode=episode_a, outcome="declined", by=clinician_a, at=AT)
    episode_reopen(
        None, episode=episode_a, reason="Pain back", by=clinician_a, at=AT + timedelta(days=9)
    )
    episode_a.refresh_from_db()
    assert episode_a.stage == Episode.Stage.FOLLOW_UP
    assert episode_a.discharged_at is None and episode_a.discharge_outcome == ""
    latest = episode_a.timeline.filter(kind=TimelineEvent.Kind.STAGE).first()
    assert latest is not None and latest.summary == "Re-opened at follow-up: Pain back"


@pytest.mark.parametrize(
    ("outcome", "note", "field"),
    [("cured", "", "outcome"), ("other", "  ", "note")],
)
def test_bad_discharge_names_the_field_and_changes_nothing(
    episode_a: Episode, clinician_a: Any, outcome: str, note: str, field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        episode_discharge(None, episode=episode_a, outcome=outcome, note=note, by=clinician_a)
    assert field in refused.value.message_dict
    episode_a.refresh_from_db()
    assert episode_a.is_open and episode_a.discharge_outcome == ""
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE).exists()


def test_other_with_a_note_is_accepted(episode_a: Episode, clinician_a: Any) -> None:
    episode_discharge(None, episode=episode_a, outcome="other", note="Moved away", by=clinician_a)
    episode_a.refresh_from_db()
    assert not episode_a.is_open


def test_discharging_twice_or_reopening_an_open_episode_is_refused(
    episode_a: Episode, clinician_a: Any
) -> None:
    with pytest.raises(EpisodeRefused):
        episode_reopen(None, episode=episode_a, reason="x", by=clinician_a)
    episode_discharge(None, episode=episode_a, outcome="declined", by=clinician_a, at=AT)
    with pytest.raises(EpisodeRefused):
        episode_discharge(None, episode=episode_a, outcome="declined", by=clinician_a, at=AT)
    assert episode_a.timeline.filter(summary__startswith="Discharged").count() == 1


def test_a_discharge_cannot_predate_the_referral(episode_a: Episode, clinician_a: Any) -> None:
    before = AT.replace(year=2026, month=9, day=30)  # the referral is dated 1 October
    with pytest.raises(ValidationError):
        episode_discharge(None, episode=episode_a, outcome="declined", by=clinician_a, at=before)
    episode_a.refresh_from_db()
    assert episode_a.is_open


def test_api_discharge_and_reopen(api_a: Any, episode_a: Episode) -> None:
    url = f"/api/v1/episodes/{episode_a.pk}/discharge"
    bad = api_a.post(url, {"outcome": "cured"})
    assert bad.status_code == 422 and "outcome" in bad.content.decode()
    done = api_a.post(url, {"outcome": "surgical_opinion", "note": "Foot drop"})
    assert done.status_code == 200, done.content
    body = done.json()
    assert body["stage"] == "discharged" and body["discharge_outcome"] == "surgical_opinion"
    assert api_a.post(url, {"outcome": "declined"}).status_code == 409
    reopened = api_a.post(f"/api/v1/episodes/{episode_a.pk}/reopen", {"reason": "Wrong patient"})
    assert reopened.status_code == 200 and reopened.json()["stage"] == "referred"


def test_analyst_may_not_discharge(client: Any, analyst_a: Any, episode_a: Episode) -> None:
    client.force_login(analyst_a)
    response = client.post(
        reverse("episode_discharge", args=[episode_a.pk]), {"discharge_outcome": "declined"}
    )
    assert response.status_code in (403, 404)
    episode_a.refresh_from_db()
    assert episode_a.is_open


def test_physiotherapist_discharges_through_the_page(
    client: Any, physio_a: Any, episode_a: Episode
) -> None:
    client.force_login(physio_a)
    url = reverse("episode_discharge", args=[episode_a.pk])
    empty = client.post(url, {"discharge_outcome": ""})
    assert empty.status_code == 200 and "This field is required" in empty.content.decode()
    done = client.post(url, {"discharge_outcome": "physiotherapy", "discharge_note": ""})
    assert done.status_code == 302
    page = client.get(reverse("episode_detail", args=[episode_a.pk])).content.decode()
    assert "Discharged" in page and "Continuing physiotherapy in the community" in page
    assert "Re-open" in page
