"""The demo's month of injection lists: full lists, cancellations, a missed appointment."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import transaction

from spinepath.demo.seed import build_demo
from spinepath.scheduling.models import Booking, Session

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 24)


def test_a_month_of_lists_some_full_some_cancelled_one_missed():
    build_demo(patients=60, seed=3, today=TODAY)
    sessions = Session.objects.all()
    assert sessions.filter(date__lt=TODAY).exists() and sessions.filter(date__gt=TODAY).exists()
    assert all(abs((s.date - TODAY).days) <= 14 for s in sessions)
    assert any(s.slots_used() == s.capacity for s in sessions if s.date > TODAY)
    statuses = set(Booking.objects.values_list("status", flat=True))
    assert {"booked", "cancelled", "did_not_attend"} <= statuses
    # Every live booking passed the booking checks: on a list of the consented imaging.
    for booking in Booking.objects.filter(status="booked").select_related("session", "episode"):
        consent = booking.episode.consents.valid_for_procedure().first()
        assert consent is not None and consent.imaging == booking.session.modality


def _lists_and_roll_back() -> list[tuple]:
    with transaction.atomic():
        build_demo(patients=30, seed=5, today=TODAY)
        rows = list(
            Booking.objects.order_by("session__date", "session__room", "booked_at").values_list(
                "session__date", "session__room", "status", "reason", "episode__patient__mrn"
            )
        )
        transaction.set_rollback(True)
    return rows


def test_the_same_seed_and_day_give_the_same_lists():
    first = _lists_and_roll_back()
    assert first and first == _lists_and_roll_back()
