"""Booking, cancelling, moving and missing: each refusal explained, nothing changed on refusal."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from spinepath.accounts.models import AuditEvent
from spinepath.scheduling.booking import (
    BookingRefused,
    booking_cancel,
    booking_create,
    booking_dna,
    booking_move,
    rtt_pause_end,
    rtt_pause_start,
)
from spinepath.scheduling.models import Booking, slots_for
from spinepath.scheduling.tests.helpers import (
    another_episode,
    consented,
    in_days,
    make_session,
)
from spinepath.scheduling.waiting import next_suitable, waiting_list
from spinepath.testing import assess, recent_steroid_elsewhere

pytestmark = pytest.mark.django_db


def refusal(**kwargs) -> BookingRefused:
    with pytest.raises(BookingRefused) as caught:
        booking_create(None, **kwargs)
    return caught.value


def test_a_consented_episode_is_booked_audited_and_on_the_timeline(episode_a, clinician_a, admin_a):
    consented(episode_a, clinician_a)
    session = make_session(admin_a)
    booking = booking_create(None, episode=episode_a, session=session, by=admin_a)
    assert booking.status == Booking.Status.BOOKED and booking.slots == 1
    assert session.slots_used() == 1
    assert AuditEvent.objects.filter(model="scheduling.Booking", action="create").count() == 1
    assert episode_a.timeline.filter(summary__startswith="Booked for").exists()


def test_the_wrong_modality_is_refused_in_words(episode_a, clinician_a, admin_a):
    consented(episode_a, clinician_a)
    session = make_session(admin_a, modality="ultrasound")
    refused = refusal(episode=episode_a, session=session, by=admin_a)
    assert [c.code for c in refused.conflicts] == ["BOOKING_WRONG_MODALITY"]
    assert "ultrasound" in str(refused)
    assert not Booking.objects.exists()


def test_an_episode_without_consent_is_refused(episode_a, clinician_a, admin_a):
    assess(episode_a, clinician_a)
    refused = refusal(episode=episode_a, session=make_session(admin_a), by=admin_a)
    assert "BOOKING_NO_CONSENT" in [c.code for c in refused.conflicts]


def test_a_steroid_too_soon_on_that_date_is_refused_with_the_earliest_date(
    episode_a, clinician_a, admin_a
):
    consented(episode_a, clinician_a)
    recent_steroid_elsewhere(episode_a.patient, days_ago=1)
    soon = make_session(admin_a, days=5)
    refused = refusal(episode=episode_a, session=soon, by=admin_a)
    (conflict,) = refused.conflicts
    assert conflict.code == "STEROID_INTERVAL_TOO_SHORT"
    assert conflict.earliest_date == in_days(13)
    assert booking_create(
        None, episode=episode_a, session=make_session(admin_a, days=13), by=admin_a
    )


def test_warfarin_is_refused_when_the_hold_cannot_start_in_time_and_dated_when_it_can(
    episode_a, clinician_a, admin_a
):
    warfarin = [{"drug": "warfarin", "hours_since_last_dose": 200, "indication": None}]
    consented(episode_a, clinician_a, antithrombotics=warfarin, inr=1.1)
    refused = refusal(episode=episode_a, session=make_session(admin_a, days=4), by=admin_a)
    assert [c.code for c in refused.conflicts] == ["BOOKING_HOLD_NOT_POSSIBLE"]
    booking = booking_create(
        None, episode=episode_a, session=make_session(admin_a, days=10), by=admin_a
    )
    assert booking.holds == [
        {"drug": "warfarin", "stop_on": in_days(5).isoformat(), "hold_hours": 120.0}
    ]


def test_the_last_slot_and_a_full_session(clinic_a, clinician_a, admin_a):
    session = make_session(admin_a, capacity=1)
    first, second = (another_episode(clinic_a, n) for n in (1, 2))
    for episode in (first, second):
        consented(episode, clinician_a)
    booking_create(None, episode=first, session=session, by=admin_a)
    refused = refusal(episode=second, session=session, by=admin_a)
    assert "full" in str(refused) and [c.code for c in refused.conflicts] == [
        "BOOKING_SESSION_FULL"
    ]


def test_radiofrequency_takes_two_slots():
    assert slots_for("radiofrequency_denervation") == 2
    assert slots_for("caudal_epidural") == 1


def test_an_episode_is_booked_once(episode_a, clinician_a, admin_a):
    consented(episode_a, clinician_a)
    booking_create(None, episode=episode_a, session=make_session(admin_a), by=admin_a)
    refused = refusal(episode=episode_a, session=make_session(admin_a, days=20), by=admin_a)
    assert "already booked" in str(refused)


def test_cancel_frees_the_slot_and_offers_the_next_suitable_patient(clinic_a, clinician_a, admin_a):
    session = make_session(admin_a, capacity=1)
    first, second, on_ultrasound = (another_episode(clinic_a, n) for n in (1, 2, 3))
    consented(first, clinician_a)
    consented(second, clinician_a)
    consented(on_ultrasound, clinician_a, imaging="ultrasound")
    booking = booking_create(None, episode=first, session=session, by=admin_a)
    assert [w.episode for w in next_suitable(session, on=timezone.localdate())] == [second]
    booking_cancel(None, booking=booking, by=admin_a, reason="Patient unwell")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED and booking.reason == "Patient unwell"
    assert session.slots_used() == 0
    offered = [w.episode for w in next_suitable(session, on=timezone.localdate())]
    assert offered == [first, second] or offered == [second, first]
    with pytest.raises(BookingRefused, match="already cancelled"):
        booking_cancel(None, booking=booking, by=admin_a, reason="again")
    with pytest.raises(BookingRefused, match="reason"):
        booking_cancel(None, booking=booking, by=admin_a, reason=" ")


def test_move_checks_again_for_the_new_session(episode_a, clinician_a, admin_a):
    consented(episode_a, clinician_a)
    booking = booking_create(None, episode=episode_a, session=make_session(admin_a), by=admin_a)
    wrong = make_session(admin_a, days=20, modality="ct")
    with pytest.raises(BookingRefused, match="CT|ct"):
        booking_move(None, booking=booking, to=wrong, by=admin_a, reason="Patient asked")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.BOOKED  # nothing changed
    later = make_session(admin_a, days=21)
    new = booking_move(None, booking=booking, to=later, by=admin_a, reason="Patient asked")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.MOVED and booking.moved_to == new
    assert new.session == later and new.status == Booking.Status.BOOKED


def test_did_not_attend_only_from_the_day(episode_a, clinician_a, admin_a):
    consented(episode_a, clinician_a)
    session = make_session(admin_a, days=3)
    booking = booking_create(None, episode=episode_a, session=session, by=admin_a)
    with pytest.raises(BookingRefused, match="on or after"):
        booking_dna(None, booking=booking, by=admin_a, reason="No show")
    on_the_day = timezone.now() + timedelta(days=3)
    booking_dna(None, booking=booking, by=admin_a, reason="No show", at=on_the_day)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.DID_NOT_ATTEND


def test_a_session_in_the_past_or_with_no_slots_is_refused(admin_a, clinician_b):
    with pytest.raises(ValidationError, match="past"):
        make_session(admin_a, days=-1)
    with pytest.raises(ValidationError):
        make_session(admin_a, capacity=0)
    with pytest.raises(ValidationError, match="clinic"):
        make_session(admin_a, operator=clinician_b)


def test_the_waiting_list_is_sorted_by_breach_and_never_holds_urgent_referrals(
    clinic_a, clinician_a, admin_a
):
    today = timezone.localdate()
    old = another_episode(clinic_a, 1, referral_date=today - timedelta(days=120))
    new = another_episode(clinic_a, 2, referral_date=today - timedelta(days=10))
    urgent = another_episode(clinic_a, 3, referral_date=today - timedelta(days=125))
    assess(urgent, clinician_a, red_flags=["cancer_history"])
    rows = waiting_list(clinic_a, on=today)
    assert [w.episode for w in rows] == [old, new]
    assert rows[0].status.breach_date == old.referral_date + timedelta(days=126)
    assert not rows[0].status.breached
    assert waiting_list(clinic_a, on=today + timedelta(days=6))[0].status.breached


def test_a_pause_moves_the_breach_date(episode_a, clinician_a):
    today = timezone.localdate()
    before = waiting_list(episode_a.patient.clinic_id, on=today)[0].status.breach_date
    start = today - timedelta(days=10)
    rtt_pause_start(None, episode=episode_a, reason="Holiday", by=clinician_a, start=start)
    assert waiting_list(episode_a.patient.clinic_id, on=today)[0].status.breach_date is None
    rtt_pause_end(None, episode=episode_a, by=clinician_a, end=today)
    after = waiting_list(episode_a.patient.clinic_id, on=today)[0].status.breach_date
    assert after == before + timedelta(days=10)
