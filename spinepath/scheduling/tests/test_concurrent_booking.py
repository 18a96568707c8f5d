"""Two staff book the last slot at the same moment: one is booked, the other told, none doubled.

Each booking runs in its own thread with its own database connection, as two web workers would;
run on PostgreSQL too: ``DATABASE_URL=postgres://postgres@127.0.0.1:5432/<name> pytest <this>``.
"""

from __future__ import annotations

import pytest

from spinepath.procedures.tests.test_concurrent_recording import in_threads, worker_database
from spinepath.scheduling.booking import BookingRefused, booking_create
from spinepath.scheduling.models import Booking, Session
from spinepath.scheduling.tests.helpers import another_episode, consented, make_session

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_staff_booking_the_last_slot_at_once(tmp_path, clinic_a, clinician_a, admin_a):
    session = make_session(admin_a, capacity=2)
    already, first, second = (another_episode(clinic_a, n) for n in (1, 2, 3))
    for episode in (already, first, second):
        consented(episode, clinician_a)
    booking_create(None, episode=already, session=session, by=admin_a)
    contenders = [first, second]
    staff = [admin_a, clinician_a]

    def book(i: int) -> Booking:
        return booking_create(
            None,
            episode=type(first).objects.get(pk=contenders[i].pk),
            session=Session.objects.get(pk=session.pk),
            by=type(admin_a).objects.get(pk=staff[i].pk),
        )

    with worker_database(tmp_path) as database:
        results = in_threads(database, book, n=2)
        booked = [r for r in results if isinstance(r, Booking)]
        refused = [r for r in results if isinstance(r, BookingRefused)]
        assert len(booked) == 1 and len(refused) == 1, results
        assert "full" in str(refused[0]), results
        live = in_threads(
            database,
            lambda _: list(
                Booking.objects.filter(session_id=session.pk, status="booked").values_list(
                    "slots", flat=True
                )
            ),
            n=1,
        )[0]
    assert sum(live) == 2 == session.capacity


def test_two_staff_booking_one_patient_onto_two_sessions_at_once(
    tmp_path, episode_a, clinician_a, admin_a
):
    consented(episode_a, clinician_a)
    sessions = [make_session(admin_a, days=14), make_session(admin_a, days=15)]

    def book(i: int) -> Booking:
        return booking_create(
            None,
            episode=type(episode_a).objects.get(pk=episode_a.pk),
            session=Session.objects.get(pk=sessions[i].pk),
            by=type(admin_a).objects.get(pk=admin_a.pk),
        )

    with worker_database(tmp_path) as database:
        results = in_threads(database, book, n=2)
        assert sum(isinstance(r, Booking) for r in results) == 1, results
        refused = [r for r in results if isinstance(r, BookingRefused)]
        assert refused and "already booked" in str(refused[0]), results
