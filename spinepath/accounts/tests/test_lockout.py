"""Five failed sign-ins lock the account (django-axes); even the right password is then refused."""

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
