"""The booking email (a link only), the patient's instructions page, confirm and rebook."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from spinepath.scheduling import messages
from spinepath.scheduling.booking import booking_create
from spinepath.scheduling.models import Booking
from spinepath.scheduling.tests.helpers import consented, in_days, make_session

pytestmark = pytest.mark.django_db

WARFARIN = [{"drug": "warfarin", "hours_since_last_dose": 200, "indication": None}]


def _booked(episode, clinician, admin, days=10):
    consented(episode, clinician, antithrombotics=WARFARIN, inr=1.1)
    return booking_create(None, episode=episode, session=make_session(admin, days=days), by=admin)


def _link(email) -> str:
    match = re.search(r"https?://\S+/b/([A-Za-z0-9_-]{43})", email.body)
    assert match, email.body
    return f"/b/{match.group(1)}"


def test_booking_enqueues_the_email_when_it_commits(
    episode_a, clinician_a, admin_a, django_capture_on_commit_callbacks
):
    consented(episode_a, clinician_a)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        booking_create(None, episode=episode_a, session=make_session(admin_a), by=admin_a)
    assert len(callbacks) == 1


def test_the_email_has_a_link_and_no_clinical_detail(episode_a, clinician_a, admin_a):
    booking = _booked(episode_a, clinician_a, admin_a)
    assert messages.send_instructions(booking.pk)
    assert not messages.send_instructions(booking.pk)  # once only
    (email,) = mail.outbox
    text = (email.subject + email.body).lower()
    for secret in ("warfarin", "injection", "epidural", "jones", "mary", str(in_days(10).year)):
        assert secret not in text
    assert str(episode_a.pk) not in email.body and str(episode_a.patient.pk) not in email.body


def test_the_patient_reads_the_instructions_with_the_stop_date_and_confirms(
    client, episode_a, clinician_a, admin_a
):
    booking = _booked(episode_a, clinician_a, admin_a)
    messages.send_instructions(booking.pk)
    link = _link(mail.outbox[0])
    assert client.get(link).url == "/b/date-of-birth"
    wrong = client.post("/b/date-of-birth", {"dob_day": 1, "dob_month": 1, "dob_year": 1980})
    assert "does not match" in wrong.content.decode()
    assert wrong.content.decode().count("input-error") == 3  # each box marked, as on follow-up
    assert "Your appointment" in wrong.content.decode()
    born = episode_a.patient.date_of_birth
    right = client.post(
        "/b/date-of-birth",
        {"dob_day": born.day, "dob_month": born.month, "dob_year": born.year},
    )
    assert right.url == "/b/appointment"
    text = client.get("/b/appointment").content.decode()
    stop = in_days(5)
    assert "Stop warfarin" in text
    assert f"Do not take any from {stop:%A} {stop.day} {stop:%B %Y}" in text
    assert "Do not drive yourself home" in text
    client.post("/b/appointment", {"answer": "confirm"})
    booking.refresh_from_db()
    assert booking.confirmed_at is not None and booking.rebook_requested_at is None


def test_the_page_needs_the_date_of_birth_and_a_live_link(client, episode_a, clinician_a, admin_a):
    booking = _booked(episode_a, clinician_a, admin_a)
    messages.send_instructions(booking.pk)
    link = _link(mail.outbox[0])
    client.get(link)
    assert client.get("/b/appointment").status_code == 404  # not yet verified
    assert client.get("/b/" + "x" * 43).status_code == 404
    Booking.objects.filter(pk=booking.pk).update(status="cancelled")
    assert client.get(link).status_code == 404


def test_five_wrong_dates_lock_the_link(client, episode_a, clinician_a, admin_a):
    booking = _booked(episode_a, clinician_a, admin_a)
    messages.send_instructions(booking.pk)
    link = _link(mail.outbox[0])
    client.get(link)
    for _ in range(5):
        client.post("/b/date-of-birth", {"dob_day": 1, "dob_month": 1, "dob_year": 1980})
    assert client.get(link).status_code == 404


def test_a_reminder_two_days_before(episode_a, clinician_a, admin_a):
    booking = _booked(episode_a, clinician_a, admin_a, days=10)
    three_before = timezone.make_aware(datetime.combine(in_days(7), time(9)))
    assert messages.send_due(at=three_before) == 0
    two_before = three_before + timedelta(days=1)
    assert messages.send_due(at=two_before) == 1
    assert messages.send_due(at=two_before) == 0
    booking.refresh_from_db()
    assert booking.reminder_sent_at == two_before and len(mail.outbox) == 1


def test_a_missed_run_sends_the_reminder_the_day_before_not_never(episode_a, clinician_a, admin_a):
    _booked(episode_a, clinician_a, admin_a, days=10)
    day_before = timezone.make_aware(datetime.combine(in_days(9), time(9)))
    assert messages.send_due(at=day_before) == 1
    on_the_day = day_before + timedelta(days=1)
    assert messages.send_due(at=on_the_day) == 0


def test_a_booking_made_inside_the_window_is_not_reminded_the_same_day(
    episode_a, clinician_a, admin_a
):
    consented(episode_a, clinician_a)  # no blood thinner to hold, so two days' notice is enough
    booking = booking_create(
        None, episode=episode_a, session=make_session(admin_a, days=2), by=admin_a
    )
    assert messages.send_due(at=timezone.now()) == 0  # it has just had its instructions
    next_day = timezone.make_aware(datetime.combine(in_days(1), time(9)))
    assert messages.send_due(at=next_day) == 1
    booking.refresh_from_db()
    assert booking.reminder_sent_at == next_day
