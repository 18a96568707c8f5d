"""What scheduling does when a record's restriction is lifted or the record is pseudonymised
(``patients/rights.py``'s ``ON_LIFT`` and ``ON_ERASE``).

While a record is restricted no booking email goes (``messages.send_instructions`` and
``messages.send_due`` pass over it); reminders resume by themselves once it is lifted, while the
session is still ahead, and instructions held back are sent again from here.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from spinepath.patients.models import Patient
from spinepath.scheduling.models import Booking


def on_lift(patient: Patient, at: datetime) -> None:
    """Send the instructions held back for bookings still ahead, once the lift commits."""
    held = list(
        Booking.objects.filter(
            episode__patient=patient,
            status=Booking.Status.BOOKED,
            instructions_sent_at=None,
            session__date__gte=timezone.localdate(at),
        ).values_list("pk", flat=True)
    )
    for booking_id in held:
        transaction.on_commit(lambda booking_id=booking_id: _enqueue(booking_id))


def _enqueue(booking_id: int) -> None:
    from spinepath.scheduling.tasks import send_booking_instructions

    send_booking_instructions.enqueue(booking_id)


def on_erase(patient: Patient, at: datetime) -> None:
    """The patient's links to their booking instructions stop working."""
    Booking.objects.filter(episode__patient=patient).exclude(link_hash="").update(
        link_hash="", link_expires_at=None
    )
