"""The patient's link to their pre-procedure instructions, and the emails that carry it.

A link is ``SITE_URL/b/<token>``: 256 random bits, nothing else, so the address names no patient
and no record; only the token's SHA-256 is stored. Each email issues a new token (the earlier one
stops working), usable until the day after the session. Five wrong dates of birth lock the link.
The email itself says only that there is a message from the clinic: no name of a medicine, no
procedure, no date. The instructions are on the page behind the link.

``send_instructions`` runs in the background worker after a booking is committed; ``send_due``
sends the reminders two days before each session and is safe to run any number of times.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from spinepath.scheduling.models import Booking

logger = logging.getLogger(__name__)

TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")
DOB_TRIES = 5
REMINDER_DAYS = 2


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def issue_link(booking: Booking, *, at: datetime) -> str:
    """A new token for ``booking`` (the previous one stops working); returns the address."""
    token = secrets.token_urlsafe(32)
    closes = timezone.make_aware(datetime.combine(booking.session.date, time.min))
    booking.link_hash = token_hash(token)
    booking.link_expires_at = closes + timedelta(days=2)
    booking.link_tries = 0
    booking.save(update_fields=["link_hash", "link_expires_at", "link_tries"])
    return f"{settings.SITE_URL}/b/{token}"


def find_usable(token: str, *, at: datetime) -> Booking | None:
    """The live booking behind ``token``; ``None`` for anything else, whatever the reason."""
    if not TOKEN_SHAPE.fullmatch(token or ""):
        return None
    booking = (
        Booking.objects.select_related("session", "episode__patient__clinic")
        .filter(link_hash=token_hash(token), status=Booking.Status.BOOKED)
        .first()
    )
    if booking is None or booking.link_expires_at is None or booking.link_expires_at <= at:
        return None
    if booking.link_tries >= DOB_TRIES:
        return None
    return booking


SUBJECT = "A message from {clinic}"
BODY = (
    "Hello,\n\n{clinic} has {what} about your appointment. Please open this secure link to read "
    "it; you will be asked for your date of birth:\n\n{url}\n\n"
    "If you did not expect this email, call {clinic}{phone}.\n"
)


def _send(booking: Booking, *, what: str, at: datetime) -> bool:
    patient = booking.episode.patient
    if not patient.email:
        return False
    clinic = patient.clinic
    url = issue_link(booking, at=at)
    EmailMessage(
        subject=SUBJECT.format(clinic=clinic.name),
        body=BODY.format(
            clinic=clinic.name,
            what=what,
            url=url,
            phone=f" on {clinic.phone}" if clinic.phone else "",
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[patient.email],
    ).send(fail_silently=False)
    logger.info("Booking message sent for booking %s (%s)", booking.pk, what)
    return True


def send_instructions(booking_id: int, *, at: datetime | None = None) -> bool:
    """Email the link to a new booking's instructions (once); ``False`` when nothing was sent."""
    at = at or timezone.now()
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update()
            .select_related("session", "episode__patient__clinic")
            .filter(pk=booking_id, status=Booking.Status.BOOKED, instructions_sent_at=None)
            # Held while the record is restricted; patients/rights.py lifts it and resends.
            .filter(episode__patient__restricted_at__isnull=True)
            .first()
        )
        if booking is None or not _send(booking, what="instructions for you", at=at):
            return False
        booking.instructions_sent_at = at
        booking.save(update_fields=["instructions_sent_at"])
    return True


def send_due(*, at: datetime | None = None) -> int:
    """Send every reminder due; how many were sent.

    A reminder is due for a session within the next ``REMINDER_DAYS`` days (not today's) that was
    booked before today: two days before it normally, the day before if the worker did not run on
    the day (a missed run delays a reminder, never drops it). A booking made inside the window has
    just had its instructions, so it is reminded from the next day only."""
    at = at or timezone.now()
    today = timezone.localdate(at)
    start_of_today = timezone.make_aware(datetime.combine(today, time.min))
    sent = 0
    ids = Booking.objects.filter(
        status=Booking.Status.BOOKED,
        session__date__gt=today,
        session__date__lte=today + timedelta(days=REMINDER_DAYS),
        booked_at__lt=start_of_today,
        reminder_sent_at=None,
        episode__patient__restricted_at__isnull=True,  # none while restricted (patients/rights)
    ).values_list("pk", flat=True)
    for booking_id in list(ids):
        with transaction.atomic():
            booking = (
                Booking.objects.select_for_update()
                .select_related("session", "episode__patient__clinic")
                .filter(pk=booking_id, reminder_sent_at=None)
                .first()
            )
            if booking is None or not _send(booking, what="a reminder", at=at):
                continue
            booking.reminder_sent_at = at
            booking.save(update_fields=["reminder_sent_at"])
            sent += 1
    return sent
