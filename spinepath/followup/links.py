"""Patients' secret links: one time point each, random, stored only as a hash, expiring.

A link is ``SITE_URL/f/<token>``: 256 random bits from ``secrets`` and nothing else, so the
address names no patient and no record. Only the token's SHA-256 is stored; whoever reads the
database cannot rebuild a working link. Each invitation or reminder carries a newly issued token
for the same time point; earlier ones keep working until the window closes, so the patient may
use any email they received. A staff resend withdraws all earlier tokens (the address may have
been wrong). Five wrong dates of birth across a time point's live tokens lock them all.

Every refusal looks the same to the visitor: ``find_usable`` answers ``None`` for a token that is
unknown, tampered with, expired, withdrawn, locked or already used, and the page says so in one
way. Why it was refused is for staff to see, not for whoever holds the link.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone

from spinepath.clinical import followup_schedule
from spinepath.followup.models import FollowUpLink, Label, TimePoint
from spinepath.followup.scheduling import clinic_config
from spinepath.lib.prepared import Prepared

TOKEN_BYTES = 32
"""256 bits: more than the 128 the specification asks, at no cost."""
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")
"""What ``secrets.token_urlsafe(32)`` produces; anything else is refused before any lookup."""
DOB_TRIES = 5


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def link_url(token: str) -> str:
    return f"{settings.SITE_URL}/f/{token}"


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def window_closes(time_point: TimePoint) -> datetime:
    """When the time point's links stop working: the end of due + 21 days (setting), or for a
    pain-diary point some hours after its minute."""
    if time_point.label == Label.DIARY and time_point.due_at is not None:
        return time_point.due_at + timedelta(hours=settings.SPINEPATH_FOLLOWUP_DIARY_LINK_HOURS)
    days = settings.SPINEPATH_FOLLOWUP_LINK_DAYS
    if days:
        last_day = time_point.due_on + timedelta(days=days)
    else:
        config = clinic_config(time_point.episode.patient.clinic.code)
        last_day = followup_schedule.link_expires_on(time_point.due_on, config)
    return _local_midnight(last_day + timedelta(days=1))


def issue(time_point: TimePoint, *, at: datetime | None = None) -> tuple[FollowUpLink, str]:
    """A new link for ``time_point`` and its URL (the only time the token exists in clear)."""
    at = at or timezone.now()
    token = new_token()
    link = FollowUpLink.objects.create(
        time_point=time_point,
        token_hash=token_hash(token),
        expires_at=window_closes(time_point),
        created_at=at,
    )
    return link, link_url(token)


def issue_link(time_point: TimePoint, *, at: datetime | None = None) -> str:
    """The URL of a newly issued link to ``time_point``; earlier links stay as they were."""
    return issue(time_point, at=at)[1]


def live_links(time_point: TimePoint) -> list[FollowUpLink]:
    return list(time_point.links.filter(revoked_at__isnull=True))


def revoke_all(time_point: TimePoint, *, at: datetime) -> int:
    """Withdraw every earlier link of ``time_point`` (a staff resend replaces them)."""
    return time_point.links.filter(revoked_at__isnull=True).update(revoked_at=at)


# Asked before every message and every link's page: compiled once (lib/prepared.py).
_LOCKED_LINK = Prepared(
    lambda point: FollowUpLink.objects.filter(
        time_point=point, revoked_at__isnull=True, locked_at__isnull=False
    ).values_list("pk", flat=True)[:1],
    point=(TimePoint._meta.pk, 1, 2),  # type: ignore[arg-type]
)


def is_locked(time_point: TimePoint) -> bool:
    """Locked after five wrong dates of birth, until staff resend a new link."""
    return bool(_LOCKED_LINK(point=time_point.pk))


def locked_points(time_points: QuerySet[TimePoint]) -> set[int]:
    """The ids of ``time_points`` whose links are locked (``is_locked`` for many at once)."""
    return set(
        FollowUpLink.objects.filter(
            time_point__in=time_points, revoked_at__isnull=True, locked_at__isnull=False
        ).values_list("time_point_id", flat=True)
    )


def usable(link: FollowUpLink, at: datetime) -> bool:
    """May this link still open its questionnaire at ``at``?"""
    time_point = link.time_point
    return (
        link.revoked_at is None
        and link.locked_at is None
        and link.submitted_at is None
        and at < link.expires_at
        and time_point.completed_at is None
        and time_point.cancelled_at is None
        and time_point.episode.is_open
        and not is_locked(time_point)
    )


def find_usable(token: str, *, at: datetime | None = None) -> FollowUpLink | None:
    """The link ``token`` opens at ``at``, or ``None`` for every kind of refusal alike."""
    at = at or timezone.now()
    if not TOKEN_SHAPE.fullmatch(token or ""):
        return None
    link = (
        FollowUpLink.objects.select_related("time_point__episode__patient__clinic")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if link is None or not usable(link, at):
        return None
    return link


class DateOfBirthCheck:
    """What a date-of-birth attempt came to: matched, wrong (tries left), or now locked."""

    def __init__(self, matched: bool, tries_left: int, *, usable: bool = True) -> None:
        self.matched = matched
        self.tries_left = tries_left
        self.usable = usable

    @property
    def locked(self) -> bool:
        return self.usable and not self.matched and self.tries_left <= 0


def check_date_of_birth(link: FollowUpLink, given: date, *, at: datetime) -> DateOfBirthCheck:
    """Compare ``given`` with the patient's date of birth; a wrong one counts against all the
    time point's live links, and the fifth locks them (in one transaction, so two tabs guessing
    at once cannot get a sixth try)."""
    with transaction.atomic():
        fresh = (
            FollowUpLink.objects.select_for_update()
            .select_related("time_point__episode__patient")
            .get(pk=link.pk)
        )
        time_point = fresh.time_point
        if not usable(fresh, at):  # answered, withdrawn or locked since the page was shown
            return DateOfBirthCheck(matched=False, tries_left=0, usable=False)
        if given == time_point.episode.patient.date_of_birth:
            return DateOfBirthCheck(matched=True, tries_left=DOB_TRIES - _tries(time_point))
        fresh.failed_dob_tries += 1
        fresh.save(update_fields=["failed_dob_tries"])
        tries_left = DOB_TRIES - _tries(time_point)
        if tries_left <= 0:
            time_point.links.filter(revoked_at__isnull=True, locked_at__isnull=True).update(
                locked_at=at
            )
        return DateOfBirthCheck(matched=False, tries_left=max(tries_left, 0))


def _tries(time_point: TimePoint) -> int:
    total = time_point.links.filter(revoked_at__isnull=True).aggregate(n=Sum("failed_dob_tries"))
    return int(total["n"] or 0)
