"""A staff session ends after 15 minutes without a request and 12 hours after signing in; a
deactivated user's session ends at once (ASVS 7.3.1, 7.3.2, 7.4.2)."""

from __future__ import annotations

import time

import pytest

from spinepath.accounts.middleware import SEEN_AT, SIGNED_IN_AT

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def production_limits(settings):
    settings.SPINEPATH_SESSION_IDLE_MINUTES = 15
    settings.SPINEPATH_SESSION_ABSOLUTE_HOURS = 12


def _signed_in(client, user):
    client.force_login(user)
    assert client.get("/").status_code == 200  # the first request starts both clocks
    return client


def _age(client, *, signed_in: float = 0, seen: float = 0) -> None:
    session = client.session
    session[SIGNED_IN_AT] -= signed_in
    session[SEEN_AT] -= seen
    session.save()


def test_14_minutes_idle_keeps_the_session_and_16_ends_it(client, clinician_a):
    _signed_in(client, clinician_a)
    _age(client, signed_in=14 * 60, seen=14 * 60)
    assert client.get("/").status_code == 200
    _age(client, seen=16 * 60)
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/login/")
    assert "signed out after 15 minutes without activity" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_activity_keeps_a_session_but_never_past_12_hours(client, clinician_a):
    _signed_in(client, clinician_a)
    _age(client, signed_in=11 * 3600 + 59 * 60)
    assert client.get("/").status_code == 200
    _age(client, signed_in=2 * 60)
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/login/")
    assert "12 hours after signing in" in response.content.decode()


def test_last_seen_is_written_at_most_once_a_minute(client, clinician_a):
    _signed_in(client, clinician_a)
    first = client.session[SEEN_AT]
    client.get("/")
    assert client.session[SEEN_AT] == first
    _age(client, seen=61)
    client.get("/")
    assert client.session[SEEN_AT] >= time.time() - 5


def test_a_form_posted_on_an_ended_session_saves_nothing(client, clinician_a, patient_a):
    _signed_in(client, clinician_a)
    _age(client, seen=16 * 60)
    response = client.post(
        f"/patients/{patient_a.pk}/edit/", {"given_name": "Changed", "family_name": "Person"}
    )
    assert response.status_code == 302 and response.url.startswith("/login/")
    patient_a.refresh_from_db()
    assert patient_a.given_name != "Changed"


def test_a_deactivated_user_is_signed_out_on_their_next_request(client, clinician_a):
    _signed_in(client, clinician_a)
    clinician_a.is_active = False
    clinician_a.save(update_fields=["is_active"])
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith("/login/")
