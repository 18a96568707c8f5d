"""Episode workflows: a referral, a discharge and a re-opening.

The one path for the page, the API, the demo and the tests.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from spinepath.accounts import audit
from spinepath.accounts.models import AuditEvent, User
from spinepath.patients.locks import hold_patient
from spinepath.patients.models import NEW_REFERRAL_ON_ERASED, Episode, TimelineEvent


def episode_create(
    request: HttpRequest | None,
    *,
    episode: Episode,
    by: User | None,
    changed_fields: Iterable[str] = (),
    at: datetime | None = None,
) -> Episode:
    """Record the unsaved ``episode`` (a referral), on its timeline and in the audit log.

    Validated by the model (``full_clean``: Django's ``ValidationError`` names the field); the
    episode, its first stage, the timeline entry and the audit event are all dated ``at``
    (default: now, read once).
    """
    at = at or timezone.now()
    episode.created_at = at
    episode.stage_changed_at = at
    episode.full_clean()
    with transaction.atomic():
        episode.save()
        episode.log(
            TimelineEvent.Kind.REFERRAL,
            f"Referred by {episode.get_referral_source_display()} for "
            f"{episode.condition_display.lower()}",
            by=by,
            at=at,
        )
        audit.record(
            request,
            AuditEvent.Action.CREATE,
            episode,
            changed_fields=changed_fields,
            user=by,
            at=at,
        )
    return episode


class EpisodeRefused(Exception):
    """The episode cannot make this move; the message says why, in words for the page."""


def episode_discharge(
    request: HttpRequest | None,
    *,
    episode: Episode,
    outcome: str,
    note: str = "",
    by: User | None,
    at: datetime | None = None,
) -> Episode:
    """End the episode's pathway with ``outcome`` (``Episode.DischargeOutcome``), dated ``at``.

    Refused (``EpisodeRefused``, nothing written) when the episode is already discharged;
    ``ValidationError`` names the field for an unknown outcome or an "other" without a note.
    The stage it left is kept, so re-opening returns there.
    """
    at = at or timezone.now()
    note = note.strip()
    if outcome not in Episode.DischargeOutcome.values:
        raise ValidationError({"outcome": f"Choose one of the listed outcomes, not {outcome!r}."})
    if outcome == Episode.DischargeOutcome.OTHER and not note:
        raise ValidationError({"note": "Say why the episode ends when the outcome is “Other”."})
    with transaction.atomic():
        hold_patient(episode.patient_id)
        episode.refresh_from_db()
        if not episode.is_open:
            raise EpisodeRefused("This episode is already discharged.")
        before = audit.snapshot(episode)
        if timezone.localdate(at) < episode.referral_date:
            raise ValidationError({"at": "A discharge cannot be dated before the referral."})
        episode.stage_before_discharge = episode.stage
        episode.discharge_outcome = outcome
        episode.discharge_note = note
        episode.save(
            update_fields=["stage_before_discharge", "discharge_outcome", "discharge_note"]
        )
        label = Episode.DischargeOutcome(outcome).label
        episode.advance_to(
            Episode.Stage.DISCHARGED,
            by=by,
            summary=f"Discharged: {label}" + (f" — {note}" if note else ""),
            at=at,
        )
        audit.edit_of(episode, before).record(request, user=by, at=at)
    return episode


def episode_reopen(
    request: HttpRequest | None,
    *,
    episode: Episode,
    reason: str,
    by: User | None,
    at: datetime | None = None,
) -> Episode:
    """Re-open a discharged episode at the stage it left, with the reason on the timeline."""
    at = at or timezone.now()
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the episode is re-opened."})
    with transaction.atomic():
        hold_patient(episode.patient_id)
        episode.refresh_from_db()
        if episode.is_open:
            raise EpisodeRefused("This episode is open already.")
        if episode.patient.erased_at is not None:
            raise EpisodeRefused(NEW_REFERRAL_ON_ERASED)
        before = audit.snapshot(episode)
        stage = episode.stage_before_discharge or Episode.Stage.REFERRED
        episode.discharge_outcome = ""
        episode.discharge_note = ""
        episode.stage_before_discharge = ""
        episode.save(
            update_fields=["stage_before_discharge", "discharge_outcome", "discharge_note"]
        )
        episode.advance_to(
            stage,
            by=by,
            summary=f"Re-opened at {Episode.Stage(stage).label.lower()}: {reason}",
            at=at,
        )
        audit.edit_of(episode, before).record(request, reason=reason, user=by, at=at)
    return episode
