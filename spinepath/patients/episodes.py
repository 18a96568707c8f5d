"""Episode workflows: a referral recorded, the one path for the page, the API and the tests."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from spinepath.accounts import audit
from spinepath.accounts.models import AuditEvent, User
from spinepath.patients.models import Episode, TimelineEvent


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
