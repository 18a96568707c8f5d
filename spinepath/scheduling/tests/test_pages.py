"""The scheduling pages: create a list, book on it (refusals shown), the day and waiting lists."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from spinepath.scheduling.booking import booking_create
from spinepath.scheduling.models import Booking, Session
from spinepath.scheduling.tests.helpers import consented, in_days, make_session

pytestmark = pytest.mark.django_db


def test_an_admin_creates_a_session(client, admin_a, clinician_a):
    client.force_login(admin_a)
    response = client.post(
        reverse("session_new"),
        {
            "date": in_days(7).isoformat(),
            "start_time": "13:30",
            "room": "Ultrasound room 1",
            "modality": "ultrasound",
            "operator": clinician_a.pk,
            "capacity": 6,
        },
    )
    session = Session.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "session_detail", args=[session.pk]
    )
    assert session.clinic_id == admin_a.clinic_id and session.created_by == admin_a


def test_a_session_in_the_past_is_refused_on_the_form(client, admin_a):
    client.force_login(admin_a)
    response = client.post(
        reverse("session_new"),
        {
            "date": in_days(-2).isoformat(),
            "start_time": "09:00",
            "room": "R",
            "modality": "ct",
            "capacity": 2,
        },
    )
    assert response.status_code == 200 and "cannot be in the past" in response.content.decode()
    assert not Session.objects.exists()


def test_booking_from_the_session_page_and_a_refusal_shown_with_its_reasons(
    client, admin_a, clinician_a, episode_a
):
    consented(episode_a, clinician_a)
    client.force_login(admin_a)
    wrong = make_session(admin_a, modality="ultrasound")
    page = client.get(reverse("session_detail", args=[wrong.pk]))
    assert episode_a.patient.full_name in page.content.decode()  # offered in the form
    refused = client.post(reverse("session_detail", args=[wrong.pk]), {"episode": episode_a.pk})
    text = refused.content.decode()
    assert refused.status_code == 409
    assert "BOOKING_WRONG_MODALITY" in text and "Not booked" in text
    right = make_session(admin_a)
    booked = client.post(reverse("session_detail", args=[right.pk]), {"episode": episode_a.pk})
    assert booked.status_code == 302
    assert Booking.objects.get().session == right


def test_cancel_from_the_session_page_needs_a_reason(client, admin_a, clinician_a, episode_a):
    consented(episode_a, clinician_a)
    session = make_session(admin_a)
    booking = booking_create(None, episode=episode_a, session=session, by=admin_a)
    client.force_login(admin_a)
    url = reverse("booking_change", args=[booking.pk, "cancel"])
    client.post(url, {"reason": ""})
    booking.refresh_from_db()
    assert booking.status == "booked"
    client.post(url, {"reason": "Patient is unwell"})
    booking.refresh_from_db()
    assert booking.status == "cancelled"


def test_the_day_list_shows_what_the_list_needs(client, admin_a, clinician_a, episode_a):
    apixaban = [{"drug": "apixaban", "hours_since_last_dose": 100, "indication": None}]
    consented(episode_a, clinician_a, antithrombotics=apixaban, allergies=["latex"])
    session = make_session(admin_a, days=10)
    booking_create(None, episode=episode_a, session=session, by=admin_a)
    client.force_login(clinician_a)
    text = client.get(reverse("day_list", args=[session.pk])).content.decode()
    assert episode_a.patient.full_name in text and "L4/L5" in text and "latex" in text
    assert f"apixaban: stop from {in_days(7).isoformat()}" in text
    assert "Consent given" in text and "Not begun" in text
    assert reverse("checklist_create", args=[episode_a.pk]) in text


def test_the_waiting_list_page(client, clinician_a, episode_a):
    client.force_login(clinician_a)
    text = client.get(reverse("waiting_list")).content.decode()
    breach = episode_a.referral_date + timedelta(days=126)
    assert episode_a.patient.full_name in text and breach.strftime("%-d %b %Y") in text


def test_roles_and_clinics(client, physio_a, analyst_a, admin_b, admin_a):
    session = make_session(admin_a)
    client.force_login(physio_a)
    assert client.get(reverse("session_detail", args=[session.pk])).status_code == 200
    assert client.get(reverse("session_new")).status_code == 403
    assert client.post(reverse("session_detail", args=[session.pk]), {}).status_code == 403
    client.force_login(analyst_a)
    assert client.get(reverse("sessions")).status_code == 403
    client.force_login(admin_b)
    assert client.get(reverse("session_detail", args=[session.pk])).status_code == 404
    assert client.get(reverse("day_list", args=[session.pk])).status_code == 404
    client.logout()
    assert client.get(reverse("sessions")).status_code == 302
    assert timezone.localdate() <= session.date


def test_move_from_the_session_page(client, admin_a, clinician_a, episode_a):
    consented(episode_a, clinician_a)
    first, later = make_session(admin_a), make_session(admin_a, days=20)
    booking = booking_create(None, episode=episode_a, session=first, by=admin_a)
    client.force_login(admin_a)
    page = client.get(reverse("session_detail", args=[first.pk])).content.decode()
    assert f'value="{later.pk}"' in page
    url = reverse("booking_change", args=[booking.pk, "move"])
    client.post(url, {"reason": "Patient asked", "session": "x"})
    booking.refresh_from_db()
    assert booking.status == "booked"
    client.post(url, {"reason": "Patient asked", "session": later.pk})
    booking.refresh_from_db()
    assert booking.status == "moved" and booking.moved_to.session == later


def test_pausing_and_restarting_the_waiting_clock_from_the_waiting_list(
    client, clinician_a, episode_a
):
    client.force_login(clinician_a)
    pause = reverse("rtt_pause", args=[episode_a.pk, "start"])
    assert 'action="' + pause + '"' in client.get(reverse("waiting_list")).content.decode()
    # No reason: refused, nothing written.
    client.post(pause, {"reason": ""})
    assert not episode_a.rtt_pauses.exists()
    client.post(pause, {"reason": "On holiday for three weeks"})
    text = client.get(reverse("waiting_list")).content.decode()
    assert "paused" in text and "Restart the clock" in text
    assert episode_a.rtt_pauses.get().reason == "On holiday for three weeks"
    # Restarting on the day it paused cannot make a pause: said, nothing changed.
    response = client.post(reverse("rtt_pause", args=[episode_a.pk, "end"]), follow=True)
    assert "must end after the day it started" in response.content.decode()
    assert episode_a.rtt_pauses.get().end is None


def test_the_waiting_clock_is_paused_only_by_schedulers_of_the_clinic(
    client, physio_a, clinician_b, episode_a
):
    pause = reverse("rtt_pause", args=[episode_a.pk, "start"])
    client.force_login(physio_a)
    assert client.post(pause, {"reason": "holiday"}).status_code == 403
    client.force_login(clinician_b)
    assert client.post(pause, {"reason": "holiday"}).status_code == 404
    assert client.get(pause).status_code == 404
    assert not episode_a.rtt_pauses.exists()


def test_the_dashboard_shows_waits_by_stage(client, clinician_a, patient_a):
    from spinepath.testing import make_episode

    today = timezone.localdate()
    make_episode(patient_a, referral_date=today - timedelta(days=130))  # 18 weeks 4 days
    make_episode(patient_a, referral_date=today - timedelta(days=125))  # under the standard
    client.force_login(clinician_a)
    text = client.get(reverse("dashboard")).content.decode()
    assert "Longest wait since referral 18 weeks" in text
    assert "1 over 18 weeks" in text
