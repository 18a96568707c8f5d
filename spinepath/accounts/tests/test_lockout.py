"""Five failed sign-ins lock the account (django-axes); even the right password is then refused."""

import pytest

from spinepath.accounts.lockout import scaled_failures
from spinepath.testing import DEMO_PASSWORD


def _sign_in(client, password):
    return client.post("/login/", {"username": "alice", "password": password})


def test_a_wrong_password_is_refused_with_a_message(client, clinician_a):
    r = _sign_in(client, "wrong-password")
    assert r.status_code == 200
    assert b"There is a problem" in r.content
    assert "_auth_user_id" not in client.session


def test_the_right_password_signs_in(client, clinician_a):
    r = _sign_in(client, DEMO_PASSWORD)
    assert r.status_code == 302
    assert client.session["_auth_user_id"] == str(clinician_a.pk)


def test_five_failures_lock_the_account_against_the_right_password(client, clinician_a):
    for _ in range(5):
        _sign_in(client, "wrong-password")

    r = _sign_in(client, DEMO_PASSWORD)
    assert r.status_code == 429
    assert b"Too many failed sign-in attempts" in r.content
    assert "_auth_user_id" not in client.session


def test_four_failures_do_not_lock_the_account(client, clinician_a):
    for _ in range(4):
        _sign_in(client, "wrong-password")
    assert _sign_in(client, DEMO_PASSWORD).status_code == 302


def test_a_lockout_is_per_username(client, clinician_a, physio_a):
    for _ in range(5):
        _sign_in(client, "wrong-password")
    r = client.post("/login/", {"username": "phil", "password": DEMO_PASSWORD})
    assert r.status_code == 302


def _guess(client, username):
    return client.post("/login/", {"username": username, "password": "wrong-password"})


def test_guesses_spread_over_many_usernames_lock_the_address(client, settings, clinician_a):
    settings.SPINEPATH_ADDRESS_FAILURE_LIMIT = 20
    # 19 failures over eight usernames, none reaching its own limit of five: still open.
    for n in range(19):
        assert _guess(client, f"user-{n % 8}").status_code == 200
    assert _sign_in(client, DEMO_PASSWORD).status_code == 302
    client.logout()
    for n in range(20):
        _guess(client, f"user-{n % 8}")
    # The 20th failure from this address locks it, for every account, the right password too.
    locked = _sign_in(client, DEMO_PASSWORD)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_another_address_is_not_locked_by_them(client, settings, clinician_a):
    settings.SPINEPATH_ADDRESS_FAILURE_LIMIT = 20
    for n in range(20):
        _guess(client, f"user-{n % 8}")
    elsewhere = client.post(
        "/login/",
        {"username": "alice", "password": DEMO_PASSWORD},
        REMOTE_ADDR="192.0.2.7",
    )
    assert elsewhere.status_code == 302


@pytest.mark.parametrize(
    ("by_account", "by_address", "locked"),
    [(4, 19, False), (5, 5, True), (0, 20, True), (4, 0, False), (0, 19, False)],
)
def test_each_count_locks_at_its_own_limit(by_account, by_address, locked):
    assert (scaled_failures(by_account, by_address, 5, 20) >= 5) is locked
