"""The API needs a live staff token: none, a bad one, a revoked one or a leaver's one is a 401."""

from datetime import datetime, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from spinepath.accounts.models import ApiToken
from spinepath.testing import ApiClient, api_client_for


def test_it_refuses_a_request_without_a_token(client, patient_a):
    r = client.get(f"/api/v1/patients/{patient_a.pk}")
    assert r.status_code == 401
    assert r.json() == {"detail": "A valid staff API token is required."}


def test_it_refuses_a_made_up_token(client, patient_a):
    r = ApiClient(client, "sp_not-a-real-token").get(f"/api/v1/patients/{patient_a.pk}")
    assert r.status_code == 401


def test_it_refuses_a_token_sent_without_the_bearer_scheme(client, clinician_a, patient_a):
    _, secret = ApiToken.objects.issue(clinician_a)
    r = client.get(f"/api/v1/patients/{patient_a.pk}", headers={"Authorization": secret})
    assert r.status_code == 401


def test_it_refuses_a_revoked_token(client, clinician_a, patient_a):
    token, secret = ApiToken.objects.issue(clinician_a)
    api = ApiClient(client, secret)
    assert api.get(f"/api/v1/patients/{patient_a.pk}").status_code == 200

    token.revoke()
    assert api.get(f"/api/v1/patients/{patient_a.pk}").status_code == 401


def test_it_refuses_the_token_of_a_deactivated_user(client, clinician_a, patient_a):
    api = api_client_for(client, clinician_a)
    clinician_a.is_active = False
    clinician_a.save()
    assert api.get(f"/api/v1/patients/{patient_a.pk}").status_code == 401


def test_it_refuses_writes_without_a_token_and_saves_nothing(client, clinic_a):
    body = '{"given_name": "A", "family_name": "B", "date_of_birth": "1980-01-01", "sex": "male"}'
    r = client.post("/api/v1/patients", body, content_type="application/json")
    assert r.status_code == 401
    assert not clinic_a.patients.exists()


def test_it_records_when_a_token_was_last_used(api_a, clinician_a, patient_a):
    token = ApiToken.objects.get(user=clinician_a)
    assert token.last_used_at is None
    assert api_a.get(f"/api/v1/patients/{patient_a.pk}").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_it_writes_when_a_token_was_last_used_at_most_once_a_minute(clinician_a):
    """One hot row per token made every API call wait for the last: a minute's resolution."""
    token, secret = ApiToken.objects.issue(clinician_a)
    first = timezone.now()

    def used_at(at: datetime) -> tuple[datetime | None, int]:
        with CaptureQueriesContext(connection) as queries:
            assert ApiToken.objects.authenticate(secret, at=at) == clinician_a
        token.refresh_from_db()
        updates = [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
        return token.last_used_at, len(updates)

    assert used_at(first) == (first, 1)
    assert used_at(first + timedelta(seconds=59)) == (first, 0)
    assert used_at(first + timedelta(seconds=60)) == (first + timedelta(seconds=60), 1)
    assert used_at(first + timedelta(seconds=61)) == (first + timedelta(seconds=60), 0)


def test_the_one_statement_token_lookup_makes_the_objects_the_orm_makes(clinician_a):
    """``ApiToken.objects.authenticate`` reads the token, user and clinic with SQL of its own
    (issue 10); every field must come back as the ORM would read it, types included."""
    from spinepath.accounts.models import User

    clinician_a.clinic.ruleset_overrides = {"version": "local-1"}  # JSON read back as a dict
    clinician_a.clinic.save()
    _, secret = ApiToken.objects.issue(clinician_a)
    ApiToken.objects.authenticate(secret)  # the first use notes last_used_at
    with CaptureQueriesContext(connection) as queries:
        user = ApiToken.objects.authenticate(secret)
        clinic = user.clinic
    assert len(queries) == 1
    expected = User.objects.select_related("clinic").get(pk=clinician_a.pk)
    for model_field in User._meta.concrete_fields:
        got, want = getattr(user, model_field.attname), getattr(expected, model_field.attname)
        assert (got, type(got)) == (want, type(want)), model_field.name
    for model_field in type(clinic)._meta.concrete_fields:
        got = getattr(clinic, model_field.attname)
        want = getattr(expected.clinic, model_field.attname)
        assert (got, type(got)) == (want, type(want)), model_field.name
    assert not user._state.adding and user._state.db == "default"


def test_a_token_of_someone_without_a_clinic_has_no_clinic(db):
    from spinepath.testing import make_superuser

    _, secret = ApiToken.objects.issue(make_superuser())
    user = ApiToken.objects.authenticate(secret)
    assert user.is_superuser and user.clinic is None


def test_a_token_works_for_90_days_and_is_refused_from_then_on(client, clinician_a, patient_a):
    issued = timezone.now() - timedelta(days=90) + timedelta(minutes=1)
    token, secret = ApiToken.objects.issue(clinician_a, at=issued)
    assert token.expires_at == issued + timedelta(days=90)
    api = ApiClient(client, secret)
    assert api.get(f"/api/v1/patients/{patient_a.pk}").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now())
    refused = api.get(f"/api/v1/patients/{patient_a.pk}")
    assert refused.status_code == 401
    assert refused.json() == {"detail": "A valid staff API token is required."}


def test_a_token_lives_1_to_366_days(clinician_a):
    assert ApiToken.objects.issue(clinician_a, days=1)[0].expires_at is not None
    for days in (0, 367):
        try:
            ApiToken.objects.issue(clinician_a, days=days)
        except ValueError as error:
            assert "1 to 366 days" in str(error)
        else:
            raise AssertionError(f"{days} days was accepted")
