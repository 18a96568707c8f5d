"""Sessions and bookings over the API, and the iCalendar feed."""

from __future__ import annotations

import icalendar
import pytest

from spinepath.scheduling.booking import booking_create
from spinepath.scheduling.models import Booking
from spinepath.scheduling.tests.helpers import consented, in_days, make_session
from spinepath.testing import api_client_for

pytestmark = pytest.mark.django_db


def test_create_a_session_and_book_on_it(client, admin_a, clinician_a, episode_a):
    consented(episode_a, clinician_a)
    api = api_client_for(client, admin_a)
    made = api.post(
        "/api/v1/sessions",
        {
            "date": in_days(9).isoformat(),
            "start_time": "09:00",
            "room": "Radiology 1",
            "modality": "fluoroscopy",
            "operator_id": clinician_a.pk,
            "capacity": 3,
        },
    )
    assert made.status_code == 201, made.content
    session_id = made.json()["id"]
    booked = api.post(f"/api/v1/sessions/{session_id}/bookings", {"episode_id": str(episode_a.pk)})
    assert booked.status_code == 201 and booked.json()["status"] == "booked"
    listed = api.get(f"/api/v1/sessions?start={in_days(0)}&end={in_days(20)}").json()
    assert [(s["id"], s["slots_used"]) for s in listed] == [(session_id, 1)]
    booking_id = booked.json()["id"]
    cancelled = api.post(f"/api/v1/bookings/{booking_id}/cancel", {"reason": "Unwell"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = api.post(f"/api/v1/bookings/{booking_id}/cancel", {"reason": "Unwell"})
    assert again.status_code == 409


def test_a_refused_booking_lists_its_conflicts(client, admin_a, clinician_a, episode_a):
    consented(episode_a, clinician_a)
    session = make_session(admin_a, modality="ct")
    api = api_client_for(client, admin_a)
    refused = api.post(f"/api/v1/sessions/{session.pk}/bookings", {"episode_id": str(episode_a.pk)})
    assert refused.status_code == 409
    (conflict,) = refused.json()["conflicts"]
    assert conflict["code"] == "BOOKING_WRONG_MODALITY" and conflict["source"]
    assert not Booking.objects.exists()


def test_bad_input_and_other_clinics(client, admin_a, admin_b, physio_a, episode_a):
    api = api_client_for(client, admin_a)
    bad = api.post("/api/v1/sessions", {"date": "soon", "capacity": 0})
    assert bad.status_code == 422
    past = api.post(
        "/api/v1/sessions",
        {
            "date": in_days(-3).isoformat(),
            "start_time": "09:00",
            "room": "R",
            "modality": "ct",
            "capacity": 2,
        },
    )
    assert past.status_code == 422
    session = make_session(admin_a)
    other = api_client_for(client, admin_b)
    assert other.get(f"/api/v1/sessions/{session.pk}/bookings").status_code == 404
    physio = api_client_for(client, physio_a)
    body = {"episode_id": str(episode_a.pk)}
    assert physio.post(f"/api/v1/sessions/{session.pk}/bookings", body).status_code == 403


def test_the_calendar_has_one_event_per_session_and_no_patient(
    client, admin_a, clinician_a, episode_a
):
    consented(episode_a, clinician_a)
    session = make_session(admin_a, days=3, room="Ultrasound 2", modality="fluoroscopy")
    make_session(admin_a, days=5, modality="ultrasound")
    booking_create(None, episode=episode_a, session=session, by=admin_a)
    response = api_client_for(client, admin_a).get(f"/api/v1/sessions.ics?start={in_days(0)}")
    assert response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    events = [c for c in calendar.walk("VEVENT")]
    assert len(events) == 2
    first = events[0]
    assert first.decoded("dtstart").date() == in_days(3)
    assert str(first["location"]) == "Ultrasound 2" and "1 of 4" in str(first["summary"])
    text = response.content.decode()
    assert episode_a.patient.family_name not in text and episode_a.patient.given_name not in text
