"""A month of injection lists around the demo's today, replayed through the scheduling workflows.

Each clinic runs a list most weekdays from two weeks ago to two weeks ahead, rotating fluoroscopy,
ultrasound and CT; every list is created three weeks before its day by the clinic's
administrator. Past lists show what happened to their bookings (one patient did not attend,
another cancelled and was booked again later); next week's first list is small and filled; the
consented patients still waiting are booked onto the future lists the booking checks allow, and
one of them cancels. Nothing here draws from the demo's random stream: the order is the
episodes' own (referral date, then id), so the same seed and day give the same lists.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

from django.db.models import Max

from spinepath.demo.story import at
from spinepath.patients.models import Episode
from spinepath.scheduling.booking import (
    BookingRefused,
    booking_cancel,
    booking_create,
    booking_dna,
    session_create,
)
from spinepath.scheduling.models import Booking, Session

MODALITIES = ("fluoroscopy", "ultrasound", "ct")
ROOMS = {"fluoroscopy": "Radiology 2", "ultrasound": "Clinic room 4", "ct": "CT suite"}
DAYS_AROUND = 14


def _weekdays(today: date) -> list[date]:
    days = [today + timedelta(days=n) for n in range(-DAYS_AROUND, DAYS_AROUND + 1)]
    return [d for d in days if d.weekday() < 5 and d.weekday() != 2]  # no lists on Wednesdays


def _quiet_since(episode: Any, when: Any) -> bool:
    """Nothing on the episode's timeline at or after ``when`` (a booking then keeps it in order)."""
    return episode.last_event is None or episode.last_event < when


def _try_book(episode: Episode, sessions: list[Session], by: Any, when: Any) -> Booking | None:
    for session in sessions:
        try:
            return booking_create(None, episode=episode, session=session, by=by, at=when)
        except BookingRefused:
            continue
    return None


def injection_lists(world: Any) -> list[Session]:
    """Create the lists and their bookings for every clinic of ``world``."""
    today: date = world.today
    made: list[Session] = []
    for clinic in world.clinics:
        admin = world.staff[(clinic.code, "admin")]
        clinician = world.staff[(clinic.code, "clinician")]
        sessions = []
        for n, day in enumerate(_weekdays(today)):
            modality = MODALITIES[n % len(MODALITIES)]
            first_next_week = day > today and not any(s.date > today for s in sessions)
            session = Session(
                date=day,
                start_time=time(9, 0) if n % 2 == 0 else time(13, 30),
                room=ROOMS[modality],
                modality=modality,
                operator=clinician,
                capacity=2 if first_next_week else 5,
            )
            sessions.append(
                session_create(None, session=session, by=admin, at=at(day - timedelta(days=21), 9))
            )
        made.extend(sessions)
        waiting = list(
            Episode.objects.filter(patient__clinic=clinic, stage=Episode.Stage.CONSENTED)
            .annotate(last_event=Max("timeline__at"))
            .select_related("patient__clinic")
            .order_by("referral_date", "pk")
        )
        # Everything below happens before the demo's today and after each episode's own last
        # event, so every timeline and audit log still reads in date order.
        end_of_yesterday = at(today, 0)
        past = [s for s in sessions if s.date < today - timedelta(days=1)]
        future = [s for s in sessions if s.date > today]
        # What happened on past lists: booked ten days ahead, then missed or cancelled.
        used: set[Any] = set()
        for index in range(min(2, len(past))):
            when = at(past[index].date - timedelta(days=10), 11)
            episode = next((e for e in waiting if e.pk not in used and _quiet_since(e, when)), None)
            if episode is None:
                continue
            used.add(episode.pk)
            booking = _try_book(episode, past[index:], admin, when)
            if booking is None:
                continue
            if index == 0:
                booking_dna(
                    None,
                    booking=booking,
                    by=admin,
                    reason="Did not arrive; no answer on the phone",
                    at=at(booking.session.date, 16),
                )
            else:
                booking_cancel(
                    None,
                    booking=booking,
                    by=admin,
                    reason="Patient has a chest infection; rebook when well",
                    at=at(booking.session.date - timedelta(days=2), 10),
                )
        # Yesterday's bookings for the lists ahead, in waiting order.
        booked = []
        for episode in waiting:
            latest = episode.timeline.order_by("-at").values_list("at", flat=True).first()
            when = at(today - timedelta(days=1), 10)
            if latest is not None:
                when = max(when, latest + timedelta(minutes=5))
            if when >= end_of_yesterday - timedelta(minutes=10):
                continue  # nothing can follow its last event before today
            booking = _try_book(episode, future, admin, when)
            if booking is not None:
                booked.append(booking)
        if len(booked) > 2:
            booking_cancel(
                None,
                booking=booked[-1],
                by=admin,
                reason="Patient is on holiday that week and will call to rebook",
                at=booked[-1].booked_at + timedelta(minutes=5),
            )
    return made
