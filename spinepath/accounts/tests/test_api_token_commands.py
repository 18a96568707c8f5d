"""`create_api_token` prints a working token once and keeps only its hash; revoking ends it."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from spinepath.accounts.models import ApiToken
from spinepath.testing import ApiClient


def _create(username, *args):
    stdout, stderr = StringIO(), StringIO()
    call_command("create_api_token", username, *args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def test_it_prints_the_token_as_the_last_line(clinician_a):
    stdout, stderr = _create("alice", "--name", "PACS bridge")
    secret = stdout.strip().splitlines()[-1]
    assert secret.startswith("sp_")
    assert len(secret) > 40
    token = ApiToken.objects.get(user=clinician_a)
    assert token.name == "PACS bridge"
    assert secret.startswith(token.prefix)
    assert "not shown again" in stderr
    assert secret not in stderr


def test_the_printed_token_works(client, clinician_a, patient_a):
    secret = _create("alice")[0].strip().splitlines()[-1]
    r = ApiClient(client, secret).get(f"/api/v1/patients/{patient_a.pk}")
    assert r.status_code == 200
    assert r.json()["given_name"] == "Mary"


def test_it_stores_only_a_hash_of_the_token(clinician_a):
    secret = _create("alice")[0].strip().splitlines()[-1]
    stored = ApiToken.objects.values().get(user=clinician_a)
    assert all(secret not in str(value) for value in stored.values())
    assert stored["key_hash"] != secret
    assert len(stored["key_hash"]) == 64


def test_it_refuses_an_unknown_user(db):
    with pytest.raises(CommandError, match="nobody"):
        _create("nobody")
    assert not ApiToken.objects.exists()


def test_it_refuses_a_deactivated_user(clinician_a):
    clinician_a.is_active = False
    clinician_a.save()
    with pytest.raises(CommandError):
        _create("alice")


def test_revoking_by_user_stops_the_token_working(client, clinician_a, patient_a):
    api = ApiClient(client, _create("alice")[0].strip().splitlines()[-1])
    assert api.get(f"/api/v1/patients/{patient_a.pk}").status_code == 200

    stdout = StringIO()
    call_command("revoke_api_token", "--user", "alice", stdout=stdout)
    assert "Revoked" in stdout.getvalue()
    assert api.get(f"/api/v1/patients/{patient_a.pk}").status_code == 401


def test_revoking_by_prefix_leaves_other_tokens_working(client, clinician_a, patient_a):
    first = _create("alice")[0].strip().splitlines()[-1]
    second = _create("alice")[0].strip().splitlines()[-1]
    call_command("revoke_api_token", "--prefix", first[:8], stdout=StringIO())
    url = f"/api/v1/patients/{patient_a.pk}"
    assert ApiClient(client, first).get(url).status_code == 401
    assert ApiClient(client, second).get(url).status_code == 200


def test_revoking_when_nothing_matches_is_an_error(clinician_a):
    with pytest.raises(CommandError):
        call_command("revoke_api_token", "--user", "alice", stdout=StringIO())


def test_it_says_when_the_token_stops_working_and_takes_days(clinician_a):
    _, stderr = _create("alice", "--days", "30")
    token = ApiToken.objects.get(user=clinician_a)
    assert (token.expires_at - token.created_at).days == 30
    assert f"works until {token.expires_at:%d %B %Y}" in stderr


def test_it_refuses_a_lifetime_over_a_year(clinician_a):
    with pytest.raises(CommandError, match="1 to 366 days"):
        _create("alice", "--days", "400")
    assert not ApiToken.objects.filter(user=clinician_a).exists()
