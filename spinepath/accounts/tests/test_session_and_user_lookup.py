"""The session and the signed-in user are read with statements written once (accounts/sessions.py,
accounts/backends.py): they must answer exactly what Django's own session store and
``ModelBackend`` answer, and a signed-out or expired session must end at once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from spinepath.accounts.backends import StaffBackend
from spinepath.accounts.models import User
from spinepath.accounts.sessions import SessionStore
from spinepath.testing import make_superuser


def _fields(obj: Any) -> dict[str, Any]:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def test_the_user_and_clinic_are_those_the_orm_reads(clinician_a):
    found = StaffBackend().get_user(clinician_a.pk)
    expected = User.objects.select_related("clinic").get(pk=clinician_a.pk)
    assert found is not None
    assert _fields(found) == _fields(expected)
    assert {k: type(v) for k, v in _fields(found).items()} == {
        k: type(v) for k, v in _fields(expected).items()
    }
    with CaptureQueriesContext(connection) as queries:
        assert _fields(found.clinic) == _fields(expected.clinic)
    assert len(queries) == 0  # the clinic came with the user
    assert not found._state.adding and found._state.db == "default"


def test_a_user_without_a_clinic_has_none(db):
    root = make_superuser("root")
    found = StaffBackend().get_user(root.pk)
    assert found is not None and found.clinic is None and found.username == "root"


def test_nobody_for_an_unknown_or_bad_id_or_an_inactive_user(clinician_a):
    assert StaffBackend().get_user(10**9) is None
    assert StaffBackend().get_user("not a number") is None
    User.objects.filter(pk=clinician_a.pk).update(is_active=False)
    assert StaffBackend().get_user(clinician_a.pk) is None


def test_a_saved_session_loads_and_an_expired_one_does_not(db):
    store = SessionStore()
    store["colour"] = "blue"
    store.save()
    assert SessionStore(store.session_key)["colour"] == "blue"
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    expired = SessionStore(store.session_key)
    assert expired.get("colour") is None
    assert expired.session_key is None  # forgotten, as Django's store does


def test_signing_out_ends_the_session_at_once(client, clinician_a):
    client.force_login(clinician_a)
    assert client.get("/").status_code == 200
    cookie = client.cookies["sessionid"].value
    client.post("/logout/")
    client.cookies["sessionid"] = cookie  # the old cookie, replayed
    response = client.get("/")
    assert response.status_code == 302 and "/login/" in response["Location"]
